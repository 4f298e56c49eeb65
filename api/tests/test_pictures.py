"""Pictures as stored: clean files, caps, thumbnails. Their downloads are in
test_picture_downloads.py."""

import hashlib
import io
import random

import aiohttp
import pytest
from PIL import Image

from api.app import create_app
from media.app import create_app as create_media_app
from tests.helpers import MEDIA_TOKEN, api_settings_for, assert_problem, meme_form, owner, query
from tests.pictures import (
    animated_gif,
    animated_webp,
    few_level_png,
    jpeg_with_metadata,
    low_quality_webp,
    picture,
    png_with_text_chunk,
)

MEDIA_AUTH = {"Authorization": f"Bearer {MEDIA_TOKEN}"}


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


async def test_a_jpeg_turned_upright_keeps_its_quality_and_size(client):
    noise = random.Random(1).randbytes(300 * 200 * 3)
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90 degrees clockwise to show
    buffer = io.BytesIO()
    Image.frombytes("RGB", (300, 200), noise).save(buffer, "JPEG", quality=10, exif=exif)
    meme = await create(client, buffer.getvalue())
    assert (meme["width"], meme["height"]) == (200, 300)
    # Quality 90 made it 5 times larger; its own tables keep it about its size.
    assert meme["size"] < 1.1 * len(buffer.getvalue())


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


# Pictures that grow when cleaned: media stores what the api accepts (common.limits)


@pytest.fixture
def capped(aiohttp_client, aiohttp_server, database_url, media_settings, tmp_path):
    """The api and media (its server), both with this MAX_UPLOAD_BYTES (small, to keep the
    tests quick)."""

    async def start(max_upload_bytes: int):
        media_app = create_media_app(
            media_settings.model_copy(update={"max_upload_bytes": max_upload_bytes})
        )
        media = await aiohttp_server(media_app)
        settings = api_settings_for(
            database_url, str(media.make_url("")), tmp_path, max_upload_bytes=max_upload_bytes
        )
        return await aiohttp_client(create_app(settings)), media

    return start


async def test_a_picture_larger_once_cleaned_is_stored(capped):
    client, _ = await capped(256 * 1024)
    upload = few_level_png(550)
    meme = await create(client, upload)
    assert len(upload) < 256 * 1024 < meme["size"]  # 260 KB in, 334 KB stored
    stored = await stored_bytes(client, meme)
    with Image.open(io.BytesIO(upload)) as sent, Image.open(io.BytesIO(stored)) as kept:
        assert kept.tobytes() == sent.tobytes()


async def test_a_picture_too_large_once_cleaned_is_413_not_sent(capped, nothing_stored):
    client, media = await capped(12_000)  # media stores up to 48,000 bytes
    upload = low_quality_webp()  # 11 KB, and 55 KB at quality 90
    response = await client.post("/memes", data=meme_form(image=upload))
    await problem(response, 413, "picture-too-large")
    assert "Retry-After" not in response.headers
    await nothing_stored()
    async with aiohttp.ClientSession() as http:
        listing = await http.get(media.make_url("/blobs"), headers=MEDIA_AUTH)
        assert (await listing.json())["blobs"] == []


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


@pytest.mark.both_stores
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
