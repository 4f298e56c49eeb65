"""A client reads its own writes when lists read from a replica (api.domain.reads): the answer
to each write carries the primary's log position in a cookie, and each request says where the
client's last write is (the cookie's position, or what this process remembers of the
client's address)."""

from aiohttp import web

from api.domain import reads
from api.web.clients import WRITES, Handler
from api.web.state import SERVICES

COOKIE = "memes_written"
MAX_DIGITS = 20  # a position is a 64-bit number of bytes


@web.middleware
async def own_writes(request: web.Request, handler: Handler) -> web.StreamResponse:
    services = request.app[SERVICES]
    if services.replica is None:
        return await handler(request)
    client = request.remote or "unknown"
    reads.reading_for(services, client, _position(request.cookies.get(COOKIE, "")))
    response = await handler(request)
    if request.method in WRITES and response.status < 400 and not response.prepared:
        position = await reads.wrote(services, client)
        response.set_cookie(
            COOKIE, str(position), max_age=reads.REMEMBERED_SECONDS, httponly=True, samesite="Lax"
        )
    return response


def _position(value: str) -> int | None:
    digits = value.isascii() and value.isdigit()
    return int(value) if digits and len(value) <= MAX_DIGITS else None
