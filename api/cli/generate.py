"""Synthetic memes for scale: `python -m api fixtures generate --count N`.

Titles, descriptions and tags that look like real ones, sharing the demo fixture's pictures,
written with COPY in chunks: a million memes take a few minutes.
"""

import io
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg2

TEMPLATES = [
    "Distracted boyfriend",
    "This is fine",
    "Drake hotline bling",
    "Expanding brain",
    "Two buttons",
    "Grumpy cat",
    "Doge",
    "Success kid",
    "Change my mind",
    "Woman yelling at cat",
    "Surprised pikachu",
    "Is this a pigeon",
    "Hide the pain harold",
    "Roll safe",
    "Stonks",
    "Galaxy brain",
    "Mocking spongebob",
    "Bernie asking",
    "Disaster girl",
    "Ancient aliens",
    "One does not simply",
    "Sad keanu",
    "Philosoraptor",
    "Bad luck brian",
    "Overly attached girlfriend",
]
SUBJECTS = [
    "developers",
    "cats",
    "the intern",
    "my code review",
    "Monday",
    "the deadline",
    "production",
    "the database",
    "JavaScript",
    "kubernetes",
    "coffee",
    "the cloud bill",
    "legacy code",
    "unit tests",
    "the standup",
    "dogs",
    "the printer",
    "regex",
    "dark mode",
    "the wifi",
]
ENDINGS = [
    "again",
    "at 3am",
    "on a Friday",
    "before coffee",
    "in production",
    "every single time",
    "after the migration",
    "without tests",
    "with extra steps",
    "for the last time",
]
DESCRIPTIONS = [
    "When {s} meets {t}.",
    "Nobody: absolutely nobody. {S}: {e}.",
    "Me explaining {s} to {t}.",
    "{S} vs {t}, round {n}.",
    "Instructions unclear, {s} stuck {e}.",
    "Such {s}, very {t}, wow.",
]
TAGS = [
    "classic",
    "work",
    "cats",
    "dogs",
    "programming",
    "monday",
    "coffee",
    "wholesome",
    "dank",
    "reaction",
    "gaming",
    "school",
    "science",
    "cursed",
    "relatable",
    "animals",
    "sports",
    "politics",
    "movies",
    "music",
    "food",
    "weekend",
    "deadline",
    "devops",
    "python",
    "javascript",
    "database",
    "cloud",
    "security",
    "testing",
    "frontend",
    "backend",
    "meetings",
    "remote",
    "interns",
    "legacy",
    "regex",
    "linux",
    "windows",
    "mac",
    "mobile",
    "ai",
    "crypto",
    "retro",
    "vintage",
    "fail",
    "win",
    "oddly-satisfying",
    "facepalm",
    "mind_blown",
]
# Few tags are used a lot, most a little, as in real collections.
TAG_WEIGHTS = [1 / (rank + 1) for rank in range(len(TAGS))]
CHUNK = 50_000
SPAN = timedelta(days=3 * 365)


def _meme(
    rng: random.Random, now: datetime, pictures: list[str]
) -> tuple[str, str, list[str], str, str]:
    subject, other = rng.sample(SUBJECTS, 2)
    ending = rng.choice(ENDINGS)
    title = f"{rng.choice(TEMPLATES)}: {subject} {ending}"
    description = rng.choice(DESCRIPTIONS).format(
        s=subject, S=subject.capitalize(), t=other, e=ending, n=rng.randint(1, 99)
    )
    tags = sorted(set(rng.choices(TAGS, TAG_WEIGHTS, k=rng.randint(0, 5))))
    created = (now - rng.random() * SPAN).isoformat()
    return title, description, tags, rng.choice(pictures), created


def _copy_rows(rows: list[str]) -> io.StringIO:
    return io.StringIO("".join(rows))


def generate(
    url: str,
    count: int,
    pictures: list[str],
    seed: int = 1,
    progress: Callable[[int], None] = lambda done: None,
) -> None:
    """Append `count` memes using `pictures` (sha256 of stored blobs)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        # Ids are handed out here, so nobody else may insert meanwhile.
        cursor.execute("LOCK TABLE memes IN EXCLUSIVE MODE")
        cursor.execute(
            "INSERT INTO tags (name) SELECT unnest(%s::text[]) ON CONFLICT (name) DO NOTHING",
            (TAGS,),
        )
        cursor.execute("SELECT name, id FROM tags WHERE name = ANY(%s)", (TAGS,))
        tag_ids = dict(cursor.fetchall())
        # After every id the sequence gave out, deleted memes' included: ids are never reused.
        cursor.execute(
            "SELECT greatest(coalesce(max(id), 0), coalesce(pg_sequence_last_value("
            "pg_get_serial_sequence('memes', 'id')), 0)) FROM memes"
        )
        (next_id,) = cursor.fetchone()
        for start in range(0, count, CHUNK):
            memes, meme_tags = [], []
            for meme_id in range(next_id + 1, next_id + 1 + min(CHUNK, count - start)):
                title, description, tags, sha256, created = _meme(rng, now, pictures)
                memes.append(
                    f"{meme_id}\t{title}\t{description}\t{' '.join(tags)}\t{sha256}\t{created}\t{created}\n"
                )
                meme_tags.extend(f"{meme_id}\t{tag_ids[tag]}\n" for tag in tags)
            next_id += len(memes)
            cursor.copy_expert(
                "COPY memes (id, title, description, tags_text, image_sha256, created_at, updated_at)"
                " FROM STDIN",
                _copy_rows(memes),
            )
            cursor.copy_expert("COPY meme_tags (meme_id, tag_id) FROM STDIN", _copy_rows(meme_tags))
            progress(start + len(memes))
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('memes', 'id'), greatest(%s, 1))", (next_id,)
        )
    conn.close()
    conn = psycopg2.connect(url)
    conn.autocommit = True  # VACUUM runs outside a transaction
    conn.cursor().execute("VACUUM ANALYZE memes, meme_tags, tags")
    conn.close()
