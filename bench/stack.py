"""The services `bench serving` and `bench loops` load, started here under a temporary
directory: PostgreSQL (pgserver) filled by `fixtures generate`, media on the local disk, apis
with the settings each comparison needs, and the bare apps (bench/floor.py, bench/reference.py).
"""

import io
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

from api.db.connection import apply_migrations
from api.settings import ApiSettings
from bench.load import free_port, wait_healthy

# Each wrk thread its own seed: two threads seeded alike would ask for the same ids.
RANDOM_IDS = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", os.time() * 100 + threads)
end
function init(args)
  math.randomseed(seed)
end
function request()
  return wrk.format("GET", "/memes/" .. math.random(1, {top}))
end
"""


@dataclass(frozen=True)
class Service:
    url: str
    pid: int  # of the process that serves (API_WORKERS=1)


@dataclass
class Stack:
    root: Path
    memes: int
    database: str
    env: dict[str, str]  # what every service is started with
    processes: list[subprocess.Popen] = field(default_factory=list)
    first_media: Service | None = None  # the one the stack was filled through

    @property
    def random_ids(self) -> Path:
        """A wrk script asking for memes by id, at random over the whole table."""
        script = self.root / "random-ids.lua"
        script.write_text(RANDOM_IDS.replace("{top}", str(self.memes)))
        return script

    def start(self, command: list[str], health: str, **settings: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", *command], env=self.env | settings,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(process)
        wait_healthy(health)
        return process

    def api(self, loop: str, **settings: str) -> Service:
        """An api on `loop`, with the settings given besides those of the stack."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings["API_PORT"] = str(port)
        command = ["bench.loop", loop, "api", "serve"]
        return Service(url, self.start(command, f"{url}/health", **settings).pid)

    def media(self, loop: str) -> Service:
        """One more media process, on the stack's store."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = ["bench.loop", loop, "media"]
        return Service(url, self.start(command, f"{url}/health", MEDIA_PORT=str(port)).pid)

    def bare(self, name: str, loop: str) -> Service:
        """bench.floor or bench.reference on `loop`, with the api's pool size."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        pool_size = str(ApiSettings.model_fields["db_pool_size"].default)
        command = [f"bench.{name}", "--database-url", self.database, "--port", str(port),
                   "--pool-size", pool_size, "--loop", loop]  # fmt: skip
        return Service(url, self.start(command, f"{url}/memes/1").pid)

    def stop(self, service: Service) -> None:
        process = next(p for p in self.processes if p.pid == service.pid)
        self.processes.remove(process)
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def generated(root: Path, memes: int, loop: str) -> Iterator[Stack]:
    """PostgreSQL with `memes` memes, and media (on `loop`) storing their demo pictures."""
    import pgserver

    server = pgserver.get_server(root / "postgres", cleanup_mode="stop")
    database = server.get_uri()
    apply_migrations(database)
    media_port = free_port()
    env = os.environ | {
        "DATABASE_URL": database, "MEDIA_TOKEN": secrets.token_urlsafe(24),
        "APPLY_MIGRATIONS": "false", "MEDIA_PORT": str(media_port),
        "MEDIA_STORAGE_DIR": str(root / "media"), "MEDIA_URL": f"http://127.0.0.1:{media_port}",
        "DATA_DIR": str(root), "TMPDIR": str(root), "RECONCILE_INTERVAL_SECONDS": "0",
        "API_METRICS_PORT": "0", "MEDIA_METRICS_PORT": "0",
    }  # fmt: skip
    stack = Stack(root, memes, database, env)
    try:
        media = stack.start(["bench.loop", loop, "media"], f"{env['MEDIA_URL']}/health")
        stack.first_media = Service(env["MEDIA_URL"], media.pid)
        subprocess.run(  # the demo pictures they share are stored through media
            [sys.executable, "-m", "api", "fixtures", "generate", "--count", str(memes)],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        yield stack
    finally:
        for process in reversed(stack.processes):
            process.terminate()
            process.wait(timeout=30)
        server.cleanup()


def small_picture() -> bytes:
    """About 1.2 KB of PNG, as a small meme thumbnail-ish picture."""
    image = Image.new("RGB", (96, 64), "white")
    draw = ImageDraw.Draw(image)
    for n in range(0, 96, 12):
        draw.line((n, 0, 96 - n, 64), fill=(n * 2, 40, 200), width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def uploaded(api: str) -> dict:
    """A meme with a small picture, made through `api` (its rate limit of writes allowing)."""
    return httpx.post(
        f"{api}/memes", data={"title": "Benchmarked"},
        files={"image": ("b.png", small_picture(), "image/png")},
    ).json()  # fmt: skip
