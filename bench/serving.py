"""python -m bench serving: where users wait, as ratios measured in the same run.

Starts its own PostgreSQL (pgserver), media on the local disk, the api and the bare reference
app (bench/reference.py) under a temporary directory, generates `--memes` memes and uploads one
small picture, then loads each with wrk (-t2 -c64, `--duration` s, median of `--runs`, api and
reference runs alternating): `GET /memes/{id}` (random ids, a wrk script) and the first page against the
reference; `/images/{sha256}` and `/memes/{id}/image` against media answering `/blobs/{sha256}`
directly; then `GET /memes/{id}` again with `API_WORKERS=2`. The rate limits are off
(`RATE_LIMIT_READS=0`): the reference has none, and one wrk client would spend its quota in a
second.
"""

import io
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

from api.db.connection import apply_migrations
from bench.load import Load, free_port, median, wait_healthy, wrk

RANDOM_IDS = """
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/memes/" .. math.random(1, {top}))
end
"""
TARGET = 0.9


def small_picture() -> bytes:
    """About 1.5 KB of PNG, as a small meme thumbnail-ish picture."""
    image = Image.new("RGB", (96, 64), "white")
    draw = ImageDraw.Draw(image)
    for n in range(0, 96, 12):
        draw.line((n, 0, 96 - n, 64), fill=(n * 2, 40, 200), width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def start(command: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", *command], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_healthy(health)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def line(name: str, load: Load, base: Load | None, base_name: str = "") -> None:
    ratio = load.requests_per_second / base.requests_per_second if base else None
    verdict = "" if ratio is None else ("ok" if ratio >= TARGET else f"below {TARGET}")
    base_rps = f"{base.requests_per_second:8.0f}" if base else " " * 8
    ratio_text = f"{ratio:5.2f}" if ratio is not None else " " * 5
    print(
        f"{name:34} {load.requests_per_second:8.0f} {load.p99_ms:7.1f} | {base_name:16}"
        f" {base_rps} | {ratio_text} {verdict}"
    )


def run(root: Path, memes: int, duration: int, runs: int) -> None:
    import pgserver

    server = pgserver.get_server(root / "postgres", cleanup_mode="stop")
    database = server.get_uri()
    apply_migrations(database)
    token = secrets.token_urlsafe(24)
    media_port, api_port, reference_port = free_port(), free_port(), free_port()
    env = os.environ | {
        "DATABASE_URL": database, "MEDIA_TOKEN": token, "APPLY_MIGRATIONS": "false",
        "MEDIA_PORT": str(media_port), "MEDIA_STORAGE_DIR": str(root / "media"),
        "MEDIA_URL": f"http://127.0.0.1:{media_port}", "API_PORT": str(api_port),
        "DATA_DIR": str(root), "TMPDIR": str(root), "ACCESS_LOG": "false", "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_READS": "0", "RATE_LIMIT_WRITES": "0", "RECONCILE_INTERVAL_SECONDS": "0",
        "API_METRICS_PORT": "0", "MEDIA_METRICS_PORT": "0",
    }  # fmt: skip
    api_url, media_url = f"http://127.0.0.1:{api_port}", env["MEDIA_URL"]
    started = [start(["media"], env, f"{media_url}/health")]
    try:
        subprocess.run(  # the demo pictures they share are stored through media
            [sys.executable, "-m", "api", "fixtures", "generate", "--count", str(memes)],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(start(["api", "serve"], env, f"{api_url}/health"))
        picture = small_picture()
        made = httpx.post(
            f"{api_url}/memes", data={"title": "Benchmarked"},
            files={"image": ("b.png", picture, "image/png")},
        ).json()  # fmt: skip
        script = root / "random-ids.lua"
        script.write_text(RANDOM_IDS.replace("{top}", str(memes)))
        started.append(
            start(
                ["bench.reference", "--database-url", database, "--port", str(reference_port)],
                env, f"http://127.0.0.1:{reference_port}/memes/1",
            )
        )  # fmt: skip
        reference = f"http://127.0.0.1:{reference_port}"
        auth = {"Authorization": f"Bearer {token}"}
        blob = f"{media_url}/blobs/{made['sha256']}"
        pairs = {  # what is measured: (the api's, what it is compared with)
            "GET /memes/{id} (random ids)": ((f"{api_url}/", {"script": script}),
                                             (f"{reference}/", {"script": script}), "reference"),
            "GET /memes?limit=20": ((f"{api_url}/memes?limit=20", {}), (f"{reference}/memes", {}),
                                    "reference"),
            "GET /images/{sha256}": ((f"{api_url}{made['content_url']}", {}),
                                     (blob, {"headers": auth}), "media direct"),
            "GET /memes/{id}/image": ((f"{api_url}{made['image_url']}", {}),
                                      (blob, {"headers": auth}), "media direct"),
        }  # fmt: skip
        print(
            f"{memes:,} memes; picture {made['size']:,} bytes; wrk -t2 -c64 -d{duration}s, median"
            f" of {runs} runs, the api's and the other's alternating"
        )
        loads: dict[str, tuple[list[Load], list[Load]]] = {name: ([], []) for name in pairs}
        for _ in range(runs):  # alternating, so that drift on a shared machine hits both alike
            for name, ((url, options), (base_url, base_options), _) in pairs.items():
                loads[name][0].append(wrk(url, duration, **options))
                loads[name][1].append(wrk(base_url, duration, **base_options))
        stop(started.pop(1))
        env["API_WORKERS"] = "2"
        started.insert(1, start(["api", "serve"], env, f"{api_url}/health"))
        two = median([wrk(f"{api_url}/", duration, script=script) for _ in range(runs)])
        print(f"{'request':34} {'req/s':>8} {'p99 ms':>7} | {'against':16} {'req/s':>8} | ratio")
        for name, (_, _, base_name) in pairs.items():
            line(name, median(loads[name][0]), median(loads[name][1]), base_name)
        one = median(loads["GET /memes/{id} (random ids)"][0])
        line("GET /memes/{id}, API_WORKERS=1", one, None)
        line("GET /memes/{id}, API_WORKERS=2", two, one, "API_WORKERS=1")
    finally:
        for process in reversed(started):
            stop(process)
        server.cleanup()


def main(memes: int = 20_000, duration: int = 4, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-serving-") as root:
        run(Path(root), memes, duration, runs)
