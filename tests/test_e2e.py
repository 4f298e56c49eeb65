"""End to end: both services on real sockets, the api talking HTTP to media, media to S3 (moto's
server) or the disk, a client talking HTTP to the api."""

import hashlib
import io

import aiohttp
import boto3
import pytest
from PIL import Image
from yarl import URL

from api.app import create_app as create_api_app
from media.settings import MediaSettings
from tests.helpers import api_settings_for, eventually, meme_form, owner
from tests.pictures import animated_gif, picture

pytestmark = pytest.mark.both_stores


def keys_in_storage(settings: MediaSettings) -> set[str]:
    """What the storage itself holds, read without going through the media service."""
    if settings.s3_endpoint_url is None:
        return {path.name for path in (settings.media_storage_dir / "blobs").glob("*/*")}
    s3 = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    listing = s3.list_objects_v2(Bucket=settings.s3_bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


async def storage_comes_to_hold(settings: MediaSettings, keys: set[str]) -> bool:
    """Deletions are carried out right after the answer: within seconds."""

    async def holds() -> bool:
        return keys_in_storage(settings) == keys

    return await eventually(holds)


async def test_create_get_list_update_download_delete(
    aiohttp_server, media_server, media_settings, database_url, tmp_path
):
    settings = api_settings_for(database_url, str(media_server.make_url("")), tmp_path)
    api = await aiohttp_server(create_api_app(settings))
    png, gif = picture("PNG", (64, 48), "crimson"), animated_gif(4)

    async with aiohttp.ClientSession(api.make_url("")) as http:
        async with http.post("/memes", data=meme_form("First", png, description="one")) as r:
            assert r.status == 201
            meme = await r.json()
            location = URL(r.headers["Location"]).path  # absolute; the session wants a path
        edit = owner(meme)  # the token comes in the 201 only
        meme.pop("edit_token")
        async with http.get(location) as r:
            assert await r.json() == meme
        # A PNG made by Pillow comes back from cleaning byte for byte.
        assert keys_in_storage(media_settings) == {hashlib.sha256(png).hexdigest()}

        async with http.get("/memes", params={"limit": 10}) as r:
            assert r.headers["Transfer-Encoding"] == "chunked"
            page = await r.json()
        assert page["total"] == 1 and page["items"] == [meme]

        form = meme_form("Second", gif, description="two")
        async with http.put(location, data=form, headers=edit) as r:
            assert r.status == 200
            updated = await r.json()
        assert (updated["title"], updated["content_type"], updated["width"]) == (
            "Second",
            "image/gif",
            16,
        )
        # The old picture goes right after the change; only the new one stays stored.
        assert await storage_comes_to_hold(media_settings, {updated["sha256"]})

        async with http.get(updated["image_url"]) as r:
            assert r.status == 200
            downloaded = await r.read()
        # The stored picture is a clean re-encoding of the upload, with all its frames.
        assert hashlib.sha256(downloaded).hexdigest() == updated["sha256"]
        with Image.open(io.BytesIO(downloaded)) as picture_read:
            assert picture_read.n_frames == 4

        async with http.delete(location) as r:
            assert r.status == 401  # nobody but its owner
        async with http.delete(location, headers=edit) as r:
            assert r.status == 204
        async with http.delete(location, headers=edit) as r:
            assert r.status == 404  # gone, and that is public
        assert await storage_comes_to_hold(media_settings, set())
