"""Liveness (`/health`: the process answers) and readiness (`/ready`: it can serve now)."""

from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r503

from api.domain import readiness
from api.web.base import BaseView
from api.web.models import Health, ProblemDetail, Readiness
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
        """Readiness: PostgreSQL answers (within a second) and media's `/ready` says its store
        takes pictures. Otherwise a 503 `not-ready` whose `errors` name each failing
        dependency (`database`, `media`).

        Tags: health
        Status Codes:
            200: Ready to serve
            503: A dependency is unreachable
        """
        if failures := await readiness.problems(self.services):
            raise NotReady(failures)
        return web.json_response({"status": "ready"})

    head = get  # the same headers, no body
