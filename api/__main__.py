"""python -m api [serve | migrate | fixtures list|apply NAME|apply-all|generate --count N | gc | openapi]"""

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiopg
from aiohttp import web
from pydantic import ValidationError

from api import fixtures, memes
from api.app import create_app, open_media_client
from api.db import unused_blobs
from api.docs import build_spec
from api.generate import generate
from api.keys import MEDIA, POOL, SETTINGS
from api.postgres import apply_migrations, database_url
from api.settings import ApiSettings

DATABASE_URL = web.AppKey("database_url", str)
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs "%{User-Agent}i"'


@asynccontextmanager
async def resources(settings: ApiSettings) -> AsyncIterator[web.Application]:
    """The app's database pool and media client, without serving HTTP (for commands)."""
    app = web.Application()
    app[SETTINGS] = settings
    async with database_url(settings) as url:
        app[DATABASE_URL] = url
        await asyncio.to_thread(apply_migrations, url)
        async with aiopg.create_pool(url, minsize=1, maxsize=2) as pool:
            app[POOL] = pool
            async with open_media_client(settings) as media:
                app[MEDIA] = media
                yield app


async def migrate(settings: ApiSettings) -> None:
    async with database_url(settings) as url:
        applied = await asyncio.to_thread(apply_migrations, url)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


async def apply_fixtures(settings: ApiSettings, names: list[str]) -> None:
    async with resources(settings) as app:
        stored = await fixtures.upload_pictures(app[MEDIA])
        print(f"stored {stored} picture(s) through the media service")
        for name in names:
            await fixtures.apply_fixture(app[POOL], name)
            print(f"applied fixture {name}")


async def generate_memes(settings: ApiSettings, count: int, seed: int) -> None:
    """The demo fixture's pictures, then `count` synthetic memes using them."""
    async with resources(settings) as app:
        await fixtures.upload_pictures(app[MEDIA])
        await fixtures.apply_fixture(app[POOL], "demo")
        started = time.monotonic()

        def progress(done: int) -> None:
            print(f"\r{done:>10,} memes  {time.monotonic() - started:6.1f} s", end="", flush=True)

        pictures = fixtures.picture_names()
        await asyncio.to_thread(generate, app[DATABASE_URL], count, pictures, seed, progress)
    print(f"\ngenerated {count:,} memes in {time.monotonic() - started:.1f} s")


async def collect_garbage(settings: ApiSettings) -> None:
    async with resources(settings) as app:
        unused = await unused_blobs(app[POOL])
        deleted = [sha256 for sha256 in unused if await memes.release_blob(app, sha256)]
    print(f"deleted {len(deleted)} of {len(unused)} unused picture(s)")


def write_openapi(settings: ApiSettings, target: Path) -> None:
    spec = build_spec(create_app(settings))
    # Sorted: the generator lists methods in no fixed order, and the file should not churn.
    target.write_text(json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {target}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api", description="The memes api.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the api (the default)")
    commands.add_parser("migrate", help="apply pending migrations from sql/migrations")
    fixture = commands.add_parser("fixtures", help="list or apply the SQL fixtures")
    fixture_commands = fixture.add_subparsers(dest="action", required=True)
    fixture_commands.add_parser("list", help="list the fixtures")
    fixture_commands.add_parser("apply", help="apply one fixture").add_argument("name")
    fixture_commands.add_parser("apply-all", help="apply every fixture")
    generator = fixture_commands.add_parser("generate", help="add N synthetic memes (COPY)")
    generator.add_argument("--count", type=int, required=True)
    generator.add_argument("--seed", type=int, default=1)
    commands.add_parser("gc", help="delete stored pictures that no meme uses any more")
    openapi = commands.add_parser("openapi", help="write the OpenAPI spec generated from the views")
    openapi.add_argument("-o", "--output", type=Path, default=Path("openapi.json"))
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s api %(levelname)s %(message)s")
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every pg_ctl call
    if args.command == "fixtures" and args.action == "list":
        print("\n".join(fixtures.list_fixtures()))
        return
    try:
        settings = ApiSettings()
    except ValidationError as exc:
        sys.exit(f"Invalid settings (see the README's settings table):\n{exc}")
    match args.command:
        case None | "serve":
            app = create_app(settings)
            print(f"Swagger UI: http://{settings.api_host}:{settings.api_port}/docs", flush=True)
            access_log = logging.getLogger("aiohttp.access") if settings.access_log else None
            web.run_app(
                app,
                host=settings.api_host,
                port=settings.api_port,
                access_log=access_log,
                # The log line has its time already; formatting another per request costs.
                access_log_format=ACCESS_LOG_FORMAT,
            )
        case "migrate":
            asyncio.run(migrate(settings))
        case "fixtures" if args.action == "generate":
            asyncio.run(generate_memes(settings, args.count, args.seed))
        case "fixtures":
            names = fixtures.list_fixtures() if args.action == "apply-all" else [args.name]
            try:
                asyncio.run(apply_fixtures(settings, names))
            except fixtures.UnknownFixture as exc:
                sys.exit(str(exc))
        case "gc":
            asyncio.run(collect_garbage(settings))
        case "openapi":
            write_openapi(settings, args.output)


if __name__ == "__main__":
    main()
