"""The tags and meme_tags tables."""

import aiopg

from api.db.sql import Database, Row, cursor, execute, fetch_all

# Most used first; a page after the last (memes, name) seen: a keyset in mixed directions.
TAG_COUNTS = """
SELECT t.name, count(*) AS memes
  FROM meme_tags mt
  JOIN tags t ON t.id = mt.tag_id
 GROUP BY t.name
HAVING %(after)s::text IS NULL
    OR count(*) < %(memes)s OR (count(*) = %(memes)s AND t.name > %(after)s)
 ORDER BY memes DESC, t.name
 LIMIT %(limit)s"""


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
