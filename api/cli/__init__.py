"""python -m api [serve | worker | jobs | migrate | fixtures ... | reconcile | openapi | readme]

Every command reads the same settings as the server and opens the same services
(`open_services`), so it talks to PostgreSQL and media as the server does.
"""

import logging
import sys
from datetime import timedelta

import click

from api.cli import docs, fixtures, serve, worker
from api.cli.running import with_services
from api.domain.reconcile import reconcile
from api.services import Services
from api.settings import ApiSettings
from common.settings_docs import SettingsGroup

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(
    cls=SettingsGroup, settings=ApiSettings, context_settings=CONTEXT, invoke_without_command=True
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The memes api: serve it, or run one of its commands."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s api %(levelname)s %(message)s")
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve.serve_command)


async def migrate(services: Services) -> None:
    applied = services.migrations_applied
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@cli.command("migrate")
def migrate_command() -> None:
    """Apply pending migrations from sql/migrations."""
    with_services(migrate, migrate=True)


async def run_reconcile(services: Services, grace_seconds: float | None, dry_run: bool) -> None:
    if grace_seconds is None:
        grace_seconds = services.settings.reconcile_grace_seconds
    grace = timedelta(seconds=grace_seconds)
    report = await reconcile(services, grace, dry_run)
    print(report.summary())
    if report.missing_pictures:
        sys.exit(2)  # for scripts: something needs an operator


@cli.command(
    "reconcile",
    short_help="Compare the database with the store both ways: delete what nothing refers to,"
    " report memes whose picture is missing.",
)
@click.option("--dry-run", is_flag=True, help="Report what would be done, change nothing.")
@click.option("--grace-seconds", type=float,
              help="Delete unreferenced objects only when older than this"
              " (default: RECONCILE_GRACE_SECONDS).")  # fmt: skip
def reconcile_command(dry_run: bool, grace_seconds: float | None) -> None:
    """Compare the database with the store both ways: delete what nothing refers to, report
    memes whose picture is missing (then exit with 2, for scripts)."""
    with_services(lambda services: run_reconcile(services, grace_seconds, dry_run))


for command in (
    serve.serve_command,
    worker.worker_command,
    worker.jobs_command,
    fixtures.fixtures_command,
    docs.openapi_command,
    docs.readme_command,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    cli.main(argv, prog_name="python -m api")
