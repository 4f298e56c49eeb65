"""Rate limits per client, one for reads and one for writes, shared by every api process
(api.db.rate_limits keeps the counters in PostgreSQL).

Both are GCRA (the generic cell rate algorithm): each client has a theoretical arrival time
(TAT), when its quota is whole again; a request moves it one interval (window / quota) later
and is allowed while it stays within one window of now.

Writes are decided by the shared table, one statement per write: exact across processes.
Reads cost no statement: each process keeps its clients' TATs itself (`LocalLimit`) and
settles with the table in batches, every `RATE_LIMIT_FLUSH_SECONDS`: one statement adds what
it counted for each client and reads back what every process counted for them. Between two
flushes a process does not see the others' reads, so a client can get beyond its quota, at
most what each other process serves it in one flush interval (docs/decisions.md).

The answer carries the IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers):
`RateLimit-Policy: "writes";q=60;w=60` (quota, window in seconds) and
`RateLimit: "writes";r=59;t=1` (requests remaining, seconds until the quota is whole again).
"""

import math
import time
from dataclasses import dataclass
from functools import cached_property

from cachetools import TLRUCache

from api.db import rate_limits
from api.errors import DatabaseUnavailable, QueryTimeout, RateLimited
from api.services import Services

# Clients a process keeps in mind at once (about 300 bytes each). One forgotten early (only
# when this many are mid-quota) starts afresh here until the next flush brings its count back.
MAX_CLIENTS = 50_000


@dataclass(frozen=True)
class Limit:
    name: str  # "reads" or "writes"
    quota: int  # requests per window; 0: no limit
    window: float  # seconds

    @property
    def interval(self) -> float:
        return self.window / self.quota

    @cached_property
    def policy(self) -> str:
        return f'"{self.name}";q={self.quota};w={math.ceil(self.window)}'

    def headers(self, ahead: float) -> dict[str, str]:
        remaining = max(0, math.floor((self.window - ahead) / self.interval))
        return {
            "RateLimit-Policy": self.policy,
            "RateLimit": f'"{self.name}";r={remaining};t={max(0, math.ceil(ahead))}',
        }

    def refused(self, ahead: float) -> RateLimited:
        """The 429 for a client whose TAT is `ahead` seconds ahead of now."""
        retry_after = max(1, math.ceil(ahead + self.interval - self.window))
        return RateLimited(
            f"Over the limit of {self.quota} {self.name} per {self.window:g} s; try again"
            f" in {retry_after} s",
            retry_after,
            self.headers(ahead),
        )


def limit_for(services: Services, name: str) -> Limit:
    settings = services.settings
    quota = settings.rate_limit_writes if name == "writes" else settings.rate_limit_reads
    return Limit(name, quota, settings.rate_limit_window_seconds)


async def forget_restored(services: Services) -> None:
    await rate_limits.forget_restored(services.db)


async def spend(services: Services, limit: Limit, client: str) -> dict[str, str]:
    """Count one request of `client` against `limit` in the shared table: the headers to
    answer with, or RateLimited (429) when its quota is spent."""
    allowed, ahead = await rate_limits.take(
        services.db, f"{limit.name}:{client}", limit.interval, limit.window
    )
    if not allowed:
        raise limit.refused(ahead)
    return limit.headers(ahead)


def _when_whole(_client: str, tat: float, _now: float) -> float:
    return tat  # a client whose quota is whole again is as good as new: forget it


class LocalLimit:
    """A limit counted in this process (on its monotonic clock), settled with the shared
    table by `settle()`; a request costs no statement."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.tats: TLRUCache[str, float] = TLRUCache(MAX_CLIENTS, ttu=_when_whole)
        self.unsettled: dict[str, float] = {}  # seconds of TAT each client spent here since
        self.since = time.monotonic()  # ... this moment, the last settling that went through

    def spend(self, client: str) -> dict[str, str]:
        """Count one request of `client`: the headers to answer with, or RateLimited (429)."""
        limit, now = self.limit, time.monotonic()
        before = max(self.tats.get(client, now), now)
        if before + limit.interval - now > limit.window:
            raise limit.refused(before - now)
        self.tats[client] = before + limit.interval
        self.unsettled[client] = self.unsettled.get(client, 0.0) + limit.interval
        return limit.headers(before + limit.interval - now)

    def learn(self, shared: dict[str, float]) -> None:
        """Take what every process counted (each client's TAT, seconds ahead of now) where it
        is ahead of this process's own count, plus what was spent here meanwhile."""
        now = time.monotonic()
        for client, ahead in shared.items():
            tat = now + ahead + self.unsettled.get(client, 0.0)
            if tat > max(self.tats.get(client, now), now):
                self.tats[client] = tat


async def settle(services: Services, local: LocalLimit) -> None:
    """Write what this process counted since the last settling to the shared table, in one
    statement for all its clients, and take back what every process counted for them. While
    the database is down, what is counted is kept for the next try and this process goes on
    limiting alone; the outage itself is logged once by the pool."""
    spent, since = local.unsettled, local.since
    local.unsettled, local.since = {}, time.monotonic()
    if not spent:
        return
    try:
        shared = await rate_limits.settle(
            services.db, f"{local.limit.name}:", spent, local.since - since
        )
    except (DatabaseUnavailable, QueryTimeout):
        for client, seconds in local.unsettled.items():
            spent[client] = spent.get(client, 0.0) + seconds
        local.unsettled, local.since = spent, since
        return
    local.learn(shared)
