"""The bytes of the most requested pictures and thumbnails, in the api's memory.

A picture is stored under the sha256 of its bytes, so what is cached under a key can never be
stale: no invalidation is needed, only a bound. The least recently used go first once
`PICTURE_CACHE_BYTES` is reached; a picture over an eighth of the cap is never kept, so that
one large picture cannot flush the many small ones that make up most requests.

Which picture a URL names (a meme's, a thumbnail's, whether a meme still uses it) can change:
those rows are kept `PICTURE_ROW_SECONDS` at most (a second: under load, most requests for a
hot picture then skip the database too), and are read again after that. A change this process
makes forgets the rows it changes as it commits, so that the process serves what it just wrote
at once; other processes may lag by `PICTURE_ROW_SECONDS`."""

from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any

from cachetools import LRUCache, TTLCache

from api.metrics import CACHE_LOOKUPS

SHARE_OF_ONE = 8  # the largest picture kept is 1/8 of the cap
MAX_ROWS = 10_000  # rows of recent picture requests kept: a few MB at most


class PictureCache:
    def __init__(self, max_bytes: int, row_seconds: float = 0) -> None:
        self.max_item_bytes = max_bytes // SHARE_OF_ONE
        self._pictures: LRUCache[str, bytes] = LRUCache(maxsize=max(max_bytes, 1), getsizeof=len)
        self._rows: TTLCache[Hashable, Any] | None = (
            TTLCache(maxsize=MAX_ROWS, ttl=row_seconds) if row_seconds > 0 else None
        )
        # Counts the changes forgotten: a row read while one commits may be the old one.
        self._changes = 0

    @property
    def size(self) -> int:
        """Bytes of pictures held now."""
        return int(self._pictures.currsize)

    @property
    def keeps_rows(self) -> bool:
        return self._rows is not None

    async def row(
        self, key: Hashable, read: Callable[[], Awaitable[Any]], fresh: bool = False
    ) -> Any:
        """What `read()` gives, read again once it is `row_seconds` old (or now, `fresh`)."""
        if self._rows is None:
            return await read()
        if not fresh and key in self._rows:
            return self._rows[key]
        changes = self._changes
        value = await read()
        if changes == self._changes:
            self._rows[key] = value
        return value

    def forget(self, rows: Iterable[Hashable], pictures: Iterable[str] = ()) -> None:
        """After a change commits: the rows it changed, and the bytes of pictures deleted."""
        self._changes += 1
        for key in rows if self._rows is not None else ():
            self._rows.pop(key, None)
        for sha256 in pictures:
            self._pictures.pop(sha256, None)

    def fits(self, size: int) -> bool:
        return 0 < size <= self.max_item_bytes

    def get(self, sha256: str) -> bytes | None:
        data = self._pictures.get(sha256)
        CACHE_LOOKUPS.labels("miss" if data is None else "hit").inc()
        return data

    def put(self, sha256: str, data: bytes) -> None:
        if self.fits(len(data)) and sha256 not in self._pictures:
            self._pictures[sha256] = data
