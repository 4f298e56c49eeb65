"""python -m api serve: the api on API_HOST:API_PORT."""

import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from api.app import create_app
from api.settings import ApiSettings

# The log line has its time already; formatting another per request costs.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs "%{User-Agent}i"'


class BadRequestsInOneLine(logging.Filter):
    """aiohttp logs a request it cannot parse (a NUL in a header, a head over its limits) as
    an ERROR with a traceback; it is the client's mistake: one warning line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            message = " ".join(str(exc.message).split())  # aiohttp's spans lines
            record.msg = f"{record.getMessage()}: {exc.code} {message}"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def serve(settings: ApiSettings) -> None:
    logging.getLogger("aiohttp.server").addFilter(BadRequestsInOneLine())
    app = create_app(settings)
    print(f"Swagger UI: http://{settings.api_host}:{settings.api_port}/docs", flush=True)
    web.run_app(
        app,
        host=settings.api_host,
        port=settings.api_port,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        access_log_format=ACCESS_LOG_FORMAT,
        # aiohttp arms this when a connection opens and after each response: it also ends a
        # client that never finishes sending a request head (a slowloris).
        keepalive_timeout=settings.idle_timeout_seconds,
    )
