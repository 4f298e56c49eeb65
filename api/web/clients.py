"""Who the client is, and how much it may ask.

The client's address is the socket's peer, or, when that peer is one of `TRUSTED_PROXIES`,
the nearest address in `X-Forwarded-For` that is not a trusted proxy (aiohttp-remotes'
XForwardedFiltered reads the header; it alone would believe any client's header); such a proxy
also says which scheme and host the client asked for (api.web.links). Each client
then has two rate limits, shared by every api process: reads (GET and HEAD of memes, tags and
pictures), counted in the process and settled with the others in batches, and writes
(creating, changing and deleting memes), counted in the database one by one
(api.domain.rate_limits). Health checks, docs and the gallery's own files are not counted.
"""

import logging
from collections.abc import Awaitable, Callable
from ipaddress import ip_address, ip_network

from aiohttp import hdrs, web
from aiohttp_remotes import XForwardedFiltered

from api.domain.rate_limits import Limit, LocalLimit, limit_for, spend
from api.web.links import FORWARDED_ORIGIN, forwarded_origin
from api.web.state import SERVICES, SETTINGS
from common.logs import CLIENT_KEY

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LIMITED_PATHS = ("/memes", "/tags", "/images/")
READS = {"GET", "HEAD"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
RATE_LIMIT_HEADERS = web.RequestKey("rate_limit_headers", dict)
READ_LIMIT = web.AppKey("read_limit", LocalLimit)


def client_address(trusted_proxies: str) -> Callable:
    """Middleware: `request.remote` is the client's address (see the module's docstring)."""
    networks = [ip_network(item.strip()) for item in trusted_proxies.split(",") if item.strip()]
    forwarded = XForwardedFiltered(set(networks)) if networks else None

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Set before the request is cloned with its client's address: the clone shares this
        # dict, and the response is prepared with the original request.
        request[RATE_LIMIT_HEADERS] = {}
        if forwarded and request.remote and _trusted(request.remote, networks):
            if origin := forwarded_origin(request):  # what the client asked for (api.web.links)
                request[FORWARDED_ORIGIN] = origin
            if _readable(request.headers.getall(hdrs.X_FORWARDED_FOR, [])):

                async def with_client(clone: web.Request) -> web.StreamResponse:
                    # The access log is given this request, not the clone: tell it the client.
                    request[CLIENT_KEY] = clone.remote or "unknown"
                    return await handler(clone)

                return await forwarded.middleware(request, with_client)
            log.warning("X-Forwarded-For from %s is unreadable; the proxy counts", request.remote)
        return await handler(request)

    return middleware


def _readable(values: list[str]) -> bool:
    """One header of addresses (or none): what a proxy sends. Anything else is not taken
    for a client's address (aiohttp-remotes would answer 400, even to /health)."""
    if len(values) > 1:
        return False
    try:
        for address in values[0].split(",") if values else []:
            ip_address(address.strip())
    except ValueError:
        return False
    return True


def _trusted(address: str, networks: list) -> bool:
    try:
        peer = ip_address(address)
    except ValueError:  # a unix socket has no address
        return False
    return any(peer in network for network in networks)


def _kind(request: web.Request) -> str | None:
    if not request.path.startswith(LIMITED_PATHS):
        return None
    if request.method in READS:
        return "reads"
    return "writes" if request.method in WRITES else None


@web.middleware
async def rate_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    kind = _kind(request)
    if kind == "reads":
        reads = request.app[READ_LIMIT]
        if reads.limit.quota:  # counted in the process: no statement
            request[RATE_LIMIT_HEADERS].update(reads.spend(request.remote or "unknown"))
    elif kind == "writes":
        services = request.app[SERVICES]
        limit = limit_for(services, kind)
        if limit.quota:
            headers = await spend(services, limit, request.remote or "unknown")
            request[RATE_LIMIT_HEADERS].update(headers)
    return await handler(request)


async def rate_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer to a counted request, streamed ones too (before their headers go)."""
    response.headers.update(request.get(RATE_LIMIT_HEADERS, {}))


def setup_clients(app: web.Application, trusted_proxies: str) -> None:
    settings = app[SETTINGS]
    app[READ_LIMIT] = LocalLimit(
        Limit("reads", settings.rate_limit_reads, settings.rate_limit_window_seconds)
    )
    app.middlewares.extend([client_address(trusted_proxies), rate_limits])
    app.on_response_prepare.append(rate_limit_headers)
