"""Plain SQL fixtures from sql/fixtures, with the pictures they refer to in sql/fixtures/blobs.

Applying a fixture first stores its pictures through the media service (so no row ever points
at a missing blob), then runs its SQL in one transaction. Fixtures are written to be applied
again safely.
"""

import asyncio
import hashlib
import sys
import time
from pathlib import Path

import click

from api.cli.generate import generate
from api.cli.running import with_services
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
    async with cursor(db) as cur, cur.begin():
        await execute(cur, (FIXTURES / f"{name}.sql").read_text())


async def apply_fixtures(services: Services, names: list[str]) -> None:
    """`python -m api fixtures apply NAME` and `apply-all`. An unknown name stores nothing."""
    for name in names:
        if name not in list_fixtures():
            known = ", ".join(list_fixtures())
            raise UnknownFixture(f"No fixture named {name!r}; there are: {known}")
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


# A missing action is a usage error (exit 2), as a missing argument is, not the help.
@click.group("fixtures", no_args_is_help=False)
def fixtures_command() -> None:
    """List or apply the SQL fixtures."""


@fixtures_command.command("list")
def list_command() -> None:
    """List the fixtures."""
    print("\n".join(list_fixtures()))


def apply(names: list[str]) -> None:
    try:
        with_services(lambda services: apply_fixtures(services, names))
    except UnknownFixture as exc:
        sys.exit(str(exc))


@fixtures_command.command("apply")
@click.argument("name")
def apply_command(name: str) -> None:
    """Apply one fixture."""
    apply([name])


@fixtures_command.command("apply-all")
def apply_all_command() -> None:
    """Apply every fixture."""
    apply(list_fixtures())


@fixtures_command.command("generate")
@click.option("--count", type=int, required=True, help="How many memes to add.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Of the random choices: the same seed makes the same memes.")  # fmt: skip
def generate_command(count: int, seed: int) -> None:
    """Add --count synthetic memes (COPY), after the demo fixture."""
    with_services(lambda services: generate_memes(services, count, seed))
