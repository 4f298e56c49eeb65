"""HTTP as every client expects it: HEAD wherever GET works, the security headers on every
response, the docs' address with or without its slash."""

import asyncio

from tests.helpers import create_meme, problem_of


async def raw_request(client, head: str) -> bytes:
    """Bytes the server sends for a request written by hand, until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(head.encode() + b"Host: localhost\r\nConnection: close\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    return answer


async def test_head_works_wherever_get_does_and_sends_no_body(client):
    meme = await create_meme(client, "Heads")
    for path in [
        "/health",
        "/ready",
        "/memes",
        "/memes?q=heads",
        f"/memes/{meme['id']}",
        f"/memes/{meme['id']}/similar",
        "/memes/export",
        "/tags",
        meme["image_url"],
        meme["content_url"],
        "/docs",
        "/openapi.json",
        "/",
    ]:
        get = await client.get(path)
        answer = await raw_request(client, f"HEAD {path} HTTP/1.1\r\n")
        status_line, _, rest = answer.partition(b"\r\n")
        headers, _, body = rest.partition(b"\r\n\r\n")
        assert status_line == b"HTTP/1.1 200 OK", (path, answer)
        assert body == b"", path
        assert f"Content-Type: {get.headers['Content-Type']}".encode() in headers, path


async def test_every_response_carries_the_security_headers(client):
    meme = await create_meme(client, "Framed")
    for path in ["/memes", f"/memes/{meme['id']}", meme["image_url"], "/nothing", "/docs"]:
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Referrer-Policy"], path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
    docs = await client.get("/docs")
    assert "script-src 'self';" in docs.headers["Content-Security-Policy"]
    assert "<script>" not in await docs.text()  # nothing inline for the policy to allow


async def test_docs_with_a_slash_redirects_to_docs(client):
    response = await client.get("/docs/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (308, "/docs")
    assert (await client.get("/docs/")).url.path == "/docs"


async def test_unknown_route_is_404_problem(client):
    await problem_of(await client.get("/nothing/here"), 404, "not-found")


async def test_unknown_method_is_405_problem(client):
    response = await client.patch("/memes")
    await problem_of(response, 405, "method-not-allowed")
    assert "POST" in response.headers["Allow"]
