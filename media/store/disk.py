"""Blobs as files on the local disk: written to a temporary file, renamed into place."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO

from media.store.base import CHUNK_BYTES, Blob, BlobNotFound, ByteRange


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
            file = await asyncio.to_thread(open, self._path(key), "rb")
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


async def _read_chunks(file: BinaryIO, length: int) -> AsyncIterator[bytes]:
    while length > 0 and (chunk := await asyncio.to_thread(file.read, min(CHUNK_BYTES, length))):
        length -= len(chunk)
        yield chunk
