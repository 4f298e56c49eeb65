"""The api's client of the private media service. Every failure to reach it is a 503."""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from api.domain.errors import MediaUnavailable, NotFound
from api.settings import ApiSettings
from common.problems import RangeNotSatisfiable

log = logging.getLogger(__name__)
CHUNK_BYTES = 64 * 1024


@contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("media service unreachable: %r", exc)
        raise MediaUnavailable("The media service is unavailable, try again later") from None


def _check(response: aiohttp.ClientResponse) -> None:
    if response.status == 404:
        raise NotFound("The picture is missing from storage")
    if response.status >= 400:
        log.error("media service answered %s for %s", response.status, response.url.path)
        raise MediaUnavailable("The media service is unavailable, try again later")


@dataclass(frozen=True)
class Download:
    partial: bool  # a 206 for the range asked for
    length: int
    content_range: str | None
    chunks: AsyncIterator[bytes]


class MediaClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    def _url(self, key: str) -> str:
        return f"{self.base_url}/blobs/{key}"

    async def put(self, key: str, path: Path, size: int) -> None:
        with _unavailable_on_failure(), path.open("rb") as file:
            headers = {**self.headers, "Content-Length": str(size)}
            async with self.session.put(self._url(key), data=file, headers=headers) as response:
                _check(response)

    async def exists(self, key: str) -> bool:
        with _unavailable_on_failure():
            async with self.session.head(self._url(key), headers=self.headers) as response:
                if response.status == 404:
                    return False
                _check(response)
                return True

    @asynccontextmanager
    async def open(self, key: str, byte_range: str | None = None) -> AsyncIterator[Download]:
        """The blob's bytes (a range of them, given a Range header) as they arrive; NotFound,
        RangeNotSatisfiable or MediaUnavailable before the first."""
        headers = self.headers | ({"Range": byte_range} if byte_range else {})
        with _unavailable_on_failure():
            response = await self.session.get(self._url(key), headers=headers)
        try:
            if response.status == 416:
                raise RangeNotSatisfiable(int(response.headers["Content-Range"].rpartition("/")[2]))
            _check(response)
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

    async def delete(self, key: str) -> None:
        with _unavailable_on_failure():
            async with self.session.delete(self._url(key), headers=self.headers) as response:
                _check(response)


@asynccontextmanager
async def open_media_client(settings: ApiSettings) -> AsyncIterator[MediaClient]:
    """The one HTTP session of the process towards media, with every call's time capped."""
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=settings.media_timeout_seconds,
        sock_read=settings.media_timeout_seconds,
    )
    async with aiohttp.ClientSession(timeout=timeout) as session:
        yield MediaClient(session, settings.media_url, settings.media_token.get_secret_value())
