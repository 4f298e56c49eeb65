"""Where the database is (DATABASE_URL, or a PostgreSQL of our own under DATA_DIR), the pool
every connection comes from, and the migrations of sql/migrations."""

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiopg
from psycopg2 import errors
from yoyo import get_backend, read_migrations

from api.db.memes import NSFW_THRESHOLD_SETTING
from api.db.sql import Database
from api.db.sql import log as sql_log
from api.settings import ApiSettings
from common.outage import Outage

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"
# Past the statement timeout, by which PostgreSQL has cancelled the statement: this only
# catches a server that does not answer at all.
CLIENT_TIMEOUT_MARGIN_SECONDS = 5


@asynccontextmanager
async def database_url(settings: ApiSettings) -> AsyncIterator[str]:
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    # pgserver asks platformdirs for a runtime dir, which root sessions lack: harmless.
    warnings.filterwarnings("ignore", "XDG_RUNTIME_DIR is not set")
    import pgserver  # only needed when no database is configured

    pgdata = settings.data_dir.resolve() / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    # "stop": the server stops when the last process using it lets go; the data stays.
    server = await asyncio.to_thread(pgserver.get_server, pgdata, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        await asyncio.to_thread(server.cleanup)


@contextmanager
def _cancelled_statements_as_warnings() -> Iterator[None]:
    """aiopg hands every statement PostgreSQL cancelled to the loop's exception handler, which
    logs it as an error with a traceback. It is an answered 503 (db.sql.execute): one line."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if isinstance(context.get("exception"), errors.QueryCanceled):
            log.warning("statement cancelled: %s", context["exception"].pgerror.strip())
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        yield
    finally:
        loop.set_exception_handler(previous)


@asynccontextmanager
async def open_database(
    url: str, settings: ApiSettings, dependency: str = "database"
) -> AsyncIterator[Database]:
    """The pool of the primary (`dependency` "database"), or of the replica ("replica"): that one
    opens no connection before the first read, so that a replica that is down at start-up keeps
    nothing from starting (its reads go to the primary)."""
    timeout_ms = round(settings.db_statement_timeout_seconds * 1000)
    options = {
        "statement_timeout": timeout_ms,
        # The api's queries are short: starting parallel workers costs more than it saves.
        "max_parallel_workers_per_gather": 0,
        # Timestamps in the JSON PostgreSQL writes end in +00:00 wherever it runs.
        "TimeZone": "UTC",
        # What a meme's `sensitive` compares its picture's score with (api.db.memes).
        NSFW_THRESHOLD_SETTING: settings.nsfw_threshold,
    }
    async with aiopg.create_pool(
        url,
        minsize=1 if dependency == "database" else 0,
        maxsize=settings.db_pool_size,
        timeout=settings.db_statement_timeout_seconds + CLIENT_TIMEOUT_MARGIN_SECONDS,
        options=" ".join(f"-c {name}={value}" for name, value in options.items()),
    ) as pool:
        with _cancelled_statements_as_warnings():
            yield Database(pool, settings.db_acquire_timeout_seconds, Outage(dependency, sql_log))


def apply_migrations(url: str) -> list[str]:
    """Apply the pending migrations of sql/migrations; returns their ids."""
    backend = get_backend(url)
    migrations = read_migrations(str(MIGRATIONS))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [migration.id for migration in pending]
