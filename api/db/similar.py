"""Memes related to a meme, in three relations, each read through an index: the same picture
(its sha256), a repost (a picture of the same template with the same words: the same
`repost_of`, api.db.templates) and the same template (`template_id`). Nearest first within a
relation: by the distance between the whole pictures' perceptual hashes.
"""

from psycopg2 import sql as pg

from api.db.memes import MEME_JSON, MEME_ROW
from api.db.sql import Database, Row, cursor, fetch_all, fetch_one

# The relations, strongest first: a meme is listed under the strongest it has.
RELATIONS = ("same-picture", "repost", "same-template")
TARGET = """
SELECT f.phash, b.template_id, b.repost_of, b.sha256, b.processing
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256
  LEFT JOIN picture_features f ON f.sha256 = b.sha256
 WHERE m.id = %(id)s
"""
SIMILAR = pg.SQL("""
WITH near (sha256, rank) AS (
    SELECT %(sha256)s, 0
    UNION ALL
    SELECT b.sha256, 1 FROM blobs b WHERE b.repost_of = %(repost_of)s
    UNION ALL
    SELECT b.sha256, 2 FROM blobs b WHERE b.template_id = %(template_id)s
), related AS (SELECT sha256, min(rank) AS rank FROM near GROUP BY sha256)
SELECT m.id, {meme_json}, bit_count((f.phash # %(phash)s)::bit(64)) AS distance, r.rank
  FROM related r
  JOIN picture_features f ON f.sha256 = r.sha256
  JOIN memes m ON m.image_sha256 = r.sha256
  JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
 WHERE m.id <> %(id)s AND r.rank = ANY(%(ranks)s)
 ORDER BY r.rank, distance, m.id
 LIMIT %(limit)s
""").format(meme_json=MEME_JSON, meme_row=MEME_ROW)


async def similar_memes(
    db: Database, meme_id: int, relations: list[str], limit: int
) -> tuple[Row | None, list[Row]]:
    """The meme (its hash, template and processing state; None if there is none) and the other
    memes related to it (each under its strongest relation among `relations`, with `rank` its
    place in RELATIONS and `distance` between the pictures' hashes), strongest and nearest
    first."""
    async with cursor(db) as cur:
        target = await fetch_one(cur, TARGET, {"id": meme_id})
        if target is None or target["phash"] is None:
            return target, []
        params = {
            "id": meme_id,
            "sha256": target["sha256"],
            "phash": target["phash"],
            "template_id": target["template_id"],
            "repost_of": target["repost_of"],
            "ranks": [RELATIONS.index(relation) for relation in relations],
            "limit": limit,
        }
        return target, await fetch_all(cur, SIMILAR, params)
