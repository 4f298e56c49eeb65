"""Plain SQL fixtures from sql/fixtures, with the pictures they refer to in sql/fixtures/blobs.

Applying a fixture first stores its pictures through the media service (so no row ever points
at a missing blob), then runs its SQL in one transaction. Fixtures are written to be applied
again safely.
"""

import asyncio
import hashlib
import time
from pathlib import Path

from api.cli.generate import generate
from api.db.sql import Database, cursor, execute
from api.media_client import MediaClient
from api.services import Services

FIXTURES = Path(__file__).resolve().parents[2] / "sql" / "fixtures"
BLOBS = FIXTURES / "blobs"


class UnknownFixture(LookupError):
    pass


def list_fixtures() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.sql"))


def picture_names() -> list[str]:
    return sorted(path.name for path in BLOBS.iterdir())


async def upload_pictures(media: MediaClient) -> int:
    count = 0
    for path in sorted(BLOBS.iterdir()):
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != path.name:
            raise ValueError(f"{path} is not named after its sha256")
        await media.put(path.name, path, len(data))
        count += 1
    return count


async def apply_fixture(db: Database, name: str) -> None:
    path = FIXTURES / f"{name}.sql"
    if name not in list_fixtures():
        raise UnknownFixture(f"No fixture named {name!r}; there are: {', '.join(list_fixtures())}")
    async with cursor(db) as cur, cur.begin():
        await execute(cur, path.read_text())


async def apply_fixtures(services: Services, names: list[str]) -> None:
    """`python -m api fixtures apply NAME` and `apply-all`."""
    stored = await upload_pictures(services.media)
    print(f"stored {stored} picture(s) through the media service")
    for name in names:
        await apply_fixture(services.db, name)
        print(f"applied fixture {name}")


async def generate_memes(services: Services, count: int, seed: int) -> None:
    """`python -m api fixtures generate`: the demo fixture, then `count` synthetic memes using
    its pictures."""
    await apply_fixtures(services, ["demo"])
    started = time.monotonic()

    def progress(done: int) -> None:
        print(f"\r{done:>10,} memes  {time.monotonic() - started:6.1f} s", end="", flush=True)

    await asyncio.to_thread(generate, services.database_url, count, picture_names(), seed, progress)
    print(f"\ngenerated {count:,} memes in {time.monotonic() - started:.1f} s")
