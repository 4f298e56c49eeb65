"""The api's client of the private media service.

Every call is safe to repeat (keys are content hashes), so a call that fails on the way
(refused, reset, timed out, a 5xx) is retried with backoff and jitter (stamina) within the
call's budget (`MEDIA_TIMEOUT_SECONDS`). Calls go through a circuit breaker (purgatory): after
`MEDIA_BREAKER_THRESHOLD` failures in a row it opens, and calls fail at once with a 503 and
`Retry-After` till its cool-down ends; then one probe call may close it. Whatever fails, the
caller gets `MediaUnavailable` within the budget; an outage is logged as it starts and ends.
"""

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import stamina
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import HALF_OPENED, OpenedState

from api.domain.errors import MediaUnavailable, NotFound
from api.metrics import BREAKER
from api.settings import ApiSettings
from common.logs import REQUEST_ID, REQUEST_ID_HEADER
from common.metrics import timed
from common.outage import Outage
from common.problems import RangeNotSatisfiable

log = logging.getLogger(__name__)
CHUNK_BYTES = 64 * 1024
CIRCUIT = "media"


class _Transient(Exception):  # a 5xx from media: worth another try
    pass


RETRIED = (aiohttp.ClientError, TimeoutError, _Transient)


def _check(response: aiohttp.ClientResponse) -> None:
    if response.status == 404:
        raise NotFound("The picture is missing from storage")
    if response.status >= 500:
        raise _Transient(f"media answered {response.status} for {response.url.path}")
    if response.status >= 400:
        log.error("media service answered %s for %s", response.status, response.url.path)
        raise MediaUnavailable("The media service refused the request")


def _unavailable(retry_after: float = 1) -> MediaUnavailable:
    message = "The media service is unavailable, try again later"
    return MediaUnavailable(message, retry_after=max(1, math.ceil(retry_after)))


def _log_breaker(name: str, event_type: str, event) -> None:
    if event_type == "state_changed":
        BREAKER.state(event.state)
        log.info("media circuit breaker %s", event.state)


@dataclass(frozen=True)
class Download:
    partial: bool  # a 206 for the range asked for
    length: int
    content_range: str | None
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    stored_at: str  # ISO 8601


class MediaClient:
    def __init__(self, session: aiohttp.ClientSession, settings: ApiSettings) -> None:
        self.session = session
        self.base_url = settings.media_url.rstrip("/")
        self.auth = {"Authorization": f"Bearer {settings.media_token.get_secret_value()}"}
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

    @property
    def headers(self) -> dict[str, str]:  # the id of the request served: media logs it too
        return self.auth | ({REQUEST_ID_HEADER: rid} if (rid := REQUEST_ID.get()) else {})

    def _url(self, key: str) -> str:
        return f"{self.base_url}/blobs/{key}"

    async def _call[T](
        self, operation: str, attempt: Callable[[], Awaitable[T]], retried: bool = True
    ) -> T:
        """`attempt()` through the breaker, retried while the budget lasts when `retried`."""
        with timed("media", operation):
            return await self._through_breaker(attempt, retried)

    async def _through_breaker[T](self, attempt: Callable[[], Awaitable[T]], retried: bool) -> T:
        breaker = await self.breakers.get_breaker(CIRCUIT)
        if self.probing and breaker.context.state == HALF_OPENED:
            raise _unavailable()
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
            raise _unavailable(opened.opened_at + self.cooldown - time.time()) from None

    async def _within_budget[T](self, attempt: Callable[[], Awaitable[T]], retried: bool) -> T:
        # An outage is logged when it starts and when media answers again, not per call.
        try:
            result = await self._tries(attempt, retried)
        except RETRIED as exc:
            self.outage.failed(repr(exc))
            raise _unavailable() from None
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

    async def put(self, key: str, path: Path, size: int) -> None:
        async def attempt() -> None:
            headers = {**self.headers, "Content-Length": str(size)}
            with path.open("rb") as file:  # from the first byte again on every try
                async with self.session.put(self._url(key), data=file, headers=headers) as r:
                    _check(r)

        await self._call("put", attempt)

    async def exists(self, key: str) -> bool:
        async def attempt() -> bool:
            async with self.session.head(self._url(key), headers=self.headers) as response:
                if response.status == 404:
                    return False
                _check(response)
                return True

        return await self._call("exists", attempt)

    @asynccontextmanager
    async def open(self, key: str, byte_range: str | None = None) -> AsyncIterator[Download]:
        """The blob's bytes (a range of them, given a Range header) as they arrive; NotFound,
        RangeNotSatisfiable or MediaUnavailable before the first."""
        headers = self.headers | ({"Range": byte_range} if byte_range else {})

        async def attempt() -> aiohttp.ClientResponse:
            response = await self.session.get(self._url(key), headers=headers)
            try:
                if response.status == 416:
                    size = int(response.headers["Content-Range"].rpartition("/")[2])
                    raise RangeNotSatisfiable(size)
                _check(response)
            except BaseException:
                response.release()
                raise
            return response

        response = await self._call("get", attempt)
        try:
            # A failure past this point cannot become an error response any more: the
            # download is cut short instead, which the client sees as a short body.
            yield Download(
                partial=response.status == 206,
                length=int(response.headers["Content-Length"]),
                content_range=response.headers.get("Content-Range"),
                chunks=response.content.iter_chunked(CHUNK_BYTES),
            )
        finally:
            response.release()

    async def delete(self, key: str, deadline: float) -> None:
        """Delete the blob, if media gets to it before `deadline` (Unix time). Not retried
        here: the outbox of deletions tries again later."""

        async def attempt() -> None:
            headers = self.headers | {"X-Deadline": f"{deadline:.3f}"}
            async with self.session.delete(self._url(key), headers=headers) as response:
                _check(response)

        await self._call("delete", attempt, retried=False)

    async def list_after(self, after: str, limit: int) -> list[StoredObject]:
        """The stored blobs whose keys come after `after`, in key order."""

        async def attempt() -> list[StoredObject]:
            params = {"after": after, "limit": str(limit)}
            url = f"{self.base_url}/blobs"
            async with self.session.get(url, params=params, headers=self.headers) as response:
                _check(response)
                return [StoredObject(**blob) for blob in (await response.json())["blobs"]]

        return await self._call("list", attempt)

    async def ready(self) -> str | None:
        """None when media and its store are ready, or what is wrong. Not through the
        breaker: readiness reports what is true now."""
        try:
            async with asyncio.timeout(min(self.budget, 2)):
                async with self.session.get(f"{self.base_url}/ready") as response:
                    if response.status == 200:
                        return None
                    body = await response.json(content_type=None)
                    return body.get("detail", f"media answered {response.status}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return f"unreachable ({type(exc).__name__})"


@asynccontextmanager
async def open_media_client(settings: ApiSettings) -> AsyncIterator[MediaClient]:
    """The one HTTP session of the process towards media. Each try is capped by the budget."""
    budget = settings.media_timeout_seconds
    timeout = aiohttp.ClientTimeout(total=None, connect=budget, sock_read=budget)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        yield MediaClient(session, settings)
