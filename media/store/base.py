"""The one interface both stores (disk and S3) implement, and the values they pass."""

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from common.problems import RangeNotSatisfiable
from media.errors import InvalidKey

CHUNK_BYTES = 64 * 1024
# Keys are the sha256 of the content, made by the services, never a client's file name.
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


def checked_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidKey("A key is 64 lower-case hex digits (a sha256)")
    return key


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The one range a Range header asks for, or None for the whole blob.

    Several ranges, or a header that does not parse, get the whole blob: RFC 9110 lets a server
    ignore Range. A range starting past the end is RangeNotSatisfiable (416).
    """
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if not match or match[1] == match[2] == "":
        return None
    if match[1] == "":  # the last n bytes
        suffix = _position(match[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = _position(match[1])
    end = _position(match[2]) if match[2] else size - 1
    if start >= size:
        raise RangeNotSatisfiable(size)
    if end < start:
        return None
    return ByteRange(start, min(end, size - 1))


def _position(digits: str) -> int:
    # Any number of digits is a valid position; past 18 it is past the end of any blob, and
    # int() refuses strings of over 4,300 digits.
    return int(digits) if len(digits) <= 18 else 10**18


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    stored_at: datetime


@dataclass(frozen=True)
class Blob:
    length: int  # of the bytes in `chunks`: the whole blob, or the range asked for
    chunks: AsyncIterator[bytes]


class Store(Protocol):
    async def put_file(self, key: str, path: Path) -> None:
        """Store the file at `path` under `key`, whole or not at all; `path` may be moved."""

    async def size(self, key: str) -> int:
        """The blob's size in bytes; BlobNotFound if there is none."""

    def open(self, key: str, part: ByteRange | None = None) -> AbstractAsyncContextManager[Blob]:
        """The blob's bytes (or `part` of them) as chunks; BlobNotFound if there is none."""

    async def delete(self, key: str) -> None:
        """Remove the blob; removing a missing blob is not an error."""

    async def list_after(self, after: str, limit: int) -> list[StoredObject]:
        """Up to `limit` blobs whose keys come after `after`, in key order."""

    async def check(self) -> None:
        """Raise StorageUnavailable unless blobs can be stored now (readiness)."""
