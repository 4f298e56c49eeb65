"""Rate limits per client, reads and writes apart, with the IETF RateLimit headers; the client
is the socket's peer unless that peer is a trusted proxy."""

import pytest

from api.app import create_app
from tests.helpers import api_settings_for, meme_form, problem_of


@pytest.fixture
def limited(aiohttp_client, database_url, media_server, tmp_path):
    async def make(**limits):
        settings = api_settings_for(
            database_url, str(media_server.make_url("")), tmp_path, **limits
        )
        return await aiohttp_client(create_app(settings))

    return make


async def test_hammering_creates_gets_429_while_another_client_still_creates(limited):
    client = await limited(rate_limit_writes=3, trusted_proxies="127.0.0.1")
    hammer, other = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.2"}
    first = await client.post("/memes", data=meme_form("1"), headers=hammer)
    assert first.status == 201
    assert first.headers["RateLimit-Policy"] == '"writes";q=3;w=60'
    assert first.headers["RateLimit"] == '"writes";r=2;t=20'
    for n in range(2):
        assert (await client.post("/memes", data=meme_form(f"{n}"), headers=hammer)).status == 201
    refused = await client.post("/memes", data=meme_form("too many"), headers=hammer)
    body = await problem_of(refused, 429, "rate-limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 20, body
    assert refused.headers["RateLimit"].startswith('"writes";r=0;')

    assert (await client.post("/memes", data=meme_form("other"), headers=other)).status == 201
    # Reads have a limit of their own: the hammering client still reads.
    listed = await client.get("/memes", headers=hammer)
    assert listed.status == 200 and (await listed.json())["total"] == 4
    assert listed.headers["RateLimit-Policy"].startswith('"reads";')


async def test_a_client_cannot_pick_its_address_unless_it_is_a_trusted_proxy(limited):
    client = await limited(rate_limit_reads=2)  # no trusted proxy: the socket's peer counts
    for n in range(2):
        response = await client.get("/memes", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        assert response.status == 200
    response = await client.get("/memes", headers={"X-Forwarded-For": "192.0.2.99"})
    await problem_of(response, 429, "rate-limited")


async def test_health_docs_and_the_gallery_are_not_counted(limited):
    client = await limited(rate_limit_reads=1)
    for path in ["/health", "/ready", "/openapi.json", "/docs", "/"] * 2:
        response = await client.get(path)
        assert response.status == 200, path
        assert "RateLimit" not in response.headers, path


async def test_streamed_answers_carry_the_headers_too(limited):
    client = await limited(rate_limit_reads=10)
    for path in ["/memes/export", "/tags"]:
        response = await client.get(path)
        assert response.status == 200
        assert response.headers["RateLimit"].startswith('"reads";r=')


async def test_an_unreadable_forwarded_for_counts_the_proxy_and_is_no_error(limited):
    client = await limited(rate_limit_reads=2, trusted_proxies="127.0.0.1")
    for headers in (
        {"X-Forwarded-For": "garbage"},
        [("X-Forwarded-For", "192.0.2.1"), ("X-Forwarded-For", "192.0.2.2")],
    ):
        assert (await client.get("/health", headers=headers)).status == 200
        assert (await client.get("/memes", headers=headers)).status == 200
    # Both counted against the proxy's own address: its quota of two is spent.
    await problem_of(await client.get("/memes"), 429, "rate-limited")
