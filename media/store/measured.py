"""Any store, with each call counted and timed by operation and outcome (the metric
`dependency_call_duration_seconds{dependency="s3"}`, or `"disk"`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from common.metrics import timed
from media.store.base import Blob, ByteRange, Store, StoredObject


class MeasuredStore:
    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name

    async def put_file(self, key: str, path: Path) -> None:
        with timed(self.name, "put"):
            await self.store.put_file(key, path)

    async def size(self, key: str) -> int:
        with timed(self.name, "size"):
            return await self.store.size(key)

    @asynccontextmanager
    async def open(self, key: str, part: ByteRange | None = None) -> AsyncIterator[Blob]:
        """Timed until the first byte can be read: the rest is the client's pace."""
        opened = self.store.open(key, part)
        with timed(self.name, "get"):
            blob = await opened.__aenter__()
        try:
            yield blob
        except BaseException as exc:
            if not await opened.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            await opened.__aexit__(None, None, None)

    async def delete(self, key: str) -> None:
        with timed(self.name, "delete"):
            await self.store.delete(key)

    async def list_after(self, after: str, limit: int) -> list[StoredObject]:
        with timed(self.name, "list"):
            return await self.store.list_after(after, limit)

    async def check(self) -> None:
        with timed(self.name, "check"):
            await self.store.check()
