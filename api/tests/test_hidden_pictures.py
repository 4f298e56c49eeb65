"""Hidden memes in what relates memes and in their pictures: `/similar`, `/templates` and
`?template=`, the picture URLs (`/memes/{id}/image` in every size, `/images/{sha256}`) and the
picture cache that serves them (api/tests/test_hidden_memes.py for the rest)."""

import pytest

from api.db.templates import fold_template_counts
from api.tests.test_hidden_memes import MOD, client, hide, ids, moderated, total
from api.tests.test_templates import FAR, finish
from api.web.state import SERVICES
from tests.helpers import create_meme, problem_of

__all__ = ["client"]  # the fixture: an api with a moderator


async def test_similar_leaves_hidden_memes_out_and_is_404_for_one(client):
    services = client.server.app[SERVICES]
    target = await create_meme(client, "Target", color="red")
    twin = await create_meme(client, "Twin", color="red")  # the same picture
    repost = await create_meme(client, "Repost", color="blue")
    await finish(services, target["sha256"], 0, 0, "ONE DOES NOT SIMPLY\nPOST A MEME")
    await finish(services, repost["sha256"], 0b11, 0b1, "ONE DOES NOT SIMPLY\nPOST A MEME")
    await hide(client, twin)

    async def related(meme: dict, headers: dict | None = None) -> list[int]:
        response = await client.get(f"/memes/{meme['id']}/similar", headers=headers)
        assert response.status == 200, await response.text()
        return [item["id"] for item in (await response.json())["items"]]

    assert await related(target) == [repost["id"]]
    assert await related(repost) == [target["id"]]
    await problem_of(await client.get(f"/memes/{twin['id']}/similar"), 404, "not-found")
    assert await related(twin, MOD) == [target["id"], repost["id"]]
    assert await related(target, MOD) == [twin["id"], repost["id"]]


async def test_templates_count_and_show_public_memes_only(client):
    services = client.server.app[SERVICES]
    first = await create_meme(client, "First", color="red")  # the template's example
    second = await create_meme(client, "Second", color="blue")
    third = await create_meme(client, "Third", color="blue")
    await finish(services, first["sha256"], 0, 0)
    await finish(services, second["sha256"], FAR, 0b1)
    await fold_template_counts(services.db)
    template = (await (await client.get(f"/memes/{first['id']}")).json())["template_id"]

    async def templates() -> list[tuple[int, int, int]]:
        body = await (await client.get("/templates")).json()
        return [(item["id"], item["memes"], item["example"]) for item in body["items"]]

    assert await templates() == [(template, 3, first["id"])]
    await hide(client, first)
    # Another public meme is the example: its thumbnail is served.
    assert await templates() == [(template, 2, second["id"])]
    one = await (await client.get(f"/templates/{template}")).json()
    assert (await client.get(one["example_url"])).status == 200
    assert await ids(client, f"/memes?template={template}") == [third["id"], second["id"]]
    assert await total(client, f"/memes?template={template}") == 2
    await hide(client, second)
    await hide(client, third)
    assert await templates() == []  # no public meme left to show it
    await problem_of(await client.get(f"/templates/{template}"), 404, "not-found")
    assert await ids(client, f"/memes?template={template}") == []
    await fold_template_counts(services.db)
    await hide(client, first, "public")
    assert await templates() == [(template, 1, first["id"])]


async def hidden_by(client, meme: dict, how: str) -> None:
    """Hide the meme as a moderator's PATCH does, a report's close, or enough reports."""
    if how == "patch":
        return await hide(client, meme)
    report = await client.post(f"/memes/{meme['id']}/reports", json={"reason": "spam"})
    assert report.status == 201
    if how == "close":
        closing = {"action": "hide"}
        response = await client.post(f"/reports/{meme['id']}/close", json=closing, headers=MOD)
        assert response.status == 200


async def restored_by(client, meme: dict, how: str) -> None:
    """Show it again: a dismiss restores what the reports hid by themselves."""
    if how != "auto":
        return await hide(client, meme, "public")
    closing = {"action": "dismiss"}
    response = await client.post(f"/reports/{meme['id']}/close", json=closing, headers=MOD)
    assert response.status == 200


@pytest.mark.parametrize("how", ["patch", "close", "auto"])
async def test_a_hidden_memes_pictures_are_404_the_cached_ones_too(
    aiohttp_client, database_url, media_server, tmp_path, how
):
    # Rows remembered for a minute, bytes cached: what a busy api does.
    settings = {"picture_row_seconds": 60, "reports_to_hide": 1}
    client = await aiohttp_client(moderated(database_url, media_server, tmp_path, **settings))
    cache = client.server.app[SERVICES].picture_cache
    meme = await create_meme(client, "Cached", color="navy")
    urls = [
        meme["image_url"],
        f"{meme['image_url']}?size=thumb",
        f"{meme['image_url']}?size=small",
        meme["content_url"],
        f"{meme['content_url']}?size=thumb",
    ]
    served = {}
    for url in urls:
        response = await client.get(url)
        assert response.status == 200
        served[url] = await response.read()
    assert cache.get(meme["sha256"]) is not None  # the bytes are in the cache

    await hidden_by(client, meme, how)
    for url in urls:
        await problem_of(await client.get(url), 404, "not-found")
        assert (await client.head(url)).status == 404
    # A moderator still sees it, kept by no cache.
    for url in urls[:3]:
        response = await client.get(url, headers=MOD)
        assert response.status == 200 and await response.read() == served[url]
        assert response.headers["Cache-Control"] == "private, no-store"
    await problem_of(await client.get(meme["content_url"], headers=MOD), 404, "not-found")

    await restored_by(client, meme, how)
    for url in urls:
        response = await client.get(url)
        assert response.status == 200 and await response.read() == served[url]


async def test_a_picture_another_public_meme_shows_is_still_served(client):
    hidden = await create_meme(client, "Hidden", color="olive")
    shown = await create_meme(client, "Shown", color="olive")
    await hide(client, hidden)
    assert (await client.get(shown["content_url"])).status == 200
    assert (await client.get(shown["image_url"])).status == 200
    await problem_of(await client.get(hidden["image_url"]), 404, "not-found")
