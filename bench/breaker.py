"""python -m bench breaker: how fast the api answers while media is down and the breaker open.

Starts its own media and api (fresh data under a temporary directory), stores a meme, kills
media, opens the breaker with MEDIA_BREAKER_THRESHOLD failing calls, then times one client's
requests for the meme's picture (each a 503 from the open breaker) beside requests for the
meme's JSON (the reference: a database read, no media), and prints both and their ratio.
"""

import asyncio
import io
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from PIL import Image

from bench.pictures import wait_healthy

API_PORT, MEDIA_PORT = 8097, 8098
REQUESTS = 500
TARGET_MS = 50


async def timings(http: aiohttp.ClientSession, url: str, status: int) -> list[float]:
    found = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
            assert response.status == status, (url, response.status)
        found.append((time.perf_counter() - started) * 1000)
    return found


def line(label: str, ms: list[float]) -> str:
    p99 = statistics.quantiles(ms, n=100)[98]
    return f"{label:34} p50 {statistics.median(ms):6.2f} ms   p99 {p99:6.2f} ms   max {max(ms):6.2f} ms"


async def run(workdir: Path) -> None:
    env = os.environ | {
        "MEDIA_TOKEN": secrets.token_urlsafe(24),
        "MEDIA_PORT": str(MEDIA_PORT),
        "MEDIA_STORAGE_DIR": str(workdir / "media"),
        "MEDIA_URL": f"http://127.0.0.1:{MEDIA_PORT}",
        "API_PORT": str(API_PORT),
        "DATA_DIR": str(workdir / "api"),
        "ACCESS_LOG": "false",
        "API_METRICS_PORT": "0",  # any free port: a running stack may hold the default
        "MEDIA_METRICS_PORT": "0",
        "MEDIA_BREAKER_COOLDOWN_SECONDS": "600",  # stays open for the whole run
    }
    for name in ("DATABASE_URL", "S3_ENDPOINT_URL"):
        env.pop(name, None)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    media = subprocess.Popen([sys.executable, "-m", "media"], env=env, **quiet)
    api = subprocess.Popen([sys.executable, "-m", "api", "serve"], env=env, **quiet)
    try:
        await wait_healthy(f"http://127.0.0.1:{MEDIA_PORT}/health")
        await wait_healthy(f"http://127.0.0.1:{API_PORT}/health")
        async with aiohttp.ClientSession(f"http://127.0.0.1:{API_PORT}") as http:
            form = aiohttp.FormData()
            form.add_field("title", "Breaker bench")
            form.add_field("image", _png(), filename="a.png", content_type="image/png")
            async with http.post("/memes", data=form) as response:
                meme = await response.json()
            media.kill()
            media.wait()
            for _ in range(5):  # the default threshold
                async with http.get(meme["image_url"]) as response:
                    await response.read()
            picture = await timings(http, meme["image_url"], 503)
            reference = await timings(http, f"/memes/{meme['id']}", 200)
    finally:
        for process in (api, media):
            process.terminate()
            process.wait()
    print(f"media down, breaker open; {REQUESTS} requests each, one client, local disk")
    print(line("GET /memes/{id}/image (503)", picture))
    print(line("GET /memes/{id} (reference, 200)", reference))
    p99 = statistics.quantiles(picture, n=100)[98]
    ratio = statistics.median(picture) / statistics.median(reference)
    verdict = "under" if p99 < TARGET_MS else "OVER"
    print(f"503 p50 / reference p50: {ratio:.2f}; p99 {p99:.2f} ms is {verdict} {TARGET_MS} ms")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-") as workdir:
        asyncio.run(run(Path(workdir)))
