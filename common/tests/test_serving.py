"""Graceful shutdown (common/serving.py) in media, the service `make run` stops last: a SIGTERM
while a blob is still arriving refuses new connections, lets the blob finish (201), then exits 0;
a second signal after the server stopped changes nothing. The api's side of it is in
tests/test_api_workers.py."""

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import MEDIA_TOKEN
from tests.processes import MediaProcess

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


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


# A served app whose process, once the server has stopped, takes its time to end (as the api's
# process joins its image workers at exit).
SLOW_TO_EXIT = textwrap.dedent("""
    import logging, time
    from aiohttp import web
    from common.serving import Listener, run
    logging.basicConfig(level=logging.INFO)
    run(web.Application(), Listener("127.0.0.1", 0), None, 5)
    print("stopped", flush=True)
    time.sleep(2)
""")


def test_a_signal_after_the_server_stopped_changes_nothing():
    command = [sys.executable, "-c", SLOW_TO_EXIT]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with subprocess.Popen(command, cwd=ROOT, **pipes) as process:
        try:
            while "listening on" not in process.stderr.readline():
                assert process.poll() is None
            process.send_signal(signal.SIGINT)  # Ctrl-C
            assert process.stdout.readline() == "stopped\n"
            process.send_signal(signal.SIGTERM)  # passed on by a server, late
            assert process.wait(timeout=15) == 0
        finally:
            process.kill()
