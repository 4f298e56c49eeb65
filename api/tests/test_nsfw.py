"""NSFW scores and sensitive memes: the score on a meme's JSON, `sensitive` from the score
over NSFW_THRESHOLD or a mark (the poster's at upload or later, a moderator's, logged), and
`sensitive=false` on lists and the export. Scores are stored by api.db.jobs with findings made
up here (the model itself runs in test_nsfw_scores.py, slow)."""

import json

import pytest

from api.app import create_app
from api.db import jobs
from api.imaging.features import Features
from api.imaging.templates import REPOST_WORDS, SAME_TEMPLATE_DISTANCE
from api.web.state import SERVICES
from tests.helpers import api_settings_for, create_meme, meme_form, owner, problem_of, query
from tests.pictures import picture

ALICE = "alices-token-0123456789abc"
MODERATOR = {"Authorization": f"Bearer {ALICE}"}


@pytest.fixture
async def client(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, moderator_tokens=f"alice:{ALICE}"
    )
    return await aiohttp_client(create_app(settings))


async def scored(client, score: float) -> None:
    """The oldest queued picture's job done, with `score` as its NSFW score."""
    services = client.server.app[SERVICES]
    job = await jobs.claim(services.db, "test", 60)
    found = Features("", "", "", 1, "LEHV6nWB2yk8pyo0adR*.7kCMdnj", 2, score)
    assert await jobs.done(services.db, job, found, SAME_TEMPLATE_DISTANCE, REPOST_WORDS)


async def meme_of(client, meme: dict) -> dict:
    response = await client.get(f"/memes/{meme['id']}")
    assert response.status == 200
    return await response.json()


async def post(client, title: str, color: str, **fields) -> dict:
    response = await client.post("/memes", data=meme_form(title, picture(color=color), **fields))
    assert response.status == 201, await response.text()
    return await response.json()


async def ids(client, url: str) -> list[int]:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    return [meme["id"] for meme in (await response.json())["items"]]


async def test_a_meme_is_sensitive_when_its_score_is_over_the_threshold(client, database_url):
    low = await create_meme(client, "Low", color="red")
    assert (low["nsfw"], low["sensitive"]) == (None, False)  # not scored yet: not sensitive
    await scored(client, 0.12)
    high = await create_meme(client, "High", color="blue")
    await scored(client, 0.93)
    assert {k: (await meme_of(client, low))[k] for k in ("nsfw", "sensitive")} == {
        "nsfw": 0.12, "sensitive": False,
    }  # fmt: skip
    assert {k: (await meme_of(client, high))[k] for k in ("nsfw", "sensitive")} == {
        "nsfw": 0.93, "sensitive": True,
    }  # fmt: skip
    # On the picture's row, where the JSON reads it with no join.
    assert query(database_url, "SELECT nsfw FROM blobs ORDER BY nsfw") == [(0.12,), (0.93,)]


async def test_the_threshold_is_a_setting(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, nsfw_threshold=0.1
    )
    client = await aiohttp_client(create_app(settings))
    meme = await create_meme(client, "Low")
    await scored(client, 0.12)
    assert (await meme_of(client, meme))["sensitive"] is True


async def test_the_poster_marks_at_upload_and_unmarks_with_the_edit_token(client):
    meme = await post(client, "Marked", "red", sensitive="true")
    assert (meme["nsfw"], meme["sensitive"]) == (None, True)
    url, token = f"/memes/{meme['id']}", owner(meme)
    response = await client.patch(url, json={"sensitive": False}, headers=token)
    assert response.status == 200 and (await response.json())["sensitive"] is False
    # With other fields, in PUT, and in a form: the words and the mark change together.
    response = await client.put(url, json={"title": "Again", "sensitive": True}, headers=token)
    body = await response.json()
    assert response.status == 200 and (body["title"], body["sensitive"]) == ("Again", True)
    response = await client.patch(url, data=meme_form("Form", sensitive="false"), headers=token)
    body = await response.json()
    assert response.status == 200 and (body["title"], body["sensitive"]) == ("Form", False)
    # The poster's unmarking does not overrule the score.
    await scored(client, 0.95)
    assert (await meme_of(client, meme))["sensitive"] is True


@pytest.mark.parametrize(
    ("body", "name"),
    [({"sensitive": "yes"}, "sensitive"), ({"sensitive": True, "reason": "x"}, "reason")],
)
async def test_a_bad_mark_is_422_and_changes_nothing(client, body, name):
    meme = await create_meme(client, "Plain")
    response = await client.patch(f"/memes/{meme['id']}", json=body, headers=owner(meme))
    problem = await problem_of(response, 422, "validation-failed")
    assert problem["errors"][0]["loc"] == ["body", name]
    assert (await meme_of(client, meme))["sensitive"] is False
    response = await client.post("/memes", data=meme_form("Form", sensitive="on"))
    await problem_of(response, 422, "validation-failed")


async def test_a_moderators_mark_is_logged_and_the_poster_cannot_change_it(client, database_url):
    meme = await create_meme(client, "Plain")
    url = f"/memes/{meme['id']}"
    response = await client.patch(
        url, json={"sensitive": True, "reason": "gore"}, headers=MODERATOR
    )
    assert response.status == 200 and (await response.json())["sensitive"] is True
    response = await client.patch(url, json={"sensitive": False}, headers=owner(meme))
    await problem_of(response, 403, "forbidden")
    response = await client.put(
        url, json={"title": "Sneaky", "sensitive": False}, headers=owner(meme)
    )
    await problem_of(response, 403, "forbidden")
    assert (await meme_of(client, meme))["title"] == "Plain"  # nothing changed
    # Saying what the moderator said is no change.
    assert (await client.patch(url, json={"sensitive": True}, headers=owner(meme))).status == 200

    # A moderator's unmarking overrules a score over the threshold too (a false alarm).
    await scored(client, 0.97)
    response = await client.patch(url, json={"sensitive": False}, headers=MODERATOR)
    assert response.status == 200 and (await response.json())["sensitive"] is False
    response = await client.patch(url, json={"sensitive": True}, headers=owner(meme))
    await problem_of(response, 403, "forbidden")
    assert query(
        database_url, "SELECT moderator, action, meme_id, reason FROM moderation_log ORDER BY id"
    ) == [("alice", "mark-sensitive", meme["id"], "gore"),
          ("alice", "unmark-sensitive", meme["id"], None)]  # fmt: skip


async def test_sensitive_false_leaves_sensitive_memes_out_of_lists_and_the_export(client):
    marked = await post(client, "Marked cat", "red", sensitive="true")
    await scored(client, 0.2)
    scored_high = await post(client, "Scored cat", "blue", tags="cats")
    await scored(client, 0.99)
    unscored = await post(client, "Unscored cat", "green", tags="cats")
    plain = await post(client, "Plain cat", "red", tags="cats")  # the marked one's picture
    everyone = [plain["id"], unscored["id"], scored_high["id"], marked["id"]]
    assert await ids(client, "/memes") == everyone
    kept = [plain["id"], unscored["id"]]
    assert await ids(client, "/memes?sensitive=false") == kept
    body = await (await client.get("/memes?sensitive=false")).json()
    assert body["total"] == 2
    for url in ("/memes?sensitive=false&tag=cats", "/memes?sensitive=false&q=cat&sort=title"):
        assert set(await ids(client, url)) == set(kept)
    assert await ids(client, "/memes?sensitive=false&sort=title") == [plain["id"], unscored["id"]]
    assert await ids(client, "/memes?sensitive=false&offset=1") == [unscored["id"]]
    export = await (await client.get("/memes/export?sensitive=false")).text()
    assert [json.loads(line)["id"] for line in export.splitlines()] == kept

    # Pages by cursor keep to the filter; a cursor of another filter is refused.
    first = await (await client.get("/memes?sensitive=false&limit=1")).json()
    second = await ids(client, f"/memes?sensitive=false&limit=1&cursor={first['next']}")
    assert second == [unscored["id"]]
    response = await client.get(f"/memes?limit=1&cursor={first['next']}")
    await problem_of(response, 400, "invalid-cursor")
    # Only false is offered.
    await problem_of(await client.get("/memes?sensitive=true"), 422, "validation-failed")
