"""The bytes of the most requested pictures and thumbnails, in the api's memory.

A picture is stored under the sha256 of its bytes, so what is cached under a key can never be
stale: no invalidation is needed, only a bound. The least recently used go first once
`PICTURE_CACHE_BYTES` is reached; a picture over an eighth of the cap is never kept, so that
one large picture cannot flush the many small ones that make up most requests.

Which picture a URL names (a meme's, a thumbnail's, whether a meme still uses it) can change:
those rows are kept `PICTURE_ROW_SECONDS` at most (a second: under load, most requests for a
hot picture then skip the database too), and are read again after that."""

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from api.metrics import CACHE_LOOKUPS

SHARE_OF_ONE = 8  # the largest picture kept is 1/8 of the cap
MAX_ROWS = 10_000  # rows of recent picture requests kept: a few MB at most


class PictureCache:
    def __init__(self, max_bytes: int, row_seconds: float = 0) -> None:
        self.max_bytes = max_bytes
        self.max_item_bytes = max_bytes // SHARE_OF_ONE
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self.row_seconds = row_seconds
        self._rows: dict[Hashable, tuple[Any, float]] = {}

    async def row(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        """What `read()` gives, read again once it is `row_seconds` old."""
        now = time.monotonic()
        if (kept := self._rows.get(key)) is not None and kept[1] > now:
            return kept[0]
        value = await read()
        if self.row_seconds:
            if len(self._rows) >= MAX_ROWS:
                self._rows.clear()  # cheaper than ordering them, and they are cheap to read
            self._rows[key] = (value, now + self.row_seconds)
        return value

    def fits(self, size: int) -> bool:
        return 0 < size <= self.max_item_bytes

    def get(self, sha256: str) -> bytes | None:
        data = self._items.get(sha256)
        if data is None:
            CACHE_LOOKUPS.labels("miss").inc()
            return None
        self._items.move_to_end(sha256)
        CACHE_LOOKUPS.labels("hit").inc()
        return data

    def put(self, sha256: str, data: bytes) -> None:
        if not self.fits(len(data)) or sha256 in self._items:
            return
        self._items[sha256] = data
        self.size += len(data)
        while self.size > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.size -= len(dropped)
