"""The memes table: one meme, and the changes of the meme lifecycle."""

from collections.abc import Awaitable, Callable

import aiopg
from psycopg2 import sql as pg

from api.db import tags
from api.db.sql import Database, Row, cursor, execute, fetch_one, fetch_value
from api.errors import NotFound
from api.imaging.clean import CleanImage
from api.moderation_settings import DEFAULT_NSFW_THRESHOLD
from api.values.meme_text import MemeText

# A meme as the API shows it (the Meme model), serialised by PostgreSQL: parsing every column
# into Python objects and serialising them again cost a third of a list page's time.
# Every value is on the meme's row or its picture's: blobs also holds what processing found
# (api.domain.processing), copied there from picture_jobs and picture_features by triggers
# (migration 0011), so a meme is two primary-key lookups, with no subquery and no other join.
# The LATERAL only names the JSON's keys for row_to_json: PostgreSQL folds it into the row.
# After `memes m JOIN blobs b ON b.sha256 = m.image_sha256`.
# NSFW_THRESHOLD reaches the SQL as a setting of every connection of the pools
# (api.db.connection), so that every query of a meme's JSON and the `sensitive=false` filter
# use the same without a parameter of their own; a connection of another (a benchmark's
# floor, a test's psycopg2) compares with the default.
NSFW_THRESHOLD_SETTING = "memes.nsfw_threshold"
OVER_THRESHOLD = (
    f"coalesce(nullif(current_setting('{NSFW_THRESHOLD_SETTING}', true), '')::real,"
    f" {DEFAULT_NSFW_THRESHOLD})"
)
# Marked by the poster or a moderator: sensitive; unmarked (`cleared`) by a moderator: not,
# whatever the score; else the score decides, and a picture not scored yet is not sensitive.
SENSITIVE = f"""CASE WHEN m.sensitive_mark IS NULL THEN coalesce(b.nsfw > {OVER_THRESHOLD}, false)
             ELSE m.sensitive_mark <> 'cleared' END"""
# The memes whose `sensitive` is false (a filter: api.db.filters), from the meme's row and one
# lookup of its picture's by primary key: a walk in a page's order stops at the page's end. A
# scalar subquery, not NOT EXISTS: that one the planner hashes, reading every scored picture
# (26 ms at 100,000 pictures, and growing with them; python -m bench.plans).
NOT_SENSITIVE = f"""(m.sensitive_mark = 'cleared' OR m.sensitive_mark IS NULL AND (
    (SELECT s.nsfw FROM blobs s WHERE s.sha256 = m.image_sha256) > {OVER_THRESHOLD}) IS NOT TRUE)"""
MEME_ROW = pg.SQL("""
 CROSS JOIN LATERAL (SELECT
        m.id, m.title, m.description, string_to_array(m.tags_text, ' ') AS tags,
        m.created_at, m.updated_at,
        '/memes/' || m.id || '/image' AS image_url, '/images/' || b.sha256 AS content_url,
        b.content_type, b.size, b.width, b.height, b.sha256,
        b.processing, b.processing_error, b.text, b.placeholder, b.template_id,
        m.visibility, b.nsfw, {sensitive} AS sensitive
    ) AS meme""").format(sensitive=pg.SQL(SENSITIVE))
MEME_JSON = pg.SQL("row_to_json(meme)::text AS json")
MEME_BY_ID = pg.SQL("""
SELECT m.id, m.title, b.sha256, b.content_type, b.size, b.created_at AS stored_at,
       m.visibility, {meme_json}
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
 WHERE m.id = %(id)s
""").format(meme_json=MEME_JSON, meme_row=MEME_ROW)
INSERT_BLOB = """
INSERT INTO blobs (sha256, content_type, size, width, height)
VALUES (%(sha256)s, %(content_type)s, %(size)s, %(width)s, %(height)s)
    ON CONFLICT (sha256) DO NOTHING
"""
INSERT_MEME = """
INSERT INTO memes (title, description, tags_text, image_sha256, edit_token_sha256,
                   sensitive_mark)
VALUES (%(title)s, %(description)s, %(tags_text)s, %(sha256)s, %(token_digest)s,
        %(sensitive_mark)s)
RETURNING id
"""
UPDATE_TEXT = """
UPDATE memes SET title = %(title)s, description = %(description)s, tags_text = %(tags_text)s,
                 updated_at = now()
 WHERE id = %(id)s
"""


async def _one_meme(cur: aiopg.Cursor, meme_id: int) -> Row:
    meme = await fetch_one(cur, MEME_BY_ID, {"id": meme_id})
    if meme is None:
        raise NotFound(f"No meme has id {meme_id}")
    return meme


async def get_meme(db: Database, meme_id: int, hidden: bool = False) -> Row:
    """The meme, or NotFound; a hidden one too only if `hidden` (a moderator asks): to anyone
    else it is as gone as a deleted one."""
    async with cursor(db) as cur:
        meme = await _one_meme(cur, meme_id)
    if meme["visibility"] == "hidden" and not hidden:
        raise NotFound(f"No meme has id {meme_id}")
    return meme


def _blob_params(image: CleanImage) -> Row:
    return {
        "sha256": image.sha256,
        "size": image.size,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
    }


def _text_params(text: MemeText, **more) -> Row:
    return {
        "title": text.title,
        "description": text.description,
        "tags_text": " ".join(text.tags),
        **more,
    }


# Something more to write in a change's transaction, given the cursor and the meme's id.
Also = Callable[[aiopg.Cursor, int], Awaitable[None]]


async def insert_meme(
    cur: aiopg.Cursor,
    text: MemeText,
    image: CleanImage,
    token_digest: bytes,
    sensitive_mark: str | None = None,
) -> Row:
    """In the caller's transaction; `sensitive_mark` "poster" when its poster marked it."""
    await execute(cur, INSERT_BLOB, _blob_params(image))
    params = _text_params(
        text, sha256=image.sha256, token_digest=token_digest, sensitive_mark=sensitive_mark
    )
    meme_id = await fetch_value(cur, INSERT_MEME, params)
    await tags.set_tags(cur, meme_id, text.tags)
    return await _one_meme(cur, meme_id)


async def update_meme_text(
    db: Database, meme_id: int, text: MemeText, also: Also | None = None
) -> Row:
    async with cursor(db) as cur, cur.begin():
        await execute(cur, UPDATE_TEXT, _text_params(text, id=meme_id))
        if cur.rowcount == 0:
            raise NotFound(f"No meme has id {meme_id}")
        await tags.set_tags(cur, meme_id, text.tags)
        if also is not None:
            await also(cur, meme_id)
        return await _one_meme(cur, meme_id)


async def update_meme_with_image(
    cur: aiopg.Cursor, meme_id: int, text: MemeText, image: CleanImage, also: Also | None = None
) -> tuple[Row, str]:
    """Replace words and picture, in the caller's transaction; returns the meme and the sha256
    of the picture it had."""
    params = _text_params(text, id=meme_id, sha256=image.sha256)
    old_sha256 = await fetch_value(
        cur, "SELECT image_sha256 FROM memes WHERE id = %(id)s FOR UPDATE", params
    )
    if old_sha256 is None:
        raise NotFound(f"No meme has id {meme_id}")
    await execute(cur, INSERT_BLOB, _blob_params(image))
    await execute(cur, "UPDATE memes SET image_sha256 = %(sha256)s WHERE id = %(id)s", params)
    await execute(cur, UPDATE_TEXT, params)
    await tags.set_tags(cur, meme_id, text.tags)
    if also is not None:
        await also(cur, meme_id)
    return await _one_meme(cur, meme_id), old_sha256


async def _picture(cur: aiopg.Cursor, query: str, meme_id: int) -> str:
    sha256 = await fetch_value(cur, query, {"id": meme_id})
    if sha256 is None:
        raise NotFound(f"No meme has id {meme_id}")
    return sha256


async def picture_of(cur: aiopg.Cursor, meme_id: int) -> str:
    """The sha256 of the meme's picture."""
    return await _picture(cur, "SELECT image_sha256 FROM memes WHERE id = %(id)s", meme_id)


async def delete_meme(cur: aiopg.Cursor, meme_id: int) -> str:
    """Delete the meme, in the caller's transaction; returns the sha256 of its picture."""
    return await _picture(
        cur, "DELETE FROM memes WHERE id = %(id)s RETURNING image_sha256", meme_id
    )


async def edit_token_digest(db: Database, meme_id: int, hidden: bool = False) -> bytes | None:
    """The stored digest of the meme's edit token (None: only a moderator may change it);
    NotFound for a hidden meme unless `hidden` (a moderator asks), as in get_meme."""
    async with cursor(db) as cur:
        row = await fetch_one(
            cur,
            "SELECT edit_token_sha256, visibility FROM memes WHERE id = %(id)s",
            {"id": meme_id},
        )
    if row is None or (row["visibility"] == "hidden" and not hidden):
        raise NotFound(f"No meme has id {meme_id}")
    return None if row["edit_token_sha256"] is None else bytes(row["edit_token_sha256"])


async def sensitive_mark(cur: aiopg.Cursor, meme_id: int) -> str | None:
    """Who marked the meme (migration 0018), locked until the caller's transaction ends."""
    row = await fetch_one(
        cur, "SELECT sensitive_mark FROM memes WHERE id = %(id)s FOR UPDATE", {"id": meme_id}
    )
    if row is None:
        raise NotFound(f"No meme has id {meme_id}")
    return row["sensitive_mark"]


async def set_sensitive_mark(cur: aiopg.Cursor, meme_id: int, mark: str | None) -> None:
    await execute(
        cur,
        "UPDATE memes SET sensitive_mark = %(mark)s WHERE id = %(id)s",
        {"id": meme_id, "mark": mark},
    )
