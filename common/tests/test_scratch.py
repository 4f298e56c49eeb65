"""Scratch directories: each process's own, swept once its process is gone, never while it is
being made or used, however many siblings start at once."""

import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from common.scratch import LOCK_NAME, STAGING_GRACE_SECONDS, scratch_dir, sweep


def test_a_directory_in_use_is_kept_and_one_whose_process_is_gone_is_swept(tmp_path):
    dead = tmp_path / "api-dead"
    dead.mkdir()
    (dead / LOCK_NAME).touch()  # nobody holds its lock
    (dead / "upload-1").write_bytes(b"half a picture")
    with scratch_dir(tmp_path, "api") as mine:
        assert not dead.exists()
        assert sweep(tmp_path, "api") == 0
        assert mine.is_dir() and mine.name.startswith("api-")
    assert not mine.exists()


def test_a_directory_being_made_is_kept_until_it_is_clearly_abandoned(tmp_path):
    staging = tmp_path / ".api-new"
    staging.mkdir()  # its maker has not locked it yet
    assert sweep(tmp_path, "api") == 0
    long_ago = time.time() - STAGING_GRACE_SECONDS - 1
    os.utime(staging, (long_ago, long_ago))  # its maker was killed before it could lock it
    assert sweep(tmp_path, "api") == 1
    assert not staging.exists()


def _spool_in_a_loop(parent: str, rounds: int) -> None:
    for _ in range(rounds):
        with scratch_dir(Path(parent), "api") as directory:
            fd, _name = tempfile.mkstemp(prefix="upload-", dir=directory)
            os.close(fd)


def test_siblings_starting_at_once_never_sweep_each_other(tmp_path):
    """Processes each making a directory, spooling a file into it and leaving, over and over,
    all at once: every one finds its directory there (each start sweeps the others)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        pool.starmap(_spool_in_a_loop, [(str(tmp_path), 100)] * 4)
    assert list(tmp_path.iterdir()) == []
