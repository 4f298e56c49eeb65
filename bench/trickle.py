"""python -m bench trickle: a normal upload while clients trickle uploads from many addresses.

Starts its own media and api (shipped defaults; fresh data under a temporary directory), then
times a 1 MB upload from 127.0.0.1: alone (the reference); alone at 50 KB/s (a slow mobile
link, which must pass the minimum rate); while 8 addresses (127.0.0.2-9) each trickle 4
uploads at about 8 KB/s, starting a new one whenever one is answered, as an attacker holding
every `MAX_UPLOADS` slot would; and the same with the minimum rate off
(`UPLOAD_MIN_BYTES_PER_SECOND=0`, the api restarted): the queue alone, which only delays the
503. It prints the time to each answer and what the tricklers were answered.
"""

import asyncio
import io
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from PIL import Image

from bench.load import free_port, wait_healthy

ADDRESSES = [f"127.0.0.{n}" for n in range(2, 10)]
UPLOADS_PER_ADDRESS = 4  # MAX_UPLOADS_PER_CLIENT: 8 addresses fill the 32 slots
TRICKLE_BYTES, TRICKLE_EVERY = 1024, 0.125  # 8 KB/s
HEAD_START = 3.0  # seconds the tricklers have to take every slot
TARGET_SECONDS = 30
SLOW_LINK = 50_000  # bytes/s: a poor mobile link, which must still get through
BOUNDARY = "trickle"
FORM_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nTrickle\r\n'
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="t.png"\r\n'
    "Content-Type: image/png\r\n\r\n"
).encode()


def megabyte_png(seed: int) -> bytes:
    """About 1 MB of PNG that does not compress; another for each seed (none is stored yet)."""
    side = 580
    pixels = random.Random(seed).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="PNG")
    return buffer.getvalue()


async def upload(api: str, picture: bytes) -> tuple[int, float]:
    """A normal upload from 127.0.0.1: its status and the seconds to it."""
    form = aiohttp.FormData()
    form.add_field("title", "Normal")
    form.add_field("image", picture, filename="n.png", content_type="image/png")
    started = time.monotonic()
    async with aiohttp.ClientSession(api) as http, http.post("/memes", data=form) as response:
        await response.read()
        return response.status, time.monotonic() - started


async def paced_upload(api: str, picture: bytes, bytes_per_second: int) -> tuple[int, float]:
    """The picture sent at `bytes_per_second`, as over a slow mobile link."""

    async def body():
        yield FORM_HEAD
        piece = bytes_per_second // 10
        for start in range(0, len(picture), piece):
            yield picture[start : start + piece]
            await asyncio.sleep(0.1)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    started = time.monotonic()
    async with (
        aiohttp.ClientSession(api) as http,
        http.post("/memes", data=body(), headers=headers) as response,
    ):
        await response.read()
        return response.status, time.monotonic() - started


async def trickler(api: str, address: str, stop: asyncio.Event, answers: Counter) -> None:
    """Uploads from `address` at 8 KB/s, one after another, until `stop`."""

    async def body():
        yield FORM_HEAD
        while not stop.is_set():
            yield b"\x00" * TRICKLE_BYTES
            await asyncio.sleep(TRICKLE_EVERY)

    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    async with aiohttp.ClientSession(api, connector=connector) as http:
        while not stop.is_set():
            try:
                async with http.post("/memes", data=body(), headers=headers) as response:
                    answers[response.status] += 1
                    if response.status != 408:
                        await asyncio.sleep(1)  # 429 or 503: as a client told to wait would
            except aiohttp.ClientError:
                answers["reset"] += 1


async def under_trickle(api: str, picture: bytes) -> tuple[int, float, Counter]:
    """The normal upload, sent `HEAD_START` s after the tricklers; then they are stopped."""
    stop, answers = asyncio.Event(), Counter()
    tricklers = [
        asyncio.create_task(trickler(api, address, stop, answers))
        for address in ADDRESSES
        for _ in range(UPLOADS_PER_ADDRESS)
    ]
    await asyncio.sleep(HEAD_START)
    status, seconds = await upload(api, picture)
    stop.set()
    for task in tricklers:
        task.cancel()  # mid-upload: the connection is dropped, and no answer is counted
    await asyncio.gather(*tricklers, return_exceptions=True)
    return status, seconds, answers


def line(label: str, status: int, seconds: float, answers: Counter | None = None) -> str:
    got = ""
    if answers is not None:
        got = ", ".join(f"{n} × {s}" for s, n in sorted(answers.items(), key=str)) or "nothing"
        got = f"; the tricklers were answered {got}"
    return f"{label:38} {status} in {seconds:6.2f} s{got}"


def start(command: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    process = subprocess.Popen([sys.executable, "-m", *command], env=env, **quiet)
    wait_healthy(health, seconds=60)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def run(workdir: Path) -> None:
    media_port, api_port = free_port(), free_port()
    env = os.environ | {
        "MEDIA_TOKEN": secrets.token_urlsafe(24),
        "MEDIA_PORT": str(media_port),
        "MEDIA_STORAGE_DIR": str(workdir / "media"),
        "MEDIA_URL": f"http://127.0.0.1:{media_port}",
        "API_PORT": str(api_port),
        "API_HOST": "127.0.0.1",
        "DATA_DIR": str(workdir / "api"),
        "TMPDIR": str(workdir),
        "ACCESS_LOG": "false",
        "API_METRICS_PORT": "0",  # any free port: a running stack may hold the default
        "MEDIA_METRICS_PORT": "0",
    }
    for name in ("DATABASE_URL", "S3_ENDPOINT_URL"):
        env.pop(name, None)
    api_url = f"http://127.0.0.1:{api_port}"
    started = [start(["media"], env, f"http://127.0.0.1:{media_port}/health")]
    try:
        started.append(start(["api", "serve"], env, f"{api_url}/health"))
        picture = megabyte_png(0)
        asyncio.run(upload(api_url, picture))  # the image workers started, the pool filled
        print(
            f"a {len(picture) / 1e6:.2f} MB picture from 127.0.0.1; {len(ADDRESSES)} addresses"
            f" × {UPLOADS_PER_ADDRESS} uploads trickling at"
            f" {TRICKLE_BYTES / TRICKLE_EVERY / 1000:.0f} KB/s, {HEAD_START:g} s ahead of it"
        )
        print(line("alone (reference)", *asyncio.run(upload(api_url, megabyte_png(1)))))
        slow = asyncio.run(paced_upload(api_url, megabyte_png(4), SLOW_LINK))
        print(line(f"alone, sent at {SLOW_LINK // 1000} KB/s (a slow phone)", *slow))
        status, seconds, answers = asyncio.run(under_trickle(api_url, megabyte_png(2)))
        print(line("under the trickle, shipped defaults", status, seconds, answers))
        verdict = "within" if status == 201 and seconds < TARGET_SECONDS else "NOT within"
        print(f"  the normal upload's 201 is {verdict} {TARGET_SECONDS} s")
        stop(started.pop())
        env["UPLOAD_MIN_BYTES_PER_SECOND"] = "0"
        started.append(start(["api", "serve"], env, f"{api_url}/health"))
        status, seconds, answers = asyncio.run(under_trickle(api_url, megabyte_png(3)))
        print(line("under the trickle, no minimum rate", status, seconds, answers))
    finally:
        for process in reversed(started):
            stop(process)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-trickle-") as workdir:
        run(Path(workdir))
