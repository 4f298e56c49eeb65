"""Memes related to a meme, in three relations, each read through an index: the same picture
(its sha256), a repost (a picture of the same template with the same words: the same
`repost_of`, api.db.templates) and the same template (`template_id`). Nearest first within a
relation: by the distance between the whole pictures' perceptual hashes, kept on the
picture's row beside its template (`blobs.phash`) and read from the index alone.
"""

from psycopg2 import sql as pg

from api.db.memes import MEME_JSON, MEME_ROW
from api.db.sql import Database, Row, cursor, fetch_all, fetch_one

# The relations, strongest first: a meme is listed under the strongest it has.
RELATIONS = ("same-picture", "repost", "same-template")
TARGET = """
SELECT f.phash, b.template_id, b.repost_of, b.sha256, b.processing, m.visibility
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256
  LEFT JOIN picture_features f ON f.sha256 = b.sha256
 WHERE m.id = %(id)s
"""
# A relation's `limit` nearest pictures, those equally near in sha256 order. Their hashes are
# read from the index alone (migration 0013): the 44,000 pictures of a popular template cost a
# scan of their index entries and a bounded sort (top-N), and only the memes of the nearest are
# read. Ties in the memes' id order instead (WITH TIES) would sort them all: twice the time.
NEAREST = """(
 SELECT b.sha256, {rank} AS rank, bit_count((b.phash # %(phash)s)::bit(64)) AS distance
   FROM blobs b
  WHERE {relation} AND b.sha256 <> %(sha256)s AND {rank} = ANY(%(ranks)s)
  ORDER BY distance, b.sha256 LIMIT %(limit)s)"""
# The relations are disjoint: a repost is in its template, but listed as a repost only.
# Hidden memes are listed to moderators only (`hidden`); their pictures still count among a
# relation's `limit` nearest (a picture's memes are not read before the join: that is what
# keeps a popular template cheap), so a list may come short of `limit` by the few hidden.
SIMILAR = pg.SQL(
    """
WITH pictures (sha256, rank, distance) AS (
    SELECT %(sha256)s, 0, 0 WHERE 0 = ANY(%(ranks)s)
    UNION ALL
    {reposts}
    UNION ALL
    {template}
)
SELECT m.id, {meme_json}, p.distance, p.rank
  FROM pictures p
  JOIN memes m ON m.image_sha256 = p.sha256
  JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
 WHERE m.id <> %(id)s AND (m.visibility = 'public' OR %(hidden)s)
 ORDER BY p.rank, p.distance, p.sha256, m.id
 LIMIT %(limit)s
"""
).format(
    meme_json=MEME_JSON,
    meme_row=MEME_ROW,
    reposts=pg.SQL(NEAREST.format(rank=1, relation="b.repost_of = %(repost_of)s")),
    template=pg.SQL(
        NEAREST.format(
            rank=2, relation="b.template_id = %(template_id)s AND b.repost_of <> %(repost_of)s"
        )
    ),
)


async def similar_memes(
    db: Database, meme_id: int, relations: list[str], limit: int, hidden: bool = False
) -> tuple[Row | None, list[Row]]:
    """The meme (its hash, template and processing state; None if there is none, or it is
    hidden and not `hidden`: a moderator asks) and the other memes related to it (each under
    its strongest relation among `relations`, with `rank` its place in RELATIONS and `distance`
    between the pictures' hashes; hidden ones only if `hidden`), strongest and nearest
    first."""
    async with cursor(db) as cur:
        target = await fetch_one(cur, TARGET, {"id": meme_id})
        if target is not None and target["visibility"] == "hidden" and not hidden:
            return None, []
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
            "hidden": hidden,
        }
        return target, await fetch_all(cur, SIMILAR, params)
