"""openapi.json, generated from the views, and Swagger UI served from local assets.

aiohttp-pydantic reads parameters, models and docstrings. What it cannot see is added here
from the code that knows it: the error codes from the `Problem` classes, the meme form from
`MemeText`, response headers and media types from each handler's `spec_notes`.
"""

from copy import deepcopy
from typing import Any

from aiohttp import web
from aiohttp_pydantic.oas.view import generate_oas
from swagger_ui_bundle import swagger_ui_path

from api import errors
from api.values.meme_text import MemeText
from api.web.base import SpecNotes
from api.web.openapi_http import add_http_answers
from api.web.state import SPEC
from common import problems

TITLE = "memes"
VERSION = "0.1.0"
PROBLEMS = problems.problem_classes(problems, errors)
DESCRIPTION = """A collection of memes: a picture with a title, a description and tags.

Every error, of every endpoint, is `application/problem+json` (RFC 9457) in the shape of
`ProblemDetail`, with a stable kebab-case `code`:

"""
PROBLEM_JSON = "application/problem+json"
HEADERS = {
    "Location": "The new meme's address, absolute (from `PUBLIC_URL` when set)",
    "Link": 'A list\'s next page: `<...>; rel="next"` (absent on the last page); a meme\'s page'
    ' in the gallery, absolute: `<https://memes.example.com/m/1>; rel="alternate";'
    ' type="text/html"`',
    "ETag": "The sha256 of the bytes served, quoted",
    "Last-Modified": "When the picture was stored",
    "Cache-Control": "`public, no-cache` for /memes/{id}/image (`private, no-store` for a"
    " hidden meme's, to a moderator), a year (an hour for shared caches) and `immutable` for"
    " /images/{sha256}",
    "Content-Range": "The bytes served (206), or `bytes */<size>` (416)",
    "Content-Length": "The size of the bytes served",
    "Accept-Ranges": "`bytes`: ranges are served",
    "WWW-Authenticate": "`Bearer`: send the meme's edit token (or the moderator's)",
}


SECURITY_SCHEMES = {
    "editToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The `edit_token` a meme's creation answered with, or the moderator's"
        " `ADMIN_TOKEN`",
    }
}


def _meme_form(reads: str) -> dict[str, Any]:
    """The multipart form of a meme: MemeText's fields, the picture, and nothing else."""
    schema = MemeText.model_json_schema()
    required = {"create": [*schema["required"], "image"], "replace": schema["required"]}
    form = {
        "type": "object",
        "properties": schema["properties"]
        | {
            "image": {
                "type": "string",
                "format": "binary",
                "description": "A JPEG, PNG, GIF or WebP picture",
            }
        },
        "additionalProperties": False,
    }
    if reads in required:  # OpenAPI 3.0 wants no `required` rather than an empty one
        form["required"] = required[reads]
    return form


def _merge_patch() -> dict[str, Any]:
    schema = MemeText.model_json_schema()
    properties = {
        name: {**field, "nullable": name != "title"} for name, field in schema["properties"].items()
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _meme_body(reads: str) -> dict[str, Any]:
    content = {}
    if reads == "replace":
        content["application/json"] = {"schema": {"$ref": "#/components/schemas/MemeText"}}
    if reads == "patch":  # plain JSON is read as a merge patch too
        content["application/merge-patch+json"] = {"schema": _merge_patch()}
        content["application/json"] = {"schema": _merge_patch()}
    content["multipart/form-data"] = {
        "schema": _meme_form(reads),
        # Swagger UI then sends one `tags` field per tag, as curl -F does.
        "encoding": {"tags": {"style": "form", "explode": True}},
    }
    return {"required": True, "content": content}


def _apply_notes(operation: dict[str, Any], notes: SpecNotes) -> None:
    if notes.reads_meme:
        operation["requestBody"] = _meme_body(notes.reads_meme)
    if notes.reads_json:
        json_body = {"schema": notes.reads_json.model_json_schema()}
        operation["requestBody"] = {"required": True, "content": {"application/json": json_body}}
    responses, headers = operation["responses"], dict(notes.headers)
    if notes.secured:
        operation["security"] = [{"editToken": []}]
        headers.setdefault("401", ("WWW-Authenticate",))
    for status, names in headers.items():
        responses[status]["headers"] = {
            name: {"description": HEADERS[name], "schema": {"type": "string"}} for name in names
        }
    for status, media_type in notes.media_types.items():
        schema = responses[status].get("content", {}).get("application/json", {}).get("schema")
        binary = {"type": "string", "format": "binary"}
        responses[status]["content"] = {media_type: {"schema": schema or binary}}


def _handlers(app: web.Application) -> dict[tuple[str, str], Any]:
    """Each (path, method) of the spec and the handler that serves it."""
    found = {}
    for route in app.router.routes():
        view = route.handler
        path = route.resource.canonical
        for method in ("get", "post", "put", "patch", "delete", "head"):
            if isinstance(view, type) and hasattr(view, method):
                found[path, method] = getattr(view, method)
    return found


def _to_openapi_3_0(node: Any) -> None:
    """pydantic writes JSON Schema's `examples` lists; OpenAPI 3.0 (and Swagger UI 4, which
    shows "string" otherwise) wants one `example` in a schema, and `nullable`."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list):
            node["example"] = node.pop("examples")[0]
        # pydantic's `X | None` is 3.1's anyOf with a null type; 3.0 says `nullable`.
        if {"type": "null"} in node.get("anyOf", []) and len(node["anyOf"]) == 2:
            [schema] = [option for option in node.pop("anyOf") if option != {"type": "null"}]
            node.update(schema, nullable=True)
        for value in node.values():
            _to_openapi_3_0(value)
    elif isinstance(node, list):
        for value in node:
            _to_openapi_3_0(value)


def _problems_as_problem_json(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if status.startswith(("4", "5")) and "application/json" in content:
            response["content"] = {PROBLEM_JSON: content["application/json"]}


def _header_names(operation: dict[str, Any]) -> None:
    """The generator names header parameters after the Python arguments (`if_none_match`);
    the view reads `If-None-Match`, which is what Swagger UI must send."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header":
            parameter["name"] = parameter["name"].replace("_", "-").title()


def build_spec(app: web.Application) -> dict[str, Any]:
    spec = deepcopy(generate_oas([app], version_spec=VERSION, title_spec=TITLE))
    spec["info"]["description"] = DESCRIPTION + problems.problems_table(PROBLEMS)
    spec["components"]["schemas"]["MemeText"] = MemeText.model_json_schema()
    spec["components"]["securitySchemes"] = SECURITY_SCHEMES
    handlers = _handlers(app)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            notes = getattr(handlers[path, method], "spec_notes", None)
            if notes is not None:
                _apply_notes(operation, notes)
            _problems_as_problem_json(operation)
            _header_names(operation)
            add_http_answers(path, method, operation)
    _to_openapi_3_0(spec)
    return spec


SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>memes API</title>
  <link rel="icon" href="/static/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
"""
# In a file of its own, so that the page's policy allows no inline script.
SWAGGER_START = (
    'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});'
)
# Swagger UI sets style attributes as it renders, and shows data: icons; nothing else.
DOCS_CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])  # fmt: skip


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[SPEC])


async def swagger_ui(request: web.Request) -> web.Response:
    return web.Response(
        text=SWAGGER_PAGE, content_type="text/html", headers={"Content-Security-Policy": DOCS_CSP}
    )


async def swagger_start(request: web.Request) -> web.Response:
    return web.Response(text=SWAGGER_START, content_type="text/javascript")


async def to_docs(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect("/docs")


def setup_docs(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", swagger_ui)
    app.router.add_get("/docs/", to_docs)
    app.router.add_get("/docs/start.js", swagger_start)
    app.router.add_static("/docs/assets", swagger_ui_path)

    async def store_spec(app: web.Application) -> None:
        app[SPEC] = build_spec(app)

    app.on_startup.append(store_spec)
