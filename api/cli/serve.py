"""python -m api serve: the api on API_HOST:API_PORT."""

import logging

from aiohttp import web

from api.app import create_app
from api.settings import ApiSettings

# The log line has its time already; formatting another per request costs.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs "%{User-Agent}i"'


def serve(settings: ApiSettings) -> None:
    app = create_app(settings)
    print(f"Swagger UI: http://{settings.api_host}:{settings.api_port}/docs", flush=True)
    web.run_app(
        app,
        host=settings.api_host,
        port=settings.api_port,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        access_log_format=ACCESS_LOG_FORMAT,
    )
