"""Conditional requests (RFC 9110): ETags from the bytes of an answer, compared with the
request's validators as aiohttp parses them (`request.if_none_match`, `if_modified_since`,
`if_range`). The views still declare those headers, so that openapi.json lists them."""

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from aiohttp import hdrs, web
from aiohttp.helpers import ETAG_ANY

# Two versions stored within one second share a Last-Modified date: only an older date is
# a strong validator (RFC 9110, 8.8.2.2).
STRONG_AFTER = timedelta(seconds=1)


def etag_of(chunks: Iterable[bytes]) -> str:
    """A strong ETag: the sha256 of the bytes the answer would send, quoted."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return f'"{digest.hexdigest()}"'


def etag_matches(request: web.BaseRequest, etag: str) -> bool:
    """If-None-Match compares weakly: `W/"x"` matches `"x"`, and `*` matches anything."""
    value = etag.strip('"')
    return any(tag.value in (value, ETAG_ANY) for tag in request.if_none_match or ())


def not_modified_since(request: web.BaseRequest, modified: datetime) -> bool:
    """If-Modified-Since; an unreadable date is ignored, as RFC 9110 asks."""
    since = request.if_modified_since
    return since is not None and modified.replace(microsecond=0) <= since


def still_the_same(request: web.BaseRequest, etag: str, modified: datetime) -> bool:
    """If-Range (RFC 9110, 13.1.5): a range is served only of the representation the client
    has part of: its strong ETag, or exactly its Last-Modified date, if that date is strong."""
    given = request.headers.get(hdrs.IF_RANGE, "")
    if given.startswith(('"', "W/")):
        return given == etag  # a weak tag never matches here
    strong = datetime.now(UTC) - modified >= STRONG_AFTER
    return strong and request.if_range == modified.replace(microsecond=0)
