"""The OpenAPI spec and Swagger UI."""

import json
from pathlib import Path

from api.web.openapi import build_spec
from tests.helpers import meme_form

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


async def test_committed_openapi_json_is_what_the_views_generate(client):
    committed = json.loads(COMMITTED.read_text())
    assert committed == build_spec(client.server.app), "openapi.json is stale: run `make openapi`"
    served = await (await client.get("/openapi.json")).json()
    assert served == committed


def test_every_operation_documents_its_errors_as_problems():
    spec = json.loads(COMMITTED.read_text())
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ProblemDetail"}, (path, status)
    assert "multipart/form-data" in spec["paths"]["/memes"]["post"]["requestBody"]["content"]


async def test_swagger_ui_is_served_without_a_cdn(client):
    page = await (await client.get("/docs")).text()
    assert "/openapi.json" in page
    assert "http" not in page.replace('lang="en"', "")  # no asset from another host
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        response = await client.get(asset)
        assert response.status == 200
        assert len(await response.read()) > 10_000


async def test_header_parameters_carry_their_http_names(client):
    spec = await (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/memes/{id}/image"]["get"]["parameters"]
    headers = {p["name"] for p in parameters if p["in"] == "header"}
    assert headers == {"If-None-Match", "If-Modified-Since", "Range"}
    # And the view answers to exactly those names.
    meme = await (await client.post("/memes", data=meme_form())).json()
    response = await client.get(meme["image_url"], headers={"Range": "bytes=0-3"})
    assert response.status == 206
