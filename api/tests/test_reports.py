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


async def reporting_client(aiohttp_client, database_url, media_server, tmp_path, **overrides):
    """An api with a moderator (alice) that takes the test client for a trusted proxy, so
    that `X-Forwarded-For` names the client."""
    settings = api_settings_for(
        database_url,
        str(media_server.make_url("")),
        tmp_path,
        moderator_tokens=f"alice:{ALICE}",
        trusted_proxies=PROXY,
        **overrides,
    )
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def make_client(aiohttp_client, database_url, media_server, tmp_path):
    async def make(**overrides):
        return await reporting_client(
            aiohttp_client, database_url, media_server, tmp_path, **overrides
        )

    return make


@pytest.fixture
async def client(make_client):
    return await make_client()


async def report(client, meme_id, who="198.51.100.1", headers=None, **body):
    body = body or {"reason": "spam"}
    return await client.post(
        f"/memes/{meme_id}/reports", json=body, headers={**sent_by(who), **(headers or {})}
    )


async def close(client, meme_id, token=ALICE, **body):
    return await client.post(f"/reports/{meme_id}/close", json=body, headers=bearer(token))


def open_reports(database_url) -> list[tuple]:
    return query(database_url, "SELECT meme_id, reason, note FROM reports WHERE closed_at IS NULL")


def visibility(database_url) -> str:
    """The visibility of the only meme."""
    [(shown,)] = query(database_url, "SELECT visibility FROM memes")
    return shown


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


async def test_auto_hide_after_n_clients_and_again_after_n_new_ones(make_client, database_url):
    client = await make_client(reports_to_hide=2)
    meme = await create_meme(client, "Disputed")
    await report(client, meme["id"], who="198.51.100.1")
    assert visibility(database_url) == "public"
    await report(client, meme["id"], who="198.51.100.2")
    assert visibility(database_url) == "hidden"
    await report(client, meme["id"], who="198.51.100.3", headers=bearer(ALICE))
    hidden = ("auto", "hide", meme["id"], "2 open reports", {"open_reports": 2})
    assert log(database_url) == [hidden]

    assert (await close(client, meme["id"], action="dismiss")).status == 200
    assert visibility(database_url) == "public"
    dismissed = ("alice", "dismiss", meme["id"], None, {"reports": 3, "restored": True})
    assert log(database_url) == [hidden, dismissed]
    await report(client, meme["id"], who="198.51.100.1")  # one new report: not enough
    assert visibility(database_url) == "public"
    await report(client, meme["id"], who="198.51.100.4")
    assert visibility(database_url) == "hidden"
    assert log(database_url) == [hidden, dismissed, hidden]


async def test_a_dismiss_leaves_a_meme_a_moderator_hid_hidden(make_client, database_url):
    client = await make_client(reports_to_hide=1)
    meme = await create_meme(client, "Hid")
    await report(client, meme["id"])  # hidden by the server...
    hide = {"visibility": "hidden"}
    await client.patch(f"/memes/{meme['id']}", json={"visibility": "public"}, headers=bearer(ALICE))
    await client.patch(f"/memes/{meme['id']}", json=hide, headers=bearer(ALICE))  # ...and alice
    await report(client, meme["id"], who="198.51.100.2", headers=bearer(ALICE))
    assert (await close(client, meme["id"], action="dismiss")).status == 200
    assert visibility(database_url) == "hidden"


async def test_auto_hide_is_off_by_default(client, database_url):
    meme = await create_meme(client, "Many")
    for n in range(5):
        await report(client, meme["id"], who=f"198.51.100.{n}")
    assert visibility(database_url) == "public"
    assert log(database_url) == []


async def test_two_reports_at_once_reaching_n_hide_once(make_client, database_url):
    """Both reports wait for the meme, held by another transaction, and go on together; a few
    rounds, since how they interleave then is up to the scheduler."""
    client = await make_client(reports_to_hide=2)
    memes = [await create_meme(client, f"Race {n}") for n in range(5)]
    for meme in memes:
        await reports_at_once(client, database_url, meme["id"])
    assert query(database_url, "SELECT DISTINCT visibility FROM memes") == [("hidden",)]
    hid = ("auto", "hide", "2 open reports", {"open_reports": 2})
    assert query(
        database_url,
        "SELECT moderator, action, reason, details, meme_id FROM moderation_log ORDER BY id",
    ) == [(*hid, meme["id"]) for meme in memes]


async def reports_at_once(client, database_url: str, meme_id: int) -> None:
    holder = psycopg2.connect(database_url)
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT 1 FROM memes WHERE id = %s FOR UPDATE", (meme_id,))
            both = asyncio.gather(
                report(client, meme_id, who="198.51.100.1"),
                report(client, meme_id, who="198.51.100.2"),
            )
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            for _ in range(100):
                if query(database_url, waiting) == [(2,)]:
                    break
                await asyncio.sleep(0.02)
            assert query(database_url, waiting) == [(2,)]
        holder.rollback()
        assert [response.status for response in await both] == [201, 201]
    finally:
        holder.close()
