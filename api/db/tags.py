"""The tags and meme_tags tables."""

import aiopg

from api.db.sql import Database, Row, cursor, execute, fetch_all

# Most used first; a page after the last (memes, name) seen: a keyset in mixed directions.
# A tag's count is its folded count plus the changes not folded yet (migration 0012): a read
# of one row per tag and change, never of meme_tags. Those count every meme; the tags of the
# hidden ones, which are few, are taken off as they are now (their index, memes_hidden, then
# meme_tags): hiding, restoring, and editing or deleting a hidden meme need no trigger, and a
# count is never off by a change the triggers would have missed.
TAG_COUNTS = """
SELECT t.name, c.memes
  FROM (SELECT tag_id, sum(memes)::bigint AS memes
          FROM (SELECT tag_id, memes FROM tag_counts
                UNION ALL
                SELECT tag_id, memes FROM tag_count_changes
                UNION ALL
                SELECT mt.tag_id, -1 FROM memes m JOIN meme_tags mt ON mt.meme_id = m.id
                 WHERE m.visibility = 'hidden') AS parts
         GROUP BY tag_id) AS c
  JOIN tags t ON t.id = c.tag_id
 WHERE c.memes > 0
   AND (%(after)s::text IS NULL
        OR c.memes < %(memes)s OR (c.memes = %(memes)s AND t.name > %(after)s))
 ORDER BY c.memes DESC, t.name
 LIMIT %(limit)s"""
# The changes move into the counts in one statement: a reader sees them on either side, never
# on both or neither. In tag order, so that two folds at once wait rather than deadlock.
FOLD_TAG_COUNTS = """
WITH moved AS (DELETE FROM tag_count_changes RETURNING tag_id, memes),
     summed AS (SELECT tag_id, sum(memes)::bigint AS memes FROM moved GROUP BY tag_id)
INSERT INTO tag_counts (tag_id, memes)
SELECT tag_id, memes FROM summed ORDER BY tag_id
    ON CONFLICT (tag_id) DO UPDATE SET memes = tag_counts.memes + excluded.memes"""


async def set_tags(cur: aiopg.Cursor, meme_id: int, tags: list[str]) -> None:
    """The meme's rows in meme_tags; tags.name is unique, so concurrent writers share a tag."""
    params = {"id": meme_id, "tags": tags}
    await execute(cur, "DELETE FROM meme_tags WHERE meme_id = %(id)s", params)
    if tags:
        await execute(
            cur,
            "INSERT INTO tags (name) SELECT unnest(%(tags)s::text[]) ON CONFLICT (name) DO NOTHING",
            params,
        )
        await execute(
            cur,
            "INSERT INTO meme_tags (meme_id, tag_id)"
            " SELECT %(id)s, id FROM tags WHERE name = ANY(%(tags)s)",
            params,
        )


async def tag_ids(cur: aiopg.Cursor, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    rows = await fetch_all(
        cur, "SELECT name, id FROM tags WHERE name = ANY (%(names)s)", {"names": names}
    )
    return {row["name"]: row["id"] for row in rows}


async def tag_counts(db: Database, after: Row | None, limit: int) -> list[Row]:
    """Up to `limit` tags in use with their meme counts, most used first, after the row
    `after` (a name and its count) of the page before. One statement: no transaction stays
    open between pages."""
    after = after or {"name": None, "memes": None}
    params = {"after": after["name"], "memes": after["memes"], "limit": limit}
    async with cursor(db) as cur:
        return await fetch_all(cur, TAG_COUNTS, params)


async def fold_tag_counts(db: Database) -> None:
    """Sum the changes of the tags' counts into the counts (housekeeping): they are read on
    every GET /tags and grow with every write of tags."""
    async with cursor(db) as cur:
        await execute(cur, FOLD_TAG_COUNTS)
