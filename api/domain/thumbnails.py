"""Thumbnails: made on first request from the stored picture, stored as blobs of their own
(content-addressed like the pictures) and served from storage after that."""

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from api.db import blobs
from api.db.sql import Row, cursor
from api.imaging.thumbnails import SIZES, make_thumbnail
from api.services import Services


@asynccontextmanager
async def _temporary_file() -> AsyncIterator[Path]:
    fd, name = tempfile.mkstemp(prefix="meme-thumbnail-")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


async def thumbnail(services: Services, picture: Row, size: str) -> Row:
    """The stored thumbnail of `picture` (a meme or blob row), made now if there is none."""
    async with cursor(services.pool) as cur:
        if found := await blobs.get_thumbnail(cur, picture["sha256"], size):
            return found
    # Under the picture's lock: made once, and never for a picture being deleted.
    async with blobs.blob_lock(services.pool, picture["sha256"]) as cur:
        if found := await blobs.get_thumbnail(cur, picture["sha256"], size):
            return found
        async with _temporary_file() as original, _temporary_file() as small:
            async with services.media.open(picture["sha256"]) as download:
                with original.open("wb") as file:
                    async for chunk in download.chunks:
                        await asyncio.to_thread(file.write, chunk)
            width, height = await services.image_workers.run(
                make_thumbnail, original, small, SIZES[size]
            )
            data = small.read_bytes()  # a few KiB
            sha256 = hashlib.sha256(data).hexdigest()
            await services.media.put(sha256, small, len(data))
        try:
            return await blobs.insert_thumbnail(
                cur,
                picture["sha256"],
                size,
                sha256=sha256,
                bytes=len(data),
                width=width,
                height=height,
            )
        except BaseException:
            if not await blobs.blob_in_storage_use(cur, sha256):
                await services.media.delete(sha256)
            raise
