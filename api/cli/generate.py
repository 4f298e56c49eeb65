"""Synthetic memes for scale: `python -m api fixtures generate --count N`.

Titles, descriptions and tags that look like real ones, sharing the demo fixture's pictures,
written with COPY in chunks: a million memes take a few minutes.
"""

import bisect
import io
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg2
from psycopg2 import sql as pg

from api.cli.vocabulary import (
    DESCRIPTIONS,
    ENDINGS,
    EXTRA_WORDS,
    LONG_TAIL,
    LONG_TAIL_TAG_SHARE,
    LONG_TAIL_WEIGHTS,
    SUBJECTS,
    TAG_CUMULATIVE,
    TAGS,
    TEMPLATES,
    WORD_WEIGHTS,
    WORDS,
)
from api.db.tags import FOLD_TAG_COUNTS

CHUNK = 50_000
SPAN = timedelta(days=3 * 365)


def _meme(
    rng: random.Random, created: str, pictures: list[str]
) -> tuple[str, str, list[str], str, str]:
    # Indexes from rng.random() rather than rng.choice and friends: a third of the time, which
    # is most of the time 10 million memes take.
    draw = rng.random
    subject, other = SUBJECTS[int(draw() * len(SUBJECTS))], SUBJECTS[int(draw() * len(SUBJECTS))]
    if other == subject:
        other = SUBJECTS[SUBJECTS.index(subject) - 1]
    ending = ENDINGS[int(draw() * len(ENDINGS))]
    extra = EXTRA_WORDS[0] + int(draw() * (EXTRA_WORDS[1] - EXTRA_WORDS[0] + 1))
    words = " ".join(_zipf(WORDS, WORD_WEIGHTS, draw) for _ in range(extra))
    title = f"{TEMPLATES[int(draw() * len(TEMPLATES))]}: {subject} {words} {ending}"
    description = DESCRIPTIONS[int(draw() * len(DESCRIPTIONS))].format(
        s=subject, S=subject.capitalize(), t=other, e=ending, n=1 + int(draw() * 99)
    )
    tags = {_zipf(TAGS, TAG_CUMULATIVE, draw) for _ in range(int(draw() * 6))}
    if draw() < LONG_TAIL_TAG_SHARE:
        tags.add(_zipf(LONG_TAIL, LONG_TAIL_WEIGHTS, draw))
    return title, description, sorted(tags), pictures[int(draw() * len(pictures))], created


def _zipf(items: list[str], cumulative: list[float], draw: Callable[[], float]) -> str:
    return items[bisect.bisect(cumulative, draw() * cumulative[-1])]


def _chunks(
    rng: random.Random,
    now: datetime,
    pictures: list[str],
    tag_ids: dict[str, int],
    first_id: int,
    count: int,
) -> Iterator[tuple[str, str, int]]:
    """COPY text of the memes and of their meme_tags, CHUNK memes at a time, and how many
    memes are made so far."""
    for start in range(0, count, CHUNK):
        memes, meme_tags = [], []
        for n in range(start, min(start + CHUNK, count)):
            meme_id = first_id + n
            # Oldest first, as memes are made: ids, times and the table's order agree.
            created = (now - SPAN * ((count - n - rng.random()) / count)).isoformat()
            title, description, tags, sha256, created = _meme(rng, created, pictures)
            memes.append(
                f"{meme_id}\t{title}\t{description}\t{' '.join(tags)}\t{sha256}\t{created}"
                f"\t{created}\n"
            )
            meme_tags.extend(f"{meme_id}\t{tag_ids[tag]}\n" for tag in tags)
        yield "".join(memes), "".join(meme_tags), min(start + CHUNK, count)


def _rebuilt_later(cursor: psycopg2.extensions.cursor) -> list[tuple[pg.Composable, str]]:
    """The indexes of memes and meme_tags that no constraint owns, and their foreign keys
    (checked row by row as rows come, in one join when added again): how to drop each, and
    the statement that makes it again."""
    cursor.execute(
        "SELECT 'index', c.relname, NULL, pg_get_indexdef(i.indexrelid)"
        "  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid IN ('memes'::regclass, 'meme_tags'::regclass)"
        "   AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        " UNION ALL "
        "SELECT 'key', conname, conrelid::regclass::text, pg_get_constraintdef(oid)"
        "  FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid IN ('memes'::regclass, 'meme_tags'::regclass)"
    )
    rebuilt = []
    for kind, name, table, definition in cursor.fetchall():
        if kind == "index":
            rebuilt.append((pg.SQL("DROP INDEX {}").format(pg.Identifier(name)), definition))
        else:
            drop = pg.SQL("ALTER TABLE {} DROP CONSTRAINT {}")
            # The definition is the catalogue's own (pg_get_constraintdef), not anyone's input.
            add = pg.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                pg.Identifier(table), pg.Identifier(name)
            ) + pg.SQL(definition)
            rebuilt.append((drop.format(pg.Identifier(table), pg.Identifier(name)), add))
    return rebuilt


def generate(
    url: str,
    count: int,
    pictures: list[str],
    seed: int = 1,
    progress: Callable[[int], None] = lambda done: None,
) -> None:
    """Append `count` memes using `pictures` (sha256 of stored blobs), in one transaction.
    When they outnumber the memes there, the indexes other than keys, and the foreign keys,
    are dropped first and made again at the end (many times faster than keeping them row by
    row; readers of memes wait meanwhile)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tags_used = TAGS + LONG_TAIL
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        # Ids are handed out here, so nobody else may insert meanwhile.
        cursor.execute("LOCK TABLE memes IN EXCLUSIVE MODE")
        cursor.execute(
            "INSERT INTO tags (name) SELECT unnest(%s::text[]) ON CONFLICT (name) DO NOTHING",
            (tags_used,),
        )
        cursor.execute("SELECT name, id FROM tags WHERE name = ANY(%s)", (tags_used,))
        tag_ids = dict(cursor.fetchall())
        # After every id the sequence gave out, deleted memes' included: ids are never reused.
        cursor.execute(
            "SELECT greatest(coalesce(max(id), 0), coalesce(pg_sequence_last_value("
            "pg_get_serial_sequence('memes', 'id')), 0)), count(*) FROM memes"
        )
        next_id, existing = cursor.fetchone()
        rebuilt = _rebuilt_later(cursor) if count > existing else []
        for drop, _ in rebuilt:
            cursor.execute(drop)
        chunks = _chunks(rng, now, pictures, tag_ids, next_id + 1, count)
        # Each chunk is made while PostgreSQL stores the one before: two processes at work.
        with ThreadPoolExecutor(1) as maker:
            made = maker.submit(next, chunks, None)
            while (chunk := made.result()) is not None:
                made = maker.submit(next, chunks, None)
                memes, meme_tags, done = chunk
                cursor.copy_expert(
                    "COPY memes (id, title, description, tags_text, image_sha256, created_at,"
                    " updated_at) FROM STDIN",
                    io.StringIO(memes),
                )
                cursor.copy_expert(
                    "COPY meme_tags (meme_id, tag_id) FROM STDIN", io.StringIO(meme_tags)
                )
                progress(done)
        next_id += count
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, make in rebuilt:
            cursor.execute(make)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('memes', 'id'), greatest(%s, 1))", (next_id,)
        )
        cursor.execute(FOLD_TAG_COUNTS)
    conn.close()
    conn = psycopg2.connect(url)
    conn.autocommit = True  # VACUUM runs outside a transaction
    conn.cursor().execute("VACUUM ANALYZE memes, meme_tags, tags")
    conn.close()
