"""Memes whose pictures look alike, in three relations: the same picture, a repost (perceptual
hashes within a Hamming distance), the same template (api.db.templates). Near hashes are found
through multi-index hashing (Norouzi et al.) rather than a scan of every hash.

picture_features keeps each 64-bit hash as four 16-bit chunks, each with a B-tree. If two
hashes differ in at most d bits, one of the four chunks differs in at most d // 4 of its bits
(else the chunks would differ in 4 × (d // 4 + 1) > d bits). So the candidates are the pictures
with some chunk equal to one of the values within d // 4 bits of ours: for d = 10, 137 values
per chunk, 548 index probes in all, exact. The full distance is then checked on those alone.
The template hash has its four chunks too (th0 ... th3), and the templates' signatures.
"""

from itertools import combinations

from psycopg2 import sql as pg

from api.db.memes import MEME_JSON, MEME_ROW
from api.db.sql import Database, Row, cursor, fetch_all, fetch_one

CHUNKS = 4
CHUNK_BITS = 64 // CHUNKS
# The relations, strongest first: a meme is listed under the strongest it has.
RELATIONS = ("same-picture", "repost", "same-template")
TARGET = """
SELECT f.phash, f.template_hash, b.template_id, b.sha256, b.processing
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256
  LEFT JOIN picture_features f ON f.sha256 = b.sha256
 WHERE m.id = %(id)s
"""
DISTANCE = "bit_count((f.{column} # %({column})s)::bit(64))"
NEAR_CHUNKS = "(f.{c}0 = ANY(%({c}0)s) OR f.{c}1 = ANY(%({c}1)s) OR f.{c}2 = ANY(%({c}2)s)" \
    " OR f.{c}3 = ANY(%({c}3)s))"  # fmt: skip
SIMILAR = pg.SQL("""
WITH near (sha256, rank) AS (
    SELECT %(sha256)s, 0
    UNION ALL
    SELECT f.sha256, 1 FROM picture_features f
     WHERE {near_phash} AND {phash_distance} <= %(repost)s
    UNION ALL
    SELECT b.sha256, 2 FROM blobs b WHERE b.template_id = %(template_id)s
    UNION ALL
    SELECT f.sha256, 2 FROM picture_features f
     WHERE {near_template} AND {template_distance} <= %(template)s
), related AS (SELECT sha256, min(rank) AS rank FROM near GROUP BY sha256)
SELECT m.id, {meme_json}, {phash_distance} AS distance, r.rank
  FROM related r
  JOIN picture_features f ON f.sha256 = r.sha256
  JOIN memes m ON m.image_sha256 = r.sha256
  JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
 WHERE m.id <> %(id)s AND r.rank = ANY(%(ranks)s)
 ORDER BY r.rank, distance, m.id
 LIMIT %(limit)s
""").format(
    meme_json=MEME_JSON,
    meme_row=MEME_ROW,
    near_phash=pg.SQL(NEAR_CHUNKS.format(c="ph")),
    near_template=pg.SQL(NEAR_CHUNKS.format(c="th")),
    phash_distance=pg.SQL(DISTANCE.format(column="phash")),
    template_distance=pg.SQL(DISTANCE.format(column="template_hash")),
)


def chunks(phash: int) -> list[int]:
    """The hash's chunks, highest bits first (ph0 ... ph3), as PostgreSQL computes them."""
    unsigned = phash % (1 << 64)
    mask = (1 << CHUNK_BITS) - 1
    return [(unsigned >> (CHUNK_BITS * (CHUNKS - 1 - n))) & mask for n in range(CHUNKS)]


def near_values(value: int, radius: int) -> list[int]:
    """Every chunk value within `radius` bits of `value`, itself included."""
    found = [value]
    for flipped in range(1, radius + 1):
        for bits in combinations(range(CHUNK_BITS), flipped):
            found.append(value ^ sum(1 << bit for bit in bits))
    return found


def _near(prefix: str, hash_: int | None, distance: int) -> Row:
    if hash_ is None:  # processed before templates, and not backfilled yet: nothing is near
        return {f"{prefix}{n}": [] for n in range(CHUNKS)}
    values = chunks(hash_)
    return {f"{prefix}{n}": near_values(values[n], distance // CHUNKS) for n in range(CHUNKS)}


async def similar_memes(
    db: Database, meme_id: int, repost: int, template: int, relations: list[str], limit: int
) -> tuple[Row | None, list[Row]]:
    """The meme (its hashes and processing state; None if there is none) and the other memes
    related to it (each under its strongest relation among `relations`, with `rank` its
    place in RELATIONS and `distance` between the pictures' hashes), strongest and nearest
    first: the same picture, a perceptual hash within `repost` bits, the same template or a
    template hash within `template` bits."""
    async with cursor(db) as cur:
        target = await fetch_one(cur, TARGET, {"id": meme_id})
        if target is None or target["phash"] is None:
            return target, []
        params = {
            "id": meme_id,
            "sha256": target["sha256"],
            "phash": target["phash"],
            "template_hash": target["template_hash"],
            "template_id": target["template_id"],
            "repost": repost,
            "template": template,
            "ranks": [RELATIONS.index(relation) for relation in relations],
            "limit": limit,
            **_near("ph", target["phash"], repost),
            **_near("th", target["template_hash"], template),
        }
        return target, await fetch_all(cur, SIMILAR, params)
