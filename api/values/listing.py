"""What a list of memes shows: filters, sort order, and opaque cursors for keyset pagination.

A cursor names the sort key and id of the last meme of a page, the sort and the filters it
was made for, signed with HMAC-SHA256 so that a changed or made-up cursor is refused instead of
seeking somewhere unexpected.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from api.errors import InvalidCursor, ValidationFailed

Sort = Literal["created_at", "-created_at", "title", "-title"]
Processing = Literal["pending", "done", "failed"]
# Whose memes a list shows: `public` to everyone; `hidden` and `all` to moderators only
# (api.web.memes), hidden memes being left out of everything else.
Visibility = Literal["public", "hidden", "all"]
DEFAULT_SORT = "-created_at"
RELEVANCE = "relevance"  # the order when `q` is given and no sort is asked for
WORD = re.compile(r"\w+")
MAX_SEARCH_WORDS = 16  # each word is one more condition on the full-text index


@dataclass(frozen=True)
class Listing:
    search: tuple[str, ...]  # words to find, lower-case
    tags_all: tuple[str, ...]
    tags_any: tuple[str, ...]
    sha256: str | None
    sort: str
    processing: str | None = None  # pending, done or failed
    template: int | None = None  # a template's id
    sensitive: bool | None = None  # False: sensitive memes left out (True is not offered)
    visibility: str = "public"

    @property
    def filtered(self) -> bool:
        # The hidden memes are few: found through their index (memes_hidden), as a filter's
        # matches are, never by walking every meme in order.
        return bool(
            self.search
            or self.tags_all
            or self.tags_any
            or self.sha256
            or self.processing
            or self.template
            or self.sensitive is not None
            or self.visibility == "hidden"
        )

    def fingerprint(self) -> str:
        return _fingerprint(self)


# Listings asked for often (the first page above all) are remembered: the fingerprint of each
# page's cursor, and the SQL of its first page (api.db.listing), are made once, not per request.
LISTINGS_REMEMBERED = 256


@lru_cache(maxsize=LISTINGS_REMEMBERED)
def _fingerprint(listing: Listing) -> str:
    return hashlib.sha256(json.dumps(asdict(listing), sort_keys=True).encode()).hexdigest()[:16]


def search_words(q: str) -> tuple[str, ...]:
    words = WORD.findall(q.lower())
    if not words:
        raise _bad_q("has no words to search for")
    return tuple(words[:MAX_SEARCH_WORDS])  # more would only narrow a match already rare


def _bad_q(message: str) -> ValidationFailed:
    return ValidationFailed(
        f"q: {message}", errors=[{"loc": ["query string", "q"], "msg": message}]
    )


def listing(
    q: str | None,
    tag: str | None,
    tags_all: list[str],
    tags_any: list[str],
    sha256: str | None,
    sort: Sort | None,
    processing: Processing | None = None,
    template: int | None = None,
    sensitive: bool | None = None,
    visibility: Visibility = "public",
) -> Listing:
    search = search_words(q) if q is not None else ()
    all_of = sorted(set(tags_all) | ({tag} if tag else set()))
    return Listing(
        search=search,
        tags_all=tuple(all_of),
        tags_any=tuple(sorted(set(tags_any))),
        sha256=sha256,
        sort=sort or (RELEVANCE if search else DEFAULT_SORT),
        processing=processing,
        template=template,
        sensitive=sensitive,
        visibility=visibility,
    )


# What a page of templates is, for its cursors: a listing of its own, which no page of memes'
# cursor fits (api.domain.templates).
TEMPLATES = Listing(search=(), tags_all=(), tags_any=(), sha256=None, sort="most-used")
# The moderation log's pages, newest first (api.domain.moderation): a cursor is where a page
# ended, whichever meme it was narrowed to.
MODERATION_LOG = Listing(search=(), tags_all=(), tags_any=(), sha256=None, sort="log")
# The reports' queue, most reported first (api.domain.reports).
REPORTS = Listing(search=(), tags_all=(), tags_any=(), sha256=None, sort="most-reported")
# The ban list's pages, newest first (api.domain.bans).
BANS = Listing(search=(), tags_all=(), tags_any=(), sha256=None, sort="bans")


@dataclass(frozen=True)
class After:
    """Where the previous page ended: its last meme's sort key and id."""

    key: Any
    id: int


def _sign(payload: bytes, secret: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()[:32]


def encode_cursor(listing: Listing, key: Any, meme_id: int, secret: bytes) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    payload = json.dumps([listing.sort, listing.fingerprint(), key, meme_id], separators=(",", ":"))
    token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{token}.{_sign(payload.encode(), secret)}"


def decode_cursor(cursor: str, listing: Listing, secret: bytes) -> After:
    try:
        token, signature = cursor.split(".")
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error):
        raise InvalidCursor("The cursor is malformed") from None
    if not hmac.compare_digest(signature, _sign(payload, secret)):
        raise InvalidCursor("The cursor was not made by this service")
    sort, fingerprint, key, meme_id = json.loads(payload)
    if (sort, fingerprint) != (listing.sort, listing.fingerprint()):
        raise InvalidCursor("The cursor belongs to other filters or another sort order")
    return After(key=key, id=meme_id)
