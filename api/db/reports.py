"""The reports table (migration 0016): reports made, the moderators' queue of memes with open
reports, and closing them."""

from datetime import datetime

import aiopg
from psycopg2 import sql as pg

from api.db.memes import MEME_JSON, MEME_ROW
from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, fetch_value
from api.errors import NotFound

# A report waits for the meme's lock: the reports of one meme are counted one at a time, so
# that the one that reaches the auto-hide count is exactly one. NO KEY UPDATE: a read, or a
# meme's words changing, does not wait for it.
LOCK_MEME = "SELECT visibility FROM memes WHERE id = %(id)s FOR NO KEY UPDATE"
INSERT = """
INSERT INTO reports (meme_id, client, reason, note)
VALUES (%(meme_id)s, %(client)s, %(reason)s, %(note)s)
    ON CONFLICT (meme_id, client) WHERE closed_at IS NULL DO NOTHING
RETURNING id, meme_id, reason, note, created_at"""
# One open report per client: the open reports are the distinct clients.
OPEN_REPORTS = "SELECT count(*) FROM reports WHERE meme_id = %(id)s AND closed_at IS NULL"
CLOSE = """
UPDATE reports SET closed_at = now(), closed_by = %(moderator)s, action = %(action)s
 WHERE meme_id = %(id)s AND closed_at IS NULL"""
# Who made the meme's visibility what it is: the last hide or restore in the log.
VISIBILITY_SET_BY = """
SELECT moderator FROM moderation_log
 WHERE meme_id = %(id)s AND action IN ('hide', 'restore')
 ORDER BY id DESC
 LIMIT 1"""
REASONS = ("spam", "nsfw", "illegal", "harassment", "other")
BY_REASON = pg.SQL(", ").join(
    pg.SQL("{name}, count(*) FILTER (WHERE reason = {name})").format(name=pg.Literal(reason))
    for reason in REASONS
)
# Most reported first, then the newest report, then the newest meme; `after` is where the
# previous page ended.
QUEUE = pg.SQL("""
WITH queue AS (
    SELECT meme_id, count(*) AS reports, count(DISTINCT client) AS clients,
           min(created_at) AS first_reported, max(created_at) AS last_reported,
           json_build_object({by_reason}) AS by_reason
      FROM reports
     WHERE closed_at IS NULL
     GROUP BY meme_id
)
SELECT q.*, notes.notes, {meme_json}
  FROM queue q
  JOIN memes m ON m.id = q.meme_id
  JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
 CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(n ORDER BY n.at DESC), '[]') AS notes
      FROM (SELECT reason, note, created_at AS at FROM reports r
             WHERE r.meme_id = q.meme_id AND r.closed_at IS NULL AND r.note IS NOT NULL
             ORDER BY r.created_at DESC, r.id DESC
             LIMIT %(notes)s) n
 ) notes
 WHERE %(reports)s::bigint IS NULL
    OR (q.reports, q.last_reported, q.meme_id) < (%(reports)s, %(last)s, %(id)s)
 ORDER BY q.reports DESC, q.last_reported DESC, q.meme_id DESC
 LIMIT %(limit)s""").format(by_reason=BY_REASON, meme_json=MEME_JSON, meme_row=MEME_ROW)


async def lock_meme(cur: aiopg.Cursor, meme_id: int) -> str:
    """Lock the meme's row for the caller's transaction; returns its visibility."""
    visibility = await fetch_value(cur, LOCK_MEME, {"id": meme_id})
    if visibility is None:
        raise NotFound(f"No meme has id {meme_id}")
    return visibility


async def insert(
    cur: aiopg.Cursor, meme_id: int, client: bytes, reason: str, note: str | None
) -> Row | None:
    """The new report, or None when this client has an open report on the meme already."""
    params = {"meme_id": meme_id, "client": client, "reason": reason, "note": note}
    return await fetch_one(cur, INSERT, params)


async def open_reports(cur: aiopg.Cursor, meme_id: int) -> int:
    return await fetch_value(cur, OPEN_REPORTS, {"id": meme_id})


async def close(cur: aiopg.Cursor, meme_id: int, moderator: str, action: str) -> int:
    """Close the meme's open reports, in the caller's transaction; returns how many."""
    await execute(cur, CLOSE, {"id": meme_id, "moderator": moderator, "action": action})
    return cur.rowcount


async def visibility_set_by(cur: aiopg.Cursor, meme_id: int) -> str | None:
    """The moderator (or `auto`) who last hid or restored the meme; None if nobody did."""
    return await fetch_value(cur, VISIBILITY_SET_BY, {"id": meme_id})


async def queue_page(
    db: Database, after: tuple[int, datetime, int] | None, notes: int, limit: int
) -> list[Row]:
    reports, last, meme_id = after or (None, None, None)
    params = {"reports": reports, "last": last, "id": meme_id, "notes": notes, "limit": limit}
    async with cursor(db) as cur:
        return await fetch_all(cur, QUEUE, params)
