"""Thumbnails: a downscaled WebP of a picture's first frame, made on first request, stored as a
blob of its own (content-addressed like the pictures) and served from storage after that."""

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from PIL import Image

from api import db
from api.keys import IMAGE_WORKERS, MEDIA, POOL

SIZES = {"thumb": 160, "small": 480}  # the longest side, in pixels
WEBP_QUALITY = 80


def make_thumbnail(source: Path, target: Path, longest_side: int) -> tuple[int, int]:
    """The first frame of an already clean picture, fit into a square of `longest_side`."""
    with Image.open(source) as image:
        image.seek(0)
        frame = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
        frame.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
        frame.save(target, format="WEBP", quality=WEBP_QUALITY)
        return frame.size


@asynccontextmanager
async def _temporary_file() -> AsyncIterator[Path]:
    fd, name = tempfile.mkstemp(prefix="meme-thumbnail-")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


async def thumbnail(app: web.Application, picture: db.Row, size: str) -> db.Row:
    """The stored thumbnail of `picture` (a meme or blob row), made now if there is none."""
    pool, media = app[POOL], app[MEDIA]
    async with pool.acquire() as conn:
        if found := await db.get_thumbnail(conn, picture["sha256"], size):
            return found
    # Under the picture's lock: made once, and never for a picture being deleted.
    async with db.blob_lock(pool, picture["sha256"]) as conn:
        if found := await db.get_thumbnail(conn, picture["sha256"], size):
            return found
        async with _temporary_file() as original, _temporary_file() as small:
            async with media.open(picture["sha256"]) as download:
                with original.open("wb") as file:
                    async for chunk in download.chunks:
                        await asyncio.to_thread(file.write, chunk)
            width, height = await app[IMAGE_WORKERS].run(
                make_thumbnail, original, small, SIZES[size]
            )
            data = small.read_bytes()  # a few KiB
            sha256 = hashlib.sha256(data).hexdigest()
            await media.put(sha256, small, len(data))
        try:
            return await db.insert_thumbnail(
                conn, picture["sha256"], size, sha256, len(data), width, height
            )
        except BaseException:
            if not await db.blob_in_storage_use(conn, sha256):
                await media.delete(sha256)
            raise
