"""Prometheus metrics (prometheus-client) both services share, and the small app that serves
them on a port of their own (`API_METRICS_PORT`, `MEDIA_METRICS_PORT`), which the public never reaches."""

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest

from common.logs import ROUTE_KEY, route_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# From a cached picture (a millisecond) to a slow upload (seconds).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Histogram(
    "http_request_duration_seconds",
    "Requests answered, by route template, method and status, with their duration",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge("http_requests_in_flight", "Requests being answered now")


class InFlight:
    """Requests whose handler runs now: what a graceful shutdown waits for (common.serving)."""

    count = 0


IN_FLIGHT.set_function(lambda: InFlight.count)
PROBLEMS = Counter(
    "http_problems_total",
    "Error answers by their problem code (`rate-limited` counts the 429s of the rate limits)",
    ["code"],
)
DEPENDENCY_CALLS = Histogram(
    "dependency_call_duration_seconds",
    "Calls to another service (media from the api, the store from media) by operation and"
    " outcome, with their duration (retries included)",
    ["dependency", "operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started, status = time.perf_counter(), 500
    InFlight.count += 1
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        InFlight.count -= 1
        route = request.get(ROUTE_KEY) or route_of(request)
        REQUESTS.labels(route, request.method, str(status)).observe(
            time.perf_counter() - started
        )


class timed:
    """`with timed(dependency, operation):` records the call's duration and outcome: `ok`, or
    the name of the exception's class (`outcome()` may say better)."""

    def __init__(self, dependency: str, operation: str) -> None:
        self.labels = (dependency, operation)

    def __enter__(self) -> "timed":
        self.started = time.perf_counter()
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        outcome = "ok" if exc is None else getattr(exc, "code", None) or kind.__name__
        DEPENDENCY_CALLS.labels(*self.labels, outcome).observe(time.perf_counter() - self.started)


async def _metrics(request: web.Request) -> web.Response:
    response = web.Response(body=generate_latest(REGISTRY))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def metrics_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/metrics", _metrics)
    return app


def setup_metrics(app: web.Application) -> None:
    """Count every request of `app`, after the request id (so its log lines carry it)."""
    app.middlewares.insert(1 if app.middlewares else 0, metrics_middleware)
