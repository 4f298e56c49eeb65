from aiohttp import web
from aiohttp_pydantic.oas.typing import r200

from api.web.base import BaseView
from api.web.models import Health


class HealthView(BaseView):
    async def get(self) -> r200[Health]:
        """Answers 200 while the process is up.

        Tags: health
        """
        return web.json_response({"status": "ok"})
