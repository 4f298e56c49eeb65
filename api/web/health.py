"""Liveness (`/health`: the process answers) and readiness (`/ready`: it can serve now)."""

from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r503

from api.web.base import BaseView
from api.web.models import Health, ProblemDetail, Readiness
from api.web.state import READINESS
from common.problems import NotReady


class HealthView(BaseView):
    async def get(self) -> r200[Health]:
        """Liveness: answers 200 while the process is up, whatever its dependencies do.

        Tags: health
        """
        return web.json_response({"status": "ok"})

    head = get  # the same headers, no body


class ReadyView(BaseView):
    async def get(self) -> r200[Readiness] | r503[ProblemDetail]:
        """Readiness: PostgreSQL answers (within a second), media's `/ready` says its store
        takes pictures, and no request has waited a second for a database connection.
        Otherwise a 503 `not-ready` whose `errors` name each failing dependency (`database`,
        `media`). The dependencies are asked at most once a second; the answer in between is
        the last one's.

        Tags: health
        Status Codes:
            200: Ready to serve
            503: A dependency is unreachable
        """
        if failures := await self.request.app[READINESS].problems(self.services):
            raise NotReady(failures)
        return web.json_response({"status": "ready"})

    head = get  # the same headers, no body
