"""Streamed responses that fail honestly.

Once a streamed response is prepared its status line is on its way: an error after that
cannot become a problem response. The only honest signal left is to cut the connection, so
the client sees a truncated body instead of a complete-looking one.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def streaming(
    request: web.Request, response: web.StreamResponse
) -> AsyncIterator[web.StreamResponse]:
    await response.prepare(request)
    try:
        yield response
    except Exception as exc:
        if request.transport is not None:
            request.transport.close()
        raise ConnectionResetError("the response stream was cut short") from exc
    await response.write_eof()
