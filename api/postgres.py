"""Where the database is: DATABASE_URL, or a PostgreSQL of our own (pgserver) under data_dir."""

import asyncio
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from yoyo import get_backend, read_migrations

from api.settings import ApiSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "sql" / "migrations"


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


def apply_migrations(url: str) -> list[str]:
    """Apply the pending migrations of sql/migrations; returns their ids."""
    backend = get_backend(url)
    migrations = read_migrations(str(MIGRATIONS))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [migration.id for migration in pending]
