"""The system a chaos run starts and breaks: PostgreSQL (pgserver), moto behind the fault proxy
(tests/s3_proxy.py) or the local disk, media, the api and one `python -m api worker`.

Every service is a process group of its own (tests/processes.py) that dies with the bench
(PR_SET_PDEATHSIG), and every group it ever had is killed when the run ends. A crash is a
SIGKILL to the service's main process alone, as the OOM killer sends it: what that process
started (its image workers) is left to end by itself, and the run checks that it does.
"""

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp

from tests.helpers import MEDIA_TOKEN
from tests.processes import ServiceProcess
from tests.s3_proxy import FaultyS3

PR_SET_PDEATHSIG = 1
LIBC = ctypes.CDLL(None, use_errno=True)
STARTUP_SECONDS = 60  # a busy 2-core machine starts the api in a few seconds; this is plenty


class Service(ServiceProcess):
    """A service of the run: dies with the bench, crashes on demand, remembers its groups."""

    stdout = subprocess.DEVNULL  # the addresses the api prints; the report is the output

    def __init__(self, name: str, command: list[str], cwd: Path, **settings: str) -> None:
        cwd.mkdir(parents=True, exist_ok=True)
        super().__init__(command, cwd, **settings)
        self.name = name
        self.groups: list[int] = []  # every process group it had (its pid at each start)
        self.crashed: list[int] = []  # of those, the ones whose main process was SIGKILLed
        self.busy = False  # a fault has it down on purpose: not an exit by itself

    def before_exec(self) -> None:
        super().before_exec()
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a bench killed takes its services along

    def launch(self) -> "Service":
        # Only from the event loop's thread: the death signal follows the thread that forked.
        super().launch()
        self.groups.append(self.process.pid)
        return self

    async def up(self, health: str | None = "/health") -> None:
        """Start it and wait until it answers (a process with no port: until it runs)."""
        self.launch()
        if health is None:
            return
        deadline = time.monotonic() + STARTUP_SECONDS
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as http:
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    async with http.get(self.url + health) as response:
                        await response.read()
                        return
                except (aiohttp.ClientError, TimeoutError):
                    await asyncio.sleep(0.1)
        log = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not start:\n{log}")

    def crash(self) -> None:
        """SIGKILL to the main process alone."""
        self.process.kill()
        self.process.wait()
        self.crashed.append(self.process.pid)

    def exited(self) -> int | None:
        return self.process.poll() if self.process else None

    def kill_everything(self) -> None:
        """Every process of every group it had: nothing of the run outlives it."""
        for group in self.groups:
            try:
                os.killpg(group, signal.SIGCONT)
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process:
            self.process.wait()


class Stack:
    """PostgreSQL, the store, media, the api and a worker, under `root`."""

    def __init__(self, root: Path, store: str) -> None:
        self.root = root
        self.store = store
        self.postgres = None
        self.moto: Service | None = None
        self.s3: FaultyS3 | None = None
        self.services: list[Service] = []

    async def start(self, memes: int) -> None:
        """Each part as soon as what it needs is up: PostgreSQL and S3 at once, then media,
        then the api, the worker and the generated memes at once."""
        media_settings, _ = await asyncio.gather(self._start_store(), self._start_postgres())
        logs = {"log_format": "json", "media_token": MEDIA_TOKEN}
        self.media = Service(
            "media", ["media"], self.root / "media", media_storage_dir=self.root / "blobs",
            media_metrics_port=0, **logs, **media_settings,
        )  # fmt: skip
        self.media.env["MEDIA_PORT"] = str(self.media.port)
        await self.media.up()
        self.api_settings = {
            "database_url": self.database_url, "media_url": self.media.url,
            "apply_migrations": "false", "data_dir": self.root / "api-data",
            "api_metrics_port": 0,
            # Every client of the run comes from 127.0.0.1: limits per client would make
            # them all one client.
            "rate_limit_reads": 0, "rate_limit_writes": 0, "max_uploads_per_client": 64, **logs,
        }  # fmt: skip
        self.api = Service("api", ["api", "serve"], self.root / "api", **self.api_settings)
        self.api.env["API_PORT"] = str(self.api.port)
        self.api.env["TMPDIR"] = str(self.api.cwd)
        self.worker = Service(
            "worker", ["api", "worker"], self.root / "worker", **self.api_settings
        )
        self.services = [self.media, self.api, self.worker]
        await asyncio.gather(self.api.up(), self.worker.up(None), self._generate(memes))

    async def _start_postgres(self) -> None:
        import pgserver

        from api.db.connection import apply_migrations

        self.postgres = await asyncio.to_thread(
            pgserver.get_server, self.root / "postgres", cleanup_mode="stop"
        )
        self.database_url = self.postgres.get_uri()
        await asyncio.to_thread(apply_migrations, self.database_url)

    async def _start_store(self) -> dict[str, str]:
        """media's settings for its store."""
        if self.store != "s3":
            return {}
        self.moto = Service("moto", ["moto.server", "-H", "127.0.0.1"], self.root / "moto")
        self.moto.command += ["-p", str(self.moto.port)]
        await self.moto.up("/moto-api/")
        self.s3 = FaultyS3(self.moto.url, minio=False).start()
        return {
            "s3_endpoint_url": self.s3.url, "s3_bucket": f"chaos-{uuid.uuid4().hex[:8]}",
            "s3_access_key_id": "chaos", "s3_secret_access_key": "chaos",
        }  # fmt: skip

    async def _generate(self, memes: int) -> None:
        if not memes:
            return
        done = await asyncio.to_thread(self.command, "fixtures", "generate", "--count", str(memes))
        if done.returncode:
            raise RuntimeError(f"fixtures generate failed:\n{done.stderr[-2000:]}")

    def command(self, *args: str) -> subprocess.CompletedProcess:
        """`python -m api ARGS` with the api's settings."""
        return subprocess.run(
            [sys.executable, "-m", "api", *args], env=self.api.env, cwd=self.api.cwd,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    def stop_postgres(self) -> None:
        from pgserver._commands import pg_ctl

        pgdata, user = self.postgres.pgdata, self.postgres.system_user
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)

    def start_postgres(self) -> None:
        self.postgres.ensure_postgres_running()

    def close(self) -> None:
        for service in [*self.services, *([self.moto] if self.moto else [])]:
            service.kill_everything()
        if self.s3:
            self.s3.stop()
        if self.postgres:
            self.postgres.cleanup()
