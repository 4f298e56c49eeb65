"""Every resource the api uses, opened in one place: by the server's cleanup context and by
every command alike, so that both talk to PostgreSQL and media the same way."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiopg

from api.db.connection import apply_migrations, database_url, open_pool
from api.imaging.workers import ImageWorkers
from api.media_client import MediaClient, open_media_client
from api.settings import ApiSettings


@dataclass(frozen=True)
class Services:
    settings: ApiSettings
    database_url: str
    pool: aiopg.Pool
    media: MediaClient
    image_workers: ImageWorkers
    migrations_applied: list[str] = field(default_factory=list)


@asynccontextmanager
async def open_services(
    settings: ApiSettings, *, migrate: bool | None = None
) -> AsyncIterator[Services]:
    """Open the database (applying pending migrations when `migrate`, by default when the
    settings say so), the media client and the image workers; close them all at the end."""
    async with database_url(settings) as url:
        migrate = settings.apply_migrations if migrate is None else migrate
        applied = await asyncio.to_thread(apply_migrations, url) if migrate else []
        async with open_pool(url, settings) as pool, open_media_client(settings) as media:
            # Worker processes start on the first picture, so commands that need none pay nothing.
            workers = ImageWorkers(settings.image_workers)
            try:
                yield Services(settings, url, pool, media, workers, applied)
            finally:
                workers.shutdown()
