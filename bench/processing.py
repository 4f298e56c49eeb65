"""python -m bench processing: background processing of pictures, with its own services.

Starts a PostgreSQL (pgserver), media on disk and the api under a temporary directory, and one
`python -m api worker` process. Uploads `--pictures` meme-like pictures (words drawn in big
outlined capitals) one after the other and prints: pictures processed per second by the one
worker, the time from each upload's 201 to its job being done (p50, p99), and the share of the
drawn words that OCR found (as search finds them: in the line's letters, spaces aside; and as
words, spaced right). Then adds `--memes` memes with random perceptual hashes in bulk (SQL) and
times `/memes/{id}/similar` for random ones of them (p50, p99); then `--memes` more of
`--templates` templates, clustered as memes are (bench.template_load), and times the reads of
templates and the job's lookup of a picture's template. With `--data-dir`, all of it is kept
there, and a second run with the same directory only times the reads again.
"""

import asyncio
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psycopg2
from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

from api.app import create_app
from api.db.connection import apply_migrations
from api.settings import ApiSettings
from bench import template_load
from media.app import create_app as create_media_app
from media.settings import MediaSettings

API_PORT, MEDIA_PORT = 8097, 8098
WORDS = (
    "when cats code monday coffee deadline boss printer again friday deploy bug tests legacy"
    " intern wifi cloud regex linux python meeting budget pizza sleep review merge server"
).split()
# The pictures' rows are written as processed, as the triggers that copy a job's end to them
# would (migration 0011): row by row, those triggers doubled the time of this bulk load. Their
# templates' counts are nothing to change (0013), and would take a lock a picture to learn it.
BULK = """
ALTER TABLE memes DISABLE TRIGGER template_counts_insert;
ALTER TABLE blobs DISABLE TRIGGER picture_job_insert;
ALTER TABLE picture_jobs DISABLE TRIGGER picture_job_shown;
ALTER TABLE picture_features DISABLE TRIGGER picture_features_shown;
INSERT INTO blobs (sha256, content_type, size, width, height, processing, text, placeholder)
SELECT encode(sha256((%(prefix)s || i)::bytea), 'hex'), 'image/jpeg', 1000, 480, 360,
       'done', '', ''
  FROM generate_series(1, %(n)s) AS i;
INSERT INTO picture_jobs (sha256, state, finished_at)
SELECT encode(sha256((%(prefix)s || i)::bytea), 'hex'), 'done', now()
  FROM generate_series(1, %(n)s) AS i;
INSERT INTO picture_features (sha256, search, phash, placeholder)
SELECT encode(sha256((%(prefix)s || i)::bytea), 'hex'), ''::tsvector, {phash}, ''
  FROM generate_series(1, %(n)s) AS i;
-- A year old: the newest memes are those of templates (bench.template_load), as they would
-- be in a collection where templates are at work.
INSERT INTO memes (title, description, image_sha256, created_at, updated_at)
SELECT 'Bench meme ' || i, '', encode(sha256((%(prefix)s || i)::bytea), 'hex'),
       now() - interval '1 year', now() - interval '1 year'
  FROM generate_series(1, %(n)s) AS i;
ALTER TABLE blobs ENABLE TRIGGER picture_job_insert;
ALTER TABLE picture_jobs ENABLE TRIGGER picture_job_shown;
ALTER TABLE picture_features ENABLE TRIGGER picture_features_shown;
ALTER TABLE memes ENABLE TRIGGER template_counts_insert;
"""
RANDOM_HASH = "('x' || substr(md5('phash' || i), 1, 16))::bit(64)::bigint"


def meme_words(rng: random.Random) -> tuple[str, str]:
    return " ".join(rng.sample(WORDS, 3)), " ".join(rng.sample(WORDS, 2))


def drawn(top: str, bottom: str, hue: int) -> bytes:
    image = Image.new("RGB", (480, 360), (hue, 120, 255 - hue))
    draw = ImageDraw.Draw(image)
    draw.ellipse((160, 110, 320, 250), fill=(255 - hue, 200, hue))
    font = ImageFont.load_default(size=44)
    for text, y in ((top, 40), (bottom, 320)):
        draw.text((240, y), text.upper(), font=font, anchor="mm", fill="white",
                  stroke_width=4, stroke_fill="black")  # fmt: skip
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def upload_and_wait(session, url: str, pictures: list[bytes]) -> dict[str, float]:
    """Upload one after the other; the 201's time of each picture, by sha256."""
    answered = {}
    for n, picture in enumerate(pictures):
        form = aiohttp.FormData()
        form.add_field("title", f"Meme {n}")
        form.add_field("image", picture, filename="m.jpg", content_type="image/jpeg")
        async with session.post(f"{url}/memes", data=form) as response:
            assert response.status == 201, await response.text()
            answered[(await response.json())["sha256"]] = time.time()
    return answered


def finished(database: str) -> dict[str, float]:
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT sha256, extract(epoch FROM finished_at) FROM picture_jobs WHERE state = 'done'"
        )
        rows = dict(cur.fetchall())
    conn.close()
    return {sha: float(at) for sha, at in rows.items()}


async def processing(url: str, database: str, count: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    words = [meme_words(rng) for _ in range(count + 2)]
    pictures = [drawn(top, bottom, rng.randrange(256)) for top, bottom in words]
    async with aiohttp.ClientSession() as session:
        # Two first, waited for: the worker's image processes load the OCR model once.
        warm = await upload_and_wait(session, url, pictures[:2])
        while not set(warm) <= set(finished(database)):
            await asyncio.sleep(0.1)
        started = time.time()
        answered = await upload_and_wait(session, url, pictures[2:])
        while not set(answered) <= set(finished(database)):
            await asyncio.sleep(0.05)
    done = finished(database)
    span = max(done[sha] for sha in answered) - started
    waits = [done[sha] - at for sha, at in answered.items()]
    print(f"pictures processed: {count} in {span:.1f} s: {count / span:.2f} per second, one worker")
    print(f"201 to done: p50 {percentile(waits, 0.5):.2f} s, p99 {percentile(waits, 0.99):.2f} s")
    return {sha: words[n + 2] for n, sha in enumerate(answered)}


def ocr_share(database: str, drawn_words: dict[str, tuple[str, str]]) -> None:
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT sha256, text FROM picture_features")
        texts = dict(cur.fetchall())
    conn.close()
    found = spaced = total = 0
    for sha, lines in drawn_words.items():
        text = texts[sha].lower()
        letters, tokens = "".join(text.split()), set(text.split())
        for word in " ".join(lines).split():
            total += 1
            found += word in letters
            spaced += word in tokens
    print(f"drawn words OCR found: {found / total:.1%} as search finds them,"
          f" {spaced / total:.1%} as spaced words ({total} words)")  # fmt: skip


def random_memes(database: str, memes: int) -> tuple[int, int]:
    """Add `memes` memes with random hashes in bulk; the first and last of their ids."""
    began = time.monotonic()
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM memes")
        (first,) = cur.fetchone()
        cur.execute(BULK.replace("{phash}", RANDOM_HASH), {"n": memes, "prefix": "bench-random"})
        cur.execute("SELECT max(id) FROM memes")
        (top,) = cur.fetchone()
    conn.close()
    conn = psycopg2.connect(database)
    conn.autocommit = True
    conn.cursor().execute("VACUUM ANALYZE blobs, memes, picture_jobs, picture_features")
    conn.close()
    print(f"added {memes} memes with random hashes in {time.monotonic() - began:.0f} s")
    return first + 1, top


async def similar(url: str, ids: tuple[int, int], requests: int) -> None:
    rng, times = random.Random(3), []
    async with aiohttp.ClientSession() as session:
        for n in range(requests + 10):
            start = time.perf_counter()
            async with session.get(f"{url}/memes/{rng.randint(*ids)}/similar") as r:
                assert r.status == 200, await r.text()
                await r.read()
            if n >= 10:  # the first warm the caches
                times.append((time.perf_counter() - start) * 1000)
    print(f"/similar, memes of random hashes: p50 {statistics.median(times):.1f} ms,"
          f" p99 {percentile(times, 0.99):.1f} ms ({len(times)} requests)")  # fmt: skip


async def run(
    pictures: int, memes: int, requests: int, templates: int, data_dir: Path | None
) -> None:
    import pgserver

    root = data_dir or Path(tempfile.mkdtemp(prefix="bench-processing-"))
    root.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(root / "postgres", cleanup_mode="stop")
    database = server.get_uri()
    loaded_file = root / "bench-processing.json"
    loaded = json.loads(loaded_file.read_text()) if loaded_file.exists() else None
    if loaded is None:
        apply_migrations(database)
    token = secrets.token_urlsafe(24)
    media = MediaSettings(_env_file=None, media_token=token, media_storage_dir=root / "media")
    settings = ApiSettings(
        _env_file=None, database_url=database, media_token=token, access_log=False,
        media_url=f"http://127.0.0.1:{MEDIA_PORT}", apply_migrations=False,
        reconcile_interval_seconds=0, data_dir=root,
    )  # fmt: skip
    runners = []
    for app, port in ((create_media_app(media), MEDIA_PORT), (create_app(settings), API_PORT)):
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    env = {**os.environ, "DATABASE_URL": database, "MEDIA_TOKEN": token, "TMPDIR": str(root),
           "MEDIA_URL": settings.media_url, "APPLY_MIGRATIONS": "false"}  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-m", "api", "worker"], env=env, cwd=root,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{API_PORT}"
    try:
        if loaded is None:
            drawn_words = await processing(url, database, pictures)
            ocr_share(database, drawn_words)
            worker.terminate()
            loaded = {"random": random_memes(database, memes)}
            loaded.update(template_load.load(database, memes, templates))
            loaded_file.write_text(json.dumps(loaded))
        worker.terminate()
        await similar(url, loaded["random"], requests)
        await template_load.reads(url, database, loaded, requests, settings.cursor_key())
        await template_load.assignment(database, loaded, requests)
    finally:
        worker.terminate()
        worker.wait()
        for runner in reversed(runners):
            await runner.cleanup()
        server.cleanup()


def main(pictures: int, memes: int, requests: int, templates: int, data_dir: Path | None) -> None:
    asyncio.run(run(pictures, memes, requests, templates, data_dir))
