"""Streamed responses that fail honestly.

Once a streamed response is prepared its status line is on its way: an error after that
cannot become a problem response. The only honest signal left is to cut the connection, so
the client sees a truncated body instead of a complete-looking one.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


class BodyStream(web.StreamResponse):
    """A streamed response that sends no body to a HEAD request: aiohttp would send it."""

    headers_only = False

    async def write(self, data: bytes) -> None:
        if not self.headers_only:
            await super().write(data)


@asynccontextmanager
async def streaming(
    request: web.Request, response: BodyStream
) -> AsyncIterator[BodyStream]:
    response.headers_only = request.method == "HEAD"
    await response.prepare(request)
    try:
        yield response
    except Exception as exc:
        if request.transport is not None:
            request.transport.close()
        raise ConnectionResetError("the response stream was cut short") from exc
    await response.write_eof()


class ChunkWriter:
    """Gathers small pieces into chunks of about `size` bytes before writing them: a write per
    meme would cost a system call and a chunk header each. At most one chunk is held."""

    def __init__(self, response: web.StreamResponse, size: int = 16 * 1024) -> None:
        self.response = response
        self.size = size
        self.buffer = bytearray()

    async def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= self.size:
            await self.flush()

    async def flush(self) -> None:
        if self.buffer:
            await self.response.write(bytes(self.buffer))
            self.buffer.clear()


async def prefetched[T](items: AsyncIterator[T]) -> AsyncIterator[T]:
    """`items` with the first one fetched now: a failure to start (a query that times out, a
    store that is down) is raised here, while an error response can still be sent."""
    first = await anext(items, None)

    async def all_items() -> AsyncIterator[T]:
        if first is not None:
            yield first
        async for item in items:
            yield item

    return all_items()
