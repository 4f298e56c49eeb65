"""Banning as moderators do it: by closing a meme's reports with `ban`, or with `POST /bans`
for any meme (hidden, reported or not); a refused ban changes nothing (test_bans.py for what
a ban refuses)."""

import asyncio

import psycopg2
import pytest

from api.imaging.clean import clean_image
from api.imaging.copies import chunks
from api.tests.test_bans import (
    BANNED,
    HEADERS,
    OTHER_CAPTION,
    UNRELATED,
    client,
    copy_of,
    post,
    posted,
)
from api.web.state import SERVICES
from tests.helpers import eventually, problem_of, query

__all__ = ["client"]  # the fixture: an api with a moderator
# Each ban reads and hashes its picture in the image workers: the slow tier (make check stays
# under 90 s; test_bans.py keeps the rules of the ban list in the fast one).
pytestmark = pytest.mark.slow
WAITING = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
BAN = """
INSERT INTO bans (moderator, reason, sha256, copy_hash, copy_chunks)
VALUES ('alice', 'meanwhile', %s, ('x' || %s)::bit(256), %s) RETURNING id"""


async def report(client, meme: dict) -> None:
    response = await client.post(f"/memes/{meme['id']}/reports", json={"reason": "illegal"})
    assert response.status == 201


async def test_closing_reports_with_ban_bans_the_picture(client, database_url):
    meme = await posted(client, BANNED)
    await report(client, meme)
    closing = {"action": "ban", "reason": "stolen"}
    response = await client.post(f"/reports/{meme['id']}/close", json=closing, headers=HEADERS)
    assert (response.status, await response.json()) == (
        200,
        {"meme_id": meme["id"], "action": "ban", "closed": 1},
    )
    await problem_of(await post(client, copy_of(BANNED, 0.5, 60)), 422, "picture-banned")
    assert (await post(client, OTHER_CAPTION)).status == 201
    bans = await (await client.get("/bans", headers=HEADERS)).json()
    assert [(b["sha256"], b["reason"]) for b in bans["items"]] == [(meme["sha256"], "stolen")]
    log = query(database_url, "SELECT action, meme_id, details->'reports' FROM moderation_log")
    assert log == [("ban", meme["id"], 1)]
    assert query(database_url, "SELECT action FROM reports") == [("ban",)]


async def test_a_moderator_bans_a_meme_directly_hidden_or_reported(client, database_url):
    hidden, reported = await posted(client, BANNED), await posted(client, UNRELATED, "Reported")
    patch = {"visibility": "hidden"}
    assert (await client.patch(f"/memes/{hidden['id']}", json=patch, headers=HEADERS)).ok
    await report(client, reported)
    for meme in (hidden, reported):
        response = await client.post("/bans", json={"meme_id": meme["id"]}, headers=HEADERS)
        assert response.status == 201
        made = await response.json()
        assert (made["meme_id"], made["sha256"], made["moderator"]) == (
            meme["id"],
            meme["sha256"],
            "alice",
        )
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]
    # The reported meme's report is closed by its ban: the queue is empty.
    assert query(database_url, "SELECT action, closed_by FROM reports") == [("ban", "alice")]
    assert (await (await client.get("/reports", headers=HEADERS)).json())["items"] == []


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ({"meme_id": 1}, {}, 401, "unauthorized"),
        ({"meme_id": 1}, {"Authorization": "Bearer not-a-moderator-0123"}, 403, "forbidden"),
        ({"meme_id": 99}, HEADERS, 404, "not-found"),
        ({"meme_id": 0}, HEADERS, 422, "validation-failed"),
        ({"meme_id": 1, "why": "x"}, HEADERS, 422, "validation-failed"),
        ({"meme_id": 1, "reason": "x" * 501}, HEADERS, 422, "validation-failed"),
    ],
)
async def test_a_ban_that_is_refused_changes_nothing(
    client, database_url, body, headers, status, code
):
    await posted(client, BANNED)
    await problem_of(await client.post("/bans", json=body, headers=headers), status, code)
    assert query(database_url, "SELECT count(*) FROM memes") == [(1,)]
    assert query(database_url, "SELECT count(*) FROM bans") == [(0,)]


async def test_an_upload_stored_while_its_picture_is_banned_is_refused(
    client, database_url, tmp_path
):
    """The upload looked before the ban existed; the ban commits while the picture is being
    stored (held here by the picture's lock, as a slow store holds it): its rows look again."""
    (tmp_path / "upload").write_bytes(BANNED)
    limits = client.server.app[SERVICES].settings.image_limits()
    image = clean_image(tmp_path / "upload", tmp_path / "clean", limits)
    holder = psycopg2.connect(database_url)
    with holder.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (image.sha256,))
        upload = asyncio.create_task(post(client, BANNED))

        async def upload_waits() -> bool:
            return query(database_url, WAITING) != [(0,)]

        assert await eventually(upload_waits)
        query(database_url, BAN, (image.sha256, image.copy_hash, chunks(image.copy_hash)))
    holder.rollback()  # the store goes on
    holder.close()
    await problem_of(await upload, 422, "picture-banned")
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]
    assert query(database_url, "SELECT count(*) FROM blobs") == [(0,)]
