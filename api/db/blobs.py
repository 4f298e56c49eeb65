"""The blobs and thumbnails tables: which pictures are stored, and who uses them. A row of
`thumbnails` is a variant of a picture: a size in a format (api.imaging.variants)."""

import aiopg
from psycopg2 import sql as pg

from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, fetch_value
from api.errors import NotFound

BLOB_BY_SHA256 = """
SELECT sha256, content_type, size, width, height, created_at AS stored_at
  FROM blobs b
 WHERE sha256 = %(sha256)s
   AND EXISTS (SELECT 1 FROM memes WHERE image_sha256 = b.sha256 AND visibility = 'public')
"""
# A variant as the picture views serve it, like a blob.
THUMBNAIL = pg.SQL("""
       sha256, content_type, bytes AS size, width, height, created_at AS stored_at""")
INSERT_THUMBNAIL = pg.SQL("""
INSERT INTO thumbnails (blob_sha256, size, format, sha256, content_type, bytes, width, height)
VALUES (%(blob_sha256)s, %(size)s, %(format)s, %(sha256)s, %(content_type)s, %(bytes)s,
        %(width)s, %(height)s)
    ON CONFLICT (blob_sha256, size, format) DO NOTHING
RETURNING {thumbnail}
""").format(thumbnail=THUMBNAIL)
THUMBNAIL_OF_SIZE = pg.SQL("""
SELECT {thumbnail}
  FROM thumbnails
 WHERE blob_sha256 = %(blob_sha256)s AND size = %(size)s AND format = %(format)s
""").format(thumbnail=THUMBNAIL)


async def drop_if_unused(cur: aiopg.Cursor, sha256: str) -> list[str]:
    """If no meme uses the picture, delete its row and its thumbnails' rows; returns the keys
    of the objects (picture and thumbnails) that may now be unreferenced. Under its lock."""
    params = {"sha256": sha256}
    if await fetch_value(
        cur, "SELECT EXISTS (SELECT FROM memes WHERE image_sha256 = %(sha256)s)", params
    ):
        return []
    # FOR UPDATE waits for a thumbnail being added (it holds the row FOR KEY SHARE).
    if not await fetch_value(
        cur, "SELECT sha256 FROM blobs WHERE sha256 = %(sha256)s FOR UPDATE", params
    ):
        return []
    thumbnails = await fetch_all(
        cur, "SELECT sha256 FROM thumbnails WHERE blob_sha256 = %(sha256)s", params
    )
    await execute(cur, "DELETE FROM blobs WHERE sha256 = %(sha256)s", params)  # cascades
    return [sha256, *(row["sha256"] for row in thumbnails)]


async def picture_kept(cur: aiopg.Cursor, sha256: str) -> bool:
    """Hold the picture's row until the transaction ends (a thumbnail is being added to it);
    False if it is gone."""
    return bool(
        await fetch_value(
            cur,
            "SELECT true FROM blobs WHERE sha256 = %(sha256)s FOR KEY SHARE",
            {"sha256": sha256},
        )
    )


async def get_blob(db: Database, sha256: str) -> Row:
    """A stored picture, if a public meme shows it."""
    async with cursor(db) as cur:
        blob = await fetch_one(cur, BLOB_BY_SHA256, {"sha256": sha256})
    if blob is None:
        raise NotFound("No meme shows this picture")
    return blob


async def unused_pictures(db: Database) -> list[str]:
    """Pictures no meme uses: left by a process that stopped between two transactions."""
    async with cursor(db) as cur:
        rows = await fetch_all(
            cur,
            "SELECT sha256 FROM blobs b"
            " WHERE NOT EXISTS (SELECT FROM memes m WHERE m.image_sha256 = b.sha256)",
        )
    return [row["sha256"] for row in rows]


async def memes_of_picture(db: Database, sha256: str) -> list[int]:
    async with cursor(db) as cur:
        rows = await fetch_all(
            cur,
            "SELECT id FROM memes WHERE image_sha256 = %(sha256)s ORDER BY id",
            {"sha256": sha256},
        )
    return [row["id"] for row in rows]


async def forget_thumbnails(db: Database, sha256: str) -> int:
    """Drop the rows of thumbnails stored under `sha256` (they are made again on request)."""
    async with cursor(db) as cur:
        await execute(cur, "DELETE FROM thumbnails WHERE sha256 = %(sha256)s", {"sha256": sha256})
        return cur.rowcount


async def get_thumbnail(
    cur: aiopg.Cursor, blob_sha256: str, size: str, format: str = "webp"
) -> Row | None:
    return await fetch_one(
        cur, THUMBNAIL_OF_SIZE, {"blob_sha256": blob_sha256, "size": size, "format": format}
    )


async def thumbnail_stored(db: Database, blob_sha256: str, size: str, format: str) -> bool:
    async with cursor(db) as cur:
        return await get_thumbnail(cur, blob_sha256, size, format) is not None


async def insert_thumbnail(
    cur: aiopg.Cursor, blob_sha256: str, size: str, format: str, **stored
) -> Row | None:
    """`stored`: the variant's sha256, content_type, bytes, width and height; None if the
    picture has this variant already."""
    params = {"blob_sha256": blob_sha256, "size": size, "format": format, **stored}
    return await fetch_one(cur, INSERT_THUMBNAIL, params)
