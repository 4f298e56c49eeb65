"""The bare reference: a minimal aiohttp app with an aiopg pool running the api's own SELECT by
id and first-page SELECT, with none of the api's validation, middleware or models. The api's
req/s is reported as a ratio to this, so that figures hold on a noisy machine."""

import argparse
import json

import aiopg
from aiohttp import web

from api.db.listing import listing_query
from api.db.memes import MEME_BY_ID
from api.values.listing import listing

POOL = web.AppKey("pool", aiopg.Pool)
FIRST_PAGE = listing_query(listing(None, None, [], [], None, None), {}, page=(21, 0))


async def _rows(request: web.Request, query, params) -> list[dict]:
    async with request.app[POOL].acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row)) for row in await cursor.fetchall()]


async def meme(request: web.Request) -> web.Response:
    rows = await _rows(request, MEME_BY_ID, {"id": int(request.match_info["id"])})
    return web.Response(text=json.dumps(rows[0], default=str), content_type="application/json")


async def first_page(request: web.Request) -> web.Response:
    rows = await _rows(request, FIRST_PAGE.text, FIRST_PAGE.params)
    return web.Response(text=json.dumps(rows[:20], default=str), content_type="application/json")


def create_app(database_url: str, pool_size: int) -> web.Application:
    async def pool(app: web.Application):
        async with aiopg.create_pool(database_url, minsize=1, maxsize=pool_size) as app[POOL]:
            yield

    app = web.Application()
    app.cleanup_ctx.append(pool)
    app.router.add_get("/memes/{id}", meme)
    app.router.add_get("/memes", first_page)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, default=10)
    args = parser.parse_args()
    web.run_app(
        create_app(args.database_url, args.pool_size),
        host="127.0.0.1",
        port=args.port,
        print=None,
        access_log=None,
    )
