"""create_app(settings): the media service as a web.Application, free of I/O; the store opens
in its cleanup context."""

from collections.abc import AsyncIterator

from aiohttp import web

from common.problems import problem_middleware
from media import views
from media.auth import token_middleware
from media.settings import MediaSettings
from media.state import SETTINGS, STORE
from media.store import open_store


async def store(app: web.Application) -> AsyncIterator[None]:
    async with open_store(app[SETTINGS]) as app[STORE]:
        yield


def create_app(settings: MediaSettings) -> web.Application:
    app = web.Application(middlewares=[problem_middleware, token_middleware])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(store)
    app.router.add_get("/health", views.health)
    app.router.add_put("/blobs/{key}", views.put_blob)
    app.router.add_get("/blobs/{key}", views.get_blob, allow_head=False)
    app.router.add_head("/blobs/{key}", views.head_blob)
    app.router.add_delete("/blobs/{key}", views.delete_blob)
    return app
