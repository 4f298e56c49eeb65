"""The guard on every call to media: retries while the call's budget lasts, a circuit
breaker, and an outage logged as it starts and ends (see api.media_client).

Every call is safe to repeat (keys are content hashes), so a call that fails on the way
(refused, reset, timed out, a 5xx) is retried with backoff and jitter (stamina) within the
call's budget (`MEDIA_TIMEOUT_SECONDS`). Calls go through a circuit breaker (purgatory): after
`MEDIA_BREAKER_THRESHOLD` failures in a row it opens, and calls fail at once with a 503 and
`Retry-After` till its cool-down ends; then one probe call may close it.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

import aiohttp
import stamina
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import HALF_OPENED, OpenedState

from api.errors import MediaUnavailable
from api.metrics import BREAKER
from api.settings import ApiSettings
from common.metrics import timed
from common.outage import Outage

log = logging.getLogger("api.media_client")  # one logger for the client and its guard
CIRCUIT = "media"


class Transient(Exception):  # a 5xx from media: worth another try
    pass


RETRIED = (aiohttp.ClientError, TimeoutError, Transient)


def unavailable(retry_after: float = 1) -> MediaUnavailable:
    message = "The media service is unavailable, try again later"
    return MediaUnavailable(message, retry_after=max(1, math.ceil(retry_after)))


def _log_breaker(name: str, event_type: str, event) -> None:
    if event_type == "state_changed":
        BREAKER.state(event.state)
        log.info("media circuit breaker %s", event.state)


class MediaGuard:
    def __init__(self, settings: ApiSettings) -> None:
        self.outage = Outage("media", log)
        self.budget = settings.media_timeout_seconds
        self.cooldown = settings.media_breaker_cooldown_seconds
        self.breakers = AsyncCircuitBreakerFactory(
            default_threshold=settings.media_breaker_threshold,
            default_ttl=self.cooldown,
            # Only an outage counts against media: a 404 or a cancelled request does not.
            exclude=[(BaseException, lambda exc: not isinstance(exc, MediaUnavailable))],
        )
        self.breakers.add_listener(_log_breaker)
        self.probing = False  # a half-open breaker lets one call through at a time

    async def call[T](
        self, operation: str, attempt: Callable[[], Awaitable[T]], retried: bool = True
    ) -> T:
        """`attempt()` through the breaker, retried while the budget lasts when `retried`."""
        with timed("media", operation):
            return await self._through_breaker(attempt, retried)

    async def _through_breaker[T](self, attempt: Callable[[], Awaitable[T]], retried: bool) -> T:
        breaker = await self.breakers.get_breaker(CIRCUIT)
        if self.probing and breaker.context.state == HALF_OPENED:
            raise unavailable()
        try:
            async with breaker:
                probe = breaker.context.state == HALF_OPENED
                self.probing |= probe
                try:
                    return await self._within_budget(attempt, retried)
                finally:
                    if probe:
                        self.probing = False
        except OpenedState as opened:
            raise unavailable(opened.opened_at + self.cooldown - time.time()) from None

    async def _within_budget[T](self, attempt: Callable[[], Awaitable[T]], retried: bool) -> T:
        # An outage is logged when it starts and when media answers again, not per call.
        try:
            result = await self._tries(attempt, retried)
        except RETRIED as exc:
            self.outage.failed(repr(exc))
            raise unavailable() from None
        except Exception:
            self.outage.answered()  # an answer, if not the one hoped for
            raise
        self.outage.answered()
        return result

    async def _tries[T](self, attempt: Callable[[], Awaitable[T]], retried: bool) -> T:
        async with asyncio.timeout(self.budget):  # the whole budget, all tries together
            if not retried:
                return await attempt()
            # Until the budget runs out: a media restart costs a wait, not an error. A longer
            # outage opens the breaker, and then calls fail at once.
            retries = stamina.retry_context(
                RETRIED, attempts=None, timeout=None, wait_initial=0.05, wait_max=0.5
            )
            async for try_once in retries:
                with try_once:
                    return await attempt()
        raise AssertionError("unreachable: the tries end in an answer or the timeout")
