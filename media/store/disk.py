"""Blobs as files on the local disk: written to a temporary file, renamed into place."""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from media.errors import BlobNotFound, StorageUnavailable
from media.store.base import (
    CHUNK_BYTES,
    KEY_PATTERN,
    Blob,
    ByteRange,
    StoredObject,
)


class DiskStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    async def put_file(self, key: str, path: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(exist_ok=True)
        # The spool lives on the same file system, so this rename is atomic.
        await asyncio.to_thread(os.replace, path, target)

    async def size(self, key: str) -> int:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError:
            raise BlobNotFound() from None

    @asynccontextmanager
    async def open(self, key: str, part: ByteRange | None = None) -> AsyncIterator[Blob]:
        try:
            # Opened on the loop, not in a thread: a request cancelled while a thread opened the
            # file would drop the open file unclosed. Opening a local file takes microseconds.
            file = open(self._path(key), "rb")  # noqa: ASYNC230
        except FileNotFoundError:
            raise BlobNotFound() from None
        try:
            if part is None:
                length = os.fstat(file.fileno()).st_size
            else:
                file.seek(part.start)
                length = part.length
            yield Blob(length=length, chunks=_read_chunks(file, length))
        finally:
            file.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def list_after(self, after: str, limit: int) -> list[StoredObject]:
        return await asyncio.to_thread(self._list_after, after, limit)

    def _list_after(self, after: str, limit: int) -> list[StoredObject]:
        found: list[StoredObject] = []
        for directory in sorted(self.root.iterdir()):
            if directory.name < after[:2] or len(directory.name) != 2:
                continue
            for name in sorted(os.listdir(directory)):
                if name <= after or not KEY_PATTERN.fullmatch(name):
                    continue
                try:
                    stat = (directory / name).stat()
                except FileNotFoundError:
                    continue  # deleted while we looked
                stored_at = datetime.fromtimestamp(stat.st_mtime, UTC)
                found.append(StoredObject(name, stat.st_size, stored_at))
                if len(found) == limit:
                    return found
        return found

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self._write_a_probe)
        except OSError as exc:
            raise StorageUnavailable(f"The blob directory is not writable: {exc.strerror}") from exc

    def _write_a_probe(self) -> None:
        """A file of its own for each check: two probes at once must not trip over each other."""
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ready-") as probe:
            probe.write(b"ok")
            probe.flush()


async def _read_chunks(file: BinaryIO, length: int) -> AsyncIterator[bytes]:
    while length > 0 and (chunk := await asyncio.to_thread(file.read, min(CHUNK_BYTES, length))):
        length -= len(chunk)
        yield chunk
