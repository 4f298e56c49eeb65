"""`/ready` asks PostgreSQL and media at most once a second, however often it is asked: many
requests cost one query and one call to media a second (media's own access log counts its
calls, PostgreSQL's pg_stat_activity the queries), and what they answer between two asks is
the last ask's state."""

import asyncio
import re
import time

import psycopg2
import pytest

from api.app import create_app
from tests.helpers import api_settings_for, problem_of

pytestmark = pytest.mark.slow

def media_readies(media_process) -> int:
    """How many times media has answered `/ready`, from its access log."""
    return len(re.findall(r" GET /ready 200 ", media_process.log.read_text()))


def statements_started(database_url: str, statement: str, seconds: float) -> int:
    """How many times other connections start `statement` within `seconds`, as PostgreSQL's
    pg_stat_activity shows them (polled every 10 ms: each has a start time of its own)."""
    first, seen, deadline = None, set(), time.monotonic() + seconds
    conn = psycopg2.connect(database_url)
    conn.autocommit = True  # each poll a transaction of its own: a fresh view of the activity
    try:
        with conn.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT pid, query_start FROM pg_stat_activity"
                    " WHERE query = %s AND pid <> pg_backend_pid()",
                    (statement,),
                )
                rows = set(cursor.fetchall())
                first = rows if first is None else first  # started before
                seen |= rows
                time.sleep(0.01)
    finally:
        conn.close()
    return len(seen - first)


async def test_many_ready_requests_ask_the_dependencies_once_a_second(
    aiohttp_client, database_url, media_process, tmp_path
):
    settings = api_settings_for(database_url, media_process.url, tmp_path)
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/ready")).status == 200
    asked, answers, started = media_readies(media_process), [], time.monotonic()

    async def ask() -> None:
        while time.monotonic() - started < 3:
            answers.append((await client.get("/ready")).status)

    counted = asyncio.to_thread(statements_started, database_url, "SELECT 1", 3)
    queries, *_ = await asyncio.gather(counted, *(ask() for _ in range(10)))
    asked = media_readies(media_process) - asked
    assert set(answers) == {200} and len(answers) > 300, len(answers)
    # One ask a second, and one more for the second under way at the start.
    assert 1 <= asked <= 4 and 1 <= queries <= 4, (asked, queries, len(answers))


async def test_between_two_asks_the_last_state_is_answered(
    aiohttp_client, database_url, media_process, tmp_path
):
    settings = api_settings_for(database_url, media_process.url, tmp_path)
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/ready")).status == 200
    media_process.kill()
    stopped = time.monotonic()
    assert (await client.get("/ready")).status == 200  # asked less than a second ago
    while (ready := await client.get("/ready")).status == 200:
        assert time.monotonic() - stopped < 1.5
        await asyncio.sleep(0.02)
    body = await problem_of(ready, 503, "not-ready")
    assert [error["loc"] for error in body["errors"]] == [["media"]]
    assert 0.8 < time.monotonic() - stopped < 1.5
