"""A scratch directory per process for spooled uploads, and a sweep of the dead ones.

A process killed mid-upload (SIGKILL, OOM, power) cannot clean up after itself. Each process
works in a directory of its own under a shared parent and holds an exclusive `flock` on a file
in it for as long as it lives; the kernel lets go of the lock when the process dies, however it
dies. At start-up every process removes its siblings whose lock it can take: their owners are
gone. Processes alive (another worker, another container on the same volume) keep theirs.

A directory is made under a staging name, its lock taken, and only then renamed to the name
sweeps look at: a directory under that name is locked from the moment it exists, so a sibling
starting at the same time can never take it for a dead one's.
"""

import fcntl
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
LOCK_NAME = ".owner"
STAGING_GRACE_SECONDS = 60  # a staging directory younger than this is still being made


def _owner_alive(directory: Path) -> bool:
    if directory.name.startswith("."):  # staging: its lock may not be taken yet
        try:
            if time.time() - directory.stat().st_mtime < STAGING_GRACE_SECONDS:
                return True
        except FileNotFoundError:
            return True  # renamed or removed meanwhile: nothing to sweep
    try:
        fd = os.open(directory / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:
        return False  # a staging directory whose maker was killed before it could lock it
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
    for directory in [*parent.glob(f"{prefix}-*"), *parent.glob(f".{prefix}-*")]:
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
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    staging = parent / f".{name}"
    staging.mkdir()
    fd = os.open(staging / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    directory = staging.rename(parent / name)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        os.close(fd)
