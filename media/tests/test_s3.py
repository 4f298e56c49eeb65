"""The S3 backend against moto's S3 server over HTTP."""

import hashlib

import aioboto3

from conftest import MEDIA_TOKEN, s3_media_settings, start_moto
from media.app import create_app

AUTH = {"Authorization": f"Bearer {MEDIA_TOKEN}"}
DATA = b"x" * 1000
KEY = hashlib.sha256(DATA).hexdigest()


async def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    session = aioboto3.Session()
    async with session.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    ) as s3:
        listing = await s3.list_objects_v2(Bucket=bucket)
        return [item["Key"] for item in listing.get("Contents", [])]


async def test_bucket_is_created_at_start_up_and_holds_the_blob(aiohttp_client, s3_endpoint, tmp_path):
    settings = s3_media_settings(s3_endpoint, tmp_path)
    media = await aiohttp_client(create_app(settings))
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == []
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == [KEY]
    assert (await media.delete(f"/blobs/{KEY}", headers=AUTH)).status == 204
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == []


async def test_storage_down_is_503_problem(aiohttp_client, tmp_path):
    server, endpoint = start_moto()
    media = await aiohttp_client(create_app(s3_media_settings(endpoint, tmp_path)))
    server.stop()
    for method in ("put", "get", "head", "delete"):
        response = await getattr(media, method)(f"/blobs/{KEY}", data=DATA if method == "put" else None, headers=AUTH)
        assert response.status == 503, method
        if method != "head":
            assert (await response.json())["code"] == "storage-unavailable"
