"""Memes whose pictures look alike: perceptual hashes within a Hamming distance, found through
multi-index hashing (Norouzi et al.) rather than a scan of every hash.

picture_features keeps each 64-bit hash as four 16-bit chunks, each with a B-tree. If two
hashes differ in at most d bits, one of the four chunks differs in at most d // 4 of its bits
(else the chunks would differ in 4 × (d // 4 + 1) > d bits). So the candidates are the pictures
with some chunk equal to one of the values within d // 4 bits of ours: for d = 10, 137 values
per chunk, 548 index probes in all, exact. The full distance is then checked on those alone.
"""

from itertools import combinations

from psycopg2 import sql as pg

from api.db.memes import MEME_JSON, MEME_ROW
from api.db.sql import Database, Row, cursor, fetch_all, fetch_one

CHUNKS = 4
CHUNK_BITS = 64 // CHUNKS
TARGET = """
SELECT f.phash, m.image_sha256,
       CASE WHEN j.state IN ('done', 'failed') THEN j.state ELSE 'pending' END AS processing
  FROM memes m
  LEFT JOIN picture_jobs j ON j.sha256 = m.image_sha256
  LEFT JOIN picture_features f ON f.sha256 = m.image_sha256
 WHERE m.id = %(id)s
"""
SIMILAR = pg.SQL("""
SELECT m.id, {meme_json}, near.distance
  FROM (SELECT f.sha256, bit_count((f.phash # %(phash)s)::bit(64)) AS distance
          FROM picture_features f
         WHERE (f.ph0 = ANY(%(ph0)s) OR f.ph1 = ANY(%(ph1)s)
                OR f.ph2 = ANY(%(ph2)s) OR f.ph3 = ANY(%(ph3)s))
       ) AS near
  JOIN memes m ON m.image_sha256 = near.sha256
  JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
 WHERE near.distance <= %(distance)s AND m.id <> %(id)s
 ORDER BY near.distance, m.id
 LIMIT %(limit)s
""").format(meme_json=MEME_JSON, meme_row=MEME_ROW)


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


async def similar_memes(
    db: Database, meme_id: int, distance: int, limit: int
) -> tuple[Row | None, list[Row]]:
    """The meme (its hash and processing state; None if there is none) and the other memes
    whose picture's hash is within `distance` bits, nearest first."""
    async with cursor(db) as cur:
        target = await fetch_one(cur, TARGET, {"id": meme_id})
        if target is None or target["phash"] is None:
            return target, []
        params = {"phash": target["phash"], "distance": distance, "id": meme_id, "limit": limit}
        for n, value in enumerate(chunks(target["phash"])):
            params[f"ph{n}"] = near_values(value, distance // CHUNKS)
        return target, await fetch_all(cur, SIMILAR, params)
