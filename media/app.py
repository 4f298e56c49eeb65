"""create_app(settings): the media service as a web.Application, free of I/O; its services
(the store, the spool) open in its cleanup context through open_services()."""

from collections.abc import AsyncIterator

from aiohttp import web

from common.logs import setup_request_ids
from common.metrics import setup_metrics
from common.problems import problem_middleware
from media import views
from media.auth import token_middleware
from media.services import open_services
from media.settings import MediaSettings
from media.state import SERVICES, SETTINGS


async def services(app: web.Application) -> AsyncIterator[None]:
    async with open_services(app[SETTINGS]) as app[SERVICES]:
        yield


def create_app(settings: MediaSettings) -> web.Application:
    app = web.Application(middlewares=[problem_middleware, token_middleware])
    app[SETTINGS] = settings
    setup_request_ids(app)
    setup_metrics(app)
    app.cleanup_ctx.append(services)
    app.router.add_get("/health", views.health)
    app.router.add_get("/ready", views.ready)
    app.router.add_get("/blobs", views.list_blobs)
    app.router.add_put("/blobs/{key}", views.put_blob)
    app.router.add_get("/blobs/{key}", views.get_blob, allow_head=False)
    app.router.add_head("/blobs/{key}", views.head_blob)
    app.router.add_delete("/blobs/{key}", views.delete_blob)
    return app
