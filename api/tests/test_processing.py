"""Background processing of pictures, on real pictures made here: the worker runs in the test's
process (its OCR in the image workers), against the real database and media service."""

import io

import pytest

from api.web.state import SERVICES
from tests.helpers import eventually, query, working
from tests.meme_pictures import meme_picture, recompressed
from tests.pictures import noise_png

# The OCR model loads in each image worker process the test starts: seconds of CPU.
pytestmark = pytest.mark.slow


@pytest.fixture
async def worker(client):
    """A worker on the api's own services, for the test's length."""
    async with working(client.server.app[SERVICES]):
        yield


# What Chromium sends for an <img>.
AVIF = {"Accept": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"}


async def post(client, title: str, picture: bytes, tags: str = "") -> dict:
    form = {"title": title, "tags": tags, "image": io.BytesIO(picture)}
    response = await client.post("/memes", data=form)
    assert response.status == 201, await response.text()
    return await response.json()


async def processed(client, meme: dict) -> dict:
    async def done() -> bool:
        body = await (await client.get(f"/memes/{meme['id']}")).json()
        return body["processing"] != "pending"

    assert await eventually(done, 30)
    return await (await client.get(f"/memes/{meme['id']}")).json()


async def ids(client, url: str) -> list[int]:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    return [meme["id"] for meme in (await response.json())["items"]]


async def test_words_in_a_picture_are_found_by_q_below_title_and_tag_matches(client, database_url):
    # The title and tag matches are older: newest first would list the picture's match first.
    blank = meme_picture("", "", 0.1)
    tagged = await post(client, "Blue", blank, tags="monday")
    titled = await post(client, "Monday again", blank, tags="work")
    pictured = await post(client, "Untitled", meme_picture("cats hate monday", "send coffee", 0.6))
    assert pictured["processing"] == "pending" and pictured["text"] is None
    everyone = [pictured["id"], titled["id"], tagged["id"]]
    assert await ids(client, "/memes?processing=pending") == everyone
    assert await ids(client, "/memes?q=monday") == [titled["id"], tagged["id"]]  # text unread
    sha = pictured["sha256"]
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(0,)]

    async with working(client.server.app[SERVICES]):
        meme = await processed(client, pictured)
        assert (await processed(client, titled))["processing"] == "done"
    assert meme["processing"] == "done" and meme["processing_error"] is None
    assert "MONDAY" in meme["text"] and "COFFEE" in meme["text"]
    assert len(meme["placeholder"]) == 28
    # The common variants were made ahead: the first request for one finds it stored.
    variants = query(
        database_url, "SELECT size, format FROM thumbnails WHERE blob_sha256 = %s", (sha,)
    )
    assert sorted(variants) == [
        ("grid", "avif"), ("grid", "webp"), ("grid2x", "avif"), ("grid2x", "webp"),
        ("page", "avif"), ("page", "webp"), ("small", "webp"), ("thumb", "webp"),
    ]  # fmt: skip
    assert (await client.get(f"/memes/{meme['id']}/image?size=thumb")).status == 200
    grid = await client.get(f"/memes/{meme['id']}/image?size=grid", headers=AVIF)
    assert grid.headers["Content-Type"] == "image/avif"
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(16,)]  # 2 pictures

    # Title matches, then tag matches, then the picture's words.
    ranked = [titled["id"], tagged["id"], meme["id"]]
    assert await ids(client, "/memes?q=monday") == ranked
    assert await ids(client, "/memes?q=coffee") == [meme["id"]]
    # Inside a line's letters from three letters on (OCR runs words together: `day` of
    # MONDAY); a shorter word only at the start of a word read, for `on` is in most lines.
    assert await ids(client, "/memes?q=day") == [meme["id"]]
    assert await ids(client, "/memes?q=on") == []
    assert await ids(client, "/memes?q=co") == [meme["id"]]
    assert await ids(client, "/memes?q=hate+cats&sort=title") == [meme["id"]]
    assert await ids(client, "/memes?q=monday&processing=done") == ranked
    assert await ids(client, "/memes?processing=pending") == []
    assert await ids(client, "/memes?q=tuesday") == []


async def test_a_resized_recompressed_copy_finds_the_original_first(client, worker, database_url):
    original = meme_picture("one does not simply", "reuse a meme", 0.3, shape=1)
    first = await post(client, "Boromir", original)
    same = await post(client, "Boromir again", original)  # the very same picture
    copy = await post(client, "Boromir, reposted", recompressed(original, 0.7, 55))
    # Unrelated in every way.
    other = await post(client, "Something else", noise_png(3))
    for meme in (first, same, copy, other):
        assert (await processed(client, meme))["processing"] == "done"
    # Four memes, three pictures: a job per picture, each done at its first try.
    assert query(database_url, "SELECT count(*), max(attempts) FROM picture_jobs") == [(3, 1)]

    near = await (await client.get(f"/memes/{copy['id']}/similar")).json()
    assert near["processing"] == "done"
    listed = [(item["id"], item["relation"]) for item in near["items"]]
    assert listed == [(first["id"], "repost"), (same["id"], "repost")], near  # by id
    assert near["items"][0]["distance"] <= 4
    twins = await (await client.get(f"/memes/{first['id']}/similar")).json()
    assert [(item["id"], item["distance"], item["relation"]) for item in twins["items"]] == [
        (same["id"], 0, "same-picture"), (copy["id"], near["items"][0]["distance"], "repost"),
    ]  # fmt: skip
    assert other["id"] not in [item["id"] for item in twins["items"]]
    assert (await client.get("/memes/999/similar")).status == 404


async def test_two_captions_of_one_picture_share_a_template_and_another_picture_does_not(
    client, worker, database_url
):
    top = await post(
        client, "Top", meme_picture("one does not simply", "write sql by hand", 0.6, 1)
    )
    other = await post(client, "Other caption", meme_picture("cats hate", "monday", 0.6, 1))
    # Not another meme_picture: their gradients (a pHash's low frequencies) make one template.
    unrelated = await post(client, "Unrelated", noise_png(3))
    top, other, unrelated = [await processed(client, m) for m in (top, other, unrelated)]
    assert top["template_id"] is not None
    assert other["template_id"] == top["template_id"]
    assert unrelated["template_id"] not in (None, top["template_id"])
    related = await (await client.get(f"/memes/{top['id']}/similar")).json()
    assert [(item["id"], item["relation"]) for item in related["items"]] == [
        (other["id"], "same-template"),
    ]  # fmt: skip
    assert await ids(client, f"/memes?template={top['template_id']}") == [other["id"], top["id"]]
    template = await (await client.get(f"/templates/{top['template_id']}")).json()
    assert template["memes"] == 2  # the first of the two done (jobs run side by side)
    assert template["example"] in (top["id"], other["id"])
