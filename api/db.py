"""Every SQL statement of the api. Functions take a pool or connection and return plain rows."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiopg

from api.errors import NotFound
from api.images import ImageInfo

Row = dict[str, Any]

MEME_SELECT = """
SELECT m.id, m.title, m.description, m.created_at, m.updated_at,
       b.sha256, b.content_type, b.size, b.width, b.height
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256
"""

INSERT_BLOB = """
INSERT INTO blobs (sha256, content_type, size, width, height)
VALUES (%(sha256)s, %(content_type)s, %(size)s, %(width)s, %(height)s)
ON CONFLICT (sha256) DO NOTHING
"""


def _rows(cursor, rows) -> list[Row]:
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row)) for row in rows]


async def _one_meme(cursor, meme_id: int) -> Row:
    await cursor.execute(MEME_SELECT + " WHERE m.id = %(id)s", {"id": meme_id})
    rows = _rows(cursor, await cursor.fetchall())
    if not rows:
        raise NotFound(f"No meme has id {meme_id}")
    return rows[0]


async def get_meme(pool: aiopg.Pool, meme_id: int) -> Row:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        return await _one_meme(cursor, meme_id)


async def count_memes(pool: aiopg.Pool) -> int:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute("SELECT count(*) FROM memes")
        (total,) = await cursor.fetchone()
        return total


async def stream_memes(
    pool: aiopg.Pool, limit: int, offset: int, batch_size: int
) -> AsyncIterator[list[Row]]:
    """Newest first, in batches from a server-side cursor: never the whole page at once."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(
                "DECLARE memes_page NO SCROLL CURSOR FOR"
                + MEME_SELECT
                + " ORDER BY m.created_at DESC, m.id DESC LIMIT %(limit)s OFFSET %(offset)s",
                {"limit": limit, "offset": offset},
            )
            while True:
                await cursor.execute("FETCH %(n)s FROM memes_page", {"n": batch_size})
                batch = _rows(cursor, await cursor.fetchall())
                if not batch:
                    break
                yield batch


@asynccontextmanager
async def blob_lock(pool: aiopg.Pool, sha256: str) -> AsyncIterator[aiopg.Connection]:
    """Hold a lock on one picture: every change of who refers to a blob happens under it."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (sha256,))
        try:
            yield conn
        finally:
            await cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (sha256,))


async def blob_exists(conn: aiopg.Connection, sha256: str) -> bool:
    async with conn.cursor() as cursor:
        await cursor.execute("SELECT 1 FROM blobs WHERE sha256 = %s", (sha256,))
        return await cursor.fetchone() is not None


async def blob_in_use(conn: aiopg.Connection, sha256: str) -> bool:
    async with conn.cursor() as cursor:
        await cursor.execute("SELECT 1 FROM memes WHERE image_sha256 = %s LIMIT 1", (sha256,))
        return await cursor.fetchone() is not None


async def delete_blob(conn: aiopg.Connection, sha256: str) -> None:
    async with conn.cursor() as cursor:
        await cursor.execute("DELETE FROM blobs WHERE sha256 = %s", (sha256,))


async def unused_blobs(pool: aiopg.Pool) -> list[str]:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(
            "SELECT sha256 FROM blobs b"
            " WHERE NOT EXISTS (SELECT 1 FROM memes m WHERE m.image_sha256 = b.sha256)"
        )
        return [sha256 for (sha256,) in await cursor.fetchall()]


def _blob_params(sha256: str, size: int, info: ImageInfo) -> Row:
    return {
        "sha256": sha256,
        "size": size,
        "content_type": info.content_type,
        "width": info.width,
        "height": info.height,
    }


async def insert_meme(
    conn: aiopg.Connection, title: str, description: str, sha256: str, size: int, info: ImageInfo
) -> Row:
    async with conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(INSERT_BLOB, _blob_params(sha256, size, info))
            await cursor.execute(
                "INSERT INTO memes (title, description, image_sha256)"
                " VALUES (%(title)s, %(description)s, %(sha256)s) RETURNING id",
                {"title": title, "description": description, "sha256": sha256},
            )
            (meme_id,) = await cursor.fetchone()
            return await _one_meme(cursor, meme_id)


async def update_meme_text(pool: aiopg.Pool, meme_id: int, title: str, description: str) -> Row:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(
            "UPDATE memes SET title = %(title)s, description = %(description)s, updated_at = now()"
            " WHERE id = %(id)s",
            {"id": meme_id, "title": title, "description": description},
        )
        return await _one_meme(cursor, meme_id)


async def update_meme_with_image(
    conn: aiopg.Connection,
    meme_id: int,
    title: str,
    description: str,
    sha256: str,
    size: int,
    info: ImageInfo,
) -> tuple[Row, str]:
    """Replace text and picture; returns the meme and the sha256 of the picture it had."""
    async with conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(
                "SELECT image_sha256 FROM memes WHERE id = %s FOR UPDATE", (meme_id,)
            )
            found = await cursor.fetchone()
            if found is None:
                raise NotFound(f"No meme has id {meme_id}")
            await cursor.execute(INSERT_BLOB, _blob_params(sha256, size, info))
            await cursor.execute(
                "UPDATE memes SET title = %(title)s, description = %(description)s,"
                " image_sha256 = %(sha256)s, updated_at = now() WHERE id = %(id)s",
                {"id": meme_id, "title": title, "description": description, "sha256": sha256},
            )
            return await _one_meme(cursor, meme_id), found[0]


async def delete_meme(pool: aiopg.Pool, meme_id: int) -> str:
    """Delete the meme; returns the sha256 of its picture."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(
            "DELETE FROM memes WHERE id = %s RETURNING image_sha256", (meme_id,)
        )
        found = await cursor.fetchone()
        if found is None:
            raise NotFound(f"No meme has id {meme_id}")
        return found[0]
