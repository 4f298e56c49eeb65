"""A picture in the sizes the gallery shows it, in the format the client accepts: AVIF, WebP,
or JPEG/PNG; animations stay animated; variants go with their picture; downloads are named."""

import hashlib
import io
from urllib.parse import quote

import pytest
from PIL import Image

from api.web.pictures import accepted_formats
from tests.helpers import meme_form, owner, query
from tests.pictures import animated_gif, picture

# What browsers send for an <img>, and what a client that names no image format sends.
CHROMIUM = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
OLD_SAFARI = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
ANYTHING = "*/*"


async def create(client, image: bytes, title: str = "A picture") -> dict:
    response = await client.post("/memes", data=meme_form(title, image))
    assert response.status == 201, await response.text()
    return await response.json()


async def fetch(client, url: str, accept: str, **headers) -> tuple:
    response = await client.get(url, headers={"Accept": accept, **headers})
    return response, await response.read()


def decoded(data: bytes) -> tuple[str, tuple[int, int], int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size, getattr(image, "n_frames", 1)


@pytest.mark.parametrize(
    ("accept", "content_type", "format"),
    [(CHROMIUM, "image/avif", "AVIF"), (OLD_SAFARI, "image/webp", "WEBP"),
     (ANYTHING, "image/jpeg", "JPEG"), ("", "image/jpeg", "JPEG")],
    ids=["avif", "webp", "jpeg", "no-accept"],
)  # fmt: skip
async def test_sizes_come_in_the_format_accepted(client, accept, content_type, format):
    meme = await create(client, picture("PNG", (1000, 500), "teal"))
    sizes = {"grid": (240, 180), "grid2x": (480, 360), "page": (1000, 500)}
    for size, pixels in sizes.items():
        response, data = await fetch(client, f"{meme['image_url']}?size={size}", accept)
        assert response.status == 200
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Vary"] == "Accept"
        assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
        assert decoded(data) == (format, pixels, 1)


async def test_a_picture_with_transparency_is_png_to_a_client_without_webp(client):
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), (255, 0, 0, 100)).save(buffer, "PNG")
    meme = await create(client, buffer.getvalue())
    response, data = await fetch(client, f"{meme['content_url']}?size=grid", ANYTHING)
    assert response.headers["Content-Type"] == "image/png"
    assert decoded(data) == ("PNG", (240, 180), 1)


async def test_a_small_picture_is_cropped_not_upscaled(client):
    meme = await create(client, picture("PNG", (100, 50)))
    _, data = await fetch(client, f"{meme['image_url']}?size=grid2x", CHROMIUM)
    assert decoded(data) == ("AVIF", (67, 50), 1)


async def test_each_variant_has_its_etag_and_304(client, database_url):
    meme = await create(client, picture("JPEG", (800, 600)))
    url = f"{meme['image_url']}?size=grid"
    tags = {}
    for accept in (CHROMIUM, OLD_SAFARI, ANYTHING):
        response, _ = await fetch(client, url, accept)
        tags[accept] = response.headers["ETag"]
    assert len(set(tags.values())) == 3
    again, body = await fetch(client, url, CHROMIUM, **{"If-None-Match": tags[CHROMIUM]})
    assert again.status == 304 and body == b""
    assert again.headers["ETag"] == tags[CHROMIUM] and again.headers["Vary"] == "Accept"
    # The AVIF's tag, from a client that gets JPEG: not the same bytes, so all of them.
    other, body = await fetch(client, url, ANYTHING, **{"If-None-Match": tags[CHROMIUM]})
    assert other.status == 200 and other.headers["Content-Type"] == "image/jpeg" and body
    # Made once each, stored: three rows, and asking again makes none.
    assert query(
        database_url, "SELECT format FROM thumbnails WHERE size = 'grid' ORDER BY format"
    ) == [("avif",), ("plain",), ("webp",)]
    original = await client.get(meme["image_url"], headers={"Accept": CHROMIUM})
    assert "Vary" not in original.headers  # the original is the same to everyone


async def test_an_animated_gif_stays_animated_at_page_size(client):
    gif = animated_gif(5)
    meme = await create(client, gif)
    url = f"{meme['image_url']}?size=page"
    response, data = await fetch(client, url, CHROMIUM)
    assert response.headers["Content-Type"] == "image/webp"
    assert decoded(data)[::2] == ("WEBP", 5)
    # A client without WebP gets the GIF itself, still animated.
    response, data = await fetch(client, url, ANYTHING)
    assert response.headers["Content-Type"] == "image/gif"
    assert hashlib.sha256(data).hexdigest() == meme["sha256"]
    assert decoded(data)[::2] == ("GIF", 5)
    # The grid shows its first frame.
    _, data = await fetch(client, f"{meme['image_url']}?size=grid", CHROMIUM)
    assert decoded(data)[::2] == ("AVIF", 1)


@pytest.mark.both_stores
async def test_variants_go_with_their_picture(client, database_url, blob_stored, blob_gone):
    meme = await create(client, picture("JPEG", (800, 600)))
    made = []
    for size, accept in [("grid", CHROMIUM), ("grid2x", OLD_SAFARI), ("page", ANYTHING)]:
        response, _ = await fetch(client, f"{meme['image_url']}?size={size}", accept)
        made.append(response.headers["ETag"].strip('"'))
    for sha256 in made:
        assert await blob_stored(sha256)
    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    for sha256 in [*made, meme["sha256"]]:
        assert await blob_gone(sha256)
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(0,)]


@pytest.mark.parametrize(
    ("title", "ascii_name", "name"),
    [
        ('Ça va? "oui" / non', "_a va_ oui non", "Ça va? oui non"),
        ("Doge 🐕", "Doge _", "Doge 🐕"),
        ("...", "meme-ID", "meme-ID"),
    ],
    ids=["accents-quotes-slash", "emoji", "dots-only"],
)
async def test_a_download_is_named_after_the_meme(client, title, ascii_name, name):
    meme = await create(client, picture("PNG", (64, 48)), title)
    ascii_name, name = (n.replace("ID", str(meme["id"])) for n in (ascii_name, name))
    response = await client.get(f"{meme['image_url']}?download=true")
    assert response.status == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{ascii_name}.png\"; filename*=UTF-8''{quote(name)}.png"
    )
    assert hashlib.sha256(await response.read()).hexdigest() == meme["sha256"]
    # The extension is the one of the format served.
    page = await client.get(
        f"{meme['image_url']}?size=page&download=1", headers={"Accept": CHROMIUM}
    )
    assert page.headers["Content-Disposition"].endswith(".avif")
    plain = await client.get(meme["image_url"])
    assert "Content-Disposition" not in plain.headers


@pytest.mark.parametrize(
    ("accept", "formats"),
    [
        (CHROMIUM, ["avif", "webp"]),
        ("image/webp;q=0.9, image/avif;q=0.5", ["webp", "avif"]),
        ("image/avif;q=0, image/webp", ["webp"]),
        ("IMAGE/WEBP ; q=1", ["webp"]),
        ("image/avif;q=oops", []),
        ("image/*, */*", []),
    ],
)
def test_accept_names_the_formats(accept, formats):
    assert accepted_formats(accept) == formats
