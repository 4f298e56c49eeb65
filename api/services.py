"""Every resource the api uses, opened in one place: by the server's cleanup context and by
every command alike, so that both talk to PostgreSQL and media the same way; and what feeds
the metric gauges of api.metrics from them."""

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from api import metrics
from api.db import jobs
from api.db.connection import apply_migrations, database_url, open_database
from api.db.replica import Replica
from api.db.sql import Database
from api.imaging.workers import ImageWorkers
from api.media_client import MediaClient, open_media_client
from api.picture_cache import PictureCache
from api.settings import ApiSettings
from common.background import Background
from common.scratch import scratch_dir

# Deletions under way at shutdown get this long; the rest stays in the outbox for next time.
SHUTDOWN_GRACE_SECONDS = 2


@dataclass(frozen=True)
class Services:
    settings: ApiSettings
    database_url: str
    db: Database
    media: MediaClient
    image_workers: ImageWorkers
    scratch: Path  # this process's own directory for spooled uploads (common.scratch)
    picture_cache: PictureCache
    background: Background = field(default_factory=Background)
    migrations_applied: list[str] = field(default_factory=list)
    replica: Replica | None = None  # DATABASE_REPLICA_URL's: lists, search, tags, the export


@asynccontextmanager
async def open_services(
    settings: ApiSettings, *, migrate: bool | None = None
) -> AsyncIterator[Services]:
    """Open the database (applying pending migrations when `migrate`, by default when the
    settings say so), the media client, the image workers and a scratch directory (sweeping
    those of processes that died), and the replica when one is set; close them all at the end."""
    async with database_url(settings) as url:
        migrate = settings.apply_migrations if migrate is None else migrate
        applied = await asyncio.to_thread(apply_migrations, url) if migrate else []
        scratch_parent = Path(tempfile.gettempdir()) / "memes-api"
        with scratch_dir(scratch_parent, "api") as scratch:
            async with (
                open_database(url, settings) as db,
                _open_replica(settings) as replica,
                open_media_client(settings) as media,
            ):
                # Worker processes start on the first picture: commands that need none pay nothing.
                workers = ImageWorkers(settings.image_workers)
                cache = PictureCache(settings.picture_cache_bytes, settings.picture_row_seconds)
                services = Services(
                    settings,
                    url,
                    db,
                    media,
                    workers,
                    scratch,
                    cache,
                    migrations_applied=applied,
                    replica=replica,
                )
                try:
                    with watch(services):
                        yield services
                finally:
                    await services.background.close(SHUTDOWN_GRACE_SECONDS)
                    workers.shutdown()


@asynccontextmanager
async def _open_replica(settings: ApiSettings) -> AsyncIterator[Replica | None]:
    if settings.database_replica_url is None:
        yield None
        return
    url = settings.database_replica_url.get_secret_value()
    async with open_database(url, settings, "replica") as db:
        yield Replica(db)


@contextmanager
def watch(services: Services) -> Iterator[None]:
    """While the services are open, the gauges read them when scraped."""
    pool = services.db.pool
    gauges = {
        metrics.DB_POOL_SIZE: lambda: pool.size,
        metrics.DB_POOL_IN_USE: lambda: pool.size - pool.freesize,
        metrics.IMAGE_QUEUE: lambda: services.image_workers.queued,
        metrics.CACHE_BYTES: lambda: services.picture_cache.size,
    }
    for gauge, read in gauges.items():
        gauge.set_function(read)
    try:
        yield
    finally:
        for gauge in gauges:
            gauge.set_function(lambda: 0)


async def count_jobs(services: Services) -> None:
    """The picture jobs gauge, refreshed by the server's housekeeping."""
    counts = await jobs.counts(services.db)
    for state in jobs.STATES:
        metrics.JOBS.labels(state).set(counts.get(state, 0))
