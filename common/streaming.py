"""Streamed responses that fail honestly.

Once a streamed response is prepared its status line is on its way: an error after that
cannot become a problem response. The only honest signal left is to cut the connection, so
the client sees a truncated body instead of a complete-looking one.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager

from aiohttp import web

log = logging.getLogger(__name__)


class ClientStalled(ConnectionResetError):
    """The client took nothing of the answer for the send timeout: it is cut off."""


class BodyStream(web.StreamResponse):
    """A streamed response that sends no body to a HEAD request (aiohttp would send it), and,
    given a `send_timeout`, waits at most that long for the client to take each write."""

    headers_only = False
    send_timeout: float | None = None

    async def write(self, data: bytes) -> None:
        if not self.headers_only:
            async with self._sending():
                await super().write(data)

    async def write_eof(self, data: bytes = b"") -> None:
        async with self._sending():
            await super().write_eof(data)

    @asynccontextmanager
    async def _sending(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.send_timeout):
                yield
        except TimeoutError:
            raise ClientStalled(f"the client took nothing for {self.send_timeout:g} s") from None


@asynccontextmanager
async def streaming(request: web.Request, response: BodyStream) -> AsyncIterator[BodyStream]:
    response.headers_only = request.method == "HEAD"
    try:
        await response.prepare(request)
        yield response
        await response.write_eof()
    except ClientStalled as stalled:
        # close() would wait for the unsent bytes to go first: for ever, from this client.
        log.info("%s %s cut off: %s", request.method, request.path, stalled)
        if request.transport is not None:
            request.transport.abort()
        raise
    except ConnectionError:
        raise  # the client went away (a reset may wake a waiting write as a bare ConnectionError)
    except Exception:
        if request.transport is not None:
            request.transport.close()
        raise


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


@asynccontextmanager
async def prefetched[T](items: AsyncGenerator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """`items` with the first one fetched now: a failure to start (a query that times out, a
    store that is down) is raised here, while an error response can still be sent. `items` is
    closed when the block ends, also when the client went away mid-stream: whatever it holds
    is let go then, not whenever the garbage collector gets to it."""
    async with aclosing(items):
        first = await anext(items, None)
        yield _starting_with(first, items)


async def _starting_with[T](first: T | None, rest: AsyncIterator[T]) -> AsyncIterator[T]:
    if first is not None:
        yield first
    async for item in rest:
        yield item
