"""python -m bench pictures: a 50 MB picture up and down through api and media.

Starts its own media and api (fresh data under a temporary directory, caps raised for the
picture), then prints for the upload and the download the MB/s and how much the peak RSS of
each process grew, and the MB/s of the same storage written and read directly.
"""

import asyncio
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil
from PIL import Image

API_PORT, MEDIA_PORT = 8095, 8096
MiB = 1024 * 1024


def big_picture(path: Path, side: int) -> None:
    """Noise does not compress: a PNG about as large as its pixels."""
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, compress_level=1)


def reset_peak(process: psutil.Process) -> None:
    for each in [process, *process.children(recursive=True)]:
        Path(f"/proc/{each.pid}/clear_refs").write_text("5")  # resets VmHWM (root only)


def peak_mb(process: psutil.Process) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / MiB


async def wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    sys.exit(f"{url} did not come up")


def report(
    label: str,
    seconds: float,
    size: int,
    processes: dict[str, psutil.Process],
    before: dict[str, float],
) -> None:
    growth = ", ".join(
        f"{name} {before[name]:.0f} -> peak {peak_mb(process):.0f} MB"
        f" (+{peak_mb(process) - before[name]:.1f})"
        for name, process in processes.items()
    )
    print(f"{label:9} {size / MiB / seconds:7.1f} MB/s   RSS: {growth}")


async def run(workdir: Path, side: int) -> None:
    picture = workdir / "big.png"
    big_picture(picture, side)
    size = picture.stat().st_size
    env = os.environ | {
        "MEDIA_TOKEN": secrets.token_urlsafe(24),
        "MEDIA_PORT": str(MEDIA_PORT),
        "MEDIA_STORAGE_DIR": str(workdir / "media"),
        "MEDIA_URL": f"http://127.0.0.1:{MEDIA_PORT}",
        "API_PORT": str(API_PORT),
        "DATA_DIR": str(workdir / "api"),
        "MAX_UPLOAD_BYTES": str(4 * size),
        "ACCESS_LOG": "false",
        "API_METRICS_PORT": "0",  # any free port: a running stack may hold the default
        "MEDIA_METRICS_PORT": "0",
    }
    env.pop("DATABASE_URL", None)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    media = subprocess.Popen([sys.executable, "-m", "media"], env=env, **quiet)
    api = subprocess.Popen([sys.executable, "-m", "api", "serve"], env=env, **quiet)
    try:
        await wait_healthy(f"http://127.0.0.1:{MEDIA_PORT}/health")
        await wait_healthy(f"http://127.0.0.1:{API_PORT}/health")
        processes = {"api": psutil.Process(api.pid), "media": psutil.Process(media.pid)}
        print(
            f"picture: {size / MiB:.1f} MB PNG, {side}x{side}; storage: "
            + ("S3 " + env["S3_ENDPOINT_URL"] if env.get("S3_ENDPOINT_URL") else "local disk")
        )
        timeout = aiohttp.ClientTimeout(total=None, sock_read=300)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{API_PORT}", timeout=timeout) as http:
            before = {name: rss_mb(process) for name, process in processes.items()}
            for process in processes.values():
                reset_peak(process)
            form = aiohttp.FormData()
            form.add_field("title", "A very large meme")
            with picture.open("rb") as file:
                form.add_field("image", file, filename="big.png", content_type="image/png")
                started = time.monotonic()
                async with http.post("/memes", data=form) as response:
                    meme = await response.json()
                    assert response.status == 201, meme
            report("upload", time.monotonic() - started, size, processes, before)
            workers = processes["api"].children(recursive=True)
            if workers:
                print(
                    f"          (the api's image workers, which decode and re-encode: peak"
                    f" {max(peak_mb(worker) for worker in workers):.0f} MB)"
                )

            before = {name: rss_mb(process) for name, process in processes.items()}
            for process in processes.values():
                reset_peak(process)
            started, received = time.monotonic(), 0
            async with http.get(meme["image_url"]) as response:
                async for chunk in response.content.iter_chunked(1 << 16):
                    received += len(chunk)
            assert received == meme["size"]
            report("download", time.monotonic() - started, meme["size"], processes, before)
    finally:
        api.terminate()
        media.terminate()
        api.wait()
        media.wait()
    direct(picture, workdir / "direct")


def direct(picture: Path, target: Path) -> None:
    """The same bytes written to and read from the local disk, without the services."""
    size = picture.stat().st_size
    started = time.monotonic()
    shutil.copyfile(picture, target)
    os.sync()
    print(f"{'disk write':9} {size / MiB / (time.monotonic() - started):7.1f} MB/s   (direct)")
    started = time.monotonic()
    with target.open("rb") as file:
        while file.read(1 << 16):
            pass
    print(
        f"{'disk read':9} {size / MiB / (time.monotonic() - started):7.1f} MB/s   (direct, page cache)"
    )


def main(side: int = 4096) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-") as workdir:
        asyncio.run(run(Path(workdir), side))
