"""Templates (migration 0013): which template a processed picture belongs to, the templates
most used first, and the counts of their memes.

A picture joins the nearest template whose signature is within `TEMPLATE_DISTANCE` bits of
its template hash (a scan of the templates' signatures: one row a template, read by the
picture's job alone), or makes a new template with itself as the example. Within its
template, a picture whose words are those of a picture before it (`REPOST_WORDS`) is a repost
of it: it takes the same `repost_of`, else its own sha256.
Two pictures of a new template finished at once must not make two: a new template is made
under one advisory lock, after looking again once it is held (the other's template is then
seen). A picture's template is set under its own advisory lock, which the memes' triggers
take shared (migration 0013): the memes added or deleted meanwhile are counted once.
"""

from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, fetch_value
from api.imaging.templates import same_words

NEAREST = """
SELECT id FROM templates
 WHERE bit_count((signature # %(signature)s)::bit(64)) <= %(distance)s
 ORDER BY bit_count((signature # %(signature)s)::bit(64)), id
 LIMIT 1"""
# The first picture of each caption of the template (the newest captions first: a repost is
# most often of a recent meme), and its words. Bounded: a template of more captions than this
# compares a new picture with its newest ones only.
CAPTIONS = """
SELECT sha256, coalesce(text, '') AS text FROM blobs
 WHERE template_id = %(id)s AND repost_of = sha256 AND sha256 <> %(sha256)s
 ORDER BY created_at DESC
 LIMIT 2000"""
TEMPLATE_PICTURES = "SELECT t.sha256 FROM blobs t WHERE t.template_id = %s"
NEW_TEMPLATE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('new template', 0))"
# A template as the API shows it. Its count is the folded one plus the changes not folded yet
# (a lookup by template in their index), less its hidden memes: those are few, counted once a
# query through their index (memes_hidden), as /tags does. Its example meme is the first
# public meme of its example picture, else (every meme of that picture hidden) the first of
# its oldest picture that a public meme shows; a template no public meme shows is not shown.
TEMPLATE = """
WITH hidden AS MATERIALIZED (
    SELECT b.template_id, count(*) AS memes
      FROM memes m JOIN blobs b ON b.sha256 = m.image_sha256
     WHERE m.visibility = 'hidden' AND b.template_id IS NOT NULL
     GROUP BY b.template_id)
SELECT t.id, t.memes + coalesce((SELECT sum(c.memes) FROM template_count_changes c
                                  WHERE c.template_id = t.id), 0)::bigint
             - coalesce((SELECT h.memes FROM hidden h WHERE h.template_id = t.id), 0)
           AS memes,
       e.id AS example,
       '/memes/' || e.id || '/image?size=thumb' AS example_url,
       t.memes AS sort_key
  FROM templates t
 CROSS JOIN LATERAL (SELECT coalesce(
        (SELECT m.id FROM memes m
          WHERE m.image_sha256 = t.example_sha256 AND m.visibility = 'public'
          ORDER BY m.id LIMIT 1),
        (SELECT m.id FROM blobs b JOIN memes m ON m.image_sha256 = b.sha256
          WHERE b.template_id = t.id AND m.visibility = 'public'
          ORDER BY b.created_at, b.sha256, m.id LIMIT 1)) AS id) AS e
 WHERE t.example_sha256 IS NOT NULL AND e.id IS NOT NULL"""
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


async def lock_picture(cur, sha256: str) -> None:
    """Until the transaction ends: the memes of the picture are not added or deleted while
    its template is set. Taken before any row of the picture (a delete takes those)."""
    await execute(
        cur, "SELECT pg_advisory_xact_lock(picture_template_key(%(sha256)s))", {"sha256": sha256}
    )


async def _nearest(cur, signature: int, distance: int) -> int | None:
    return await fetch_value(cur, NEAREST, {"signature": signature, "distance": distance})


async def _repost_of(cur, template: int, sha256: str, text: str, repost_words: float) -> str:
    """The first picture of the template with these words, or the picture itself."""
    captions = await fetch_all(cur, CAPTIONS, {"id": template, "sha256": sha256})
    scored = [(same_words(text, row["text"]), row["sha256"]) for row in captions]
    best = max(scored, default=(0.0, sha256))
    return best[1] if best[0] >= repost_words else sha256


async def assign_template(
    cur, sha256: str, signature: int, text: str, distance: int, repost_words: float
) -> int:
    """Give the picture its template, in the caller's transaction, under `lock_picture`: the
    nearest within `distance`, or a new one with the picture as its example; and the picture
    it is a repost of (`repost_words`), with its perceptual hash beside them (/similar reads
    the three together). A picture that has a template keeps it. Returns the picture's
    template."""
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
    repost_of = await _repost_of(cur, template, sha256, text, repost_words)
    await execute(
        cur,
        "UPDATE blobs SET template_id = %(id)s, repost_of = %(repost_of)s, phash ="
        " (SELECT phash FROM picture_features WHERE sha256 = %(sha256)s)"
        " WHERE sha256 = %(sha256)s",
        {**params, "id": template, "repost_of": repost_of},
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


async def backfilled(
    db: Database, sha256: str, signature: int, distance: int, repost_words: float
) -> int | None:
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
        text = await fetch_value(
            cur,
            "SELECT coalesce(text, '') FROM blobs WHERE sha256 = %(sha256)s",
            {"sha256": sha256},
        )
        return await assign_template(cur, sha256, signature, text, distance, repost_words)
