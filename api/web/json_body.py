"""A small JSON object as a request's body (a PUT or PATCH of a meme): read whole within the
body timeout, each key once."""

import asyncio
import json
from typing import Any

from aiohttp import web

from api.errors import MalformedBody, MalformedJson, RequestTimeout
from api.web.base import field_error
from api.web.state import SETTINGS


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    fields = dict(pairs)
    if len(fields) < len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for name in names if names.count(name) > 1)
        raise field_error(repeated, "is given more than once")
    return fields


async def json_object(request: web.Request) -> dict[str, Any]:
    timeout = request.app[SETTINGS].body_read_timeout_seconds  # a small body: all of it
    try:
        async with asyncio.timeout(timeout):
            body = await request.read()
    except TimeoutError:
        raise RequestTimeout(f"The body did not come within {timeout:g} s") from None
    except ConnectionResetError:
        raise MalformedBody("The body was cut short: the client went away") from None
    try:
        fields = json.loads(body, object_pairs_hook=_no_repeats)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past Python's limit too
        raise MalformedJson("The body is not valid JSON") from None
    if not isinstance(fields, dict):
        raise MalformedJson("The body must be a JSON object")
    return fields
