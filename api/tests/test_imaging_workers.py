"""The picture workers survive a decoder that crashes its process, and a task given up while it
runs (a job past its timeout) frees its process."""

import asyncio
import os
import time

import pytest

from api.errors import InvalidImage
from api.imaging.workers import ImageWorkers
from tests.helpers import eventually

pytestmark = pytest.mark.slow


def nap(seconds: float) -> int:
    """A picture task that takes `seconds` (one that hangs, when long); its process's id."""
    time.sleep(seconds)
    return os.getpid()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_crashed_worker_is_a_422_and_the_next_picture_works():
    workers = ImageWorkers(1)
    try:
        assert await workers.run(pow, 2, 10) == 1024
        with pytest.raises(InvalidImage, match="crashed"):
            await workers.run(os._exit, 1)  # what a segfaulting decoder looks like
        assert await workers.run(pow, 3, 3) == 27
    finally:
        workers.shutdown()


async def test_a_task_given_up_frees_its_process_once_the_others_there_are_done():
    workers = ImageWorkers(2)
    try:
        started = set(await asyncio.gather(workers.run(nap, 0.5), workers.run(nap, 0.5)))
        finishing = asyncio.create_task(workers.run(nap, 4))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await workers.run(nap, 600)  # a picture that hangs, given up
        # Both processes are busy (one hangs, one finishes its task), yet new work runs now.
        fresh = await asyncio.wait_for(workers.run(nap, 0), 3)
        assert fresh not in started and not finishing.done()
        # The task that was not given up ends well; then the old processes are ended.
        assert await finishing in started

        async def ended() -> bool:
            return not any(alive(pid) for pid in started)

        assert await eventually(ended)
        assert alive(fresh) and await workers.run(pow, 3, 3) == 27
    finally:
        workers.shutdown()
