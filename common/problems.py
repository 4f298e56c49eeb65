"""One error shape for both services: RFC 9457 problem details with a stable `code`.

A domain error carries its status and code; `problem_middleware` turns it, aiohttp's own
HTTP errors (unknown route, wrong method, body too large) and unexpected exceptions into
`application/problem+json`.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


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
        super().__init__(detail or HTTPStatus(self.status).phrase)
        self.detail = detail or HTTPStatus(self.status).phrase
        self.errors = errors
        self.headers = headers or {}


class RangeNotSatisfiable(Problem):
    """A Range starting past the end of a picture (both services answer it alike)."""

    status = 416
    code = "range-not-satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(
            f"The picture has {size} bytes", headers={"Content-Range": f"bytes */{size}"}
        )


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
    return web.Response(
        status=status, text=json.dumps(body), content_type=PROBLEM_JSON, charset="utf-8"
    )


def from_problem(problem: Problem) -> web.Response:
    response = problem_response(problem.status, problem.code, problem.detail, problem.errors)
    response.headers.update(problem.headers)
    return response


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
        response = problem_response(exc.status, _code_for_status(exc.status), exc.reason)
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except HttpProcessingError as exc:
        # A malformed body (broken multipart, bad chunking) is the client's mistake.
        return problem_response(400, "malformed-body", exc.message or "Malformed request body")
    except ConnectionResetError:
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem_response(500, "internal-error", "Internal Server Error")
