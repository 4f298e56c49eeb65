"""What every view shares: the base view with the one error shape, the services, and the
notes for openapi.json that the generator cannot read from a handler's signature."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from aiohttp_pydantic import PydanticView
from aiohttp_pydantic.injectors import CONTEXT
from pydantic import ValidationError

from api.errors import ValidationFailed
from api.services import Services
from api.values.meme_text import PATTERN_MEANINGS, MemeText, Why
from api.values.row import Row
from api.web.state import SERVICES
from common.problems import from_problem


def validation_problem(exc: ValidationError, context: str) -> ValidationFailed:
    errors = [
        {"loc": [context, *error["loc"]], "msg": _message(error), "type": error["type"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]
    summary = "; ".join(
        f"{'.'.join(map(str, e['loc'][1:])) or context}: {e['msg']}" for e in errors
    )
    return ValidationFailed(summary, errors=errors)


def _message(error: dict) -> str:
    """pydantic's message, or what a pattern means rather than the pattern itself."""
    return PATTERN_MEANINGS.get(error.get("ctx", {}).get("pattern"), error["msg"])


def field_error(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {message}", errors=[{"loc": ["body", name], "msg": message}])


def moderator_reason(reason: Any) -> str | None:
    """A moderator's `reason` from a JSON body, checked as a report's note (422 otherwise)."""
    try:
        return Why.model_validate({"reason": reason}).reason or None
    except ValidationError as exc:
        raise validation_problem(exc, "body") from None


def meme_text(fields: dict) -> MemeText:
    try:
        return MemeText.model_validate(fields)
    except ValidationError as exc:
        raise validation_problem(exc, "body") from None


def meme_response(row: Row, status: int = 200, headers: dict | None = None) -> web.Response:
    """A meme as PostgreSQL wrote its JSON (db.memes.MEME_JSON)."""
    return web.Response(
        status=status,
        body=row["json"].encode(),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def json_bytes(value: Any) -> bytes:
    """Compact JSON, by orjson: a page's head is the JSON a read encodes in Python (a meme's
    comes from PostgreSQL), in 0.5 µs where the standard library takes 3 to 20."""
    return orjson.dumps(value)


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json_bytes(value), content_type="application/json", charset="utf-8"
    )


def page_response(request: web.Request, items: list, next_cursor: str | None) -> web.Response:
    """A page of `items`; the next page's URL also in a `Link: <...>; rel="next"` header."""
    response = json_response({"items": items, "next": next_cursor})
    if next_cursor:
        next_url = request.rel_url.update_query(cursor=next_cursor)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


class BaseView(PydanticView):
    @property
    def services(self) -> Services:
        return self.request.app[SERVICES]

    async def on_validation_error(self, exception: ValidationError, context: CONTEXT):
        return from_problem(validation_problem(exception, context))


@dataclass(frozen=True)
class SpecNotes:
    """What a handler does that its signature does not show, for openapi.json."""

    # The meme form or JSON the handler reads itself: "create" (picture required), "replace"
    # or "patch" (nothing required).
    reads_meme: str | None = None
    # The JSON body the handler reads itself (api.web.json_body), as a pydantic model.
    reads_json: type | None = None
    # Needs a bearer token (the meme's edit token, or the moderator's).
    secured: bool = False
    # Response headers by status, named as in api.web.openapi.HEADERS.
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A status whose body is not application/json: its media type.
    media_types: dict[str, str] = field(default_factory=dict)


def spec_notes(**notes: Any) -> Callable:
    def note(handler: Callable) -> Callable:
        handler.spec_notes = SpecNotes(**notes)
        return handler

    return note
