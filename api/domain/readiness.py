"""Whether the api can serve now: PostgreSQL answers within a second, media says its store
takes pictures, and the pool has a connection for a request within a second. Each failing
dependency is named with what is wrong.

Load balancers (and anyone else: `/ready` is public) may ask as often as they like: the
dependencies are asked at most once per `STATE_SECONDS`, by one request while the others wait
for its answer, and the answer is kept until then. The pool is looked at on every request:
that costs nothing."""

import asyncio
import time

from api.db.sql import cursor, fetch_value
from api.errors import DatabaseUnavailable, QueryTimeout
from api.services import Services

DATABASE_CHECK_SECONDS = 1.0
STATE_SECONDS = 1.0  # how old a dependency's state may be; load balancers ask every few seconds
# A request that waits this long for a connection means the pool is spent, not merely busy:
# under load a wait is a few milliseconds, and DB_ACQUIRE_TIMEOUT_SECONDS (2 s) later a 503.
POOL_SPENT_SECONDS = 1.0


async def _database_problem(services: Services) -> str | None:
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS):
            async with cursor(services.db) as cur:
                await fetch_value(cur, "SELECT 1")
    except (DatabaseUnavailable, QueryTimeout) as exc:
        return exc.detail
    except TimeoutError:
        return f"no answer within {DATABASE_CHECK_SECONDS:g} s"
    return None


async def _dependency_problems(services: Services) -> dict[str, str | None]:
    database, media = await asyncio.gather(_database_problem(services), services.media.ready())
    return {"database": database, "media": media}


def _pool_problem(services: Services) -> str | None:
    waited = services.db.waiters.longest()
    if waited < POOL_SPENT_SECONDS:
        return None
    return f"every connection is busy: a request has waited {waited:.1f} s for one"


class Readiness:
    """The dependencies' state as last asked, and when."""

    def __init__(self) -> None:
        self.found: dict[str, str | None] = {}
        self.asked_at = -STATE_SECONDS
        self.asking = asyncio.Lock()  # one request asks; the others wait for its answer

    async def problems(self, services: Services) -> dict[str, str]:
        """What keeps each dependency (`database`, `media`) from serving; empty when ready.
        While the pool is spent the database is not asked: the question would queue too."""
        found = dict(self.found)
        if spent := _pool_problem(services):
            found["database"] = spent
        else:
            async with self.asking:
                if time.monotonic() - self.asked_at >= STATE_SECONDS:
                    self.found = await _dependency_problems(services)
                    self.asked_at = time.monotonic()
            found = dict(self.found)
        return {name: problem for name, problem in found.items() if problem}
