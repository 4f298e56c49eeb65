"""Rate limits per client, reads and writes apart, with the IETF RateLimit headers; the client
is the socket's peer unless that peer is a trusted proxy. A read writes nothing to the database:
reads are counted in the process and settled with the shared table in batches."""

import asyncio
import logging

import pytest

from api.app import create_app
from api.domain.rate_limits import settle
from api.web.clients import READ_LIMIT
from api.web.state import SERVICES
from tests.helpers import api_settings_for, eventually, meme_form, problem_of, query

READS_ROW = "SELECT key, xmin::text, tat FROM rate_limits WHERE starts_with(key, 'reads:')"
AHEAD = "SELECT extract(epoch FROM tat - now())::float8 FROM rate_limits WHERE key = %s"


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


async def test_a_read_writes_nothing_to_the_database_until_the_flush(limited, database_url):
    # One flush as the app starts (nothing to settle yet), the next in an hour.
    client = await limited(rate_limit_reads=100, rate_limit_flush_seconds=3600)
    app = client.server.app
    await settle(app[SERVICES], app[READ_LIMIT])  # nothing yet: what follows is counted from now
    for _ in range(5):
        assert (await client.get("/memes")).status == 200
    assert query(database_url, READS_ROW) == []

    await settle(app[SERVICES], app[READ_LIMIT])  # what the flush does: all five at once
    [row] = query(database_url, READS_ROW)
    assert row[0] == "reads:127.0.0.1"
    [(ahead,)] = query(database_url, AHEAD, (row[0],))
    assert 5 * 0.6 - 0.5 < ahead <= 5 * 0.6  # five reads of 60 s / 100, in well under 0.5 s
    for _ in range(5):
        assert (await client.get("/memes/1")).status == 404  # counted, and still no write
    assert query(database_url, READS_ROW) == [row]  # the same row version: not even rewritten


async def test_over_the_read_quota_is_429_with_retry_after_and_the_headers(limited):
    client = await limited(rate_limit_reads=3, trusted_proxies="127.0.0.1")
    hammer, other = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.2"}
    first = await client.get("/memes", headers=hammer)
    assert first.status == 200
    assert first.headers["RateLimit-Policy"] == '"reads";q=3;w=60'
    assert first.headers["RateLimit"] == '"reads";r=2;t=20'
    for path in ("/tags", "/memes/1"):
        assert (await client.get(path, headers=hammer)).status in (200, 404)
    refused = await client.get("/memes", headers=hammer)
    body = await problem_of(refused, 429, "rate-limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 20, body
    assert refused.headers["RateLimit-Policy"] == '"reads";q=3;w=60'
    assert refused.headers["RateLimit"].startswith('"reads";r=0;')
    assert (await client.get("/memes", headers=other)).status == 200  # per client


async def test_reads_are_limited_through_a_database_outage_and_counted_after_it(
    aiohttp_client, own_postgres, media_server, tmp_path, caplog
):
    url, stop, start = own_postgres
    settings = api_settings_for(
        url, str(media_server.make_url("")), tmp_path,
        rate_limit_reads=3, rate_limit_flush_seconds=0.1,
        outbox_interval_seconds=0.1,  # the housekeeping meets the outage too
    )  # fmt: skip
    client = await aiohttp_client(create_app(settings))
    for _ in range(2):
        assert (await client.get("/memes")).status == 200

    stop()
    try:
        with caplog.at_level(logging.INFO):
            # The read itself needs the database: 503, as in any outage, and counted.
            await problem_of(await client.get("/memes"), 503, "database-unavailable")
            refused = await client.get("/memes")  # the process still limits on its own
            await problem_of(refused, 429, "rate-limited")
            assert 1 <= int(refused.headers["Retry-After"]) <= 20
            await asyncio.sleep(0.5)  # flushes that fail
        # The pool logs the outage once; the flushes and the housekeeping that fail say
        # nothing of their own.
        noisy = [r for r in caplog.records if r.name == "common.background" or r.exc_info]
        assert noisy == [] and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        start()

    async def settled() -> bool:  # the three reads of the process, kept through the outage
        rows = query(url, AHEAD, ("reads:127.0.0.1",))
        return bool(rows) and 3 * 20 - 5 < rows[0][0] <= 3 * 20

    assert await eventually(settled, seconds=5)
    await problem_of(await client.get("/memes"), 429, "rate-limited")
