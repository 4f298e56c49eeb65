"""Thumbnails and variants (a size in a format): the common ones made ahead by the picture's
job (api.domain.processing), the others on their first request (in the image workers, whose
processes bound how many are made at once), from the stored picture; stored as objects of
their own (content-addressed like the pictures) and served from storage after that."""

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiopg

from api.db import blobs
from api.db.sql import Row, cursor
from api.domain.holds_and_outbox import store_then_write
from api.errors import NotFound
from api.imaging import thumbnails, variants
from api.services import Services


@asynccontextmanager
async def _temporary_file(scratch: Path) -> AsyncIterator[Path]:
    fd, name = tempfile.mkstemp(prefix="thumbnail-", dir=scratch)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


async def thumbnail(services: Services, picture: Row, size: str, format: str = "webp") -> Row:
    """The stored variant of `picture` (a meme or blob row), made now if there is none."""
    async with cursor(services.db) as cur:
        if found := await blobs.get_thumbnail(cur, picture["sha256"], size, format):
            return found
    async with downloaded(services, picture["sha256"]) as original:
        return await store_thumbnail(services, picture["sha256"], original, size, format)


@asynccontextmanager
async def downloaded(services: Services, sha256: str) -> AsyncIterator[Path]:
    """The stored picture, in a scratch file for the block's length."""
    async with _temporary_file(services.scratch) as original:
        async with services.media.open(sha256) as download:
            with original.open("wb") as file:
                async for chunk in download.chunks:
                    await asyncio.to_thread(file.write, chunk)
        yield original


async def _make(services: Services, original: Path, target: Path, size: str, format: str):
    """Width, height and media type of the variant made at `target`."""
    if size in thumbnails.SIZES:  # the older sizes: WebP only
        made = await services.image_workers.run(
            thumbnails.make_thumbnail, original, target, thumbnails.SIZES[size]
        )
        return (*made, "image/webp")
    return await services.image_workers.run(variants.make_variant, original, target, size, format)


async def store_thumbnail(
    services: Services, sha256: str, original: Path, size: str, format: str = "webp"
) -> Row:
    """Make a variant of the picture `sha256` (downloaded at `original`) and store it."""
    # Two requests may make the same variant at once: both store the same bytes (under the
    # same key), and the first row wins.
    async with _temporary_file(services.scratch) as small:
        width, height, content_type = await _make(services, original, small, size, format)
        data = small.read_bytes()  # a few KiB, some hundreds at most (a page-sized animation)
        made = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "content_type": content_type,
            "bytes": len(data),
            "width": width,
            "height": height,
        }

        async def write(cur: aiopg.Cursor) -> Row:
            # Holds the picture's row, so that it is not deleted while the thumbnail is added.
            if not await blobs.picture_kept(cur, sha256):
                raise NotFound("The picture was deleted")
            if row := await blobs.insert_thumbnail(cur, sha256, size, format, **made):
                return row
            return await blobs.get_thumbnail(cur, sha256, size, format)

        return await store_then_write(services, made["sha256"], small, write)
