"""Liveness (`/health`: the process answers) and readiness (`/ready`: it can serve now)."""

import asyncio

from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r503

from api.db.sql import cursor, fetch_value
from api.domain.errors import DatabaseUnavailable, QueryTimeout
from api.services import Services
from api.web.base import BaseView
from api.web.models import Health, ProblemDetail, Readiness
from common.problems import NotReady

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


class HealthView(BaseView):
    async def get(self) -> r200[Health]:
        """Liveness: answers 200 while the process is up, whatever its dependencies do.

        Tags: health
        """
        return web.json_response({"status": "ok"})

    head = get  # the same headers, no body


class ReadyView(BaseView):
    async def get(self) -> r200[Readiness] | r503[ProblemDetail]:
        """Readiness: PostgreSQL answers (within a second) and media's `/ready` says its store
        takes pictures. Otherwise a 503 `not-ready` whose `errors` name each failing
        dependency (`database`, `media`).

        Tags: health
        Status Codes:
            200: Ready to serve
            503: A dependency is unreachable
        """
        database, media = await asyncio.gather(
            _database_problem(self.services), self.services.media.ready()
        )
        failures = {
            name: problem for name, problem in [("database", database), ("media", media)] if problem
        }
        if failures:
            raise NotReady(failures)
        return web.json_response({"status": "ready"})

    head = get  # the same headers, no body
