"""Only the api may talk to the media service: every request but the health checks carries its
token."""

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from media.errors import Unauthorized
from media.state import SETTINGS

OPEN_PATHS = frozenset({"/health", "/ready"})


@web.middleware
async def token_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path not in OPEN_PATHS:
        expected = "Bearer " + request.app[SETTINGS].media_token.get_secret_value()
        # Header bytes that are not UTF-8 reach us as surrogates: such a token is just wrong.
        given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected.encode()):
            raise Unauthorized("A valid service token is required")
    return await handler(request)
