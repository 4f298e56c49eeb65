"""Filtered lists and the tags at a size where a plan that reads every meme is slow: each
statement must stay within a statement timeout that reading every meme cannot meet."""

import pytest

from api.app import create_app
from api.cli.fixtures import generate_memes
from api.cli.vocabulary import ABSENT_WORD, LONG_TAIL, WORDS
from api.services import open_services
from tests.helpers import api_settings_for, query

MEMES = 300_000
# Reading 300,000 memes (a walk in order, a count, a GROUP BY of their tags) takes several
# times this; a filtered page reads a few thousand at most.
TIMEOUT = 0.25


def newest(database_url: str, where: str, word: str) -> list[int]:
    """The ids of the 20 newest memes meeting `where`, as PostgreSQL finds them unhurried."""
    rows = query(
        database_url,
        f"SELECT id FROM memes m WHERE {where} ORDER BY created_at DESC, id DESC LIMIT 20",
        (word,),
    )
    return [meme_id for (meme_id,) in rows]


@pytest.mark.slow
async def test_rare_and_absent_words_and_tags_answer_within_the_timeout(
    aiohttp_client, api_settings, database_url, media_server, tmp_path
):
    async with open_services(api_settings) as services:
        await generate_memes(services, MEMES, seed=5)
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path,
        db_statement_timeout_seconds=TIMEOUT,
    )  # fmt: skip
    client = await aiohttp_client(create_app(settings))
    rare, rarest, rare_tag = WORDS[5000], WORDS[-1], LONG_TAIL[1500]
    words = "m.search @@ to_tsquery('simple', %s)"
    for q, expected in (
        (rare, newest(database_url, words, f"{rare}:*")),
        (rarest, newest(database_url, words, f"{rarest}:*")),
        (ABSENT_WORD, []),
        (f"{rare} {ABSENT_WORD}", []),
        (f"cat {rare}", newest(database_url, words, f"cat:* & {rare}:*")),
        (WORDS[0], newest(database_url, words, f"{WORDS[0]}:*")),
    ):
        response = await client.get("/memes", params={"q": q, "sort": "-created_at"})
        assert response.status == 200, (q, await response.text())
        page = await response.json()
        assert [meme["id"] for meme in page["items"]] == expected, q
        if len(expected) < 20:
            assert page["total"] == len(expected)
        # By relevance: the same memes, those with the words in their titles first.
        response = await client.get("/memes", params={"q": q})
        assert response.status == 200, (q, await response.text())
        if len(expected) < 20:
            assert sorted(m["id"] for m in (await response.json())["items"]) == sorted(expected)
    response = await client.get("/memes", params={"q": ABSENT_WORD, "tag": "classic"})
    assert (response.status, (await response.json())["items"]) == (200, [])
    tagged = "EXISTS (SELECT FROM meme_tags mt JOIN tags t ON t.id = mt.tag_id"
    tagged += " WHERE mt.meme_id = m.id AND t.name = %s)"
    response = await client.get("/memes", params={"tag": rare_tag})
    assert response.status == 200
    assert [m["id"] for m in (await response.json())["items"]] == newest(
        database_url, tagged, rare_tag
    )
    response = await client.get("/tags")
    assert response.status == 200, await response.text()
    counted = query(
        database_url,
        "SELECT t.name, count(*) FROM meme_tags mt JOIN tags t ON t.id = mt.tag_id"
        " GROUP BY t.name ORDER BY count(*) DESC, t.name",
    )
    assert [(tag["name"], tag["memes"]) for tag in (await response.json())["items"]] == counted
