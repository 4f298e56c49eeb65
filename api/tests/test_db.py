"""SQL composed from fragments, and the statement timeout every connection has, on a real
PostgreSQL."""

import hashlib
import json
import os
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

import psycopg2
import pytest

from api.app import create_app
from api.cli.fixtures import generate_memes
from api.db.connection import apply_migrations
from api.db.sql import compose, cursor, fetch_all, fetch_value, fragment, join, where
from api.imaging.features import search_terms
from api.services import open_services
from tests.helpers import (
    api_settings_for,
    eventually,
    execute,
    meme_form,
    migrated_before,
    owner,
    problem_of,
    query,
)
from tests.pictures import picture


async def test_fragments_carry_their_values_in_the_order_they_are_used(api_settings):
    hostile = "'; DROP TABLE memes; --"
    number = fragment("%s::int", 7)
    query = compose(
        "SELECT {number} AS a, {text} AS b, {number} AS c",
        number=number,
        text=fragment("%s || %s", hostile, "!"),
    )
    assert query.params == (7, hostile, "!", 7)
    between = [fragment("g > %s", 3), fragment("g <= %s", 5)]
    counted = compose("SELECT count(*) FROM generate_series(1, 10) g {where}", where=where(between))
    everything = compose("SELECT count(*) FROM generate_series(1, 10) g {where}", where=where([]))
    async with open_services(api_settings) as services, cursor(services.db) as cur:
        assert await fetch_all(cur, query) == [{"a": 7, "b": hostile + "!", "c": 7}]
        assert await fetch_value(cur, counted) == 2
        assert await fetch_value(cur, everything) == 10
        listed = join(", ", [fragment("%s", "x"), fragment("%s", "y")])
        assert await fetch_value(cur, compose("SELECT ARRAY[{items}]", items=listed)) == ["x", "y"]
        assert await fetch_value(cur, "SELECT count(*) FROM memes") == 0  # still there


async def test_every_connection_has_the_timeout_and_utc_commands_included(api_settings):
    settings = api_settings.model_copy(update={"db_statement_timeout_seconds": 1.5})
    async with open_services(settings) as services, cursor(services.db) as cur:
        assert await fetch_value(cur, "SHOW statement_timeout") == "1500ms"
        assert await fetch_value(cur, "SHOW TimeZone") == "UTC"


TIMEOUT = 0.15  # seconds: a batch of 200 memes takes a few milliseconds


@pytest.fixture
async def impatient_client(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url,
        str(media_server.make_url("")),
        tmp_path,
        db_statement_timeout_seconds=TIMEOUT,
        export_batch_size=200,
    )
    return await aiohttp_client(create_app(settings))


async def test_a_statement_past_the_timeout_is_a_quick_503_and_nothing_is_kept(
    impatient_client, database_url, blob_gone
):
    client = impatient_client
    meme = await (await client.post("/memes", data=meme_form("Kept"))).json()
    png = picture(color="olive")
    locker = psycopg2.connect(database_url)  # stands for a long migration or a runaway query
    try:
        locker.cursor().execute("LOCK TABLE memes IN ACCESS EXCLUSIVE MODE")
        for method, url, form in (
            ("GET", "/memes", None),
            ("GET", f"/memes/{meme['id']}", None),
            ("GET", "/memes/export", None),
            ("POST", "/memes", meme_form("Lost", png)),
        ):
            started = time.monotonic()
            response = await client.request(method, url, data=form)
            body = await problem_of(response, 503, "query-timeout")
            assert time.monotonic() - started < 3, body
    finally:
        locker.rollback()
        locker.close()
    # The upload's picture went again with its failed insert; the pool serves on.
    sha256 = hashlib.sha256(png).hexdigest()
    assert await blob_gone(sha256)
    for _ in range(15):  # more than the pool's connections
        page = await (await client.get("/memes")).json()
        assert [m["title"] for m in page["items"]] == ["Kept"]


async def test_an_export_outlasts_the_timeout_since_each_batch_is_a_statement(
    impatient_client, api_settings
):
    async with open_services(api_settings) as services:
        await generate_memes(services, 40_000, seed=3)
    started = time.monotonic()
    response = await impatient_client.get("/memes/export")
    lines = (await response.read()).splitlines()
    elapsed = time.monotonic() - started
    assert response.status == 200 and len(lines) == 40_005
    assert len({json.loads(line)["id"] for line in lines}) == 40_005
    # The whole export took longer than any one statement may: the timeout did not end it.
    assert elapsed > TIMEOUT


async def test_a_database_outage_is_503_and_the_api_recovers_without_a_restart(
    aiohttp_client, own_postgres, media_server, tmp_path
):
    url, stop, start = own_postgres
    settings = api_settings_for(url, str(media_server.make_url("")), tmp_path)
    client = await aiohttp_client(create_app(settings))
    meme = await (await client.post("/memes", data=meme_form("Survives"))).json()

    stop()
    try:
        for method, path, form in (
            ("GET", "/memes", None),
            ("GET", f"/memes/{meme['id']}", None),
            ("GET", "/memes/export", None),
            ("POST", "/memes", meme_form("Lost")),
            ("DELETE", f"/memes/{meme['id']}", None),
        ):
            started = time.monotonic()
            response = await client.request(method, path, data=form, headers=owner(meme))
            body = await problem_of(response, 503, "database-unavailable")
            assert response.headers["Retry-After"] == "2", body
            assert time.monotonic() - started < settings.db_acquire_timeout_seconds + 1
        assert (await client.get("/health")).status == 200
        ready = await client.get("/ready")
        body = await problem_of(ready, 503, "not-ready")
        assert [error["loc"] for error in body["errors"]] == [["database"]]
    finally:
        start()
    after = await client.get(f"/memes/{meme['id']}")
    assert after.status == 200, await after.text()

    async def ready() -> bool:  # its state is at most a second old
        return (await client.get("/ready")).status == 200

    assert await eventually(ready, seconds=2)
    assert [m["title"] for m in (await (await client.get("/memes")).json())["items"]] == [
        "Survives"
    ]


def test_migration_0009_weighs_the_words_of_pictures_processed_before_it(tmp_path):
    with migrated_before(tmp_path / "postgres", "0009") as url:
        # A picture processed under 0008: its words and its lines' suffixes, all of weight D.
        terms = search_terms("CATSHATE MONDAY")
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO blobs (sha256, content_type, size, width, height)"
                " VALUES (%(sha)s, 'image/jpeg', 1, 1, 1);"
                " INSERT INTO picture_features (sha256, text, search, phash, placeholder)"
                " VALUES (%(sha)s, %(text)s, to_tsvector('simple', %(terms)s), 0, '')",
                {"sha": "a" * 64, "text": "CATSHATE MONDAY", "terms": " ".join(terms)},
            )
        conn.close()
        assert apply_migrations(url)[0] == "0009.picture-words-weighted"  # and those after
        found = query(
            url,
            "SELECT q, search @@ to_tsquery('simple', q) FROM picture_features, unnest(%s) q",
            (["mon:*A", "catsh:*A", "day:*", "on:*A", "ate:*A", "day:*A"],),
        )
        assert [q for q, match in found if match] == ["mon:*A", "catsh:*A", "day:*"]


def postgres_processes(url: str) -> list[int]:
    """The pids of the postmaster serving `url` and of its children (backends and all)."""
    socket_dir = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["host"][0]
    postmaster = int((Path(socket_dir) / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True
    ).stdout.split()
    return [postmaster, *map(int, children)]


async def test_a_hung_database_is_503_not_500(aiohttp_client, own_postgres, media_server, tmp_path):
    """PostgreSQL stopped dead (SIGSTOP: a frozen VM, a full disk): no answer ever comes, the
    client's own timeout ends the statement, and that is an outage, not a server error."""
    url, _stop, _start = own_postgres
    settings = api_settings_for(url, str(media_server.make_url("")), tmp_path).model_copy(
        update={"db_statement_timeout_seconds": 0.5}
    )
    client = await aiohttp_client(create_app(settings))
    meme = await (await client.post("/memes", data=meme_form("Frozen"))).json()
    processes = postgres_processes(url)
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        response = await client.get(f"/memes/{meme['id']}")
        await problem_of(response, 503, "database-unavailable")
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)
    after = await client.get(f"/memes/{meme['id']}")
    assert after.status == 200, await after.text()


def test_migration_0012_counts_the_tags_already_there(tmp_path):
    with migrated_before(tmp_path / "postgres", "0012") as url:
        execute(
            url,
            "INSERT INTO blobs (sha256, content_type, size, width, height)"
            f" VALUES ('{"a" * 64}', 'image/jpeg', 1, 1, 1);"
            f" INSERT INTO memes (title, image_sha256) VALUES ('a', '{"a" * 64}'),"
            f" ('b', '{"a" * 64}');"
            " INSERT INTO tags (name) VALUES ('cats'), ('dogs');"
            " INSERT INTO meme_tags SELECT m.id, t.id FROM memes m, tags t"
            " WHERE m.title = 'a' OR t.name = 'cats'",
        )
        assert "0012.tag-counts" in apply_migrations(url)
        counted = "SELECT t.name, c.memes FROM tag_counts c JOIN tags t ON t.id = c.tag_id"
        assert sorted(query(url, counted + " ORDER BY t.name")) == [("cats", 2), ("dogs", 1)]
