"""Answers users wait less for: a 304 for a meme or a page that has not changed, and hot
pictures and thumbnails from the api's memory instead of from media."""

import asyncio
import hashlib

from api.app import create_app
from api.web.state import SERVICES
from tests.helpers import api_settings_for, create_meme, meme_form, owner, problem_of
from tests.pictures import noise_png, picture


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


def remembering_rows(database_url, media_server, tmp_path, seconds: float):
    """An api process that answers picture requests from rows it read up to `seconds` ago."""
    media_url = str(media_server.make_url(""))
    return create_app(
        api_settings_for(database_url, media_url, tmp_path, picture_row_seconds=seconds)
    )


async def test_a_process_serves_the_picture_it_just_wrote_whatever_it_remembers(
    aiohttp_client, database_url, media_server, tmp_path
):
    client = await aiohttp_client(remembering_rows(database_url, media_server, tmp_path, 30))
    meme = await create_meme(client, "Replaced")
    old_etag = f'"{meme["sha256"]}"'
    for url in (meme["image_url"], f"{meme['image_url']}?size=thumb", meme["content_url"]):
        assert (await client.get(url)).status == 200  # its rows remembered for 30 s
    old_thumb = (await client.get(f"{meme['image_url']}?size=thumb")).headers["ETag"]
    new_png = picture(color="navy")
    response = await client.put(
        f"/memes/{meme['id']}", headers=owner(meme), data=meme_form("Replaced", new_png)
    )
    assert response.status == 200

    # A range of the version the client had: the whole new picture, not a 404.
    stale = {"Range": "bytes=0-9", "If-Range": old_etag}
    response = await client.get(meme["image_url"], headers=stale)
    assert response.status == 200 and await response.read() == new_png
    assert await (await client.get(meme["image_url"])).read() == new_png
    thumb = await client.get(f"{meme['image_url']}?size=thumb")
    assert thumb.status == 200 and thumb.headers["ETag"] != old_thumb
    assert (await client.get(meme["content_url"])).status == 404  # the old picture is gone

    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    for url in (meme["image_url"], f"{meme['image_url']}?size=thumb"):
        await problem_of(await client.get(url), 404, "not-found")
    new_content_url = f"/images/{hashlib.sha256(new_png).hexdigest()}"
    await problem_of(await client.get(new_content_url), 404, "not-found")


async def test_another_process_lags_by_picture_row_seconds_at_most(
    aiohttp_client, database_url, media_server, tmp_path, blob_gone
):
    writer = await aiohttp_client(remembering_rows(database_url, media_server, tmp_path, 0.5))
    reader = await aiohttp_client(remembering_rows(database_url, media_server, tmp_path, 0.5))
    meme = await create_meme(writer, "Going")
    assert (await reader.get(meme["image_url"])).status == 200
    new_png = picture(color="olive")
    response = await writer.put(
        f"/memes/{meme['id']}", headers=owner(meme), data=meme_form("Going", new_png)
    )
    assert response.status == 200
    assert await blob_gone(meme["sha256"])
    # The reader's remembered row names a picture that is gone: it reads the row again.
    part = await reader.get(meme["image_url"], headers={"Range": "bytes=0-9"})
    assert part.status == 206 and await part.read() == new_png[:10]

    assert (await writer.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    # The reader may serve the picture it remembers (its bytes in memory) for 0.5 s at most.
    assert (await reader.get(meme["image_url"])).status in (200, 404)
    await asyncio.sleep(0.55)
    await problem_of(await reader.get(meme["image_url"]), 404, "not-found")
