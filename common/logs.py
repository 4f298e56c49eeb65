"""Logs as one line per event, readable text or JSON (python-json-logger), with the request id
of the request being served on every line; an access log line per request.

The request id is taken from `X-Request-ID` when it is sane, made otherwise, kept in a context
variable for the whole request (so every log line and every call to media carries it) and
returned in the response.
"""

import logging
import logging.handlers
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from pythonjsonlogger.json import JsonFormatter
from stamina.instrumentation import PrometheusOnRetryHook, set_on_retry_hooks

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as tracing ids and UUIDs are: anything else (a newline,
# quotes, a megabyte) is replaced by an id of our own rather than copied into every log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_KEY = web.RequestKey("request_id", str)
ROUTE_KEY = web.RequestKey("route", str)  # set once the app has matched the request
# The client's address when it is not the socket's peer (behind a trusted proxy, the api).
CLIENT_KEY = web.RequestKey("client", str)
ROTATED_FILES = 5

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestIdFilter(logging.Filter):
    """Every record gets the id of the request it was logged for (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class TextFormatter(logging.Formatter):
    """A line for a terminal, ending with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return f"{line} [{record.request_id}]" if getattr(record, "request_id", None) else line


def setup_logging(
    service: str, format: str, level: str, file: Path | None, file_max_bytes: int
) -> None:
    """The root logger writes to stderr, and to `file` rotated by size when given."""
    if format == "json":
        formatter: logging.Formatter = JsonFormatter(
            "%(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            rename_fields={"levelname": "level", "process": "pid"},
            static_fields={"service": service},
            timestamp="time",  # ISO 8601 in UTC, with its offset: 2026-12-01T22:03:16.261000+00:00
        )
    else:
        formatter = TextFormatter(f"%(asctime)s {service} %(levelname)s %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                file, maxBytes=file_max_bytes, backupCount=ROTATED_FILES
            )
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every pg_ctl call
    # stamina logs a warning per retry (136 lines in 5 s of a media outage under load): an
    # outage is logged as it starts and ends instead (common/outage.py); retries are counted.
    set_on_retry_hooks([PrometheusOnRetryHook])


def route_of(request: web.Request) -> str:
    """The route's template (`/memes/{id}`), never the raw path: a bounded set of values."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    request[REQUEST_ID_KEY] = request_id
    request[ROUTE_KEY] = route_of(request)
    token = REQUEST_ID.set(request_id)
    try:
        return await handler(request)
    finally:
        REQUEST_ID.reset(token)


async def _return_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer, streamed ones too (before their headers go)."""
    if REQUEST_ID_KEY in request:
        response.headers[REQUEST_ID_HEADER] = request[REQUEST_ID_KEY]


def setup_request_ids(app: web.Application) -> None:
    app.middlewares.insert(0, request_id_middleware)
    app.on_response_prepare.append(_return_request_id)


class AccessLogger(AbstractAccessLogger):
    """One record per request: method, route template, path, status, duration, bytes, client."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        fields = {
            "request_id": response.headers.get(REQUEST_ID_HEADER),
            "method": request.method,
            # A request aiohttp could not parse never reached the app.
            "route": request.get(ROUTE_KEY, "unmatched"),
            "path": request.path,
            "status": response.status,
            "duration_ms": round(time * 1000, 3),
            "bytes": response.body_length,
            "client": request.get(CLIENT_KEY, request.remote),
        }
        self.logger.info(
            "%s %s %s %.1f ms", request.method, request.path, response.status, time * 1000,
            extra=fields,
        )
