"""The moderators' side of the memes table (migration 0014): a meme's visibility, and the
log of every moderator's action."""

import json
from typing import Any

import aiopg

from api.db.sql import Database, Row, cursor, fetch_all, fetch_value
from api.errors import NotFound

RECORD = """
INSERT INTO moderation_log (moderator, action, meme_id, reason, details)
VALUES (%(moderator)s, %(action)s, %(meme_id)s, %(reason)s, %(details)s)
RETURNING id"""
SET_VISIBILITY = """
UPDATE memes SET visibility = %(visibility)s WHERE id = %(id)s
RETURNING (SELECT visibility FROM memes WHERE id = %(id)s) AS was"""
# Newest first; `meme_id` narrows it to one meme's story.
LOG_PAGE = """
SELECT id, at, moderator, action, meme_id, reason, details FROM moderation_log
 WHERE (%(before)s::bigint IS NULL OR id < %(before)s)
   AND (%(meme_id)s::bigint IS NULL OR meme_id = %(meme_id)s)
 ORDER BY id DESC
 LIMIT %(limit)s"""


async def record(
    cur: aiopg.Cursor,
    moderator: str,
    action: str,
    meme_id: int | None,
    reason: str | None,
    details: dict[str, Any] | None = None,
) -> int:
    """Log an action, in the caller's transaction: logged if and only if it was done."""
    params = {
        "moderator": moderator,
        "action": action,
        "meme_id": meme_id,
        "reason": reason,
        "details": json.dumps(details or {}),
    }
    return await fetch_value(cur, RECORD, params)


async def set_visibility(cur: aiopg.Cursor, meme_id: int, visibility: str) -> str:
    """Make the meme `public` or `hidden`, in the caller's transaction; returns what it was."""
    was = await fetch_value(cur, SET_VISIBILITY, {"id": meme_id, "visibility": visibility})
    if was is None:
        raise NotFound(f"No meme has id {meme_id}")
    return was


async def log_page(db: Database, before: int | None, meme_id: int | None, limit: int) -> list[Row]:
    async with cursor(db) as cur:
        return await fetch_all(
            cur, LOG_PAGE, {"before": before, "meme_id": meme_id, "limit": limit}
        )
