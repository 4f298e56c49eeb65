"""Request bodies that are not what they say they are: not a form, not JSON, not decodable as
their Content-Encoding, or sent with a token that is not text. A 4xx problem, and nothing
stored or changed."""

import asyncio
import json

import pytest

from tests.helpers import meme_form, owner, problem_of


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"title": "x"}}, 415, "unsupported-media-type"),
        ({"data": {"title": "x"}}, 415, "unsupported-media-type"),
        (
            {"data": b"--x\r\n", "headers": {"Content-Type": "multipart/form-data"}},
            400,
            "malformed-multipart",
        ),
        (
            {
                "data": b"garbage without a boundary",
                "headers": {"Content-Type": "multipart/form-data; boundary=zzz"},
            },
            400,
            "malformed-multipart",
        ),
        (
            {
                "data": b'--zzz\r\nContent-Disposition: form-data; name="title"\r\n\r\nunfinished',
                "headers": {"Content-Type": "multipart/form-data; boundary=zzz"},
            },
            400,
            "malformed-multipart",
        ),
    ],
    ids=["json", "urlencoded", "no-boundary", "no-parts", "truncated"],
)
async def test_bodies_that_are_not_a_proper_form(client, nothing_stored, kwargs, status, code):
    await problem_of(await client.post("/memes", **kwargs), status, code)
    await nothing_stored()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "malformed-json"),
        (b"[1, 2]", "application/json", 400, "malformed-json"),
        (b"\xff\xfe", "application/json", 400, "malformed-json"),
        (b'{"title": "x", "extra": 1}', "application/json", 422, "validation-failed"),
        (b'{"title": 5}', "application/json", 422, "validation-failed"),
        (b"title=x", "text/plain", 415, "unsupported-media-type"),
        (b'{"title": "%s"}' % (b"x" * 65 * 1024), "application/json", 413, "payload-too-large"),
        (b'{"title": "a", "title": "b"}', "application/json", 422, "validation-failed"),
        (b"[" * 20_000 + b"]" * 20_000, "application/json", 400, "malformed-json"),
    ],
    ids=[
        "broken", "array", "not-utf8", "extra-key", "wrong-type", "text", "over-64-kib", "twice",
        "nested-past-the-recursion-limit",
    ],  # fmt: skip
)
async def test_bad_put_bodies(client, body, content_type, status, code):
    meme = await (await client.post("/memes", data=meme_form("Kept"))).json()
    response = await client.put(
        f"/memes/{meme['id']}", data=body, headers=owner(meme) | {"Content-Type": content_type}
    )
    await problem_of(response, status, code)
    assert (await (await client.get(f"/memes/{meme['id']}")).json())["title"] == "Kept"


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_a_body_that_does_not_decode_as_its_content_encoding_is_400(
    client, nothing_stored, method
):
    meme = await (await client.post("/memes", data=meme_form("Kept"))).json()
    path, body, content_type = {  # neither is gzip, as they say
        "POST": ("/memes", b"--x\r\n", "multipart/form-data; boundary=x"),
        "PUT": (f"/memes/{meme['id']}", b'{"title": "Changed"}', "application/json"),
    }[method]
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: memes\r\nContent-Type: {content_type}\r\n"
        f"Authorization: Bearer {meme['edit_token']}\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    )
    answer = await asyncio.wait_for(reader.read(), 5)  # then the connection is closed
    writer.close()
    head, _, problem = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"application/problem+json" in head, answer
    assert json.loads(problem)["code"] == "malformed-body"
    assert (await (await client.get(f"/memes/{meme['id']}")).json())["title"] == "Kept"


async def test_a_token_that_is_not_utf8_is_403(client):
    meme = await (await client.post("/memes", data=meme_form("Kept"))).json()
    # Header bytes that are not UTF-8, as curl sends $(printf 'caf\xe9'): aiohttp hands them
    # over as surrogates.
    token = "café".encode("latin-1").decode("utf-8", "surrogateescape")
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.delete(f"/memes/{meme['id']}", headers=headers)
    await problem_of(response, 403, "forbidden")
