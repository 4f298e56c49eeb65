"""The api's own Prometheus metrics, beside the request metrics of common.metrics: the state
of the breaker towards media, the database pool, the image workers' queue, the picture cache
and the picture jobs. Metric objects only: api.services feeds the gauges."""

from prometheus_client import Counter, Enum, Gauge

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

