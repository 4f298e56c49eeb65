"""The media service as a process of its own, so that a test can kill it (SIGKILL), hang it
(SIGSTOP) and start it again on the same port, as an outage does."""

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


class MediaProcess:
    def __init__(self, storage_dir: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "MEDIA_PORT": str(self.port),
            "MEDIA_TOKEN": MEDIA_TOKEN,
            "MEDIA_STORAGE_DIR": str(storage_dir),
            **{name.upper(): value for name, value in settings.items()},
        }
        self.cwd = storage_dir.parent  # no .env of the checkout is read
        self.process: subprocess.Popen | None = None

    def start(self) -> "MediaProcess":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "media"], env=self.env, cwd=self.cwd, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the media service did not start")

    def kill(self) -> None:
        self.process.kill()
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
