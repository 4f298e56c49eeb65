"""Graceful shutdown (common/serving.py) in media, the service `make run` stops last: a SIGTERM
while a blob is still arriving refuses new connections, lets the blob finish (201), then exits 0.
The api's side of it is in tests/test_api_workers.py."""

import asyncio
import hashlib
import os
import signal

import aiohttp
import pytest

from tests.helpers import MEDIA_TOKEN
from tests.processes import MediaProcess

pytestmark = pytest.mark.slow


async def test_sigterm_lets_a_blob_still_arriving_be_stored(tmp_path):
    media = MediaProcess(tmp_path / "media").start()
    blob = os.urandom(200_000)
    headers = {"Authorization": f"Bearer {MEDIA_TOKEN}", "Content-Length": str(len(blob))}

    async def halves():
        yield blob[: len(blob) // 2]
        await asyncio.sleep(1)
        yield blob[len(blob) // 2 :]

    try:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(media.url, connector=connector) as http:

            async def put() -> int:
                key = hashlib.sha256(blob).hexdigest()
                async with http.put(f"/blobs/{key}", data=halves(), headers=headers) as response:
                    return response.status

            stored = asyncio.create_task(put())
            await asyncio.sleep(0.5)  # the first half has arrived
            media.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.3)
            with pytest.raises(aiohttp.ClientConnectorError):  # no new connection is taken
                async with http.get("/health"):
                    pass
            assert await stored == 201
        assert await asyncio.to_thread(media.process.wait, 15) == 0
    finally:
        media.stop()
    assert "Traceback" not in media.log.read_text()
