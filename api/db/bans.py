"""The ban list (migration 0017): pictures a moderator banned, by sha256 and near-copy hash."""

import aiopg

from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, fetch_value
from api.imaging.copies import chunks

COLUMNS = "id, created_at, moderator, reason, meme_id, sha256"
INSERT = f"""
INSERT INTO bans (moderator, reason, meme_id, sha256, copy_hash, copy_chunks)
VALUES (%(moderator)s, %(reason)s, %(meme_id)s, %(sha256)s, ('x' || %(copy_hash)s)::bit(256),
        %(chunks)s)
    ON CONFLICT (sha256) DO NOTHING
RETURNING {COLUMNS}"""
# The same bytes by the unique index; a near copy by the chunks' index, then its distance. Each
# arm uses its own index: no ban is read but those sharing a chunk (docs/benchmarks.md).
BANNED = """
SELECT id FROM bans WHERE sha256 = %(sha256)s
 UNION ALL
SELECT id FROM bans
 WHERE copy_chunks && %(chunks)s::integer[]
   AND bit_count(copy_hash # ('x' || %(copy_hash)s)::bit(256)) <= %(distance)s
 LIMIT 1"""
# A ban and the last look of an upload's transaction at the bans exclude each other: a ban
# commits before the upload's look, which then sees it, or waits for the upload's rows, and
# then removes the memes of its picture (api.domain.bans, api.domain.memes).
UPLOADS_LOOK = "SELECT pg_advisory_xact_lock_shared(hashtextextended('bans', 0))"
BAN_MADE = "SELECT pg_advisory_xact_lock(hashtextextended('bans', 0))"
PAGE = f"""
SELECT {COLUMNS} FROM bans
 WHERE %(before)s::bigint IS NULL OR id < %(before)s
 ORDER BY id DESC
 LIMIT %(limit)s"""
# Locked as a delete locks them: a change of the meme waits for the ban, then finds it gone.
MEMES_OF_PICTURE = """
SELECT id FROM memes WHERE image_sha256 = %(sha256)s ORDER BY id FOR UPDATE"""


async def insert(
    cur: aiopg.Cursor,
    moderator: str,
    reason: str | None,
    meme_id: int,
    sha256: str,
    copy_hash: str,
) -> Row:
    """Ban the picture, in the caller's transaction; a picture banned already keeps its ban."""
    params = {
        "moderator": moderator,
        "reason": reason,
        "meme_id": meme_id,
        "sha256": sha256,
        "copy_hash": copy_hash,
        "chunks": chunks(copy_hash),
    }
    ban = await fetch_one(cur, INSERT, params)
    if ban is None:
        ban = await fetch_one(cur, f"SELECT {COLUMNS} FROM bans WHERE sha256 = %(sha256)s", params)
    return ban


async def banned(
    db: Database | aiopg.Cursor, sha256: str, copy_hash: str, distance: int
) -> int | None:
    """The id of a ban of this picture or of one within `distance` bits of it, if any. Given
    a transaction's cursor, the last look before an upload's rows are written: no ban made
    meanwhile is missed."""
    params = {
        "sha256": sha256,
        "copy_hash": copy_hash,
        "chunks": chunks(copy_hash),
        "distance": distance,
    }
    if isinstance(db, aiopg.Cursor):
        await execute(db, UPLOADS_LOOK)
        return await fetch_value(db, BANNED, params)
    async with cursor(db) as cur:
        return await fetch_value(cur, BANNED, params)


async def uploads_wait(cur: aiopg.Cursor) -> None:
    """Hold off the uploads' last look at the bans until the caller's transaction (a ban) ends."""
    await execute(cur, BAN_MADE)


async def memes_of_picture(cur: aiopg.Cursor, sha256: str) -> list[int]:
    """The ids of the memes showing this picture, locked for the caller's transaction."""
    return [row["id"] for row in await fetch_all(cur, MEMES_OF_PICTURE, {"sha256": sha256})]


async def page(db: Database, before: int | None, limit: int) -> list[Row]:
    async with cursor(db) as cur:
        return await fetch_all(cur, PAGE, {"before": before, "limit": limit})


async def delete(cur: aiopg.Cursor, ban_id: int) -> Row | None:
    """Lift the ban, in the caller's transaction: the ban as it was, or None if there is none."""
    return await fetch_one(
        cur, f"DELETE FROM bans WHERE id = %(id)s RETURNING {COLUMNS}", {"id": ban_id}
    )
