"""Uploads in progress, counted so that slow clients cannot pile them up, and the pace a body
must keep so that holding a slot costs a client real bandwidth."""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import StreamReader

from api.errors import Busy, RateLimited, RequestTimeout


class UploadSlots:
    """Uploads in progress in this process, at most `total`, and those waiting for a slot in
    turn (first come, first served), at most `queue_length` of them for `max_wait` seconds
    each. A client counts its waiting uploads and those in progress against `per_client`."""

    def __init__(self, total: int, per_client: int, queue_length: int, max_wait: float) -> None:
        self.total, self.per_client = total, per_client
        self.queue_length, self.max_wait = queue_length, max_wait
        self.by_client: Counter[str] = Counter()
        self.waiting = 0
        # asyncio's Semaphore wakes its waiters in the order they came, and a newcomer does not
        # pass them while any waits.
        self._slots = asyncio.Semaphore(total)

    @asynccontextmanager
    async def hold(self, client: str) -> AsyncIterator[None]:
        """A slot for the block; the body is not read before it is given, so a waiting
        client's bytes stay in its socket (its sends stall) and cost nothing here but that."""
        if self.by_client[client] >= self.per_client:
            raise RateLimited(
                f"At most {self.per_client} uploads at once from one client", retry_after=5
            )
        if self._slots.locked() and self.waiting >= self.queue_length:
            raise Busy(f"{self.total} uploads are in progress and {self.waiting} wait")
        self.by_client[client] += 1
        try:
            await self._take_turn()
            try:
                yield
            finally:
                self._slots.release()
        finally:
            self.by_client[client] -= 1
            if not self.by_client[client]:
                del self.by_client[client]

    async def _take_turn(self) -> None:
        self.waiting += 1
        try:
            async with asyncio.timeout(self.max_wait):
                await self._slots.acquire()
        except TimeoutError:
            raise Busy(
                f"No upload slot came free within {self.max_wait:g} s; try again shortly"
            ) from None
        finally:
            self.waiting -= 1


@dataclass
class BodyPace:
    """How long the next read of a body may wait: the body may stall at most `stall`
    seconds, and once `grace` seconds have passed since its reading began, what came so far
    must have come at `min_rate` bytes a second at least (0: no minimum). The bytes counted
    are those on the wire (compressed, if the body is), those that came while the upload
    waited for its slot too: at most aiohttp's read buffer, a few seconds' worth at 20 KB/s."""

    body: StreamReader
    stall: float
    min_rate: int
    grace: float
    started: float = field(default_factory=time.monotonic)

    def next_wait(self) -> float:
        """Seconds the next read may take; 0 or less: the body is too slow already."""
        now = time.monotonic()
        if not self.min_rate:
            return self.stall
        too_slow_at = self.started + max(self.grace, self.body.total_raw_bytes / self.min_rate)
        return min(self.stall, too_slow_at - now)

    def cut_off(self, waited: float) -> RequestTimeout:
        """The problem for a read that did not come within `waited` (a `next_wait()`)."""
        if waited >= self.stall:
            return RequestTimeout(f"No part of the body came for {self.stall:g} s")
        rate = self.body.total_raw_bytes / (time.monotonic() - self.started)
        return RequestTimeout(
            f"The body came at {rate:,.0f} bytes/s, below the minimum of {self.min_rate:,}"
            f" bytes/s after the first {self.grace:g} s"
        )
