"""The templated million of `python -m bench processing`: memes whose pictures carry a template
and a repost group as processing would give them, added in bulk SQL, then the reads of
templates timed by one client (and the job's nearest-template lookup).

Sizes as memes cluster: 40 popular templates hold 80% of the memes (Zipf 0.3: the biggest
about 34,000 memes at a million, the 40th about 11,000), the other templates a long tail
(Zipf 1, floored at one meme: a few hundred memes down to one each). Within a template, a
third of the pictures come in groups of four reposts (the same `repost_of`), the others have
their own words. A picture's hash is its template's signature with about 8 of 64 bits flipped.
"""

import random
import statistics
import time

import aiohttp
import aiopg
import psycopg2

from api.db.templates import NEAREST, assign_template
from api.values.listing import TEMPLATES, encode_cursor

POPULAR, POPULAR_SHARE = 40, 0.8
WORDS = ["cat", "dog", "boss", "monday", "coffee", "code", "bug", "deploy", "pizza", "friday"]
RANDOM_WORD = "('x' || substr(md5(%s || {i}), 1, 16))::bit(64)::bigint"
# Three random words ANDed: each bit set with a chance of 1/8, about 8 of 64.
NOISE = " & ".join(RANDOM_WORD.format(i="{i}") % f"'{salt}'" for salt in "abc")
SHA = "encode(sha256(('bench-templated-' || {i})::bytea), 'hex')"
# Whose repost a picture at place j of its template is: a third in groups of four.
LEADER = "s.first_i + CASE WHEN (j / 4) %% 3 = 0 THEN j - j %% 4 ELSE j END"
LOAD = f"""
CREATE TEMP TABLE bench_sizes AS
SELECT k, first_i, size, {RANDOM_WORD.format(i="k") % "'signature'"} AS signature
  FROM unnest(%(sizes)s::int[], %(firsts)s::bigint[]) WITH ORDINALITY AS s (size, first_i, k);
CREATE TEMP TABLE bench_pictures AS
SELECT s.k, i, {SHA.format(i="i")} AS sha256, {SHA.format(i=LEADER)} AS repost_of,
       s.signature # ({NOISE.format(i="i")}) AS phash,
       s.signature # ({NOISE.format(i="-i")}) AS template
  FROM bench_sizes s, generate_series(0, s.size - 1) AS j, LATERAL (SELECT s.first_i + j) AS n (i);
-- Uploaded in no order of templates: ids and times mix them as uploads would.
CREATE TEMP TABLE bench_order AS
SELECT i, now() - interval '10 seconds' * row_number() OVER (ORDER BY md5(i::text) DESC) AS at
  FROM bench_pictures;
ALTER TABLE blobs DISABLE TRIGGER picture_job_insert;
ALTER TABLE picture_jobs DISABLE TRIGGER picture_job_shown;
ALTER TABLE picture_features DISABLE TRIGGER picture_features_shown;
ALTER TABLE memes DISABLE TRIGGER template_counts_insert;
INSERT INTO templates (id, signature, example_sha256, memes) OVERRIDING SYSTEM VALUE
SELECT %(base)s + k, signature, {SHA.format(i="first_i")}, size FROM bench_sizes;
SELECT setval(pg_get_serial_sequence('templates', 'id'), (SELECT max(id) FROM templates));
INSERT INTO blobs (sha256, content_type, size, width, height, processing, text, placeholder,
                   template_id, repost_of, phash, created_at)
SELECT p.sha256, 'image/jpeg', 1000, 480, 360, 'done', '', '', %(base)s + p.k, p.repost_of,
       p.phash, o.at
  FROM bench_pictures p JOIN bench_order o USING (i);
INSERT INTO picture_jobs (sha256, state, finished_at)
SELECT sha256, 'done', now() FROM bench_pictures;
INSERT INTO picture_features (sha256, search, phash, template_hash, placeholder)
SELECT sha256, ''::tsvector, phash, template, '' FROM bench_pictures;
INSERT INTO memes (title, description, image_sha256, created_at, updated_at)
SELECT 'Bench ' || (%(words)s::text[])[1 + i %% 10] || ' '
       || (%(words)s::text[])[1 + i / 10 %% 10] || ' meme ' || i, '', p.sha256, o.at, o.at
  FROM bench_pictures p JOIN bench_order o USING (i)
 ORDER BY o.at;
ALTER TABLE blobs ENABLE TRIGGER picture_job_insert;
ALTER TABLE picture_jobs ENABLE TRIGGER picture_job_shown;
ALTER TABLE picture_features ENABLE TRIGGER picture_features_shown;
ALTER TABLE memes ENABLE TRIGGER template_counts_insert;
"""


def sizes(memes: int, templates: int) -> list[int]:
    """Memes per template, most used first, summing to `memes`."""
    popular = min(POPULAR, templates)
    weights = [k**-0.3 for k in range(1, popular + 1)]
    head = [max(1, int(memes * POPULAR_SHARE * w / sum(weights))) for w in weights]
    tail_memes, tail = memes - sum(head), templates - popular
    if tail <= 0:
        head[0] += tail_memes
        return head
    # Zipf 1 floored at one: find the scale that spends the tail's memes.
    low, high = 0.0, float(tail_memes)
    for _ in range(60):
        scale = (low + high) / 2
        spent = sum(max(1, int(scale / k)) for k in range(popular + 1, templates + 1))
        low, high = (scale, high) if spent < tail_memes else (low, scale)
    rest = [max(1, int(low / k)) for k in range(popular + 1, templates + 1)]
    rest[0] += tail_memes - sum(rest)
    return head + rest


def load(database: str, memes: int, templates: int) -> dict:
    """Add the memes; what the timings need to know of them."""
    began = time.monotonic()
    counts = sizes(memes, templates)
    firsts = [0]
    for count in counts[:-1]:
        firsts.append(firsts[-1] + count)
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM templates")
        (base,) = cur.fetchone()
        cur.execute(LOAD, {"sizes": counts, "firsts": firsts, "base": base, "words": WORDS})
    conn.close()
    conn = psycopg2.connect(database)
    conn.autocommit = True
    conn.cursor().execute("VACUUM ANALYZE blobs, memes, picture_jobs, picture_features, templates")
    conn.close()
    print(f"added {memes} memes of {len(counts)} templates (the biggest {counts[0]} memes,"
          f" the 40th {counts[min(39, len(counts) - 1)]}, then down to {counts[-1]})"
          f" in {time.monotonic() - began:.0f} s")  # fmt: skip
    big = [base + k for k in range(1, 6)]
    small = [base + k + 1 for k, count in enumerate(counts) if 5 <= count <= 50][:200]
    return {"big": big, "small": small, "sizes": counts}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_of(database: str, sql: str, params: dict) -> list:
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        rows = [row[0] for row in cur.fetchall()]
    conn.close()
    return rows


async def timed(session, url: str, paths: list[str], requests: int) -> tuple[float, float]:
    """p50 and p99 (ms) of `requests` GETs of paths drawn from `paths`, after 10 to warm up."""
    rng, times = random.Random(5), []
    for n in range(requests + 10):
        start = time.perf_counter()
        async with session.get(url + rng.choice(paths)) as response:
            assert response.status == 200, await response.text()
            await response.read()
        if n >= 10:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.99)


async def next_page(session, url: str, path: str) -> str:
    async with session.get(url + path) as response:
        assert response.status == 200, await response.text()
        cursor = (await response.json())["next"]
    return f"{path}&cursor={cursor}"


async def reads(url: str, database: str, loaded: dict, requests: int, cursor_key: bytes) -> None:
    """The table of p50/p99 per kind of request."""
    memes_of = "SELECT m.id FROM memes m JOIN blobs b ON b.sha256 = m.image_sha256"
    big_memes = one_of(database, f"{memes_of} WHERE b.template_id = ANY(%(t)s)"
                       " ORDER BY md5(m.id::text) LIMIT 200", {"t": loaded["big"]})  # fmt: skip
    small_memes = one_of(database, f"{memes_of} WHERE b.template_id = ANY(%(t)s)"
                         " ORDER BY md5(m.id::text) LIMIT 200", {"t": loaded["small"]})  # fmt: skip
    reposted = one_of(database, f"{memes_of} WHERE b.template_id = ANY(%(t)s)"
                      " AND b.repost_of <> b.sha256 ORDER BY md5(m.id::text) LIMIT 200",
                      {"t": loaded["big"]})  # fmt: skip
    depth = min(50_000, len(loaded["sizes"]) // 2)
    deep = one_of(database, "SELECT memes || ',' || id FROM templates WHERE example_sha256"
                  " IS NOT NULL ORDER BY memes DESC, id OFFSET %(depth)s LIMIT 1",
                  {"depth": depth})  # fmt: skip
    memes, last = (int(part) for part in deep[0].split(","))
    deep_cursor = encode_cursor(TEMPLATES, memes, last, cursor_key)
    big, small = loaded["big"][0], loaded["small"][0]
    async with aiohttp.ClientSession() as session:
        kinds = {
            "/similar, a meme of the 5 biggest templates": [
                f"/memes/{i}/similar" for i in big_memes
            ],
            "/similar, a meme of a template of 5-50 memes": [
                f"/memes/{i}/similar" for i in small_memes
            ],
            "/similar?relation=repost, a repost in a big template": [
                f"/memes/{i}/similar?relation=repost" for i in reposted
            ],
            "/similar?relation=same-template, big template": [
                f"/memes/{i}/similar?relation=same-template" for i in big_memes
            ],
            "/templates, first page": ["/templates"],
            f"/templates, a cursor {depth:,} templates deep": [f"/templates?cursor={deep_cursor}"],
        }
        for name, template in (("biggest", big), ("small", small)):
            first = f"/memes?template={template}"
            kinds[f"?template= {name}, first page"] = [first]
            kinds[f"?template= {name}, the next page (cursor)"] = [
                await next_page(session, url, first)
            ]
            kinds[f"?template= {name}, sort=title"] = [f"{first}&sort=title"]
            kinds[f"?template= {name}, q=cat"] = [f"{first}&q=cat"]
        print(f"| request ({requests} each, one client) | p50 ms | p99 ms |")
        print("|---|---|---|")
        for name, paths in kinds.items():
            p50, p99 = await timed(session, url, paths, requests)
            print(f"| {name} | {p50:.1f} | {p99:.1f} |")


async def assignment(database: str, loaded: dict, requests: int) -> None:
    """The job's nearest-template lookup (its scan of the signatures), and the whole of
    assign_template for a new picture of a big template, rolled back."""
    rng = random.Random(9)
    signatures = one_of(database, "SELECT signature FROM templates WHERE id = ANY(%(t)s)",
                        {"t": loaded["big"]})  # fmt: skip
    count = one_of(database, "SELECT count(*) FROM templates", {})[0]
    nearest, whole = [], []
    async with aiopg.connect(database) as conn, conn.cursor() as cur:
        for n in range(requests + 5):
            signature = rng.choice(signatures) ^ (1 << rng.randrange(63))
            start = time.perf_counter()
            await cur.execute(NEAREST, {"signature": signature, "distance": 17})
            await cur.fetchall()
            if n >= 5:
                nearest.append((time.perf_counter() - start) * 1000)
        for n in range(min(requests, 50) + 2):
            sha256 = f"{n:064x}"
            await cur.execute("BEGIN")
            await cur.execute(
                "INSERT INTO blobs (sha256, content_type, size, width, height)"
                " VALUES (%s, 'image/jpeg', 1, 1, 1)",
                (sha256,),
            )
            start = time.perf_counter()
            await assign_template(cur, sha256, rng.choice(signatures), "CAT CODE MONDAY", 17, 0.75)
            if n >= 2:
                whole.append((time.perf_counter() - start) * 1000)
            await cur.execute("ROLLBACK")
    print(f"nearest template of {count} (the job's scan): p50 {statistics.median(nearest):.1f} ms,"
          f" p99 {percentile(nearest, 0.99):.1f} ms; assign_template, a picture of a big"
          f" template: p50 {statistics.median(whole):.1f} ms,"
          f" p99 {percentile(whole, 0.99):.1f} ms")  # fmt: skip
