"""Moderators: named tokens, hiding and restoring a meme, a moderator's delete, and the log
that says who did what."""

import pytest
from pydantic import ValidationError

from api.app import create_app
from api.settings import ApiSettings
from tests.helpers import api_settings_for, create_meme, owner, problem_of, query

ADMIN = "the-admins-token-0123456789"
ALICE = "alices-token-0123456789abc"
BOB = "bobs-token-0123456789abcdef"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url,
        str(media_server.make_url("")),
        tmp_path,
        admin_token=ADMIN,
        moderator_tokens=f"alice:{ALICE}, bob:{BOB}",
    )
    return await aiohttp_client(create_app(settings))


@pytest.mark.parametrize(
    "pairs",
    [
        "alice",
        "alice:short",
        f"al ice:{ALICE}",
        f"alice:{ALICE},alice:{BOB}",
        f"a:{ALICE},b:{ALICE}",
        f"auto:{ALICE}",
        f"admin:{ALICE}",
        "alice:a token with spaces 0123",
    ],
)
def test_moderator_tokens_are_name_token_pairs_never_echoed(pairs):
    with pytest.raises(ValidationError, match="moderator_tokens") as refused:
        ApiSettings(moderator_tokens=f"{pairs},bob:{BOB}")
    assert BOB[:10] not in str(refused.value) and ALICE[:10] not in str(refused.value)


def test_only_the_tokens_digests_are_kept():
    settings = ApiSettings(moderator_tokens=f"alice:{ALICE}", admin_token=ADMIN)
    assert sorted(settings.moderators().values()) == ["admin", "alice"]
    assert ALICE not in repr(settings) and ALICE.encode() not in settings.moderators()


async def test_a_moderator_hides_and_restores_a_meme_and_the_log_says_who(client):
    meme = await create_meme(client, "Rude")
    url = f"/memes/{meme['id']}"

    response = await client.patch(
        url, json={"visibility": "hidden", "reason": "rude"}, headers=bearer(ALICE)
    )
    assert response.status == 200
    assert (await response.json())["visibility"] == "hidden"
    again = await client.patch(url, json={"visibility": "hidden"}, headers=bearer(ALICE))
    assert again.status == 200  # already hidden: nothing to log
    restored = await client.patch(url, json={"visibility": "public"}, headers=bearer(BOB))
    assert (await restored.json())["visibility"] == "public"
    assert (await (await client.get(url)).json())["visibility"] == "public"

    log = await (await client.get("/moderation/log", headers=bearer(ADMIN))).json()
    shown = [(e["moderator"], e["action"], e["meme_id"], e["reason"]) for e in log["items"]]
    assert shown == [("bob", "restore", meme["id"], None), ("alice", "hide", meme["id"], "rude")]


@pytest.mark.parametrize(
    ("body", "who", "status", "code"),
    [
        ({"visibility": "hidden"}, None, 401, "unauthorized"),
        ({"visibility": "hidden"}, "owner", 403, "forbidden"),
        ({"visibility": "hidden"}, "stranger-token-0123456789", 403, "forbidden"),
        ({"visibility": "gone"}, ALICE, 422, "validation-failed"),
        ({"visibility": None}, ALICE, 422, "validation-failed"),
        ({"visibility": "hidden", "title": "New"}, ALICE, 422, "validation-failed"),
        ({"visibility": "hidden", "reason": "x" * 501}, ALICE, 422, "validation-failed"),
    ],
)
async def test_a_visibility_change_needs_a_moderator_and_a_valid_body(
    client, body, who, status, code
):
    meme = await create_meme(client, "Stays")
    headers = owner(meme) if who == "owner" else bearer(who) if who else {}
    response = await client.patch(f"/memes/{meme['id']}", json=body, headers=headers)
    await problem_of(response, status, code)
    shown = await (await client.get(f"/memes/{meme['id']}")).json()
    assert (shown["title"], shown["visibility"]) == ("Stays", "public")
    log = await (await client.get("/moderation/log", headers=bearer(ADMIN))).json()
    assert log["items"] == []


async def test_an_owner_still_patches_the_words(client):
    meme = await create_meme(client, "Mine")
    response = await client.patch(
        f"/memes/{meme['id']}", json={"title": "Ours"}, headers=owner(meme)
    )
    assert (await response.json())["title"] == "Ours"


async def test_a_moderators_delete_is_logged_and_an_owners_is_not(client, database_url):
    removed, deleted = await create_meme(client, "Removed"), await create_meme(client, "Gone")
    url = f"/memes/{removed['id']}?reason=off-topic"
    assert (await client.delete(url, headers=bearer(BOB))).status == 204
    assert (await client.delete(f"/memes/{deleted['id']}", headers=owner(deleted))).status == 204
    rows = query(
        database_url, "SELECT moderator, action, meme_id, reason, details FROM moderation_log"
    )
    assert rows == [("bob", "remove", removed["id"], "off-topic", {"sha256": removed["sha256"]})]


async def test_the_log_is_for_moderators_and_pages_newest_first(client):
    for path in ("/moderation/log", "/reports", "/bans"):  # HEAD wherever GET
        head = await client.head(path, headers=bearer(ALICE))
        assert (head.status, head.content_type, await head.read()) == (200, "application/json", b"")
    await problem_of(await client.get("/moderation/log"), 401, "unauthorized")
    await problem_of(
        await client.get("/moderation/log", headers=bearer("x" * 20)), 403, "forbidden"
    )
    memes = [await create_meme(client, f"M{n}") for n in range(3)]
    for meme in memes:
        await client.patch(
            f"/memes/{meme['id']}", json={"visibility": "hidden"}, headers=bearer(ALICE)
        )

    first = await client.get("/moderation/log?limit=2", headers=bearer(ALICE))
    page = await first.json()
    assert [e["meme_id"] for e in page["items"]] == [memes[2]["id"], memes[1]["id"]]
    assert first.headers["Link"].endswith('>; rel="next"')
    rest = await (
        await client.get(f"/moderation/log?cursor={page['next']}", headers=bearer(ALICE))
    ).json()
    assert ([e["meme_id"] for e in rest["items"]], rest["next"]) == ([memes[0]["id"]], None)
    one = await (
        await client.get(f"/moderation/log?meme_id={memes[1]['id']}", headers=bearer(ALICE))
    ).json()
    assert [e["meme_id"] for e in one["items"]] == [memes[1]["id"]]
    await problem_of(
        await client.get("/moderation/log?cursor=abc.def", headers=bearer(ALICE)),
        400,
        "invalid-cursor",
    )
