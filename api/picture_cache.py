"""The bytes of the most requested pictures and thumbnails, in the api's memory.

A picture is stored under the sha256 of its bytes, so what is cached under a key can never be
stale: no invalidation is needed, only a bound. The least recently used go first once
`PICTURE_CACHE_BYTES` is reached; a picture over an eighth of the cap is never kept, so that
one large picture cannot flush the many small ones that make up most requests.

Which picture a URL names (a meme's, a thumbnail's, whether a meme still uses it) can change:
those rows are kept `PICTURE_ROW_SECONDS` at most (a second: under load, most requests for a
hot picture then skip the database too), and are read again after that."""

from collections.abc import Awaitable, Callable, Hashable
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

    @property
    def size(self) -> int:
        """Bytes of pictures held now."""
        return int(self._pictures.currsize)

    async def row(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        """What `read()` gives, read again once it is `row_seconds` old."""
        if self._rows is None:
            return await read()
        try:
            return self._rows[key]
        except KeyError:
            value = self._rows[key] = await read()
            return value

    def fits(self, size: int) -> bool:
        return 0 < size <= self.max_item_bytes

    def get(self, sha256: str) -> bytes | None:
        data = self._pictures.get(sha256)
        CACHE_LOOKUPS.labels("miss" if data is None else "hit").inc()
        return data

    def put(self, sha256: str, data: bytes) -> None:
        if self.fits(len(data)) and sha256 not in self._pictures:
            self._pictures[sha256] = data
