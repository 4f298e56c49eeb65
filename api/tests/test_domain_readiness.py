"""`/ready` says not ready while the pool is spent: a request has waited a second for a
connection."""

import asyncio

from api.app import create_app
from api.web.state import SERVICES
from tests.helpers import api_settings_for, eventually, problem_of


async def test_not_ready_while_every_connection_is_held(
    aiohttp_client, database_url, media_server, tmp_path
):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, db_pool_size=1,
        db_acquire_timeout_seconds=5,
    )  # fmt: skip
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/ready")).status == 200
    pool = client.server.app[SERVICES].db.pool
    held = await pool.acquire()  # the only connection, as a stalled export once held it
    try:
        waiting = asyncio.ensure_future(client.get("/memes"))
        await asyncio.sleep(1.1)
        ready = await client.get("/ready")
        body = await problem_of(ready, 503, "not-ready")
        [error] = body["errors"]
        assert error["loc"] == ["database"]
        assert error["msg"].startswith("every connection is busy: a request has waited 1."), body
        assert body["detail"] == "Unavailable: database"  # media's last state: fine
    finally:
        await pool.release(held)
    assert (await waiting).status == 200

    async def ready() -> bool:
        return (await client.get("/ready")).status == 200

    assert await eventually(ready, seconds=2)
