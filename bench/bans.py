"""python -m bench bans: the near-copy hash's threshold, and the ban check at 100,000 bans.

First, on bench/template_set.py's labelled pictures (no OCR): each captioned or bare picture
and its copies (recompressed as JPEG at quality 60-90; resized to 50-150% then recompressed;
resized and kept as PNG), the distances of the 64-bit pHash (`/similar`'s) and of the 256-bit
near-copy hash (api.imaging.copies) for copies, for the same template with other words (or
bare), and for unrelated pictures; precision and recall of refusing at each threshold. The
set's reposts (cropped by a few pixels, half with a watermark) are shown apart: issue 20's
repost kind, which a ban does not try to catch by the hash alone.

Then the check itself (api.db.bans.BANNED, as an upload runs it) against PostgreSQL (pgserver)
holding 100,000 bans, their hashes clustered as a ban list's are (many captions of few
templates: a real picture's hash with 12 to 64 of its bits flipped) or spread at random;
beside it the lookup of the sha256 alone, the near-copy hash's own cost per picture (in the
image worker), and whole uploads (POST /memes) to an api over that database.
"""

import io
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import psycopg2
import psycopg2.extras

from api.db import bans
from api.imaging.copies import chunks, copy_hash_of
from bench import template_set
from bench.stack import generated

BANS = 100_000
PROBES = 400
UPLOADS = 60
THRESHOLDS = (0, 2, 4, 6, 8, 10, 12, 14, 16)


def _bits(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _phash64(data: bytes) -> str:
    import imagehash
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        return str(imagehash.phash(image.convert("RGB")))


def _copies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    scale = rng.uniform(0.5, 1.5)
    size = (round(image.width * scale), round(image.height * scale))
    resized = image.resize(size, Image.LANCZOS)  # as template_set's reposts
    return {
        "recompressed": template_set.encoded(image, "JPEG", quality=rng.randint(60, 90)),
        "resized+recompressed": template_set.encoded(resized, "JPEG", quality=rng.randint(60, 90)),
        "resized PNG": template_set.encoded(resized, "PNG"),
    }


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def thresholds(seed: int) -> list[str]:
    """Distances and precision/recall on the labelled set; returns the originals' hashes."""
    pictures = template_set.generate(seed)
    rng = random.Random(seed)
    originals = [p for p in pictures if p.kind != "repost"]
    started = time.perf_counter()
    hashes = {p.id: copy_hash_of(p.data) for p in originals}
    took = (time.perf_counter() - started) / len(originals) * 1000
    short = {p.id: _phash64(p.data) for p in originals}
    pairs: dict[str, list[tuple[int, int]]] = {}  # kind: (distance 256, distance 64)
    for p in originals:
        for kind, data in _copies(p.data, rng).items():
            pair = (_bits(hashes[p.id], copy_hash_of(data)), _bits(short[p.id], _phash64(data)))
            pairs.setdefault(kind, []).append(pair)
    for p in pictures:
        if p.kind == "repost":
            pair = (_bits(hashes[p.original], copy_hash_of(p.data)),
                    _bits(short[p.original], _phash64(p.data)))  # fmt: skip
            pairs.setdefault("repost (cropped, watermarked)", []).append(pair)
    for n, a in enumerate(originals):
        for b in originals[n + 1 :]:
            kind = "same template, other words" if a.template == b.template else "unrelated"
            pairs.setdefault(kind, []).append(
                (_bits(hashes[a.id], hashes[b.id]), _bits(short[a.id], short[b.id]))
            )
    print(f"{len(originals)} pictures (seed {seed}); near-copy hash {took:.1f} ms a picture")
    print(f"{'pairs':32} {'n':>6}  256-bit min/p50/max   64-bit min/p50/max")
    for kind, found in pairs.items():
        long, short_ = [d[0] for d in found], [d[1] for d in found]
        print(f"{kind:32} {len(found):6}  {min(long):4} {statistics.median(long):5.0f}"
              f" {max(long):4}        {min(short_):3} {statistics.median(short_):4.0f}"
              f" {max(short_):3}")  # fmt: skip
    copies = [d for kind in ("recompressed", "resized+recompressed", "resized PNG")
              for d in pairs[kind]]  # fmt: skip
    others = pairs["same template, other words"] + pairs["unrelated"]
    print("\nrefused at distance <= t: recall on copies; precision against other captions"
          " and unrelated pairs; other captions refused")  # fmt: skip
    for bits, which in ((256, 0), (64, 1)):
        for t in THRESHOLDS:
            caught = sum(d[which] <= t for d in copies)
            wrong = sum(d[which] <= t for d in others)
            captions = sum(d[which] <= t for d in pairs["same template, other words"])
            precision = caught / (caught + wrong) if caught + wrong else 1.0
            print(f"  {bits:3}-bit t={t:2}: recall {caught / len(copies):.3f} precision"
                  f" {precision:.3f}  other captions refused {captions}"
                  f"/{len(pairs['same template, other words'])}")  # fmt: skip
    return list(hashes.values())


# What the check would cost without the chunks: every ban's distance.
SCAN = """
SELECT id FROM bans
 WHERE bit_count(copy_hash # ('x' || %(copy_hash)s)::bit(256)) <= %(distance)s LIMIT 1"""


def _flipped(hex_hash: str, rng: random.Random, flips: int) -> str:
    value = int(hex_hash, 16)
    for bit in rng.sample(range(256), flips):
        value ^= 1 << bit
    return f"{value:064x}"


def _load(cur, hashes: list[str]) -> None:
    cur.execute("TRUNCATE bans RESTART IDENTITY")
    rows = [("bench", None, n, f"{n:064x}", h, chunks(h)) for n, h in enumerate(hashes)]
    psycopg2.extras.execute_values(
        cur,
        "INSERT INTO bans (moderator, reason, meme_id, sha256, copy_hash, copy_chunks) VALUES %s",
        rows,
        template="(%s, %s, %s, %s, ('x' || %s)::bit(256), %s)",
        page_size=2000,
    )
    cur.execute("VACUUM ANALYZE bans")


def _timed(cur, query: str, params: list[dict]) -> tuple[float, float, int]:
    took, found = [], 0
    for p in params:
        started = time.perf_counter()
        cur.execute(query, p)
        found += cur.fetchone() is not None
        took.append((time.perf_counter() - started) * 1000)
    return percentile(took, 0.5), percentile(took, 0.99), found


def _candidates(cur, params: list[dict]) -> float:
    counts = []
    for p in params[:100]:
        cur.execute("SELECT count(*) FROM bans WHERE copy_chunks && %(chunks)s::integer[]", p)
        counts.append(cur.fetchone()[0])
    return statistics.median(counts), max(counts)


def checks(database: str, real: list[str], distance: int) -> None:
    rng = random.Random(7)

    def probe(copy_hash: str, sha256: str | None = None) -> dict:
        """The check's parameters for a picture of this hash (and of a new sha256)."""
        sha256 = sha256 or f"{rng.getrandbits(256):064x}"
        return {"sha256": sha256, "copy_hash": copy_hash, "chunks": chunks(copy_hash),
                "distance": distance}  # fmt: skip

    sets = {
        "clustered": [_flipped(rng.choice(real), rng, rng.randint(12, 64)) for _ in range(BANS)],
        "uniform": [f"{rng.getrandbits(256):064x}" for _ in range(BANS)],
    }
    new = [copy_hash_of(p.data) for p in template_set.generate(99, templates=60)]
    conn = psycopg2.connect(database)
    conn.autocommit = True
    with conn.cursor() as cur:
        for name, hashes in sets.items():
            _load(cur, hashes)
            misses = [probe(rng.choice(new)) for _ in range(PROBES)]
            hits = [probe(_flipped(rng.choice(hashes), rng, rng.randint(0, 8)))
                    for _ in range(PROBES)]  # fmt: skip
            shas = [probe(h, f"{rng.randrange(BANS):064x}") for h in new[:PROBES]]
            print(f"\n{BANS:,} bans, {name}; candidates sharing a chunk with a new picture:"
                  " median %s, max %s" % _candidates(cur, misses))  # fmt: skip
            for label, query, params in (
                ("check, a new picture (miss)", bans.BANNED, misses),
                ("check, a near copy (hit)", bans.BANNED, hits),
                ("sha256 alone (reference)", "SELECT id FROM bans WHERE sha256 = %(sha256)s",
                 shas),
                ("distance, no index (a scan)", SCAN, misses[:50]),
            ):  # fmt: skip
                p50, p99, found = _timed(cur, query, params)
                print(
                    f"  {label:30} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  found {found}/{len(params)}"
                )
            cur.execute(f"EXPLAIN ANALYZE {bans.BANNED}", misses[0])
            plan = [row[0] for row in cur.fetchall()]
            print("  plan:", "; ".join(line.strip() for line in plan if "Scan" in line))
    conn.close()


def uploads(stack) -> None:
    api = stack.api("asyncio", RATE_LIMIT_WRITES="0", MAX_UPLOADS_PER_CLIENT="8")
    pictures = template_set.generate(1234, templates=UPLOADS // 4 + 1)
    took = []
    with httpx.Client(base_url=api.url, timeout=60) as http:
        for n, picture in enumerate(pictures[:UPLOADS]):
            started = time.perf_counter()
            response = http.post("/memes", data={"title": f"Upload {n}"},
                                 files={"image": ("m.png", picture.data, "image/png")})  # fmt: skip
            took.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (201, 422), response.text
    size = statistics.median(len(p.data) for p in pictures[:UPLOADS]) // 1024
    print(f"\nPOST /memes of new PNG memes (median {size} KB), one at a time, with the"
          f" {BANS:,} uniform bans: p50 {percentile(took, 0.5):.1f} ms,"
          f" p99 {percentile(took, 0.99):.1f} ms ({len(took)} uploads)")  # fmt: skip


def main(seed: int) -> None:
    real = thresholds(seed)
    from api.settings import ApiSettings

    distance = ApiSettings.model_fields["ban_distance"].default
    with tempfile.TemporaryDirectory() as root, generated(Path(root), 10, "asyncio") as stack:
        checks(stack.database, real, distance)
        uploads(stack)
