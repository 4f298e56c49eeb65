"""python -m api [serve | worker | jobs | migrate | fixtures ... | reconcile | openapi | readme]

Every command reads the same settings as the server and opens the same services
(`open_services`), so it talks to PostgreSQL and media as the server does.
"""

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from api.cli import docs, fixtures, serve, worker
from api.domain.reconcile import reconcile
from api.services import Services, open_services
from api.settings import ApiSettings
from common.settings_docs import settings_help


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m api",
        description="The memes api: serve it, or run one of its commands.",
        epilog=settings_help(ApiSettings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = root.add_subparsers(dest="command")
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
    reconciler = commands.add_parser(
        "reconcile",
        help="compare the database with the store both ways: delete what nothing refers to,"
        " report memes whose picture is missing",
    )
    reconciler.add_argument(
        "--dry-run", action="store_true", help="report what would be done, change nothing"
    )
    reconciler.add_argument(
        "--grace-seconds",
        type=float,
        help="delete unreferenced objects only when older than this"
        " (default: RECONCILE_GRACE_SECONDS)",
    )
    commands.add_parser("worker", help="process pictures: run the jobs of the queue until stopped")
    jobs = commands.add_parser(
        "jobs", help="what the queue of picture jobs holds: queued, running, failed"
    )
    jobs.add_argument("--retry-failed", action="store_true", help="queue the failed jobs again")
    openapi = commands.add_parser("openapi", help="write the OpenAPI spec generated from the views")
    openapi.add_argument("-o", "--output", type=Path, default=Path("openapi.json"))
    readme = commands.add_parser(
        "readme", help="rewrite the tables made from the code in docs/settings.md"
    )
    readme.add_argument("--path", type=Path, default=docs.SETTINGS_PAGE)
    return root


async def migrate(services: Services) -> None:
    applied = services.migrations_applied
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


async def run_reconcile(services: Services, grace_seconds: float | None, dry_run: bool) -> None:
    if grace_seconds is None:
        grace_seconds = services.settings.reconcile_grace_seconds
    grace = timedelta(seconds=grace_seconds)
    report = await reconcile(services, grace, dry_run)
    print(report.summary())
    if report.missing_pictures:
        sys.exit(2)  # for scripts: something needs an operator


def with_services(
    settings: ApiSettings,
    command: Callable[[Services], Awaitable[None]],
    migrate: bool | None = None,
) -> None:
    async def run() -> None:
        async with open_services(settings, migrate=migrate) as services:
            await command(services)

    asyncio.run(run())


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s api %(levelname)s %(message)s")
    if args.command == "fixtures" and args.action == "list":
        print("\n".join(fixtures.list_fixtures()))
        return
    if args.command == "readme":
        docs.write_tables(args.path)
        return
    try:
        settings = ApiSettings()
    except ValidationError as exc:
        sys.exit(f"Invalid settings (see the README's settings table):\n{exc}")
    serve.log_settings(settings)
    match args.command:
        case None | "serve":
            serve.serve(settings)
        case "migrate":
            with_services(settings, migrate, migrate=True)
        case "fixtures" if args.action == "generate":
            with_services(settings, lambda s: fixtures.generate_memes(s, args.count, args.seed))
        case "fixtures":
            names = fixtures.list_fixtures() if args.action == "apply-all" else [args.name]
            try:
                with_services(settings, lambda s: fixtures.apply_fixtures(s, names))
            except fixtures.UnknownFixture as exc:
                sys.exit(str(exc))
        case "reconcile":
            with_services(settings, lambda s: run_reconcile(s, args.grace_seconds, args.dry_run))
        case "worker":
            with_services(settings, worker.work)
        case "jobs":
            with_services(settings, lambda s: worker.show_jobs(s, args.retry_failed))
        case "openapi":
            docs.write_openapi(settings, args.output)
