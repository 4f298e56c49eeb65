"""Answers users wait less for: a 304 for a meme or a page that has not changed, and hot
pictures and thumbnails from the api's memory instead of from media."""

import asyncio
import hashlib

from api.app import create_app
from api.web.state import SERVICES
from tests.helpers import api_settings_for, create_meme, meme_form, owner
from tests.pictures import noise_png


async def test_a_meme_answers_304_until_it_changes(client):
    meme = await create_meme(client, "Unchanged")
    first = await client.get(f"/memes/{meme['id']}")
    etag = first.headers["ETag"]
    assert etag == f'"{hashlib.sha256(await first.read()).hexdigest()}"'
    again = await client.get(f"/memes/{meme['id']}", headers={"If-None-Match": etag})
    assert again.status == 304 and again.headers["ETag"] == etag and await again.read() == b""
    weak = await client.get(f"/memes/{meme['id']}", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status == 304
    patched = await client.patch(
        f"/memes/{meme['id']}", json={"title": "Changed"}, headers=owner(meme)
    )
    assert patched.status == 200
    after = await client.get(f"/memes/{meme['id']}", headers={"If-None-Match": etag})
    assert after.status == 200 and after.headers["ETag"] != etag


async def test_a_list_page_answers_304_until_a_meme_is_added(client):
    await create_meme(client, "First")
    page = await client.get("/memes?limit=5")
    etag = page.headers["ETag"]
    assert etag == f'"{hashlib.sha256(await page.read()).hexdigest()}"'
    same = await client.get("/memes?limit=5", headers={"If-None-Match": f'"other", {etag}'})
    assert same.status == 304 and same.headers["ETag"] == etag
    other_page = await client.get("/memes?limit=4", headers={"If-None-Match": etag})
    assert other_page.status == 200  # other parameters, another page
    await create_meme(client, "Second")
    changed = await client.get("/memes?limit=5", headers={"If-None-Match": etag})
    assert changed.status == 200 and (await changed.json())["total"] == 2


async def test_pictures_and_thumbnails_are_served_from_the_cache(client):
    meme = await create_meme(client, "Hot")
    cache = client.server.app[SERVICES].picture_cache
    assert cache.get(meme["sha256"]) is None
    for _ in range(2):
        response = await client.get(meme["content_url"])
        assert response.status == 200 and hashlib.sha256(await response.read()).hexdigest() == (
            meme["sha256"]
        )
    assert cache.get(meme["sha256"]) is not None  # kept after the first download
    thumb = await client.get(f"{meme['content_url']}?size=thumb")
    assert thumb.status == 200
    assert cache.get(thumb.headers["ETag"].strip('"')) == await thumb.read()
    part = await client.get(meme["image_url"], headers={"Range": "bytes=0-9"})
    assert part.status == 206 and len(await part.read()) == 10  # ranges still from media


async def test_the_cache_keeps_within_its_cap(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, picture_cache_bytes=400_000
    )
    client = await aiohttp_client(create_app(settings))
    cache = client.server.app[SERVICES].picture_cache
    big = await (await client.post("/memes", data=meme_form("Big", noise_png(1, side=300)))).json()
    assert (await client.get(big["content_url"])).status == 200
    assert cache.size == 0  # over an eighth of the cap: never kept
    for seed in range(6):
        small = await create_meme(client, f"Small {seed}", color=(seed * 40, 10, 10))
        assert (await client.get(small["content_url"])).status == 200
    assert 0 < cache.size <= 400_000


async def test_rows_of_picture_requests_are_read_again_after_picture_row_seconds(
    aiohttp_client, database_url, media_server, tmp_path
):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, picture_row_seconds=0.3
    )
    client = await aiohttp_client(create_app(settings))
    meme = await create_meme(client, "Going")
    assert (await client.get(meme["image_url"])).status == 200
    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    assert (await client.get(meme["image_url"])).status == 200  # within the 0.3 s
    await asyncio.sleep(0.35)
    assert (await client.get(meme["image_url"])).status == 404
