"""The process pool that decodes pictures: a decoder's memory and crashes stay out of the api."""

import asyncio
import multiprocessing
import multiprocessing.forkserver
import os
import signal
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from api.errors import InvalidImage
from common.lifeline import end_with


def _start_worker(service: int) -> None:
    """Ctrl-C reaches every process of the terminal: a worker must not die of it while the api
    finishes the uploads in flight; the api stops its workers itself, last. But a worker ends
    as soon as its service does, killed or not (common.lifeline)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with(service)


def _start_fork_server() -> None:
    """Start the fork server now, with Ctrl-C ignored from its first instruction on: it and the
    workers forked from it inherit that. Started by the first upload, it could die of a Ctrl-C
    while it imported (it ignores SIGINT only once started), and break the pool of a server
    finishing its uploads."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


class ImageWorkers:
    """Runs picture work in worker processes, and starts new ones when a worker dies or a task
    is given up while it runs (a picture job past its timeout)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        # forkserver: workers start from a clean process, not a copy of this threaded one.
        self.context = multiprocessing.get_context("forkserver")
        # imagehash with scipy's DCT (the near-copy hash of every upload) take 0.4 s to import:
        # once in the fork server, not in each worker's first upload.
        self.context.set_forkserver_preload(
            [
                "api.imaging.clean",
                "api.imaging.thumbnails",
                "api.imaging.variants",
                "imagehash",
                "scipy.fftpack",
            ]
        )
        _start_fork_server()
        self.pool = self._new_pool()
        self.queued = 0  # tasks given to the pool and not done yet (a metric)
        self.awaited: Counter[ProcessPoolExecutor] = Counter()  # tasks still awaited, by pool
        self.retired: set[ProcessPoolExecutor] = set()  # replaced, ended once none is awaited

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.processes,
            mp_context=self.context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        pool = self.pool
        self.queued += 1
        self.awaited[pool] += 1
        try:
            task = pool.submit(function, *args)
            return await asyncio.wrap_future(task)
        except BrokenProcessPool:
            if self.pool is pool:  # the first to notice replaces it
                self.pool = self._new_pool()
                pool.shutdown(wait=False)
            raise InvalidImage("The picture could not be decoded: the decoder crashed") from None
        except asyncio.CancelledError:
            # Cancelling the wait does not stop a task a process already runs: that process
            # would stay busy (with a hanging picture, for ever). New work goes to a new pool,
            # and this one is ended once the other tasks it runs are done.
            if not task.cancel() and not task.done() and self.pool is pool:
                self.pool = self._new_pool()
                self.retired.add(pool)
            raise
        finally:
            self.queued -= 1
            self.awaited[pool] -= 1
            if not self.awaited[pool]:
                del self.awaited[pool]
                if pool in self.retired:
                    self.retired.discard(pool)
                    _end(pool)

    def shutdown(self) -> None:
        for pool in self.retired:
            _end(pool)
        self.retired.clear()
        self.pool.shutdown()


def _end(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's processes, busy or not. ProcessPoolExecutor has no public way to before
    Python 3.14 (its kill_workers does this)."""
    for process in list((pool._processes or {}).values()):
        process.kill()
    pool.shutdown(wait=False)
