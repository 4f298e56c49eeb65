"""NSFW scores of pictures processed before them (migration 0018): what the backfill has left,
and its writes. A score goes to picture_features; a trigger copies it to the picture's row."""

from api.db.sql import Database, cursor, execute, fetch_all, fetch_value


async def without_score(db: Database, after: str, limit: int) -> list[str]:
    """Processed pictures with no NSFW score, in sha256 order after `after`."""
    async with cursor(db) as cur:
        rows = await fetch_all(
            cur,
            "SELECT sha256 FROM picture_features WHERE nsfw IS NULL"
            " AND sha256 > %(after)s ORDER BY sha256 LIMIT %(limit)s",
            {"after": after, "limit": limit},
        )
    return [row["sha256"] for row in rows]


async def count_without_score(db: Database) -> int:
    async with cursor(db) as cur:
        return await fetch_value(cur, "SELECT count(*) FROM picture_features WHERE nsfw IS NULL")


async def scored(db: Database, sha256: str, score: float) -> bool:
    """Store the score; False if the picture is gone or was scored meanwhile (by its job)."""
    async with cursor(db) as cur:
        await execute(
            cur,
            "UPDATE picture_features SET nsfw = %(score)s"
            " WHERE sha256 = %(sha256)s AND nsfw IS NULL",
            {"sha256": sha256, "score": score},
        )
        return cur.rowcount == 1
