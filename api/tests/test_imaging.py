"""The picture workers survive a decoder that crashes its process."""

import os

import pytest

from api.domain.errors import InvalidImage
from api.imaging.workers import ImageWorkers


async def test_a_crashed_worker_is_a_422_and_the_next_picture_works():
    workers = ImageWorkers(1)
    try:
        assert await workers.run(pow, 2, 10) == 1024
        with pytest.raises(InvalidImage, match="crashed"):
            await workers.run(os._exit, 1)  # what a segfaulting decoder looks like
        assert await workers.run(pow, 3, 3) == 27
    finally:
        workers.shutdown()
