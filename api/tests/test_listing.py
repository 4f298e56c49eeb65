"""Tags, search, sort, cursors and the export, against real PostgreSQL."""

import json
from pathlib import Path

import aiohttp
import pytest

from api.domain.listing import decode_cursor, encode_cursor, listing
from tests.helpers import assert_problem, disk_media_settings, query
from tests.pictures import picture


@pytest.fixture
def media_settings(tmp_path: Path):
    # Listing is the api's and PostgreSQL's business: one storage backend is enough.
    return disk_media_settings(tmp_path)


def form(title: str, description: str = "", tags: list[str] = (), color: str = "red"):
    data = aiohttp.FormData()
    data.add_field("title", title)
    data.add_field("description", description)
    for tag in tags:
        data.add_field("tags", tag)
    data.add_field("image", picture(color=color), filename="m.png", content_type="image/png")
    return data


async def create(client, title, description="", tags=(), color="red") -> dict:
    response = await client.post("/memes", data=form(title, description, tags, color))
    assert response.status == 201, await response.text()
    return await response.json()


async def titles(client, url: str) -> list[str]:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    return [meme["title"] for meme in (await response.json())["items"]]


async def problem(response, status: int, code: str) -> dict:
    body = await response.json(content_type=None)
    assert_problem(response, body, status, code)
    return body


@pytest.fixture
async def zoo(client):
    """Five memes, oldest first."""
    await create(client, "Grumpy cat", "Not amused at all", ["cats", "classic"])
    await create(client, "Distracted boyfriend", "He looks at the other one", ["classic", "work"])
    await create(client, "Doge", "Such wow, very meme", ["dogs", "classic"])
    await create(client, "Office cat", "Keyboard warmer", ["cats", "work"])
    await create(client, "This is fine", "Dog in a burning room, distracted by coffee", ["dogs"])


# Tags


async def test_tags_from_repeated_and_comma_separated_fields(client):
    data = form("Tagged", tags=["b-tag, a_tag", "c1", "a_tag"])
    meme = await (await client.post("/memes", data=data)).json()
    assert meme["tags"] == ["a_tag", "b-tag", "c1"]
    assert (await (await client.get(f"/memes/{meme['id']}")).json())["tags"] == meme["tags"]


async def test_put_replaces_tags(client, database_url):
    meme = await create(client, "Tagged", tags=["old", "kept"])
    response = await client.put(
        f"/memes/{meme['id']}", json={"title": "T", "tags": ["kept", "new"]}
    )
    assert (await response.json())["tags"] == ["kept", "new"]
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("title", "T")
    data.add_field("tags", "multi,part")
    response = await client.put(f"/memes/{meme['id']}", data=data)
    assert (await response.json())["tags"] == ["multi", "part"]
    # PUT replaces everything: no tags given, no tags left.
    response = await client.put(f"/memes/{meme['id']}", json={"title": "T"})
    assert (await response.json())["tags"] == []
    assert query(database_url, "SELECT count(*) FROM meme_tags") == [(0,)]


@pytest.mark.parametrize(
    "tags",
    [
        ["Cats"],
        ["two words"],
        ["x" * 51],
        ["dots.not.allowed"],
        ["ünïcode"],
        [f"t{n}" for n in range(21)],
    ],
    ids=["upper-case", "space", "51-chars", "dots", "non-ascii", "21-tags"],
)
async def test_bad_tags_are_422_and_store_nothing(client, database_url, tags):
    await problem(
        await client.post("/memes", data=form("Bad tags", tags=tags)), 422, "validation-failed"
    )
    assert query(
        database_url, "SELECT count(*) FROM memes UNION ALL SELECT count(*) FROM tags"
    ) == [(0,), (0,)]


async def test_twenty_tags_of_fifty_characters_are_fine(client):
    tags = [f"{n:02d}" + "x" * 48 for n in range(20)]
    assert (await create(client, "Many tags", tags=tags))["tags"] == tags


async def test_tags_with_counts_most_used_first(client, zoo):
    response = await client.get("/tags")
    assert response.status == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert await response.json() == {
        "items": [
            {"name": "classic", "memes": 3},
            {"name": "cats", "memes": 2},
            {"name": "dogs", "memes": 2},
            {"name": "work", "memes": 2},
        ]
    }


# Filters and search


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        ("tag=cats", ["Office cat", "Grumpy cat"]),
        ("tags_all=cats&tags_all=work", ["Office cat"]),
        ("tags_all=classic&tag=dogs", ["Doge"]),
        (
            "tags_any=dogs&tags_any=work",
            ["This is fine", "Office cat", "Doge", "Distracted boyfriend"],
        ),
        ("tags_any=cats&tags_all=classic", ["Grumpy cat"]),
        ("tag=nobody", []),
        ("q=cat", ["Office cat", "Grumpy cat"]),
        ("q=distrac", ["Distracted boyfriend", "This is fine"]),  # prefix; title ranks first
        ("q=classic", ["Doge", "Distracted boyfriend", "Grumpy cat"]),  # found in the tags
        ("q=very+wow", ["Doge"]),  # every word, in the description
        ("q=dog&tag=classic", ["Doge"]),
        ("q=cat&sort=title", ["Grumpy cat", "Office cat"]),
        ("q=nothing-like-it", []),
    ],
)
async def test_filters_and_search(client, zoo, query_string, expected):
    assert await titles(client, f"/memes?{query_string}") == expected


async def test_total_counts_what_matches(client, zoo):
    assert (await (await client.get("/memes?tag=classic&limit=1")).json())["total"] == 3
    assert (await (await client.get("/memes?q=cat")).json())["total"] == 2
    assert (await (await client.get("/memes?limit=1")).json())["total"] == 5


async def test_find_memes_by_picture(client):
    first = await create(client, "One", color="blue")
    await create(client, "Two", color="green")
    await create(client, "Three", color="blue")
    assert await titles(client, f"/memes?sha256={first['sha256']}") == ["Three", "One"]


@pytest.mark.parametrize(
    "query_string",
    ["q=", "q=%21%21%21", f"q={'x' * 201}", "tag=Cats", "tags_all=a+b", "sort=size", "sha256=abc"],
)
async def test_bad_filters_are_422(client, query_string):
    await problem(await client.get(f"/memes?{query_string}"), 422, "validation-failed")
    await problem(await client.get(f"/memes/export?{query_string}"), 422, "validation-failed")


# Sort


async def test_sorts_with_id_as_tiebreak(client):
    ids = [(await create(client, title))["id"] for title in ["b", "a", "b", "c"]]
    assert await titles(client, "/memes?sort=title") == ["a", "b", "b", "c"]
    page = await (await client.get("/memes?sort=title")).json()
    assert [m["id"] for m in page["items"]] == [ids[1], ids[0], ids[2], ids[3]]
    page = await (await client.get("/memes?sort=-title")).json()
    assert [m["id"] for m in page["items"]] == [ids[3], ids[2], ids[0], ids[1]]
    page = await (await client.get("/memes?sort=created_at")).json()
    assert [m["id"] for m in page["items"]] == ids


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


@pytest.mark.parametrize(
    "query_string",
    [
        "",
        "sort=created_at",
        "sort=title",
        "sort=-title",
        "q=cat",
        "q=distrac",
        "tags_any=dogs&tags_any=cats",
    ],
)
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
    await create(client, "Newer than the cursor")  # lands before the cursor: not repeated
    doge = (await (await client.get("/memes?q=doge")).json())["items"][0]
    assert (await client.delete(f"/memes/{doge['id']}")).status == 204
    rest = await walk(client, f"/memes?limit=2&cursor={first['next']}")
    assert [m["title"] for m in rest] == ["Distracted boyfriend", "Grumpy cat"]


@pytest.mark.parametrize(
    "cursor", ["garbage", "a.b.c", "!!!.123", "eyJ4IjoxfQ.0123456789abcdef0123456789abcdef"]
)
async def test_malformed_or_made_up_cursors_are_400(client, zoo, cursor):
    await problem(await client.get(f"/memes?cursor={cursor}"), 400, "invalid-cursor")


async def test_tampered_cursor_is_400(client, zoo):
    cursor = (await (await client.get("/memes?limit=1")).json())["next"]
    token, signature = cursor.split(".")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB") + "." + signature
    await problem(await client.get(f"/memes?cursor={tampered}"), 400, "invalid-cursor")


async def test_cursor_for_other_filters_is_400(client, zoo):
    cursor = (await (await client.get("/memes?limit=1&tag=cats")).json())["next"]
    await problem(await client.get(f"/memes?cursor={cursor}"), 400, "invalid-cursor")
    await problem(
        await client.get(f"/memes?cursor={cursor}&tag=cats&sort=title"), 400, "invalid-cursor"
    )
    assert (await client.get(f"/memes?cursor={cursor}&tag=cats")).status == 200


async def test_cursor_with_offset_is_422(client, zoo):
    cursor = (await (await client.get("/memes?limit=1")).json())["next"]
    await problem(await client.get(f"/memes?cursor={cursor}&offset=1"), 422, "validation-failed")


def test_cursor_round_trip_and_signature():
    view = listing("cat", None, ["b", "a"], [], None, None)
    cursor = encode_cursor(view, 0.5, 7, b"secret")
    after = decode_cursor(cursor, listing("cat", "a", ["b"], [], None, None), b"secret")
    assert (after.key, after.id) == (0.5, 7)
    with pytest.raises(Exception, match="not made by this service"):
        decode_cursor(cursor, view, b"another secret")


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
        await create(client, f"meme {n}")
    text = await (await client.get("/memes/export?sort=created_at")).text()
    assert [json.loads(line)["title"] for line in text.splitlines()] == [
        f"meme {n}" for n in range(7)
    ]
    assert await (await client.get("/memes/export?tag=none")).text() == ""
