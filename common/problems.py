"""One error shape for both services: RFC 9457 problem details with a stable `code`.

A domain error is a `Problem` subclass carrying its status and code; its docstring says when
it happens, and the error tables of docs/settings.md and of openapi.json are made from those
(`problem_classes`). `problem_middleware` turns problems, aiohttp's own HTTP errors (unknown
route, wrong method, body too large) and unexpected exceptions into `application/problem+json`.
"""

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from types import ModuleType
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from common.metrics import PROBLEMS

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
CLIENT_WENT_AWAY = 499  # no answer reaches anyone: the status the access log and metrics show


class Problem(Exception):
    """A failure the client should hear about, with a status and a stable code."""

    status = 500
    code = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.detail = detail or HTTPStatus(self.status).phrase
        super().__init__(self.detail)
        self.errors = errors
        self.headers = headers or {}


class InternalError(Problem):
    """A bug: logged with its traceback, never shown to the client."""

    status = 500
    code = "internal-error"


class NotFound(Problem):
    """No such route, meme or picture."""

    status = 404
    code = "not-found"


class MethodNotAllowed(Problem):
    """The route has no such method (`Allow` lists those it has)."""

    status = 405
    code = "method-not-allowed"


class PayloadTooLarge(Problem):
    """The body is over its cap: a picture over `MAX_UPLOAD_BYTES`, a form field over 16 KiB,
    a JSON body over 64 KiB."""

    status = 413
    code = "payload-too-large"


class MalformedBody(Problem):
    """The body cannot be read as HTTP: broken chunking or a truncated body."""

    status = 400
    code = "malformed-body"


class RangeNotSatisfiable(Problem):
    """The `Range` starts past the end of the picture (`Content-Range: bytes */<size>`)."""

    status = 416
    code = "range-not-satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(
            f"The picture has {size} bytes", headers={"Content-Range": f"bytes */{size}"}
        )


class NotReady(Problem):
    """`/ready`: a dependency the service needs is unreachable; `errors` names each (`loc`)."""

    status = 503
    code = "not-ready"

    def __init__(self, failures: dict[str, str]) -> None:
        errors = [
            {"loc": [name], "msg": msg, "type": "unavailable"} for name, msg in failures.items()
        ]
        super().__init__(f"Unavailable: {', '.join(failures)}", errors=errors)


# aiohttp's own errors, as the problems they are.
HTTP_ERRORS: dict[int, type[Problem]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def problem_classes(*modules: ModuleType) -> list[type[Problem]]:
    """The problems defined in `modules`, by status then code: what a service can answer."""
    found = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Problem) and cls is not Problem and cls.__module__ == module.__name__
    }
    return sorted(found, key=lambda cls: (cls.status, cls.code))


def problems_table(classes: list[type[Problem]]) -> str:
    """A Markdown table of the problems: status, code, and when (the docstring)."""
    rows = [
        f"| {cls.status} | `{cls.code}` | {' '.join(inspect.getdoc(cls).split())} |"
        for cls in classes
    ]
    return "\n".join(["| status | code | when |", "|---|---|---|", *rows])


def problem_response(
    status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> web.Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    PROBLEMS.labels(code).inc()
    return web.Response(
        status=status, text=json.dumps(body), content_type=PROBLEM_JSON, charset="utf-8"
    )


def from_problem(problem: Problem) -> web.Response:
    response = problem_response(problem.status, problem.code, problem.detail, problem.errors)
    response.headers.update(problem.headers)
    return response


def client_gone(request: web.Request) -> bool:
    """Whether the client's connection is gone. Writing to it then raises a
    ConnectionResetError, or a bare ConnectionError when the write was waiting for the client
    to read as it reset the connection; a ConnectionError while the client is still there
    comes from some other connection, and is ours to explain."""
    return request.transport is None or request.transport.is_closing()


def _code_for_status(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


@web.middleware
async def problem_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return from_problem(problem)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # aiohttp's own errors (404 route, 405 method, 413 body) get the same shape.
        known = HTTP_ERRORS.get(exc.status)
        code = known.code if known else _code_for_status(exc.status)
        response = problem_response(exc.status, code, exc.reason)
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except HttpProcessingError as exc:
        # A malformed body (broken multipart, bad chunking) is the client's mistake.
        return from_problem(MalformedBody(exc.message or "Malformed request body"))
    except web.RequestPayloadError:  # a body that does not decode as its Content-Encoding says
        # The rest of such a body cannot be read (aiohttp would try, and log a traceback):
        # answer, then close the connection.
        response = from_problem(MalformedBody("The body does not decode as its Content-Encoding"))
        await response.prepare(request)
        await response.write_eof()
        request.protocol.force_close()
        return response
    except Exception as exc:
        if isinstance(exc, ConnectionError) and client_gone(request):
            # Nobody is left to answer, and it is not our error. 499, as nginx logs it.
            log.info("%s %s: the client went away", request.method, request.path)
            return web.Response(status=CLIENT_WENT_AWAY)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return from_problem(InternalError())
