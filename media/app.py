from collections.abc import AsyncIterator

from aiohttp import web

from common.problems import problem_middleware
from media import views
from media.auth import token_middleware
from media.disk import DiskStorage
from media.keys import SETTINGS, STORAGE
from media.s3 import s3_storage
from media.settings import MediaSettings


async def storage(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.s3_endpoint_url is None:
        app[STORAGE] = DiskStorage(settings.media_storage_dir / "blobs")
        yield
        return
    async with s3_storage(settings) as s3:
        app[STORAGE] = s3
        yield


def create_app(settings: MediaSettings) -> web.Application:
    app = web.Application(middlewares=[problem_middleware, token_middleware])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(storage)
    app.router.add_get("/health", views.health)
    app.router.add_put("/blobs/{key}", views.put_blob)
    app.router.add_get("/blobs/{key}", views.get_blob, allow_head=False)
    app.router.add_head("/blobs/{key}", views.head_blob)
    app.router.add_delete("/blobs/{key}", views.delete_blob)
    return app
