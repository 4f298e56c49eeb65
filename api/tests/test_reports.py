"""Reports: anyone reports a meme once per client, the moderators' queue of reported memes,
closing a meme's reports with an action in one transaction, and the auto-hide."""

import asyncio

import psycopg2
import pytest

from api.app import create_app
from tests.helpers import api_settings_for, create_meme, problem_of, query

ALICE = "alices-token-0123456789abc"
PROXY = "127.0.0.1"  # the test client's address, trusted to name the client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sent_by(client: str) -> dict[str, str]:
    return {"X-Forwarded-For": client}


@pytest.fixture
def make_client(aiohttp_client, database_url, media_server, tmp_path):
    async def make(**overrides):
        settings = api_settings_for(
            database_url,
            str(media_server.make_url("")),
            tmp_path,
            moderator_tokens=f"alice:{ALICE}",
            trusted_proxies=PROXY,
            **overrides,
        )
        return await aiohttp_client(create_app(settings))

    return make


@pytest.fixture
async def client(make_client):
    return await make_client()


async def report(client, meme_id, who="198.51.100.1", headers=None, **body):
    body = body or {"reason": "spam"}
    return await client.post(
        f"/memes/{meme_id}/reports", json=body, headers={**sent_by(who), **(headers or {})}
    )


def open_reports(database_url) -> list[tuple]:
    return query(
        database_url, "SELECT meme_id, reason, note FROM reports WHERE closed_at IS NULL"
    )


def log(database_url) -> list[tuple]:
    return query(
        database_url,
        "SELECT moderator, action, meme_id, reason, details FROM moderation_log ORDER BY id",
    )


async def test_a_report_is_kept_with_a_keyed_hash_of_its_client(client, database_url):
    meme = await create_meme(client, "Spam")
    response = await report(client, meme["id"], reason="spam", note="  a scam link ")
    assert response.status == 201
    made = await response.json()
    assert made.keys() == {"id", "meme_id", "reason", "note", "created_at"}
    assert (made["meme_id"], made["reason"], made["note"]) == (meme["id"], "spam", "a scam link")
    assert "RateLimit" in response.headers  # counted as a write

    await report(client, meme["id"], who="198.51.100.2", reason="other")
    clients = [bytes(c) for (c,) in query(database_url, "SELECT client FROM reports ORDER BY id")]
    assert len(set(clients)) == 2 and all(len(c) == 32 for c in clients)
    assert not any(b"198.51.100" in c for c in clients)


async def test_one_open_report_per_client_and_meme(client, database_url):
    meme, other = await create_meme(client, "Once"), await create_meme(client, "Other")
    assert (await report(client, meme["id"])).status == 201
    await problem_of(await report(client, meme["id"], reason="nsfw"), 409, "already-reported")
    assert open_reports(database_url) == [(meme["id"], "spam", None)]
    assert (await report(client, other["id"])).status == 201  # another meme
    assert (await report(client, meme["id"], who="198.51.100.9")).status == 201  # another client

    closing = {"action": "dismiss"}
    await client.post(f"/reports/{meme['id']}/close", json=closing, headers=bearer(ALICE))
    assert (await report(client, meme["id"], reason="nsfw")).status == 201  # the first is closed


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"reason": "boring"}', "application/json", 422, "validation-failed"),
        (b"{}", "application/json", 422, "validation-failed"),
        (b'{"reason": null}', "application/json", 422, "validation-failed"),
        (b'{"reason": "spam", "note": "' + b"x" * 501 + b'"}', "application/json", 422,
         "validation-failed"),
        (b'{"reason": "spam", "note": "a\\u0000b"}', "application/json", 422, "validation-failed"),
        (b'{"reason": "spam", "why": "x"}', "application/json", 422, "validation-failed"),
        (b'{"reason": "spam", "reason": "nsfw"}', "application/json", 422, "validation-failed"),
        (b'{"reason": "spam"', "application/json", 400, "malformed-json"),
        (b'["spam"]', "application/json", 400, "malformed-json"),
        (b"reason=spam", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
    ],
    ids=["reason", "none", "null", "long-note", "nul", "unknown-field", "twice", "broken",
         "array", "form"],
)  # fmt: skip
async def test_a_bad_report_changes_nothing(client, database_url, body, content_type, status, code):
    meme = await create_meme(client, "Fine")
    response = await client.post(
        f"/memes/{meme['id']}/reports", data=body, headers={"Content-Type": content_type}
    )
    await problem_of(response, status, code)
    assert query(database_url, "SELECT count(*) FROM reports") == [(0,)]


async def test_a_note_of_500_characters_is_taken(client, database_url):
    meme = await create_meme(client, "Long")
    assert (await report(client, meme["id"], reason="other", note="é" * 500)).status == 201
    assert open_reports(database_url) == [(meme["id"], "other", "é" * 500)]


async def test_a_missing_or_hidden_meme_is_404_but_to_a_moderator(client, database_url):
    await problem_of(await report(client, 999), 404, "not-found")
    await problem_of(await report(client, 0), 422, "validation-failed")
    meme = await create_meme(client, "Hidden")
    hide = {"visibility": "hidden"}
    await client.patch(f"/memes/{meme['id']}", json=hide, headers=bearer(ALICE))
    await problem_of(await report(client, meme["id"]), 404, "not-found")
    await problem_of(
        await report(client, meme["id"], headers=bearer("not-a-moderators-token")), 404, "not-found"
    )
    assert open_reports(database_url) == []
    assert (await report(client, meme["id"], headers=bearer(ALICE))).status == 201


async def test_reports_count_against_the_write_limit(make_client, database_url):
    client = await make_client(rate_limit_writes=2)
    meme = await create_meme(client, "Limited")  # from 127.0.0.1, no forwarded client
    assert (await report(client, meme["id"], who="198.51.100.7")).status == 201
    second = await report(client, meme["id"], who="198.51.100.7")
    await problem_of(second, 409, "already-reported")  # counted too: a write was tried
    await problem_of(await report(client, meme["id"], who="198.51.100.7"), 429, "rate-limited")
    assert len(open_reports(database_url)) == 1
