import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import aiopg
from aiohttp import web

from api import pictures, views
from api.docs import setup_docs
from api.keys import IMAGE_WORKERS, MEDIA, POOL, SETTINGS
from api.media import MediaClient
from api.postgres import apply_migrations, database_url
from api.settings import ApiSettings
from api.workers import ImageWorkers
from common.problems import problem_middleware


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with database_url(settings) as url:
        if settings.apply_migrations:
            await asyncio.to_thread(apply_migrations, url)
        async with aiopg.create_pool(
            url,
            minsize=1,
            maxsize=settings.db_pool_size,
            # The api's queries are short: starting parallel workers costs more than it saves.
            # UTC: timestamps in the JSON PostgreSQL writes end in +00:00 wherever it runs.
            options="-c max_parallel_workers_per_gather=0 -c TimeZone=UTC",
        ) as pool:
            app[POOL] = pool
            yield


@asynccontextmanager
async def open_media_client(settings: ApiSettings) -> AsyncIterator[MediaClient]:
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=settings.media_timeout_seconds,
        sock_read=settings.media_timeout_seconds,
    )
    async with aiohttp.ClientSession(timeout=timeout) as session:
        yield MediaClient(session, settings.media_url, settings.media_token.get_secret_value())


async def image_workers(app: web.Application) -> AsyncIterator[None]:
    app[IMAGE_WORKERS] = workers = ImageWorkers(app[SETTINGS].image_workers)
    try:
        yield
    finally:
        workers.shutdown()


async def media_client(app: web.Application) -> AsyncIterator[None]:
    async with open_media_client(app[SETTINGS]) as media:
        app[MEDIA] = media
        yield


def create_app(settings: ApiSettings) -> web.Application:
    app = web.Application(middlewares=[problem_middleware])
    app[SETTINGS] = settings
    app.cleanup_ctx.extend([database, media_client, image_workers])
    app.router.add_view("/health", views.HealthView)
    app.router.add_view("/memes", views.MemeCollectionView)
    app.router.add_view("/memes/export", views.MemeExportView)  # before /memes/{id}
    app.router.add_view("/tags", views.TagsView)
    app.router.add_view("/memes/{id}", views.MemeView)
    app.router.add_view("/memes/{id}/image", pictures.MemeImageView)
    app.router.add_view("/images/{sha256}", pictures.PictureView)
    setup_docs(app)
    return app
