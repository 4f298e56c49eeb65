"""Templates (migration 0013): which template a processed picture belongs to, the templates
most used first, and the counts of their memes.

A picture joins the nearest template whose signature is within `TEMPLATE_DISTANCE` bits of
its template hash, found by multi-index hashing on the signature's four 16-bit chunks (as
api.db.similar finds near pictures), or makes a new template with itself as the example.
Two pictures of a new template finished at once must not make two: a new template is made
under one advisory lock, after looking again once it is held (the other's template is then
seen). A picture's template is set under its own advisory lock, which the memes' triggers
take shared (migration 0013): the memes added or deleted meanwhile are counted once.
"""

from api.db.similar import CHUNKS, chunks, near_values
from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, fetch_value

NEAR = """(sg0 = ANY(%(c0)s) OR sg1 = ANY(%(c1)s) OR sg2 = ANY(%(c2)s) OR sg3 = ANY(%(c3)s))"""
NEAREST = f"""
SELECT id FROM templates
 WHERE {NEAR} AND bit_count((signature # %(signature)s)::bit(64)) <= %(distance)s
 ORDER BY bit_count((signature # %(signature)s)::bit(64)), id
 LIMIT 1"""
TEMPLATE_PICTURES = "SELECT t.sha256 FROM blobs t WHERE t.template_id = %s"
NEW_TEMPLATE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('new template', 0))"
# A template as the API shows it. Its count is the folded one plus the changes not folded yet
# (a lookup by template in their index); its example meme is the first meme of its example
# picture.
TEMPLATE = """
SELECT t.id, t.memes + coalesce((SELECT sum(c.memes) FROM template_count_changes c
                                  WHERE c.template_id = t.id), 0)::bigint AS memes,
       e.id AS example,
       CASE WHEN e.id IS NOT NULL THEN '/memes/' || e.id || '/image?size=thumb' END
           AS example_url,
       t.memes AS sort_key
  FROM templates t
  LEFT JOIN LATERAL (SELECT m.id FROM memes m WHERE m.image_sha256 = t.example_sha256
                      ORDER BY m.id LIMIT 1) AS e ON true
 WHERE t.example_sha256 IS NOT NULL"""
# Most used (as of the last fold: the order of the templates_most_used index), then by id.
TEMPLATE_PAGE = f"""{TEMPLATE}
   AND (%(memes)s::bigint IS NULL OR t.memes < %(memes)s
        OR (t.memes = %(memes)s AND t.id > %(id)s))
 ORDER BY t.memes DESC, t.id
 LIMIT %(limit)s"""
# The changes move into the counts in one statement: a reader sees them on either side, never
# on both or neither. A second fold at once waits on the first's deleted changes before it
# updates any template (its sums need all its changes first): they never deadlock.
FOLD_TEMPLATE_COUNTS = """
WITH moved AS (DELETE FROM template_count_changes RETURNING template_id, memes),
     summed AS (SELECT template_id, sum(memes)::bigint AS memes FROM moved GROUP BY template_id)
UPDATE templates t SET memes = t.memes + s.memes
  FROM summed s
 WHERE t.id = s.template_id AND s.memes <> 0"""


def near(hash_: int, distance: int) -> Row:
    """The chunk values within distance // 4 bits of each of the hash's chunks."""
    values = chunks(hash_)
    return {f"c{n}": near_values(values[n], distance // CHUNKS) for n in range(CHUNKS)}


async def lock_picture(cur, sha256: str) -> None:
    """Until the transaction ends: the memes of the picture are not added or deleted while
    its template is set. Taken before any row of the picture (a delete takes those)."""
    await execute(
        cur, "SELECT pg_advisory_xact_lock(picture_template_key(%(sha256)s))", {"sha256": sha256}
    )


async def _nearest(cur, signature: int, distance: int) -> int | None:
    params = {"signature": signature, "distance": distance, **near(signature, distance)}
    return await fetch_value(cur, NEAREST, params)


async def assign_template(cur, sha256: str, signature: int, distance: int) -> int:
    """Give the picture its template, in the caller's transaction, under `lock_picture`: the
    nearest within `distance`, or a new one with the picture as its example. A picture that
    has a template keeps it. Returns the picture's template."""
    params = {"sha256": sha256, "signature": signature}
    if kept := await fetch_value(
        cur, "SELECT template_id FROM blobs WHERE sha256 = %(sha256)s", params
    ):
        return kept
    template = await _nearest(cur, signature, distance)
    if template is None:
        await execute(cur, NEW_TEMPLATE_LOCK)
        # Held until this transaction ends; a template made by another meanwhile is seen now.
        template = await _nearest(cur, signature, distance)
    if template is None:
        template = await fetch_value(
            cur,
            "INSERT INTO templates (signature, example_sha256)"
            " VALUES (%(signature)s, %(sha256)s) RETURNING id",
            params,
        )
    else:  # a template whose pictures all went has none to show: this one is its example
        await execute(
            cur,
            "UPDATE templates SET example_sha256 = %(sha256)s"
            " WHERE id = %(id)s AND example_sha256 IS NULL",
            {**params, "id": template},
        )
    await execute(
        cur,
        "UPDATE blobs SET template_id = %(id)s WHERE sha256 = %(sha256)s",
        {**params, "id": template},
    )
    return template


async def get_template(db: Database, template_id: int) -> Row | None:
    async with cursor(db) as cur:
        return await fetch_one(cur, f"{TEMPLATE} AND t.id = %(id)s", {"id": template_id})


async def template_page(db: Database, after: tuple[int, int] | None, limit: int) -> list[Row]:
    """Up to `limit` templates, most used first, after (folded count, id) of the page before."""
    memes, last = after or (None, None)
    async with cursor(db) as cur:
        return await fetch_all(cur, TEMPLATE_PAGE, {"memes": memes, "id": last, "limit": limit})


async def fold_template_counts(db: Database) -> None:
    """Sum the changes of the templates' counts into the counts (housekeeping), which order
    GET /templates."""
    async with cursor(db) as cur:
        await execute(cur, FOLD_TEMPLATE_COUNTS)


async def without_template_hash(db: Database, after: str, limit: int) -> list[str]:
    """Processed pictures with no template hash yet (processed before migration 0013), in
    sha256 order after `after`: what the backfill has left."""
    async with cursor(db) as cur:
        rows = await fetch_all(
            cur,
            "SELECT sha256 FROM picture_features WHERE template_hash IS NULL"
            " AND sha256 > %(after)s ORDER BY sha256 LIMIT %(limit)s",
            {"after": after, "limit": limit},
        )
    return [row["sha256"] for row in rows]


async def count_without_template_hash(db: Database) -> int:
    async with cursor(db) as cur:
        return await fetch_value(
            cur, "SELECT count(*) FROM picture_features WHERE template_hash IS NULL"
        )


async def backfilled(db: Database, sha256: str, signature: int, distance: int) -> int | None:
    """Store the template hash of a picture processed before templates and give it its
    template, together; None if it is gone, or has its hash already (a job or another
    backfill was first)."""
    async with cursor(db) as cur, cur.begin():
        await lock_picture(cur, sha256)
        await execute(
            cur,
            "UPDATE picture_features SET template_hash = %(signature)s"
            " WHERE sha256 = %(sha256)s AND template_hash IS NULL",
            {"sha256": sha256, "signature": signature},
        )
        if cur.rowcount == 0:
            return None
        return await assign_template(cur, sha256, signature, distance)
