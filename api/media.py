"""The api's client of the private media service. Every failure to reach it is a 503."""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiohttp

from api.errors import MediaUnavailable, NotFound

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
    async def open(self, key: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """The blob's bytes as they arrive; NotFound or MediaUnavailable before the first."""
        with _unavailable_on_failure():
            response = await self.session.get(self._url(key), headers=self.headers)
        try:
            _check(response)
            # A failure past this point cannot become an error response any more: the
            # download is cut short instead, which the client sees as a short body.
            yield response.content.iter_chunked(CHUNK_BYTES)
        finally:
            response.release()

    async def delete(self, key: str) -> None:
        with _unavailable_on_failure():
            async with self.session.delete(self._url(key), headers=self.headers) as response:
                _check(response)
