"""The public API's happy paths, against real PostgreSQL and a real media service."""

import hashlib
import io

import aiohttp
import pytest
from PIL import Image

from api.imaging.clean import MIME_TYPES as MIME
from tests.helpers import meme_form, owner, query
from tests.pictures import animated_gif, picture


async def create(client, title="A meme", image=None, **fields) -> dict:
    response = await client.post("/memes", data=meme_form(title, image, **fields))
    assert response.status == 201, await response.text()
    return await response.json()


async def test_health(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


@pytest.mark.both_stores
async def test_create_answers_201_with_the_meme_and_its_location(client, blob_stored):
    png = picture("PNG", (40, 30))
    response = await client.post(
        "/memes", data=meme_form("  Distracted boyfriend ", png, description="He looks away")
    )
    assert response.status == 201
    meme = await response.json()
    base = f"http://127.0.0.1:{client.server.port}"  # absolute (api.web.links)
    assert response.headers["Location"] == f"{base}/memes/{meme['id']}"
    assert meme["title"] == "Distracted boyfriend"
    assert meme["description"] == "He looks away"
    assert meme["image_url"] == f"/memes/{meme['id']}/image"
    assert (meme["content_type"], meme["size"], meme["width"], meme["height"]) == (
        "image/png",
        len(png),
        40,
        30,
    )
    assert meme["sha256"] == hashlib.sha256(png).hexdigest()
    assert await blob_stored(meme["sha256"])
    # The secret to change it is in this answer only: not in its JSON afterwards.
    assert len(meme.pop("edit_token")) >= 40
    location = response.headers["Location"].removeprefix(base)
    assert (await (await client.get(location)).json()) == meme


async def test_fields_in_any_order_and_type_decided_by_the_bytes(client):
    form = aiohttp.FormData()
    jpeg = picture("JPEG")
    # The picture first, with a lying file name and content type.
    form.add_field("image", jpeg, filename="meme.gif", content_type="image/gif")
    form.add_field("description", "first")
    form.add_field("title", "second")
    response = await client.post("/memes", data=form)
    assert response.status == 201
    meme = await response.json()
    assert (meme["title"], meme["description"], meme["content_type"]) == (
        "second",
        "first",
        "image/jpeg",
    )


async def test_every_allowed_format(client):
    for image, content_type in [
        (picture("JPEG"), "image/jpeg"),
        (picture("PNG"), "image/png"),
        (picture("WEBP"), "image/webp"),
        (animated_gif(), "image/gif"),
    ]:
        meme = await create(client, image=image)
        assert meme["content_type"] == content_type
        stored = await (await client.get(meme["image_url"])).read()
        # What is stored is a clean re-encoding: the same picture, maybe not the same bytes.
        assert hashlib.sha256(stored).hexdigest() == meme["sha256"]
        assert len(stored) == meme["size"]
        with Image.open(io.BytesIO(stored)) as decoded:
            assert MIME[decoded.format] == content_type
            assert decoded.size == (meme["width"], meme["height"])


async def test_list_is_newest_first_with_limit_offset_and_total(client):
    ids = [
        (await create(client, f"meme {n}", picture(color=f"#0000{n:02x}")))["id"] for n in range(5)
    ]
    response = await client.get("/memes", params={"limit": 2, "offset": 1})
    assert response.status == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    page = await response.json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [meme["id"] for meme in page["items"]] == [ids[3], ids[2]]
    assert page["items"][0]["title"] == "meme 3"


async def test_list_defaults_and_the_largest_page(client):
    for n in range(55):
        await create(client, f"meme {n}", picture(color="blue"))
    page = await (await client.get("/memes")).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (55, 20, 0, 20)
    page = await (await client.get("/memes?limit=100")).json()
    assert [meme["title"] for meme in page["items"]] == [f"meme {n}" for n in range(54, -1, -1)]


async def test_empty_list(client):
    page = await (await client.get("/memes")).json()
    assert page == {"total": 0, "limit": 20, "offset": 0, "next": None, "items": []}


async def test_put_json_replaces_the_words(client):
    meme = await create(client, description="old words")
    response = await client.put(
        f"/memes/{meme['id']}", headers=owner(meme), json={"title": "New title"}
    )
    assert response.status == 200
    updated = await response.json()
    assert (updated["title"], updated["description"]) == ("New title", "")
    assert updated["sha256"] == meme["sha256"]
    assert updated["updated_at"] > meme["updated_at"]
    assert updated["created_at"] == meme["created_at"]


@pytest.mark.both_stores
async def test_put_multipart_replaces_the_picture_and_removes_the_old_blob(
    client, blob_stored, blob_gone
):
    meme = await create(client, image=picture("PNG", color="red"))
    jpeg = picture("JPEG", (20, 10), color="green")
    response = await client.put(
        f"/memes/{meme['id']}", headers=owner(meme), data=meme_form("Changed", jpeg)
    )
    assert response.status == 200
    updated = await response.json()
    assert (updated["title"], updated["content_type"], updated["width"]) == (
        "Changed",
        "image/jpeg",
        20,
    )
    assert await (await client.get(updated["image_url"])).read() == jpeg
    assert await blob_gone(meme["sha256"])
    assert await blob_stored(updated["sha256"])


async def test_put_multipart_without_picture_keeps_it(client):
    meme = await create(client)
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("title", "Only words")
    form.add_field("description", "changed")
    updated = await (
        await client.put(f"/memes/{meme['id']}", headers=owner(meme), data=form)
    ).json()
    assert (updated["title"], updated["description"], updated["sha256"]) == (
        "Only words",
        "changed",
        meme["sha256"],
    )


@pytest.mark.both_stores
async def test_delete_removes_meme_and_picture(client, blob_gone, database_url):
    meme = await create(client)
    response = await client.delete(f"/memes/{meme['id']}", headers=owner(meme))
    assert response.status == 204
    assert (await client.get(f"/memes/{meme['id']}")).status == 404
    assert (await client.get(meme["image_url"])).status == 404
    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 404
    assert await blob_gone(meme["sha256"])
    assert query(database_url, "SELECT count(*) FROM blobs") == [(0,)]


@pytest.mark.both_stores
async def test_a_shared_picture_lives_until_its_last_meme(client, blob_gone):
    png = picture(color="purple")
    first, second = await create(client, "one", png), await create(client, "two", png)
    assert first["sha256"] == second["sha256"]
    assert (await client.delete(f"/memes/{first['id']}", headers=owner(first))).status == 204
    assert await (await client.get(second["image_url"])).read() == png
    assert (await client.delete(f"/memes/{second['id']}", headers=owner(second))).status == 204
    assert await blob_gone(second["sha256"])


@pytest.mark.both_stores
async def test_image_is_streamed_with_its_headers(client):
    gif = animated_gif()
    meme = await create(client, image=gif)
    response = await client.get(meme["image_url"])
    assert response.status == 200
    stored = await response.read()
    assert hashlib.sha256(stored).hexdigest() == meme["sha256"]
    assert response.headers["Content-Type"] == "image/gif"
    assert response.headers["Content-Length"] == str(meme["size"])
    assert response.headers["ETag"] == f'"{meme["sha256"]}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Last-Modified"].endswith(" GMT")


@pytest.mark.both_stores
async def test_image_304_on_matching_etag(client):
    meme = await create(client)
    etag = f'"{meme["sha256"]}"'
    response = await client.get(meme["image_url"], headers={"If-None-Match": etag})
    assert response.status == 304
    assert await response.read() == b""
    assert response.headers["ETag"] == etag
    response = await client.get(meme["image_url"], headers={"If-None-Match": '"other"'})
    assert response.status == 200


@pytest.mark.both_stores
async def test_image_head_gives_the_headers_without_the_bytes(client):
    png = picture("PNG", (50, 50))
    meme = await create(client, image=png)
    response = await client.head(meme["image_url"])
    assert response.status == 200
    assert response.headers["Content-Length"] == str(len(png))
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["ETag"] == f'"{meme["sha256"]}"'
    assert await response.read() == b""

