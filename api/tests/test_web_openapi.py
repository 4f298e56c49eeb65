"""openapi.json: generated from the views, valid, and true to what the server does; Swagger UI."""

import json
import re
from pathlib import Path

from openapi_spec_validator import validate

from api.values.meme_text import MemeText
from api.web.openapi import PROBLEMS, build_spec
from tests.helpers import meme_form

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


async def test_committed_openapi_json_is_what_the_views_generate(client):
    committed = json.loads(COMMITTED.read_text())
    assert committed == build_spec(client.server.app), "openapi.json is stale: run `make docs`"
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
    assert "/openapi.json" in await (await client.get("/docs/start.js")).text()
    assert "http" not in page.replace('lang="en"', "")  # no asset from another host
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        response = await client.get(asset)
        assert response.status == 200
        assert len(await response.read()) > 10_000


async def test_header_parameters_carry_their_http_names(client):
    spec = await (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/memes/{id}/image"]["get"]["parameters"]
    headers = {p["name"] for p in parameters if p["in"] == "header"}
    assert headers == {"If-None-Match", "If-Modified-Since", "Range", "If-Range"}
    # And the view answers to exactly those names.
    meme = await (await client.post("/memes", data=meme_form())).json()
    response = await client.get(meme["image_url"], headers={"Range": "bytes=0-3"})
    assert response.status == 206


def test_openapi_json_is_a_valid_openapi_document():
    validate(json.loads(COMMITTED.read_text()))  # raises on the first error


def _string_examples(schema: dict, spec: dict) -> dict[str, object]:
    """The example of each string property of a request body schema (None where it has none)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    examples = {}
    for name, prop in schema["properties"].items():
        if prop["type"] == "string" and prop.get("format") != "binary":
            examples[name] = prop.get("example")
        elif prop["type"] == "array":
            examples[name] = prop.get("example")
            examples[f"{name}[]"] = prop["items"].get("example")
    return examples


def test_swagger_ui_shows_real_examples_that_the_rules_accept():
    spec = json.loads(COMMITTED.read_text())
    bodies = [
        content["schema"]
        for path, operations in spec["paths"].items()
        if path in ("/memes", "/memes/{id}")  # a meme's; test_reports checks the reports'
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
    ]
    assert len(bodies) == 6  # POST form; PUT JSON and form; PATCH merge patch, JSON and form
    for schema in bodies:
        examples = _string_examples(schema, spec)
        assert set(examples) == {"title", "description", "tags", "tags[]"}
        assert None not in examples.values() and "string" not in examples.values(), examples
        # What "Try it out" sends as it is passes the rules (so it cannot wipe a meme's words
        # with "string").
        fields = {name: value for name, value in examples.items() if not name.endswith("[]")}
        assert MemeText.model_validate(fields).title == examples["title"]
    for operations in spec["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert parameter["schema"].get("example") != "string", parameter
                assert "examples" not in parameter["schema"], parameter  # OpenAPI 3.1 only


def test_the_meme_form_has_every_field_of_a_meme_and_no_other():
    spec = json.loads(COMMITTED.read_text())
    post = spec["paths"]["/memes"]["post"]["requestBody"]["content"]["multipart/form-data"]
    put = spec["paths"]["/memes/{id}"]["put"]["requestBody"]["content"]["multipart/form-data"]
    for form, required in ((post, ["title", "image"]), (put, ["title"])):
        schema = form["schema"]
        assert set(schema["properties"]) == {"title", "description", "tags", "image"}
        assert schema["properties"]["tags"]["maxItems"] == 20
        assert schema["required"] == required and schema["additionalProperties"] is False
        assert form["encoding"]["tags"] == {"style": "form", "explode": True}


async def test_the_form_is_read_as_documented(client):
    """Repeated tags as Swagger UI sends them are kept; a field the form lacks is refused."""
    created = await client.post("/memes", data=meme_form(tags="work", **{"tags ": "x"}))
    assert created.status == 422
    form = meme_form()
    form.add_field("tags", "work")
    form.add_field("tags", "classic")
    created = await client.post("/memes", data=form)
    assert created.status == 201 and (await created.json())["tags"] == ["classic", "work"]


def test_every_problem_class_is_in_the_spec_description():
    description = json.loads(COMMITTED.read_text())["info"]["description"]
    assert [cls.code for cls in PROBLEMS] == re.findall(
        r"^\| \d{3} \| `([a-z-]+)` \|", description, re.M
    )
    assert {"invalid-cursor", "range-not-satisfiable", "query-timeout"} <= {
        c.code for c in PROBLEMS
    }


async def test_the_export_is_documented_and_served_as_ndjson(client):
    spec = json.loads(COMMITTED.read_text())
    content = spec["paths"]["/memes/export"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/x-ndjson"]
    assert content["application/x-ndjson"]["schema"] == {"$ref": "#/components/schemas/Meme"}
    await client.post("/memes", data=meme_form())
    response = await client.get("/memes/export")
    assert response.headers["Content-Type"] == "application/x-ndjson"
    picture = spec["paths"]["/images/{sha256}"]["get"]["responses"]["200"]["content"]
    assert picture == {"image/*": {"schema": {"type": "string", "format": "binary"}}}


async def test_documented_response_headers_are_sent(client):
    """Each header the spec promises for a status is in the server's answer with it."""
    spec = json.loads(COMMITTED.read_text())

    def promised(path: str, method: str, status: int) -> set[str]:
        response = spec["paths"][path][method]["responses"][str(status)]
        return set(response.get("headers", {}))

    async def check(path: str, method: str, response) -> None:
        headers = promised(path, method, response.status)
        assert headers, (path, method, response.status)
        missing = [name for name in headers if name not in response.headers]  # any case
        assert not missing, (path, response.status, missing)

    created = await client.post("/memes", data=meme_form("one"))
    await check("/memes", "post", created)
    meme = await created.json()
    await client.post("/memes", data=meme_form("two"))
    await check("/memes", "get", await client.get("/memes?limit=1"))
    for path, url in (
        ("/memes/{id}/image", meme["image_url"]),
        ("/images/{sha256}", meme["content_url"]),
    ):
        await check(path, "get", await client.get(url))
        await check(path, "get", await client.get(url, headers={"Range": "bytes=0-9"}))
        etag = f'"{meme["sha256"]}"'
        await check(path, "get", await client.get(url, headers={"If-None-Match": etag}))
        await check(path, "get", await client.get(url, headers={"Range": "bytes=99999-"}))
    for method in ("put", "patch", "delete"):  # without a token: 401 with its challenge
        await check("/memes/{id}", method, await getattr(client, method)(f"/memes/{meme['id']}"))
