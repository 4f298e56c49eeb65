"""The one interface both storage backends implement, and its errors."""

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from common.problems import Problem

CHUNK_BYTES = 64 * 1024
# Keys are the sha256 of the content, made by the services, never a client's file name.
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


class InvalidKey(Problem):
    status = 400
    code = "invalid-key"


class BlobNotFound(Problem):
    status = 404
    code = "blob-not-found"


class StorageUnavailable(Problem):
    status = 503
    code = "storage-unavailable"


def checked_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidKey("A key is 64 lower-case hex digits (a sha256)")
    return key


@dataclass(frozen=True)
class Blob:
    size: int
    chunks: AsyncIterator[bytes]


class Storage(Protocol):
    async def put_file(self, key: str, path: Path) -> None:
        """Store the file at `path` under `key`, whole or not at all; `path` may be moved."""

    async def size(self, key: str) -> int:
        """The blob's size in bytes; BlobNotFound if there is none."""

    def open(self, key: str) -> AbstractAsyncContextManager[Blob]:
        """The blob's bytes as a stream of chunks; BlobNotFound if there is none."""

    async def delete(self, key: str) -> None:
        """Remove the blob; removing a missing blob is not an error."""
