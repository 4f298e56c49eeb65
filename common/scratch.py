"""A scratch directory per process for spooled uploads, and a sweep of the dead ones.

A process killed mid-upload (SIGKILL, OOM, power) cannot clean up after itself. Each process
works in a directory of its own under a shared parent and holds an exclusive `flock` on a file
in it for as long as it lives; the kernel lets go of the lock when the process dies, however it
dies. At start-up every process removes its siblings whose lock it can take: their owners are
gone. Processes alive (another worker, another container on the same volume) keep theirs.
"""

import fcntl
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
LOCK_NAME = ".owner"


def _owner_alive(directory: Path) -> bool:
    try:
        fd = os.open(directory / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:
        return False  # killed between making the directory and locking it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of a lock just taken
    return False


def sweep(parent: Path, prefix: str) -> int:
    """Remove the scratch directories under `parent` whose process is gone; how many."""
    swept = 0
    for directory in parent.glob(f"{prefix}-*"):
        if directory.is_dir() and not _owner_alive(directory):
            shutil.rmtree(directory, ignore_errors=True)
            swept += 1
    if swept:
        log.info("removed %d scratch directories left by stopped processes", swept)
    return swept


@contextmanager
def scratch_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A directory of this process's own under `parent`, after sweeping dead siblings."""
    parent.mkdir(parents=True, exist_ok=True)
    sweep(parent, prefix)
    directory = parent / f"{prefix}-{uuid.uuid4().hex[:12]}"
    directory.mkdir()
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        os.close(fd)
