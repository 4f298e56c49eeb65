"""Work that runs after the answer is sent (deletions after a commit, periodic cleanup),
kept track of so that shutdown waits for it a little and then cancels what is left."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from common.problems import Problem

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.periodic: set[asyncio.Task] = set()  # cancelled at once at shutdown

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def every(self, seconds: float, work: Callable[[], Awaitable[Any]]) -> asyncio.Task:
        """Run `work` now and then every `seconds`, whatever it raises."""

        async def repeat() -> None:
            while True:
                await self._logged(work())
                await asyncio.sleep(seconds)

        task = asyncio.get_running_loop().create_task(repeat())
        self.periodic.add(task)
        return task

    async def _logged(self, work: Awaitable[Any]) -> None:
        try:
            await work
        except Problem as exc:
            # A dependency out (503) was logged once where it was found out (the pool, the
            # media client): each round of periodic work that meets it says nothing more.
            level = logging.DEBUG if exc.status == 503 else logging.WARNING
            log.log(level, "background work failed, to be tried again: %r", exc)
        except Exception as exc:
            # Each piece of background work is retried later (the outbox, the next round).
            log.warning("background work failed, to be tried again: %r", exc)

    async def close(self, grace_seconds: float) -> None:
        """Stop the periodic work; give the rest `grace_seconds` to finish, then cancel it."""
        for task in self.periodic:
            task.cancel()
        await asyncio.gather(*self.periodic, return_exceptions=True)
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=grace_seconds)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
