"""The bytes of the most requested pictures and thumbnails, in the api's memory.

A picture is stored under the sha256 of its bytes, so what is cached under a key can never be
stale: no invalidation is needed, only a bound. The least recently used go first once
`PICTURE_CACHE_BYTES` is reached; a picture over an eighth of the cap is never kept, so that
one large picture cannot flush the many small ones that make up most requests."""

from collections import OrderedDict

from api.metrics import CACHE_LOOKUPS

SHARE_OF_ONE = 8  # the largest picture kept is 1/8 of the cap


class PictureCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_item_bytes = max_bytes // SHARE_OF_ONE
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()

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
