"""A service (media, or the api) as a process of its own, so that a test can kill it (SIGKILL),
hang it (SIGSTOP) and start it again on the same port, as an outage or a crash does."""

import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import MEDIA_TOKEN

ROOT = Path(__file__).resolve().parent.parent


# Below the kernel's ephemeral range (32768 and up): a port the kernel hands out to outgoing
# connections could be taken by one between our check and the service's bind.
PORTS = range(20000, 32768)


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", random.choice(PORTS)))
            except OSError:
                continue
            return sock.getsockname()[1]


class ServiceProcess:
    stdout: int | None = None  # where what it prints goes (its log takes stderr)

    def __init__(
        self, command: list[str], cwd: Path, file_size_cap: int | None = None, **settings: str
    ) -> None:
        self.command = command
        self.file_size_cap = file_size_cap
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "MEDIA_TOKEN": MEDIA_TOKEN,
            **{name.upper(): str(value) for name, value in settings.items()},
        }
        self.cwd = cwd  # no .env of the checkout is read
        self.log = cwd / f"{command[0]}.log"  # what it writes to stderr, for a test to read
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServiceProcess":
        self.launch()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.kill()  # nothing of it outlives the failed start
        log = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(self.command)} did not start:\n{log}")

    def launch(self) -> "ServiceProcess":
        """Start it, without waiting for it to answer."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *self.command],
                env=self.env,
                cwd=self.cwd,
                stdout=self.stdout,
                stderr=log,
                start_new_session=True,  # its own process group, image workers and all
                preexec_fn=self.before_exec,
            )
        return self

    def before_exec(self) -> None:
        """Run in the child before it runs the service."""
        if self.file_size_cap:  # no file it writes may grow past the cap: a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_size_cap, self.file_size_cap))

    def kill(self) -> None:
        """SIGKILL to the whole group, as when its container dies."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:  # the group is gone already
            pass
        self.process.wait()

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)


class MediaProcess(ServiceProcess):
    def __init__(self, storage_dir: Path, **settings: str) -> None:
        settings.setdefault("media_metrics_port", 0)  # any free port, unless a test reads it
        super().__init__(["media"], storage_dir.parent, media_storage_dir=storage_dir, **settings)
        self.env["MEDIA_PORT"] = str(self.port)


class ApiProcess(ServiceProcess):
    """`python -m api serve`; its scratch directories under `tmpdir`."""

    def __init__(self, tmpdir: Path, file_size_cap: int | None = None, **settings: str) -> None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        settings.setdefault("api_metrics_port", 0)  # any free port, unless a test reads it
        settings.setdefault("picture_row_seconds", 0)  # a deleted picture is gone at once
        super().__init__(["api", "serve"], tmpdir, file_size_cap, tmpdir=tmpdir, **settings)
        self.env["API_PORT"] = str(self.port)
