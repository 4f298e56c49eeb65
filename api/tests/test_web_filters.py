"""Filters are bounded: a query with more tags or words than its cap is refused before it
reaches the database."""

import time

import pytest

from tests.helpers import problem_of


@pytest.mark.parametrize(
    "query_string, loc",
    [
        ("&".join(f"tags_all=t{n}" for n in range(300)), "tags_all"),
        ("&".join(f"tags_any=t{n}" for n in range(11)), "tags_any"),
    ],
    ids=["300-tags-all", "11-tags-any"],
)
async def test_filters_over_their_caps_are_refused_at_once(client, query_string, loc):
    for path in ("/memes", "/memes/export"):
        started = time.monotonic()
        body = await problem_of(await client.get(f"{path}?{query_string}"), 422, "validation-failed")
        assert time.monotonic() - started < 0.5
        assert body["errors"][0]["loc"][:2] == ["query string", loc]


async def test_filters_at_their_caps_are_served(client):
    tags = "&".join(f"tags_all=t{n}" for n in range(10))
    words = "+".join(f"w{n}" for n in range(16))
    assert (await client.get(f"/memes?{tags}&q={words}")).status == 200


async def test_only_the_first_16_search_words_count(client, zoo):
    words = "+".join(["grumpy", *(f"w{n}" for n in range(15))])
    assert (await (await client.get(f"/memes?q={words}")).json())["items"] == []
    # 21 words: the first 16 are searched, the rest (here a word no meme has) are not.
    first = await (await client.get("/memes?q=grumpy+" + "+".join(["cat"] * 15) + "+zzz")).json()
    assert [meme["title"] for meme in first["items"]] == ["Grumpy cat"]


@pytest.mark.parametrize("q", ["'", "%3E", "%E2%80%94"])
async def test_a_search_with_no_words_is_422(client, q):
    body = await problem_of(await client.get(f"/memes?q={q}"), 422, "validation-failed")
    assert body["errors"][0]["loc"][:2] == ["query string", "q"]
