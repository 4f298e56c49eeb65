"""The bare reference: a minimal aiohttp app with an aiopg pool running the api's own SELECT by
id and first-page SELECT, with none of the api's validation, middleware or models. The api's
req/s is reported as a ratio to this, so that figures hold on a noisy machine."""

import argparse
import json

import aiopg
from aiohttp import web

from api import db
from api.listing import listing

POOL = web.AppKey("pool", aiopg.Pool)
FIRST_PAGE_PARAMS = {"limit": 21, "offset": 0}
FIRST_PAGE = db._listing_sql(listing(None, None, [], [], None, None), {}, {}, paged=True)


async def meme(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(
            db.MEME_SELECT + " WHERE m.id = %(id)s", {"id": int(request.match_info["id"])}
        )
        rows = db._rows(cursor, await cursor.fetchall())
    return web.Response(text=json.dumps(rows[0], default=str), content_type="application/json")


async def first_page(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(FIRST_PAGE, FIRST_PAGE_PARAMS)
        rows = db._rows(cursor, await cursor.fetchall())
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
