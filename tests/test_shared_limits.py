"""A rate limit holds across api processes that share one database: it is not per process."""

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.processes import ApiProcess

pytestmark = pytest.mark.slow


async def two_apis(database_url: str, tmp_path: Path, **limits) -> list[ApiProcess]:
    settings = {
        "database_url": database_url,
        # Requests are counted before anything asks media; GET /memes/1 is a 404 from the
        # database alone.
        "media_url": "http://127.0.0.1:9",
        "apply_migrations": "false",
        "reconcile_interval_seconds": 0,
        "data_dir": tmp_path,
        **limits,
    }
    apis = [ApiProcess(tmp_path / f"api-{n}", **settings) for n in range(2)]
    await asyncio.gather(*(asyncio.to_thread(api.start) for api in apis))
    return apis


async def test_two_api_processes_share_one_write_limit(database_url, tmp_path):
    apis = await two_apis(database_url, tmp_path, rate_limit_writes=6)
    try:
        async with aiohttp.ClientSession() as http:
            statuses = []
            for n in range(10):  # turn about: five to each process
                url = f"{apis[n % 2].url}/memes/1"
                async with http.delete(url, headers={"Authorization": "Bearer x"}) as response:
                    statuses.append(response.status)
        assert statuses == [404] * 6 + [429] * 4  # no such meme: refused, and counted
    finally:
        for api in apis:
            api.stop()


async def test_two_api_processes_share_one_read_limit_beyond_it_by_one_flush_at_most(
    database_url, tmp_path
):
    """Reads are counted in each process and settled every RATE_LIMIT_FLUSH_SECONDS: a process
    learns what the others counted for a client at its first flush after serving that client.
    So a client gets beyond its quota at most what each process serves it before that flush."""
    apis = await two_apis(
        database_url,
        tmp_path,
        trusted_proxies="127.0.0.1",  # each part of the test is a client of its own
        rate_limit_reads=6,
        rate_limit_flush_seconds=0.2,
    )
    try:
        async with aiohttp.ClientSession() as http:

            async def read(api: ApiProcess, client: str) -> int:
                headers = {"X-Forwarded-For": client}
                async with http.get(f"{api.url}/memes/1", headers=headers) as response:
                    return response.status

            async def refused_by_both(client: str) -> list[int]:
                """Once each process has served the client (or refused it) and flushed."""
                for api in apis:
                    assert await read(api, client) in (404, 429)
                await asyncio.sleep(1)
                return [await read(api, client) for api in apis]

            # Three to each: the quota between them, whichever flushes went by meanwhile. Alone,
            # each process would let the client read three more: refusing, it knows of both.
            assert [await read(apis[n % 2], "192.0.2.1") for n in range(6)] == [404] * 6
            await asyncio.sleep(1)
            assert await refused_by_both("192.0.2.1") == [429, 429]

            # As fast as it can, turn about: each process serves at most the whole quota before
            # a flush tells it what the other served.
            statuses = [await read(apis[n % 2], "192.0.2.2") for n in range(24)]
            assert 6 <= statuses.count(404) <= 12 and statuses.count(429) >= 12, statuses
            assert await refused_by_both("192.0.2.2") == [429, 429]
    finally:
        for api in apis:
            api.stop()
