"""A service (media, or the api) as a process of its own, so that a test can kill it (SIGKILL),
hang it (SIGSTOP) and start it again on the same port, as an outage or a crash does."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import MEDIA_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    def __init__(self, command: list[str], cwd: Path, **settings: str) -> None:
        self.command = command
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "MEDIA_TOKEN": MEDIA_TOKEN,
            **{name.upper(): str(value) for name, value in settings.items()},
        }
        self.cwd = cwd  # no .env of the checkout is read
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServiceProcess":
        self.process = subprocess.Popen(
            [sys.executable, "-m", *self.command],
            env=self.env,
            cwd=self.cwd,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, image workers and all
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{' '.join(self.command)} did not start")

    def kill(self) -> None:
        """SIGKILL to the whole group, as when its container dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
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
        super().__init__(["media"], storage_dir.parent, media_storage_dir=storage_dir, **settings)
        self.env["MEDIA_PORT"] = str(self.port)


class ApiProcess(ServiceProcess):
    """`python -m api serve`; its scratch directories under `tmpdir`."""

    def __init__(self, tmpdir: Path, **settings: str) -> None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        super().__init__(["api", "serve"], tmpdir, tmpdir=tmpdir, **settings)
        self.env["API_PORT"] = str(self.port)
