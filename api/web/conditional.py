"""Conditional requests: ETags from the bytes of an answer, and `If-None-Match` (RFC 9110)."""

import hashlib
from collections.abc import Iterable


def etag_of(chunks: Iterable[bytes]) -> str:
    """A strong ETag: the sha256 of the bytes the answer would send, quoted."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return f'"{digest.hexdigest()}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match compares weakly: `W/"x"` matches `"x"`, and `*` matches anything."""
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates
