"""Pictures as stored and served: clean files, caps, thumbnails, ranges and caching."""

import hashlib
import io
from email.utils import parsedate_to_datetime

import pytest
from PIL import Image

from api.app import create_app
from tests.helpers import api_settings_for, assert_problem, meme_form, owner, query
from tests.pictures import (
    animated_gif,
    animated_webp,
    jpeg_with_metadata,
    picture,
    png_with_text_chunk,
)


async def create(client, image: bytes) -> dict:
    response = await client.post("/memes", data=meme_form("A picture", image))
    assert response.status == 201, await response.text()
    return await response.json()


async def stored_bytes(client, meme: dict) -> bytes:
    data = await (await client.get(meme["image_url"])).read()
    assert hashlib.sha256(data).hexdigest() == meme["sha256"]
    return data


async def problem(response, status: int, code: str) -> None:
    assert_problem(response, await response.json(content_type=None), status, code)


# Clean files


async def test_metadata_is_stripped_and_orientation_applied(client):
    upload = jpeg_with_metadata((40, 20), orientation=6)
    assert b"Exif" in upload and b"secret comment" in upload
    meme = await create(client, upload)
    stored = await stored_bytes(client, meme)
    assert b"Exif" not in stored and b"SpyCam" not in stored and b"secret comment" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info
        assert image.size == (20, 40)  # turned upright, as the tag asked
    assert (meme["width"], meme["height"]) == (20, 40)


async def test_bytes_after_the_image_are_dropped(client):
    polyglot = picture("PNG") + b"<html><script>alert(1)</script></html>"
    meme = await create(client, polyglot)
    stored = await stored_bytes(client, meme)
    assert b"<html>" not in stored and b"script" not in stored
    assert stored == picture("PNG")  # exactly the picture, nothing after it


@pytest.mark.parametrize(
    ("upload", "content_type", "frames"),
    [(animated_gif(5), "image/gif", 5), (animated_webp(3), "image/webp", 3)],
    ids=["gif", "webp"],
)
async def test_animations_keep_their_frames(client, upload, content_type, frames):
    meme = await create(client, upload)
    assert meme["content_type"] == content_type
    with Image.open(io.BytesIO(await stored_bytes(client, meme))) as image:
        assert image.n_frames == frames


@pytest.mark.parametrize(
    ("upload", "status", "code"),
    [
        (b"GIF89a<script>alert(1)</script>", 415, "unsupported-image-type"),
        (png_with_text_chunk(2 * 1024 * 1024), 422, "invalid-image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 415, "unsupported-image-type"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, 415, "unsupported-image-type"),
    ],
    ids=["gif-header-then-script", "huge-text-chunk", "png-magic-only", "jpeg-magic-only"],
)
async def test_hostile_files_are_refused(client, database_url, upload, status, code):
    await problem(await client.post("/memes", data=meme_form(image=upload)), status, code)
    assert query(
        database_url, "SELECT count(*) FROM memes UNION ALL SELECT count(*) FROM blobs"
    ) == [(0,), (0,)]


async def test_more_parts_than_a_form_can_have_are_400(client, database_url):
    form = meme_form()
    for n in range(40):
        form.add_field("tags", f"t{n}")
    await problem(await client.post("/memes", data=form), 400, "malformed-multipart")
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]


@pytest.mark.parametrize(
    ("limits", "upload"),
    [
        ({"max_image_width": 30}, picture("PNG", (31, 5))),
        ({"max_image_height": 30}, picture("PNG", (5, 31))),
        ({"max_image_frames": 4}, animated_gif(5)),
        ({"max_image_pixels": 16 * 16 * 4}, animated_gif(5)),  # counted over all frames
    ],
    ids=["width", "height", "frames", "animation-pixels"],
)
async def test_caps_are_settings(
    aiohttp_client, database_url, media_server, tmp_path, limits, upload
):
    settings = api_settings_for(database_url, str(media_server.make_url("")), tmp_path, **limits)
    client = await aiohttp_client(create_app(settings))
    await problem(await client.post("/memes", data=meme_form(image=upload)), 422, "invalid-image")


# Thumbnails


@pytest.mark.parametrize(("size", "longest"), [("thumb", 160), ("small", 480)])
async def test_thumbnails_are_webp_made_once(client, database_url, size, longest):
    meme = await create(client, picture("PNG", (1000, 500), "teal"))
    first = await client.get(f"{meme['image_url']}?size={size}")
    assert first.status == 200
    assert first.headers["Content-Type"] == "image/webp"
    data = await first.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP" and image.size == (longest, longest // 2)
    assert first.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    again = await client.get(f"{meme['image_url']}?size={size}")
    assert await again.read() == data
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(1,)]


async def test_thumbnail_of_an_animation_is_its_first_frame(client):
    meme = await create(client, animated_gif(4))
    data = await (await client.get(f"{meme['image_url']}?size=thumb")).read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP" and getattr(image, "n_frames", 1) == 1


async def test_thumbnails_go_with_their_picture(client, database_url, blob_stored, blob_gone):
    meme = await create(client, picture("JPEG", (800, 600)))
    thumb = await client.get(f"{meme['image_url']}?size=thumb")
    thumb_sha256 = (await thumb.read(), thumb.headers["ETag"].strip('"'))[1]
    assert await blob_stored(thumb_sha256)
    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    assert await blob_gone(thumb_sha256)
    assert await blob_gone(meme["sha256"])
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(0,)]


async def test_unknown_size_is_422(client):
    meme = await create(client, picture())
    await problem(await client.get(f"{meme['image_url']}?size=huge"), 422, "validation-failed")


# Caching


async def test_content_addressed_url_is_cached_for_a_year(client):
    meme = await create(client, picture("PNG", (30, 30), "navy"))
    assert meme["content_url"] == f"/images/{meme['sha256']}"
    response = await client.get(meme["content_url"])
    assert response.status == 200
    assert await response.read() == await stored_bytes(client, meme)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
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
    assert thumb.headers["Cache-Control"] == "public, max-age=31536000, immutable"


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
