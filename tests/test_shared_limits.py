"""A rate limit holds across api processes that share one database: it is not per process."""

import asyncio

import aiohttp
import pytest

from tests.processes import ApiProcess

pytestmark = pytest.mark.slow


async def test_two_api_processes_share_one_write_limit(database_url, tmp_path):
    settings = dict(
        database_url=database_url,
        media_url="http://127.0.0.1:9",  # writes are counted before anything asks media
        apply_migrations="false",
        reconcile_interval_seconds=0,
        data_dir=tmp_path,
        rate_limit_writes=6,
    )
    apis = [ApiProcess(tmp_path / f"api-{n}", **settings) for n in range(2)]
    await asyncio.gather(*(asyncio.to_thread(api.start) for api in apis))
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
