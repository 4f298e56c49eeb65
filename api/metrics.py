"""The api's own Prometheus metrics, beside the request metrics of common.metrics: the state
of the breaker towards media, the database pool, the image workers' queue, the picture cache
and the picture jobs. Gauges read the services when scraped (`watch`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import Counter, Enum, Gauge

if TYPE_CHECKING:
    from api.services import Services

BREAKER = Enum(
    "media_breaker_state",
    "The circuit breaker on the calls to media",
    states=["closed", "opened", "half-opened"],
)
DB_POOL_SIZE = Gauge("db_pool_connections", "Connections the database pool holds")
DB_POOL_IN_USE = Gauge("db_pool_connections_in_use", "Pooled connections in use now")
IMAGE_QUEUE = Gauge("image_workers_queued", "Picture tasks waiting for or in an image worker")
CACHE_BYTES = Gauge("picture_cache_bytes", "Bytes of pictures the cache holds")
CACHE_LOOKUPS = Counter("picture_cache_lookups_total", "Picture cache lookups", ["result"])
JOBS = Gauge("picture_jobs", "Picture jobs in the queue, by state (every 15 s)", ["state"])


@contextmanager
def watch(services: "Services") -> Iterator[None]:
    """While the services are open, the gauges read them."""
    pool = services.db.pool
    DB_POOL_SIZE.set_function(lambda: pool.size)
    DB_POOL_IN_USE.set_function(lambda: pool.size - pool.freesize)
    IMAGE_QUEUE.set_function(lambda: services.image_workers.queued)
    CACHE_BYTES.set_function(lambda: services.picture_cache.size)
    try:
        yield
    finally:
        for gauge in (DB_POOL_SIZE, DB_POOL_IN_USE, IMAGE_QUEUE, CACHE_BYTES):
            gauge.set_function(lambda: 0)


async def count_jobs(services: "Services") -> None:
    """The picture jobs gauge, refreshed by the server's housekeeping."""
    from api.db import jobs  # the db layer, only where the gauge is refreshed

    counts = await jobs.counts(services.db)
    for state in jobs.STATES:
        JOBS.labels(state).set(counts.get(state, 0))
