"""The api's client of media: a refusal (a 4xx) is the problem it is, at once, and never an
outage: not a 503, not retried, and it does not open the circuit breaker."""

import hashlib

import pytest

from api.errors import PictureTooLarge
from api.media_client import open_media_client
from common.problems import InternalError
from media.app import create_app as create_media_app
from tests.helpers import api_settings_for

BLOB = b"a picture, as far as media cares" * 200  # 6,400 bytes
KEY = hashlib.sha256(BLOB).hexdigest()


@pytest.fixture
async def media_taking(aiohttp_server, media_settings):
    """Media storing blobs up to 4 times `max_upload_bytes` (common.limits)."""

    async def start(max_upload_bytes: int):
        settings = media_settings.model_copy(update={"max_upload_bytes": max_upload_bytes})
        return await aiohttp_server(create_media_app(settings))

    return start


async def test_a_blob_media_refuses_as_too_large_is_413(media_taking, database_url, tmp_path):
    media = await media_taking(1000)  # a MAX_UPLOAD_BYTES below the api's: 4,000 bytes at most
    settings = api_settings_for(database_url, str(media.make_url("")), tmp_path)
    path = tmp_path / "blob"
    path.write_bytes(BLOB)
    async with open_media_client(settings) as client:
        for _ in range(settings.media_breaker_threshold + 1):
            with pytest.raises(PictureTooLarge) as refused:
                await client.put(KEY, path, len(BLOB))
            assert refused.value.status == 413 and "Retry-After" not in refused.value.headers
        assert await client.exists(KEY) is False  # the breaker stayed closed


async def test_a_wrong_media_token_is_a_500_not_an_outage(media_taking, database_url, tmp_path):
    media = await media_taking(10_000)
    settings = api_settings_for(
        database_url, str(media.make_url("")), tmp_path, media_token="not-the-media-token-at-all"
    )
    path = tmp_path / "blob"
    path.write_bytes(BLOB)
    async with open_media_client(settings) as client:
        for _ in range(settings.media_breaker_threshold + 1):
            with pytest.raises(InternalError):
                await client.put(KEY, path, len(BLOB))
        breaker = await client.guard.breakers.get_breaker("media")
        assert breaker.context.state == "closed"
