"""Whether the api can serve now: PostgreSQL answers within a second, and media says its
store takes pictures. Each failing dependency is named with what is wrong."""

import asyncio

from api.db.sql import cursor, fetch_value
from api.errors import DatabaseUnavailable, QueryTimeout
from api.services import Services

DATABASE_CHECK_SECONDS = 1.0


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


async def problems(services: Services) -> dict[str, str]:
    """What keeps each dependency (`database`, `media`) from serving; empty when ready."""
    database, media = await asyncio.gather(_database_problem(services), services.media.ready())
    found = {"database": database, "media": media}
    return {name: problem for name, problem in found.items() if problem}
