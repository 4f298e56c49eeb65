"""Pictures as downloaded through the api, on both stores: caching and ranges."""

import hashlib
from email.utils import parsedate_to_datetime

import pytest

from api.tests.test_pictures import create, problem, stored_bytes
from tests.helpers import meme_form, owner
from tests.pictures import picture

# A year for browsers; shared caches (CDNs) ask again within the hour, so that a picture no
# public meme shows any more (deleted, hidden) is not served by them for long.
YEAR_BUT_AN_HOUR_SHARED = "public, max-age=31536000, s-maxage=3600, immutable"

pytestmark = pytest.mark.both_stores


# Caching


async def test_content_addressed_url_is_cached_for_a_year(client):
    meme = await create(client, picture("PNG", (30, 30), "navy"))
    assert meme["content_url"] == f"/images/{meme['sha256']}"
    response = await client.get(meme["content_url"])
    assert response.status == 200
    assert await response.read() == await stored_bytes(client, meme)
    assert response.headers["Cache-Control"] == YEAR_BUT_AN_HOUR_SHARED
    assert response.headers["ETag"] == f'"{meme["sha256"]}"'
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    created = parsedate_to_datetime((await client.head(meme["image_url"])).headers["Last-Modified"])
    assert modified == created

    etag = {"If-None-Match": response.headers["ETag"]}
    assert (await client.get(meme["content_url"], headers=etag)).status == 304
    since = {"If-Modified-Since": response.headers["Last-Modified"]}
    assert (await client.get(meme["content_url"], headers=since)).status == 304
    earlier = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert (await client.get(meme["content_url"], headers=earlier)).status == 200
    thumb = await client.get(f"{meme['content_url']}?size=thumb")
    assert thumb.headers["Content-Type"] == "image/webp"
    assert thumb.headers["Cache-Control"] == YEAR_BUT_AN_HOUR_SHARED


async def test_content_url_of_a_picture_no_meme_uses_is_404(client):
    meme = await create(client, picture())
    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    await problem(await client.get(meme["content_url"]), 404, "not-found")
    await problem(await client.get("/images/" + "0" * 64), 404, "not-found")
    await problem(await client.get("/images/not-a-sha256"), 422, "validation-failed")


# Ranges, through the api


@pytest.mark.parametrize(
    ("header", "part"),
    [
        ("bytes=0-9", slice(0, 10)),
        ("bytes=-7", slice(-7, None)),
        ("bytes=20-39", slice(20, 40)),
        ("bytes=30-", slice(30, None)),
    ],
    ids=["first", "last", "middle", "open-ended"],
)
async def test_ranges(client, header, part):
    meme = await create(client, picture("PNG", (60, 60), "purple"))
    whole = await stored_bytes(client, meme)
    response = await client.get(meme["image_url"], headers={"Range": header})
    assert response.status == 206
    data = await response.read()
    assert data == whole[part]
    start = part.start % len(whole) if part.start is not None else 0
    end = start + len(data) - 1
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(whole)}"
    assert response.headers["Content-Length"] == str(len(data))


async def test_unsatisfiable_range_is_416(client):
    meme = await create(client, picture())
    response = await client.get(meme["content_url"], headers={"Range": f"bytes={meme['size']}-"})
    await problem(response, 416, "range-not-satisfiable")
    assert response.headers["Content-Range"] == f"bytes */{meme['size']}"


async def test_if_range_of_another_version_gets_the_whole_picture(client):
    """A resumed download whose first part came from the old picture: 200, the new one whole."""
    meme = await create(client, picture("PNG", (60, 60), "purple"))
    old = await client.get(meme["image_url"])
    old_etag = old.headers["ETag"]
    await old.read()
    new = picture("PNG", (50, 50), "teal")
    replaced = await client.put(
        meme["image_url"].removesuffix("/image"), data=meme_form("New", new), headers=owner(meme)
    )
    assert replaced.status == 200
    current_etag = f'"{hashlib.sha256(new).hexdigest()}"'
    for validator in (old_etag, "W/" + current_etag, "Mon, 01 Jan 2024 00:00:00 GMT"):
        response = await client.get(
            meme["image_url"], headers={"Range": "bytes=100-", "If-Range": validator}
        )
        assert response.status == 200, validator
        assert await response.read() == new

    current = await client.get(meme["image_url"])
    response = await client.get(
        meme["image_url"], headers={"Range": "bytes=100-", "If-Range": current.headers["ETag"]}
    )
    assert response.status == 206
    assert await response.read() == new[100:]
