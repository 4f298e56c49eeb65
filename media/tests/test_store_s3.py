"""The S3 backend against moto's S3 server over HTTP."""

import asyncio
import hashlib
import io
import os

import aioboto3

from media.app import create_app
from media.state import SERVICES
from tests.helpers import MEDIA_TOKEN, s3_media_settings, spooled, start_moto

AUTH = {"Authorization": f"Bearer {MEDIA_TOKEN}"}
DATA = b"x" * 1000
KEY = hashlib.sha256(DATA).hexdigest()


def s3_client(endpoint: str):
    return aioboto3.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


async def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    async with s3_client(endpoint) as s3:
        listing = await s3.list_objects_v2(Bucket=bucket)
        return [item["Key"] for item in listing.get("Contents", [])]


async def test_bucket_is_created_at_start_up_and_holds_the_blob(
    aiohttp_client, s3_endpoint, tmp_path
):
    settings = s3_media_settings(s3_endpoint, tmp_path)
    media = await aiohttp_client(create_app(settings))
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == []
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == [KEY]
    assert (await media.delete(f"/blobs/{KEY}", headers=AUTH)).status == 204
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == []
    async with s3_client(s3_endpoint) as s3:
        rules = await s3.get_bucket_lifecycle_configuration(Bucket=settings.s3_bucket)
    # Parts of uploads cut off by a storage outage are dropped by the store itself.
    assert rules["Rules"][0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


async def test_storage_down_is_503_problem(aiohttp_client, tmp_path):
    server, endpoint = start_moto()
    media = await aiohttp_client(create_app(s3_media_settings(endpoint, tmp_path)))
    server.stop()
    methods = ("put", "get", "head", "delete")
    # At once: each waits out the S3 client's retries.
    responses = await asyncio.gather(*(
        getattr(media, m)(f"/blobs/{KEY}", data=DATA if m == "put" else None, headers=AUTH)
        for m in methods
    ))  # fmt: skip
    for method, response in zip(methods, responses, strict=True):
        assert response.status == 503, method
        if method != "head":
            assert (await response.json())["code"] == "storage-unavailable"


async def test_a_blob_above_the_threshold_goes_up_in_parts(aiohttp_client, s3_endpoint, tmp_path):
    # moto takes its time over 5 MiB parts: a roomier timeout than the other tests'.
    settings = s3_media_settings(
        s3_endpoint, tmp_path, s3_multipart_threshold_bytes=5 * 1024 * 1024, s3_timeout_seconds=20
    )
    media = await aiohttp_client(create_app(settings))
    data = os.urandom(6 * 1024 * 1024 + 123)
    key = hashlib.sha256(data).hexdigest()
    assert (await media.put(f"/blobs/{key}", data=io.BytesIO(data), headers=AUTH)).status == 201
    assert await (await media.get(f"/blobs/{key}", headers=AUTH)).read() == data
    async with s3_client(s3_endpoint) as s3:
        head = await s3.head_object(Bucket=settings.s3_bucket, Key=key)
        # A multipart object's ETag ends in the number of its parts.
        assert head["ETag"].strip('"').endswith("-2")
        uploads = await s3.list_multipart_uploads(Bucket=settings.s3_bucket)
        assert uploads.get("Uploads", []) == []


async def test_an_interrupted_upload_leaves_nothing(aiohttp_server, s3_endpoint, tmp_path):
    settings = s3_media_settings(
        s3_endpoint, tmp_path, s3_multipart_threshold_bytes=5 * 1024 * 1024
    )
    server = await aiohttp_server(create_app(settings))
    key = "ab" * 32
    # The client announces 6 MiB, sends 1 MiB and hangs up.
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"PUT /blobs/{key} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {MEDIA_TOKEN}\r\n"
        f"Content-Length: {6 * 1024 * 1024}\r\n\r\n".encode()
        + b"x" * 1024 * 1024
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    spool = server.app[SERVICES].spool
    for _ in range(50):  # the server notices the hang-up a moment later
        await asyncio.sleep(0.05)
        if not spooled(spool):
            break
    assert spooled(spool) == []
    assert await bucket_keys(s3_endpoint, settings.s3_bucket) == []
    async with s3_client(s3_endpoint) as s3:
        uploads = await s3.list_multipart_uploads(Bucket=settings.s3_bucket)
        assert uploads.get("Uploads", []) == []
