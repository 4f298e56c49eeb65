"""Plain SQL fixtures from sql/fixtures, with the pictures they refer to in sql/fixtures/blobs.

Applying a fixture first stores its pictures through the media service (so no row ever points
at a missing blob), then runs its SQL in one transaction. Fixtures are written to be applied
again safely.
"""

import hashlib
from pathlib import Path

import aiopg

from api.media import MediaClient

FIXTURES = Path(__file__).resolve().parent.parent / "sql" / "fixtures"
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


async def apply_fixture(pool: aiopg.Pool, name: str) -> None:
    path = FIXTURES / f"{name}.sql"
    if name not in list_fixtures():
        raise UnknownFixture(f"No fixture named {name!r}; there are: {', '.join(list_fixtures())}")
    async with pool.acquire() as conn, conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(path.read_text())
