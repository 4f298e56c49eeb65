"""Absolute URLs: the api's public address, then a path.

The address is `PUBLIC_URL` when set. Otherwise it is the one the client used: behind a proxy of
`TRUSTED_PROXIES`, from the scheme and host that proxy forwards (`Forwarded`, RFC 7239, else
`X-Forwarded-Proto` and `X-Forwarded-Host`; the proxy nearest to the api must set them, not
append to what the client sent), else the request's own scheme and `Host`. Anyone else's
forwarded headers are ignored: they would put their host in a page's card.
"""

import logging
import re

from aiohttp import hdrs, web

from api.web.state import SETTINGS

log = logging.getLogger(__name__)
# What the trusted proxy says the client asked for; set by api.web.clients, which knows whether
# the peer is one.
FORWARDED_ORIGIN = web.RequestKey("forwarded_origin", str)
# A host (a name, IPv4 or [IPv6]) and a port: nothing that could end an attribute or a URL.
HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
SCHEMES = ("http", "https")


def _last(value: str | None) -> str | None:
    """The nearest proxy's value of a comma-separated header."""
    return value.split(",")[-1].strip() if value else None


def forwarded_origin(request: web.Request) -> str | None:
    """The scheme and host a trusted proxy forwarded, when it forwarded either and they are
    sound; what it left out is the request's own."""
    forwarded = request.forwarded[-1] if request.forwarded else {}
    scheme = forwarded.get("proto") or _last(request.headers.get(hdrs.X_FORWARDED_PROTO))
    host = forwarded.get("host") or _last(request.headers.get(hdrs.X_FORWARDED_HOST))
    if scheme is None and host is None:
        return None
    scheme, host = (scheme or request.scheme).lower(), host or request.host
    if scheme not in SCHEMES or not HOST.fullmatch(host):
        log.warning(
            "Unusable forwarded scheme or host from %s: %r %r", request.remote, scheme, host
        )
        return None
    return f"{scheme}://{host}"


def public_base(request: web.Request) -> str:
    """The api's address, as people reach it: `https://memes.example.com`."""
    settings = request.app[SETTINGS]
    if settings.public_url:
        return settings.public_url
    if origin := request.get(FORWARDED_ORIGIN):
        return origin
    host = (
        request.host if HOST.fullmatch(request.host) else f"{settings.api_host}:{settings.api_port}"
    )
    return f"{request.scheme}://{host}"


def absolute(request: web.Request, path: str) -> str:
    """`path` (from the root: `/m/1`) as an absolute URL."""
    return public_base(request) + path


def page_path(meme_id: int) -> str:
    """The gallery's page of a meme."""
    return f"/m/{meme_id}"


def page_link(request: web.Request, meme_id: int) -> str:
    """A `Link` header's value: the meme's page, absolute (what a client shows people)."""
    return f'<{absolute(request, page_path(meme_id))}>; rel="alternate"; type="text/html"'
