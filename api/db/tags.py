"""The tags and meme_tags tables."""

from collections.abc import AsyncGenerator

import aiopg

from api.db.sql import Database, Row, execute, fetch_all, fragment, stream

TAG_COUNTS = fragment(
    """SELECT t.name, count(*) AS memes
         FROM meme_tags mt
         JOIN tags t ON t.id = mt.tag_id
        GROUP BY t.name
        ORDER BY memes DESC, t.name"""
)


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


def tag_counts(db: Database, batch_size: int) -> AsyncGenerator[list[Row]]:
    """The tags in use with their meme counts, most used first."""
    return stream(db, TAG_COUNTS, batch_size)
