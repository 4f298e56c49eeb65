"""The reference: the floor (bench/floor.py) running the api's own SQL, the SELECT by id and the
first page's, with none of the api's validation, middleware or models. Beside the floor, it
shows what the api's SQL costs and what its Python costs."""

from aiohttp import web

from api.db.listing import listing_query
from api.db.memes import MEME_BY_ID
from api.values.listing import listing
from bench.floor import create_app as floor_app
from bench.floor import serve

FIRST_PAGE = listing_query(listing(None, None, [], [], None, None), {}, page=(21, 0))


def create_app(database_url: str, pool_size: int) -> web.Application:
    return floor_app(database_url, pool_size, MEME_BY_ID, (FIRST_PAGE.text, FIRST_PAGE.params))


if __name__ == "__main__":
    serve(create_app)
