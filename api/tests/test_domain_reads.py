"""Reads from a real streaming replica (the `replicated` fixture: pg_basebackup of a pgserver
primary, a second postmaster from the same binaries): lists, search, /tags and the export come
from the replica; the client that wrote reads its own writes while the replica lags (by its
cookie, or by its address when it sends none); a meme by id is never a 404 after its create;
a replica that is down leaves reads to the primary, and is read again once it is back."""

import json
import logging
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from api.app import create_app
from api.db.connection import CLIENT_TIMEOUT_MARGIN_SECONDS
from api.db.replica import RETRY_SECONDS
from api.web.own_writes import COOKIE
from tests.helpers import api_settings_for, create_meme, eventually, execute

pytestmark = pytest.mark.slow  # starts a replica (and its primary): two more postmasters


@pytest.fixture
async def writer(aiohttp_client, replicated, media_server, tmp_path):
    """The api with the replica, and a client of it (127.0.0.1) that keeps cookies."""
    settings = api_settings_for(
        replicated.primary_url,
        str(media_server.make_url("")),
        tmp_path,
        database_replica_url=replicated.replica_url,
    )
    return await aiohttp_client(create_app(settings))


@asynccontextmanager
async def client_at(address: str, headers: dict | None = None) -> AsyncIterator:
    """Another client of the api, from its own loopback address."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        yield session


async def seen_by(http, writer, path: str) -> list[str]:
    """The titles (or tag names) a client gets from a list, /tags or the export."""
    async with http.get(writer.make_url(path)) as response:
        assert response.status == 200, await response.text()
        if path.startswith("/memes/export"):
            return [json.loads(line)["title"] for line in (await response.text()).splitlines()]
        if path == "/tags":
            return sorted(tag["name"] for tag in (await response.json())["items"])
        return [meme["title"] for meme in (await response.json())["items"]]


READS = ("/memes", "/memes?q=lagging", "/memes?tag=late", "/memes/export", "/tags")


async def test_the_replica_answers_lists_and_the_writer_reads_its_own_writes(writer, replicated):
    await create_meme(writer, "Early lagging meme", tags=["early"])
    replicated.caught_up()
    replicated.pause()  # the replica answers, but sees nothing written from now on
    late = await create_meme(writer, "Late lagging meme", tags=["late"])

    async with client_at("127.0.0.2") as other:
        assert await seen_by(other, writer, "/memes") == ["Early lagging meme"]
        assert await seen_by(other, writer, "/memes?q=lagging") == ["Early lagging meme"]
        assert await seen_by(other, writer, "/memes?tag=late") == []
        assert await seen_by(other, writer, "/memes/export") == ["Early lagging meme"]
        assert await seen_by(other, writer, "/tags") == ["early"]
        # By id from the primary: never a 404 after the create, whoever asks.
        async with other.get(writer.make_url(f"/memes/{late['id']}")) as response:
            assert response.status == 200 and (await response.json())["title"] == late["title"]

    both = ["Late lagging meme", "Early lagging meme"]
    expected = [both, both, ["Late lagging meme"], both, ["early", "late"]]
    for path, titles in zip(READS, expected, strict=True):
        assert await seen_by(writer.session, writer, path) == titles, path
    # The writer by its cookie from any address, and by its address when it sends none.
    cookie = writer.session.cookie_jar.filter_cookies(writer.make_url("/"))[COOKIE].value
    assert cookie.isdigit()
    async with (
        client_at("127.0.0.3", {"Cookie": f"{COOKIE}={cookie}"}) as with_cookie,
        client_at("127.0.0.1") as bare,
    ):
        for http in (with_cookie, bare):
            for path, titles in zip(READS, expected, strict=True):
                assert await seen_by(http, writer, path) == titles, path
    replicated.resume()

    async def other_sees_it() -> bool:
        async with client_at("127.0.0.2") as other:
            return await seen_by(other, writer, "/memes") == both

    assert await eventually(other_sees_it)


async def test_a_replica_down_leaves_reads_to_the_primary_until_it_is_back(
    writer, replicated, caplog
):
    caplog.set_level(logging.WARNING, logger="api.db.sql")
    await create_meme(writer, "Before")
    replicated.caught_up()
    replicated.stop()
    async with client_at("127.0.0.2") as other:
        for path, titles in (("/memes", ["Before"]), ("/tags", []), ("/memes/export", ["Before"])):
            started = time.monotonic()
            assert await seen_by(other, writer, path) == titles
            assert time.monotonic() - started < 1, "a replica refusing connections costs nothing"
        await create_meme(writer, "While down")
        assert await seen_by(other, writer, "/memes") == ["While down", "Before"]

        replicated.start()
        replicated.caught_up()
        replicated.pause()
        # Written on the primary alone, not by this client: only the replica does not have it.
        execute(replicated.primary_url, "UPDATE memes SET title = 'Renamed' WHERE title = 'Before'")

        async def read_from_the_replica_again() -> bool:
            return await seen_by(other, writer, "/memes") == ["While down", "Before"]

        assert await eventually(read_from_the_replica_again, seconds=RETRY_SECONDS + 3)
    started = [r for r in caplog.records if "replica outage started" in r.getMessage()]
    ended = [r for r in caplog.records if "replica outage ended" in r.getMessage()]
    assert len(started) == 1 and len(ended) == 1, caplog.text


async def test_a_replica_that_hangs_costs_one_slow_read_not_an_error(
    aiohttp_client, replicated, media_server, tmp_path
):
    """Stopped (SIGSTOP), the replica takes connections and never answers: the read in flight
    on it waits out the client's timeout (the statement timeout and 5 s), then the primary
    answers it; the reads after it go to the primary at once."""
    settings = api_settings_for(
        replicated.primary_url,
        str(media_server.make_url("")),
        tmp_path,
        database_replica_url=replicated.replica_url,
        db_statement_timeout_seconds=1,
    )
    writer = await aiohttp_client(create_app(settings))
    await create_meme(writer, "Hung")
    replicated.caught_up()
    async with client_at("127.0.0.2") as other:
        assert await seen_by(other, writer, "/memes") == ["Hung"]  # a connection to the replica
        hung = replicated.processes()
        for process in hung:
            process.send_signal(signal.SIGSTOP)
        try:
            bound = settings.db_statement_timeout_seconds + CLIENT_TIMEOUT_MARGIN_SECONDS + 1
            for most in (bound, 0.5, 0.5):
                started = time.monotonic()
                assert await seen_by(other, writer, "/memes") == ["Hung"]
                assert time.monotonic() - started < most
        finally:
            for process in hung:
                process.send_signal(signal.SIGCONT)
