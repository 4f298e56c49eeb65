"""Paging with signed cursors, and the export, against real PostgreSQL."""

import json

import pytest

from api.values.listing import decode_cursor, encode_cursor, listing
from tests.helpers import api_settings_for, create_meme, owner, problem_of

QUERIES = [
    "",
    "sort=created_at",
    "sort=title",
    "sort=-title",
    "q=cat",
    "q=distrac",
    "tags_any=dogs&tags_any=cats",
]

# Cursors


async def walk(client, url: str) -> list[dict]:
    """Follow the Link headers from `url` to the last page."""
    memes = []
    while url:
        response = await client.get(url)
        assert response.status == 200, await response.text()
        page = await response.json()
        memes += page["items"]
        link = response.headers.get("Link")
        if page["next"] is None:
            assert link is None
            return memes
        assert link.startswith("<") and link.endswith('>; rel="next"')
        url = link[1 : -len('>; rel="next"')]
        assert f"cursor={page['next']}" in url
    return memes


@pytest.mark.parametrize("query_string", QUERIES)
async def test_cursor_pages_add_up_to_the_whole_list(client, zoo, query_string):
    whole = (await (await client.get(f"/memes?limit=100&{query_string}")).json())["items"]
    assert await walk(client, f"/memes?limit=2&{query_string}") == whole


async def test_cursor_pages_have_no_total(client, zoo):
    first = await (await client.get("/memes?limit=2")).json()
    assert first["total"] == 5
    second = await (await client.get(f"/memes?limit=2&cursor={first['next']}")).json()
    assert second["total"] is None
    assert len(second["items"]) == 2


async def test_cursor_stays_correct_when_memes_come_and_go(client, zoo):
    first = await (await client.get("/memes?limit=2")).json()
    assert [m["title"] for m in first["items"]] == ["This is fine", "Office cat"]
    await create_meme(client, "Newer than the cursor")  # lands before the cursor: not repeated
    doge = zoo["Doge"]
    assert (await client.delete(f"/memes/{doge['id']}", headers=owner(doge))).status == 204
    rest = await walk(client, f"/memes?limit=2&cursor={first['next']}")
    assert [m["title"] for m in rest] == ["Distracted boyfriend", "Grumpy cat"]


@pytest.mark.parametrize(
    "cursor", ["garbage", "a.b.c", "!!!.123", "eyJ4IjoxfQ.0123456789abcdef0123456789abcdef"]
)
async def test_malformed_or_made_up_cursors_are_400(client, zoo, cursor):
    await problem_of(await client.get(f"/memes?cursor={cursor}"), 400, "invalid-cursor")


async def test_tampered_cursor_is_400(client, zoo):
    cursor = (await (await client.get("/memes?limit=1")).json())["next"]
    token, signature = cursor.split(".")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB") + "." + signature
    await problem_of(await client.get(f"/memes?cursor={tampered}"), 400, "invalid-cursor")


async def test_cursor_for_other_filters_is_400(client, zoo):
    cursor = (await (await client.get("/memes?limit=1&tag=cats")).json())["next"]
    await problem_of(await client.get(f"/memes?cursor={cursor}"), 400, "invalid-cursor")
    await problem_of(
        await client.get(f"/memes?cursor={cursor}&tag=cats&sort=title"), 400, "invalid-cursor"
    )
    assert (await client.get(f"/memes?cursor={cursor}&tag=cats")).status == 200


async def test_an_offset_after_a_cursor_skips_that_many_more(client, zoo):
    newest_first = [meme["title"] for meme in (await (await client.get("/memes")).json())["items"]]
    cursor = (await (await client.get("/memes?limit=1")).json())["next"]
    page = await (await client.get(f"/memes?cursor={cursor}&offset=2&limit=2")).json()
    assert [meme["title"] for meme in page["items"]] == newest_first[3:5]


async def test_a_huge_offset_is_an_empty_page_in_every_order(client, zoo):
    for query in ("", "&q=cat", "&sort=title"):
        response = await client.get(f"/memes?offset={2**63 - 2}{query}")
        assert response.status == 200, query
        assert (await response.json())["items"] == []


def test_cursor_round_trip_and_signature():
    chosen = listing("cat", None, ["b", "a"], [], None, None)
    cursor = encode_cursor(chosen, 0.5, 7, b"secret")
    after = decode_cursor(cursor, listing("cat", "a", ["b"], [], None, None), b"secret")
    assert (after.key, after.id) == (0.5, 7)
    with pytest.raises(Exception, match="not made by this service"):
        decode_cursor(cursor, chosen, b"another secret")


# Export


async def test_export_streams_ndjson_matching_the_filters(client, zoo):
    response = await client.get("/memes/export?tags_any=cats&tags_any=dogs")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert response.headers["Transfer-Encoding"] == "chunked"
    lines = []
    async for line in response.content:  # line by line, as a client would
        lines.append(json.loads(line))
    page = (await (await client.get("/memes?tags_any=cats&tags_any=dogs")).json())["items"]
    assert lines == page
    assert [m["title"] for m in lines] == ["This is fine", "Office cat", "Doge", "Grumpy cat"]


async def test_export_of_everything_in_small_batches(
    aiohttp_client, database_url, media_server, tmp_path
):
    from api.app import create_app
    from tests.helpers import api_settings_for

    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, export_batch_size=2
    )
    client = await aiohttp_client(create_app(settings))
    for n in range(7):
        await create_meme(client, f"meme {n}")
    text = await (await client.get("/memes/export?sort=created_at")).text()
    assert [json.loads(line)["title"] for line in text.splitlines()] == [
        f"meme {n}" for n in range(7)
    ]
    assert await (await client.get("/memes/export?tag=none")).text() == ""


class TestExportInBatchesOfTwo:
    """The export reads a batch at a time after the last meme of the batch before: in batches
    of two, every order and filter gives the list `GET /memes` gives, ties included."""

    @pytest.fixture
    def api_settings(self, database_url, media_server, tmp_path):
        url = str(media_server.make_url(""))
        return api_settings_for(database_url, url, tmp_path, export_batch_size=2)

    @pytest.mark.parametrize("query_string", QUERIES)
    async def test_the_export_is_the_list(self, client, zoo, query_string):
        await create_meme(client, "Doge", "Another cat-like doge", ["dogs"])  # a tie in title
        whole = (await (await client.get(f"/memes?limit=100&{query_string}")).json())["items"]
        text = await (await client.get(f"/memes/export?{query_string}")).text()
        assert [json.loads(line) for line in text.splitlines()] == whole
        assert whole

    async def test_the_tags_are_the_same_in_batches(self, client, zoo):
        tags = (await (await client.get("/tags")).json())["items"]
        assert tags == [
            {"name": "classic", "memes": 3},
            {"name": "cats", "memes": 2},
            {"name": "dogs", "memes": 2},
            {"name": "work", "memes": 2},
        ]
