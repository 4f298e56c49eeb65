"""The floor of the stack: the simplest aiohttp + aiopg app answering a meme by id and the first
page from the memes table alone (one index lookup, four columns), as JSON, with none of the api's
middleware, validation, joins or models. `python -m bench serving` reports the api's reads as
ratios to it: what the api costs beyond the least its stack can do. It runs on the event loop
the api runs on (`--loop`, as the api is started by bench/loop.py), so that the loop's share
is the same on both sides.

bench/reference.py is the same app running the api's own SQL."""

import argparse
from collections.abc import Callable, Mapping
from typing import Any

import aiopg
import orjson
from aiohttp import web

from bench.loop import POLICIES, SHIPPED, new_event_loop

POOL = web.AppKey("pool", aiopg.Pool)
BY_ID = "SELECT id, title, description, created_at FROM memes WHERE id = %(id)s"
# The api's first page is in this order, which an index serves (memes_created_at_id).
FIRST_PAGE = (
    "SELECT id, title, description, created_at FROM memes"
    " ORDER BY created_at DESC, id DESC LIMIT 20"
)

Query = Any  # a string, or a psycopg2 sql.Composed


async def rows(request: web.Request, query: Query, params: Mapping[str, Any]) -> list[dict]:
    async with request.app[POOL].acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row)) for row in await cursor.fetchall()]


def json_response(value: Any) -> web.Response:
    return web.Response(body=orjson.dumps(value), content_type="application/json")


def create_app(
    database_url: str,
    pool_size: int,
    by_id: Query = BY_ID,
    first_page: tuple[Query, Mapping[str, Any]] = (FIRST_PAGE, {}),
) -> web.Application:
    async def pool(app: web.Application):
        async with aiopg.create_pool(database_url, minsize=1, maxsize=pool_size) as app[POOL]:
            yield

    async def meme(request: web.Request) -> web.Response:
        found = await rows(request, by_id, {"id": int(request.match_info["id"])})
        if not found:
            raise web.HTTPNotFound()
        return json_response(found[0])

    async def page(request: web.Request) -> web.Response:
        return json_response((await rows(request, *first_page))[:20])

    app = web.Application()
    app.cleanup_ctx.append(pool)
    app.router.add_get("/memes/{id}", meme)
    app.router.add_get("/memes", page)
    return app


def serve(create: Callable[[str, int], web.Application]) -> None:
    """The app that `create` makes, served as `python -m bench.floor` (or `bench.reference`)
    is told to on its command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, default=10, help="the api's DB_POOL_SIZE")
    parser.add_argument("--loop", choices=sorted(POLICIES), default=SHIPPED)
    args = parser.parse_args()
    web.run_app(
        create(args.database_url, args.pool_size),
        host="127.0.0.1",
        port=args.port,
        print=None,
        access_log=None,
        loop=new_event_loop(args.loop),
    )


if __name__ == "__main__":
    serve(create_app)
