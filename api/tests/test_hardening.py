"""Every input rule: a broken one gets a 4xx problem and stores nothing."""

import io

import aiohttp
import pytest

from api.app import create_app
from tests.helpers import api_settings_for, meme_form, owner, problem_of
from tests.pictures import gif_claiming, picture, png_claiming

SOME_TOKEN = {"Authorization": "Bearer not-the-token-of-any-meme"}



@pytest.mark.parametrize(
    "title",
    ["", "   ", "x" * 201, "nul \x00 inside"],
    ids=["empty", "blank", "201-chars", "nul"],
)
async def test_bad_titles_are_422(client, nothing_stored, title):
    png = picture()
    response = await client.post("/memes", data=meme_form(title, png))
    body = await problem_of(response, 422, "validation-failed")
    assert body["errors"][0]["loc"] == ["body", "title"]
    await nothing_stored(png)


async def test_title_of_200_characters_is_fine(client):
    assert (await client.post("/memes", data=meme_form("x" * 200))).status == 201


async def test_missing_title_is_422(client, nothing_stored):
    response = await client.post("/memes", data=meme_form(None))
    await problem_of(response, 422, "validation-failed")
    await nothing_stored()


async def test_description_over_2000_is_422(client, nothing_stored):
    response = await client.post("/memes", data=meme_form(description="x" * 2001))
    body = await problem_of(response, 422, "validation-failed")
    assert body["errors"][0]["loc"] == ["body", "description"]
    await nothing_stored()


async def test_text_that_is_not_utf8_is_422(client, nothing_stored):
    # A lone surrogate has no UTF-8 form: a client sending one sends invalid bytes.
    form = meme_form(description=io.BytesIO(b"\xed\xa0\x80"))
    await problem_of(await client.post("/memes", data=form), 422, "validation-failed")
    await nothing_stored()


async def test_lone_surrogate_in_json_is_422(client):
    meme = await (await client.post("/memes", data=meme_form())).json()
    body = '{"title": "bad \\ud800 title"}'
    response = await client.put(
        f"/memes/{meme['id']}",
        data=body,
        headers=owner(meme) | {"Content-Type": "application/json"},
    )
    await problem_of(response, 422, "validation-failed")


async def test_missing_picture_is_422(client, nothing_stored):
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("title", "No picture")
    body = await problem_of(await client.post("/memes", data=form), 422, "validation-failed")
    assert body["errors"][0]["loc"] == ["body", "image"]
    await nothing_stored()


@pytest.mark.parametrize(
    ("image", "status", "code"),
    [
        (b"", 422, "validation-failed"),
        (b"just some text, not a picture", 415, "unsupported-image-type"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            415,
            "unsupported-image-type",
        ),
        (b"<html><body><script>alert(1)</script></body></html>", 415, "unsupported-image-type"),
        (picture("BMP"), 415, "unsupported-image-type"),
        (picture("PNG", (64, 64))[:80], 422, "invalid-image"),
        (picture("JPEG", (64, 64))[:200], 422, "invalid-image"),
        (png_claiming(100_000, 100_000), 422, "invalid-image"),
        (gif_claiming(65_535, 65_535), 422, "invalid-image"),
    ],
    ids=[
        "empty",
        "text",
        "svg",
        "html",
        "bmp",
        "truncated-png",
        "truncated-jpeg",
        "png-bomb",
        "gif-bomb",
    ],
)
async def test_bad_pictures_are_refused(client, nothing_stored, image, status, code):
    response = await client.post("/memes", data=meme_form(image=image))
    await problem_of(response, status, code)
    await nothing_stored(image)


async def test_pixel_cap_is_a_setting(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, max_image_pixels=100
    )
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/memes", data=meme_form(image=picture("PNG", (11, 10))))
    await problem_of(response, 422, "invalid-image")
    assert (
        await client.post("/memes", data=meme_form(image=picture("PNG", (10, 10))))
    ).status == 201


async def test_picture_over_the_size_cap_is_413(
    aiohttp_client, database_url, media_server, tmp_path, nothing_stored
):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, max_upload_bytes=1000
    )
    client = await aiohttp_client(create_app(settings))
    big = picture("PNG", (100, 100)) + b"\x00" * 1000
    await problem_of(
        await client.post("/memes", data=meme_form(image=big)), 413, "payload-too-large"
    )
    await nothing_stored(big)


async def test_huge_text_field_is_413(client, nothing_stored):
    form = meme_form(description="x" * 100_000)
    await problem_of(await client.post("/memes", data=form), 413, "payload-too-large")
    await nothing_stored()


@pytest.mark.parametrize(
    ("extra", "value"),
    [("title", "again"), ("owner", "me"), ("image", b"more")],
    ids=["duplicate-title", "unknown-field", "second-image"],
)
async def test_extra_parts_are_422(client, nothing_stored, extra, value):
    form = meme_form()
    form.add_field(extra, value, filename="x.png" if isinstance(value, bytes) else None)
    await problem_of(await client.post("/memes", data=form), 422, "validation-failed")
    await nothing_stored()


async def test_put_of_a_missing_meme_stores_no_picture(client, nothing_stored):
    png = picture(color="orange")
    # Refused before the body is read.
    response = await client.put("/memes/12345", data=meme_form(image=png), headers=SOME_TOKEN)
    await problem_of(response, 404, "not-found")
    await nothing_stored(png)


@pytest.mark.parametrize(
    "query_string",
    ["limit=0", "limit=101", "limit=-1", "limit=abc", "offset=-1", f"offset={2**70}", "offset=1.5"],
)
async def test_page_parameters_out_of_range_are_422(client, query_string):
    body = await problem_of(await client.get(f"/memes?{query_string}"), 422, "validation-failed")
    assert body["errors"][0]["loc"][0] == "query string"


@pytest.mark.parametrize("meme_id", ["abc", "0", "-1", str(2**63), str(2**70)])
@pytest.mark.parametrize("path", ["/memes/{}", "/memes/{}/image"])
async def test_ids_that_are_not_positive_integers_are_422(client, meme_id, path):
    await problem_of(await client.get(path.format(meme_id)), 422, "validation-failed")


async def test_largest_id_is_just_not_found(client):
    await problem_of(await client.get(f"/memes/{2**63 - 1}"), 404, "not-found")
    response = await client.delete(f"/memes/{2**63 - 1}", headers=SOME_TOKEN)
    await problem_of(response, 404, "not-found")

