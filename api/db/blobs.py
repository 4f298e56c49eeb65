"""The blobs and thumbnails tables: which pictures are stored, and who uses them."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiopg
from psycopg2 import sql as pg

from api.db.sql import Row, cursor, execute, fetch_all, fetch_one, fetch_value
from api.domain.errors import NotFound

BLOB_BY_SHA256 = """
SELECT sha256, content_type, size, width, height, created_at AS stored_at
  FROM blobs b
 WHERE sha256 = %(sha256)s AND EXISTS (SELECT 1 FROM memes WHERE image_sha256 = b.sha256)
"""
# A thumbnail as the picture views serve it, like a blob.
THUMBNAIL = pg.SQL("""
       sha256, 'image/webp' AS content_type, bytes AS size, width, height,
       created_at AS stored_at""")
INSERT_THUMBNAIL = pg.SQL("""
INSERT INTO thumbnails (blob_sha256, size, sha256, bytes, width, height)
VALUES (%(blob_sha256)s, %(size)s, %(sha256)s, %(bytes)s, %(width)s, %(height)s)
RETURNING {thumbnail}
""").format(thumbnail=THUMBNAIL)
THUMBNAIL_OF_SIZE = pg.SQL("""
SELECT {thumbnail}
  FROM thumbnails
 WHERE blob_sha256 = %(blob_sha256)s AND size = %(size)s
""").format(thumbnail=THUMBNAIL)


@asynccontextmanager
async def blob_lock(pool: aiopg.Pool, sha256: str) -> AsyncIterator[aiopg.Cursor]:
    """Hold a lock on one picture: every change of who refers to a blob happens under it."""
    key = {"key": sha256}
    async with cursor(pool) as cur:
        await execute(cur, "SELECT pg_advisory_lock(hashtextextended(%(key)s, 0))", key)
        try:
            yield cur
        finally:
            await execute(cur, "SELECT pg_advisory_unlock(hashtextextended(%(key)s, 0))", key)


async def blob_exists(cur: aiopg.Cursor, sha256: str) -> bool:
    return await fetch_value(
        cur, "SELECT EXISTS (SELECT FROM blobs WHERE sha256 = %(sha256)s)", {"sha256": sha256}
    )


async def blob_in_use(cur: aiopg.Cursor, sha256: str) -> bool:
    return await fetch_value(
        cur,
        "SELECT EXISTS (SELECT FROM memes WHERE image_sha256 = %(sha256)s)",
        {"sha256": sha256},
    )


async def is_a_thumbnail(cur: aiopg.Cursor, sha256: str) -> bool:
    return await fetch_value(
        cur, "SELECT EXISTS (SELECT FROM thumbnails WHERE sha256 = %(sha256)s)", {"sha256": sha256}
    )


async def blob_in_storage_use(cur: aiopg.Cursor, sha256: str) -> bool:
    """Whether a picture or a thumbnail is stored under this key."""
    return await blob_exists(cur, sha256) or await is_a_thumbnail(cur, sha256)


async def delete_blob(cur: aiopg.Cursor, sha256: str) -> None:
    """The blob's row, and with it (ON DELETE CASCADE) its thumbnails' rows."""
    await execute(cur, "DELETE FROM blobs WHERE sha256 = %(sha256)s", {"sha256": sha256})


async def get_blob(pool: aiopg.Pool, sha256: str) -> Row:
    """A stored picture, if a meme uses it."""
    async with cursor(pool) as cur:
        blob = await fetch_one(cur, BLOB_BY_SHA256, {"sha256": sha256})
    if blob is None:
        raise NotFound("No meme has this picture")
    return blob


async def unused_blobs(pool: aiopg.Pool) -> list[str]:
    async with cursor(pool) as cur:
        rows = await fetch_all(
            cur,
            "SELECT sha256 FROM blobs b"
            " WHERE NOT EXISTS (SELECT FROM memes m WHERE m.image_sha256 = b.sha256)",
        )
    return [row["sha256"] for row in rows]


async def get_thumbnail(cur: aiopg.Cursor, blob_sha256: str, size: str) -> Row | None:
    return await fetch_one(cur, THUMBNAIL_OF_SIZE, {"blob_sha256": blob_sha256, "size": size})


async def insert_thumbnail(cur: aiopg.Cursor, blob_sha256: str, size: str, **stored) -> Row:
    """`stored`: the thumbnail's sha256, bytes, width and height."""
    return await fetch_one(
        cur, INSERT_THUMBNAIL, {"blob_sha256": blob_sha256, "size": size, **stored}
    )


async def thumbnails_of(cur: aiopg.Cursor, blob_sha256: str) -> list[str]:
    rows = await fetch_all(
        cur, "SELECT sha256 FROM thumbnails WHERE blob_sha256 = %(sha256)s", {"sha256": blob_sha256}
    )
    return [row["sha256"] for row in rows]
