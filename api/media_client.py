"""The api's client of the private media service: blobs put, read, listed and deleted over
HTTP. Every call goes through the guard (api.media_guard): retries within its budget, a circuit
breaker. An outage (unreachable, a 5xx, too slow) is `MediaUnavailable` within the budget; a
refusal (a 4xx) is the problem it is, at once.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from api.errors import MediaUnavailable, NotFound, PictureTooLarge
from api.media_guard import MediaGuard, Transient
from api.settings import ApiSettings
from common.logs import REQUEST_ID, REQUEST_ID_HEADER
from common.problems import InternalError, RangeNotSatisfiable

log = logging.getLogger(__name__)
CHUNK_BYTES = 64 * 1024


def _check(response: aiohttp.ClientResponse) -> None:
    """A 5xx is worth another try; a 4xx is not (the same request is refused again), and is
    never an outage: it neither opens the breaker nor becomes a 503."""
    if response.status == 404:
        raise NotFound("The picture is missing from storage")
    if response.status >= 500:
        raise Transient(f"media answered {response.status} for {response.url.path}")
    if response.status == 413:  # media's MAX_UPLOAD_BYTES is below the api's
        log.warning("media refused a blob as too large: set its MAX_UPLOAD_BYTES to the api's")
        raise PictureTooLarge("The picture is larger than storage takes")
    if response.status >= 400:  # a wrong MEDIA_TOKEN, or a bug of ours: nothing a retry mends
        log.error("media service answered %s for %s", response.status, response.url.path)
        raise InternalError()


@dataclass(frozen=True)
class Download:
    partial: bool  # a 206 for the range asked for
    length: int
    content_range: str | None
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True)
class ListedBlob:
    """One entry of media's `GET /blobs`: a stored object as the api sees it."""

    key: str
    size: int
    stored_at: str  # ISO 8601


class MediaClient:
    def __init__(self, session: aiohttp.ClientSession, settings: ApiSettings) -> None:
        self.session = session
        self.base_url = settings.media_url.rstrip("/")
        self.auth = {"Authorization": f"Bearer {settings.media_token.get_secret_value()}"}
        self.guard = MediaGuard(settings)

    @property
    def headers(self) -> dict[str, str]:  # the id of the request served: media logs it too
        return self.auth | ({REQUEST_ID_HEADER: rid} if (rid := REQUEST_ID.get()) else {})

    def _url(self, key: str) -> str:
        return f"{self.base_url}/blobs/{key}"

    async def put(self, key: str, path: Path, size: int) -> None:
        async def attempt() -> None:
            headers = {**self.headers, "Content-Length": str(size)}
            with path.open("rb") as file:  # from the first byte again on every try
                async with self.session.put(self._url(key), data=file, headers=headers) as r:
                    _check(r)

        await self.guard.call("put", attempt)

    async def exists(self, key: str) -> bool:
        async def attempt() -> bool:
            async with self.session.head(self._url(key), headers=self.headers) as response:
                if response.status == 404:
                    return False
                _check(response)
                return True

        return await self.guard.call("exists", attempt)

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

        response = await self.guard.call("get", attempt)
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

    async def read(self, key: str) -> bytes:
        """The whole blob; MediaUnavailable should media cut it short."""
        async with self.open(key) as download:
            try:
                data = b"".join([chunk async for chunk in download.chunks])
            except aiohttp.ClientError:
                data = b""
        if len(data) != download.length:
            raise MediaUnavailable("The media service cut the picture short")
        return data

    async def delete(self, key: str, deadline: float) -> None:
        """Delete the blob, if media gets to it before `deadline` (Unix time). Not retried
        here: the outbox of deletions tries again later."""

        async def attempt() -> None:
            headers = self.headers | {"X-Deadline": f"{deadline:.3f}"}
            async with self.session.delete(self._url(key), headers=headers) as response:
                if response.status == 409:  # past its deadline: the outbox tries again
                    raise MediaUnavailable("Media got the deletion after its deadline")
                _check(response)

        await self.guard.call("delete", attempt, retried=False)

    async def list_after(self, after: str, limit: int) -> list[ListedBlob]:
        """The stored blobs whose keys come after `after`, in key order."""

        async def attempt() -> list[ListedBlob]:
            params = {"after": after, "limit": str(limit)}
            url = f"{self.base_url}/blobs"
            async with self.session.get(url, params=params, headers=self.headers) as response:
                _check(response)
                return [ListedBlob(**blob) for blob in (await response.json())["blobs"]]

        return await self.guard.call("list", attempt)

    async def ready(self) -> str | None:
        """None when media and its store are ready, or what is wrong. Not through the
        breaker: readiness reports what is true now."""
        try:
            async with asyncio.timeout(min(self.guard.budget, 2)):
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
