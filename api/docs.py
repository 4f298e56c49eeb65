"""openapi.json, generated from the views, and Swagger UI served from local assets."""

from copy import deepcopy
from typing import Any

from aiohttp import web
from aiohttp_pydantic.oas.view import generate_oas
from swagger_ui_bundle import swagger_ui_path

from api.keys import SPEC
from api.models import MAX_DESCRIPTION, MAX_TITLE, MemeText

TITLE = "memes"
VERSION = "0.1.0"
DESCRIPTION = """A collection of memes: a picture with a title and a description.

Every error, of every endpoint, is `application/problem+json` (RFC 9457) in the shape of
`ProblemDetail`, with a stable kebab-case `code`: `not-found`, `method-not-allowed`,
`validation-failed`, `malformed-json`, `malformed-multipart`, `malformed-body`,
`payload-too-large`, `unsupported-media-type`, `unsupported-image-type`, `invalid-image`,
`media-unavailable`, `internal-error`."""

PROBLEM_JSON = "application/problem+json"


def _meme_form(image_required: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
            "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
            "image": {
                "type": "string",
                "format": "binary",
                "description": "A JPEG, PNG, GIF or WebP picture",
            },
        },
        "required": ["title", "image"] if image_required else ["title"],
    }


def _document_bodies(spec: dict[str, Any]) -> None:
    """Describe what the views read themselves: the generator cannot see into them."""
    memes, meme = spec["paths"]["/memes"], spec["paths"]["/memes/{id}"]
    memes["post"]["requestBody"] = {
        "required": True,
        "content": {"multipart/form-data": {"schema": _meme_form(image_required=True)}},
    }
    spec["components"]["schemas"]["MemeText"] = MemeText.model_json_schema()
    meme["put"]["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/MemeText"}},
            "multipart/form-data": {"schema": _meme_form(image_required=False)},
        },
    }
    image_200 = spec["paths"]["/memes/{id}/image"]["get"]["responses"]["200"]
    image_200["content"] = {"image/*": {"schema": {"type": "string", "format": "binary"}}}


def _problems_as_problem_json(spec: dict[str, Any]) -> None:
    for path in spec["paths"].values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")) and "application/json" in response.get(
                    "content", {}
                ):
                    response["content"] = {PROBLEM_JSON: response["content"]["application/json"]}


def _header_names(spec: dict[str, Any]) -> None:
    """The generator names header parameters after the Python arguments (`if_none_match`);
    the view reads `If-None-Match`, which is what Swagger UI must send."""
    for path in spec["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header":
                    parameter["name"] = parameter["name"].replace("_", "-").title()


def build_spec(app: web.Application) -> dict[str, Any]:
    spec = deepcopy(generate_oas([app], version_spec=VERSION, title_spec=TITLE))
    spec["info"]["description"] = DESCRIPTION
    _document_bodies(spec)
    _problems_as_problem_json(spec)
    _header_names(spec)
    return spec


SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>memes API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[SPEC])


async def swagger_ui(request: web.Request) -> web.Response:
    return web.Response(text=SWAGGER_PAGE, content_type="text/html")


def setup_docs(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", swagger_ui)
    app.router.add_static("/docs/assets", swagger_ui_path)

    async def store_spec(app: web.Application) -> None:
        app[SPEC] = build_spec(app)

    app.on_startup.append(store_spec)
