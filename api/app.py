"""create_app(settings): the api as a web.Application. Synchronous and free of I/O, so that
the OpenAPI generator and the tests can build it; resources open in its cleanup context."""

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from api.domain import rate_limits
from api.domain.holds_and_outbox import tidy
from api.domain.readiness import Readiness
from api.domain.reconcile import reconcile
from api.services import count_jobs, open_services
from api.settings import ApiSettings
from api.web import (
    bans,
    clients,
    gallery,
    health,
    meme,
    memes,
    moderation,
    neighbours,
    openapi,
    own_writes,
    pictures,
    reports,
    security,
    similar,
    streams,
    templates,
)
from api.web.exports import ExportSlots
from api.web.state import EXPORT_SLOTS, READINESS, SERVICES, SETTINGS, UPLOAD_SLOTS
from api.web.uploads import UploadSlots
from common.logs import setup_request_ids
from common.metrics import setup_metrics
from common.problems import problem_middleware

JOBS_METRIC_SECONDS = 15  # a scrape every 15 s is Prometheus's usual pace


# What `request.json()` reads at most: a meme's words are a few KB. Pictures stream past it.
MAX_JSON_BYTES = 64 * 1024


async def services(app: web.Application) -> AsyncIterator[None]:
    async with open_services(app[SETTINGS]) as app[SERVICES]:
        yield


async def housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Deletions left to do, and reconcile, now and then; stopped when the services close."""
    settings, services = app[SETTINGS], app[SERVICES]
    services.background.every(settings.outbox_interval_seconds, lambda: tidy(services))
    services.background.every(JOBS_METRIC_SECONDS, lambda: count_jobs(services))
    services.background.every(
        settings.rate_limit_window_seconds, lambda: rate_limits.forget_restored(services)
    )
    services.background.every(  # reads are counted in the process; the others learn of them
        settings.rate_limit_flush_seconds,
        lambda: rate_limits.settle(services, app[clients.READ_LIMIT]),
    )
    if settings.reconcile_interval_seconds:
        grace = timedelta(seconds=settings.reconcile_grace_seconds)
        services.background.every(
            settings.reconcile_interval_seconds, lambda: reconcile(services, grace)
        )
    yield


def create_app(settings: ApiSettings) -> web.Application:
    app = web.Application(middlewares=[problem_middleware], client_max_size=MAX_JSON_BYTES)
    app[SETTINGS] = settings
    app[UPLOAD_SLOTS] = UploadSlots(
        settings.max_uploads,
        settings.max_uploads_per_client,
        settings.upload_queue_length,
        settings.upload_queue_seconds,
    )
    app[EXPORT_SLOTS] = ExportSlots(settings.max_exports_per_client)
    app[READINESS] = Readiness()
    clients.setup_clients(app, settings.trusted_proxies)
    app.middlewares.append(own_writes.own_writes)  # after the client's address is known
    setup_request_ids(app)
    setup_metrics(app)
    app.cleanup_ctx.extend([services, housekeeping])
    app.router.add_view("/health", health.HealthView)
    app.router.add_view("/ready", health.ReadyView)
    app.router.add_view("/memes", memes.MemeCollectionView)
    app.router.add_view("/memes/export", streams.MemeExportView)  # before /memes/{id}
    app.router.add_view("/tags", streams.TagsView)
    app.router.add_view("/memes/{id}", meme.MemeView)
    app.router.add_view("/memes/{id}/image", pictures.MemeImageView)
    app.router.add_view("/memes/{id}/similar", similar.SimilarMemesView)
    app.router.add_view("/memes/{id}/neighbours", neighbours.MemeNeighboursView)
    app.router.add_view("/images/{sha256}", pictures.PictureView)
    app.router.add_view("/templates", templates.TemplateCollectionView)
    app.router.add_view("/templates/{id}", templates.TemplateView)
    app.router.add_view("/moderation/log", moderation.ModerationLogView)
    app.router.add_view("/memes/{id}/reports", reports.MemeReportsView)
    app.router.add_view("/reports", reports.ReportQueueView)
    app.router.add_view("/reports/{meme_id}/close", reports.CloseReportsView)
    app.router.add_view("/bans", bans.BanCollectionView)
    app.router.add_view("/bans/{id}", bans.BanView)
    openapi.setup_docs(app)
    gallery.setup_gallery(app)
    security.setup_security_headers(app)
    return app
