"""create_app(settings): the media service as a web.Application, free of I/O; the store opens
in its cleanup context."""

from collections.abc import AsyncIterator

from aiohttp import web

from common.logs import setup_request_ids
from common.metrics import setup_metrics
from common.problems import problem_middleware
from common.scratch import scratch_dir
from media import views
from media.auth import token_middleware
from media.settings import MediaSettings
from media.state import SETTINGS, SPOOL, STORE
from media.store import open_store


async def store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # Uploads spool next to the blobs (a rename puts them in place on the local disk); the
    # spools of a killed process are swept here.
    with scratch_dir(settings.media_storage_dir / "spool", "media") as app[SPOOL]:
        async with open_store(settings) as app[STORE]:
            yield


def create_app(settings: MediaSettings) -> web.Application:
    app = web.Application(middlewares=[problem_middleware, token_middleware])
    app[SETTINGS] = settings
    setup_request_ids(app)
    setup_metrics(app)
    app.cleanup_ctx.append(store)
    app.router.add_get("/health", views.health)
    app.router.add_get("/ready", views.ready)
    app.router.add_get("/blobs", views.list_blobs)
    app.router.add_put("/blobs/{key}", views.put_blob)
    app.router.add_get("/blobs/{key}", views.get_blob, allow_head=False)
    app.router.add_head("/blobs/{key}", views.head_blob)
    app.router.add_delete("/blobs/{key}", views.delete_blob)
    return app
