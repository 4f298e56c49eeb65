"""Rate limits per client, one for reads and one for writes, shared by every api process
(api.db.rate_limits keeps the counters in PostgreSQL).

The answer carries the IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers):
`RateLimit-Policy: "writes";q=60;w=60` (quota, window in seconds) and
`RateLimit: "writes";r=59;t=1` (requests remaining, seconds until the quota is whole again).
"""

import math
from dataclasses import dataclass

from api.db import rate_limits
from api.errors import RateLimited
from api.services import Services


@dataclass(frozen=True)
class Limit:
    name: str  # "reads" or "writes"
    quota: int  # requests per window; 0: no limit
    window: float  # seconds

    @property
    def interval(self) -> float:
        return self.window / self.quota

    def headers(self, ahead: float) -> dict[str, str]:
        remaining = max(0, math.floor((self.window - ahead) / self.interval))
        return {
            "RateLimit-Policy": f'"{self.name}";q={self.quota};w={math.ceil(self.window)}',
            "RateLimit": f'"{self.name}";r={remaining};t={max(0, math.ceil(ahead))}',
        }


def limit_for(services: Services, name: str) -> Limit:
    settings = services.settings
    quota = settings.rate_limit_writes if name == "writes" else settings.rate_limit_reads
    return Limit(name, quota, settings.rate_limit_window_seconds)


async def forget_restored(services: Services) -> None:
    await rate_limits.forget_restored(services.db)


async def spend(services: Services, limit: Limit, client: str) -> dict[str, str]:
    """Count one request of `client` against `limit`: the headers to answer with, or
    RateLimited (429) when its quota is spent."""
    allowed, ahead = await rate_limits.take(
        services.db, f"{limit.name}:{client}", limit.interval, limit.window
    )
    headers = limit.headers(ahead)
    if not allowed:
        retry_after = max(1, math.ceil(ahead + limit.interval - limit.window))
        raise RateLimited(
            f"Over the limit of {limit.quota} {limit.name} per {limit.window:g} s; try again"
            f" in {retry_after} s",
            retry_after,
            headers,
        )
    return headers
