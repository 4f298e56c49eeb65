"""Tags, filters, search and sort, against real PostgreSQL."""


import aiohttp
import pytest

from api.db.tags import fold_tag_counts
from api.services import open_services
from tests.helpers import (
    create_meme,
    owner,
    problem_of,
    query,
    tagged_form,
    titles,
)

# Tags


async def test_tags_from_repeated_and_comma_separated_fields(client):
    data = tagged_form("Tagged", tags=["b-tag, a_tag", "c1", "a_tag"])
    meme = await (await client.post("/memes", data=data)).json()
    assert meme["tags"] == ["a_tag", "b-tag", "c1"]
    assert (await (await client.get(f"/memes/{meme['id']}")).json())["tags"] == meme["tags"]


async def test_put_replaces_tags(client, database_url):
    meme = await create_meme(client, "Tagged", tags=["old", "kept"])
    response = await client.put(
        f"/memes/{meme['id']}", headers=owner(meme), json={"title": "T", "tags": ["kept", "new"]}
    )
    assert (await response.json())["tags"] == ["kept", "new"]
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("title", "T")
    data.add_field("tags", "multi,part")
    response = await client.put(f"/memes/{meme['id']}", headers=owner(meme), data=data)
    assert (await response.json())["tags"] == ["multi", "part"]
    # PUT replaces everything: no tags given, no tags left.
    response = await client.put(f"/memes/{meme['id']}", headers=owner(meme), json={"title": "T"})
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
    await problem_of(
        await client.post("/memes", data=tagged_form("Bad tags", tags=tags)),
        422,
        "validation-failed",
    )
    assert query(
        database_url, "SELECT count(*) FROM memes UNION ALL SELECT count(*) FROM tags"
    ) == [(0,), (0,)]


async def test_twenty_tags_of_fifty_characters_are_fine(client):
    tags = [f"{n:02d}" + "x" * 48 for n in range(20)]
    assert (await create_meme(client, "Many tags", tags=tags))["tags"] == tags


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


async def test_tag_counts_follow_every_change_of_tags_and_the_folds(client, zoo, api_settings):
    async def counts() -> dict[str, int]:
        return {t["name"]: t["memes"] for t in (await (await client.get("/tags")).json())["items"]}

    doge, fine = zoo["Doge"], zoo["This is fine"]
    patched = await client.patch(
        f"/memes/{doge['id']}", json={"tags": ["dogs", "wow"]}, headers=owner(doge)
    )
    assert patched.status == 200
    assert (await client.delete(f"/memes/{fine['id']}", headers=owner(fine))).status == 204
    expected = {"cats": 2, "classic": 2, "work": 2, "dogs": 1, "wow": 1}
    assert await counts() == expected
    async with open_services(api_settings) as services:
        await fold_tag_counts(services.db)
        await fold_tag_counts(services.db)  # nothing left to fold: nothing changes
    assert await counts() == expected
    assert await create_meme(client, "Woof", tags=["dogs"])
    assert await counts() == expected | {"dogs": 2}


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
    first = await create_meme(client, "One", color="blue")
    await create_meme(client, "Two", color="green")
    await create_meme(client, "Three", color="blue")
    assert await titles(client, f"/memes?sha256={first['sha256']}") == ["Three", "One"]


@pytest.mark.parametrize(
    "query_string",
    ["q=", "q=%21%21%21", f"q={'x' * 201}", "tag=Cats", "tags_all=a+b", "sort=size", "sha256=abc"],
)
async def test_bad_filters_are_422(client, query_string):
    await problem_of(await client.get(f"/memes?{query_string}"), 422, "validation-failed")
    await problem_of(await client.get(f"/memes/export?{query_string}"), 422, "validation-failed")


# Sort


async def test_sorts_with_id_as_tiebreak(client):
    ids = [(await create_meme(client, title))["id"] for title in ["b", "a", "b", "c"]]
    assert await titles(client, "/memes?sort=title") == ["a", "b", "b", "c"]
    page = await (await client.get("/memes?sort=title")).json()
    assert [m["id"] for m in page["items"]] == [ids[1], ids[0], ids[2], ids[3]]
    page = await (await client.get("/memes?sort=-title")).json()
    assert [m["id"] for m in page["items"]] == [ids[3], ids[2], ids[0], ids[1]]
    page = await (await client.get("/memes?sort=created_at")).json()
    assert [m["id"] for m in page["items"]] == ids
