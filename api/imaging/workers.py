"""The process pool that decodes pictures: a decoder's memory and crashes stay out of the api."""

import asyncio
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from api.domain.errors import InvalidImage


def _ignore_interrupts() -> None:
    """Ctrl-C reaches every process of the terminal: a worker must not die of it while the api
    finishes the uploads in flight; the api stops its workers itself, last."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ImageWorkers:
    """Runs picture work in worker processes, and starts new ones when a worker dies."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        # forkserver: workers start from a clean process, not a copy of this threaded one.
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["api.imaging.clean", "api.imaging.thumbnails"])
        self.pool = self._new_pool()
        self.queued = 0  # tasks given to the pool and not done yet (a metric)

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.processes, mp_context=self.context, initializer=_ignore_interrupts
        )

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        pool = self.pool
        self.queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            if self.pool is pool:  # the first to notice replaces it
                self.pool = self._new_pool()
                pool.shutdown(wait=False)
            raise InvalidImage("The picture could not be decoded: the decoder crashed") from None
        finally:
            self.queued -= 1

    def shutdown(self) -> None:
        self.pool.shutdown()
