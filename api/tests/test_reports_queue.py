"""The moderators' queue of reported memes (`GET /reports`), and closing a meme's reports
with an action (`POST /reports/{meme_id}/close`) in one transaction with the log."""

import json
from pathlib import Path

import pytest

from api.tests.test_reports import (
    ALICE,
    bearer,
    close,
    log,
    open_reports,
    report,
    reporting_client,
)
from api.web.reports import Closing, NewReport
from tests.helpers import create_meme, problem_of, query

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


@pytest.fixture
async def client(aiohttp_client, database_url, media_server, tmp_path):
    return await reporting_client(aiohttp_client, database_url, media_server, tmp_path)


async def queue(client, url="/reports") -> dict:
    response = await client.get(url, headers=bearer(ALICE))
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_queue_is_for_moderators(client):
    await problem_of(await client.get("/reports"), 401, "unauthorized")
    await problem_of(await client.get("/reports", headers=bearer("x" * 20)), 403, "forbidden")


async def test_the_queue_lists_the_most_reported_first(client):
    most, older, newer = [await create_meme(client, title) for title in ("Most", "Old", "New")]
    notes = [("spam", "one"), ("spam", None), ("nsfw", "three"), ("other", "four"), ("spam", "5")]
    for n, (reason, note) in enumerate(notes):
        body = {"reason": reason, **({"note": note} if note else {})}
        assert (await report(client, most["id"], who=f"198.51.100.{n}", **body)).status == 201
    await report(client, older["id"], reason="harassment")
    await report(client, newer["id"], reason="illegal")
    await report(client, newer["id"], reason="illegal", who="198.51.100.66")
    await report(client, older["id"], reason="spam", who="198.51.100.77")  # the newest report

    page = await queue(client)
    assert [item["meme_id"] for item in page["items"]] == [most["id"], older["id"], newer["id"]]
    first = page["items"][0]
    assert (first["reports"], first["clients"]) == (5, 5)
    assert first["by_reason"] == {"spam": 3, "nsfw": 1, "illegal": 0, "harassment": 0, "other": 1}
    assert [(n["reason"], n["note"]) for n in first["notes"]] == [
        ("spam", "5"), ("other", "four"), ("nsfw", "three")
    ]  # fmt: skip
    assert first["first_reported"] < first["notes"][0]["at"] <= first["last_reported"]
    assert first["meme"] == await (await client.get(f"/memes/{most['id']}")).json()
    assert page["next"] is None and "Link" not in (await client.get("/reports")).headers


async def test_the_queue_pages_with_signed_cursors(client):
    memes = [await create_meme(client, f"M{n}") for n in range(3)]
    for meme in memes:
        await report(client, meme["id"])
    first = await client.get("/reports?limit=2", headers=bearer(ALICE))
    page = await first.json()
    assert [item["meme_id"] for item in page["items"]] == [memes[2]["id"], memes[1]["id"]]
    assert first.headers["Link"].endswith('>; rel="next"')
    rest = await queue(client, f"/reports?limit=2&cursor={page['next']}")
    assert ([item["meme_id"] for item in rest["items"]], rest["next"]) == ([memes[0]["id"]], None)

    log_page = await client.get("/moderation/log?limit=1", headers=bearer(ALICE))
    await client.patch(f"/memes/{memes[0]['id']}", json={"visibility": "hidden"},
                       headers=bearer(ALICE))  # fmt: skip
    await client.patch(f"/memes/{memes[0]['id']}", json={"visibility": "public"},
                       headers=bearer(ALICE))  # fmt: skip
    log_cursor = await (await client.get("/moderation/log?limit=1", headers=bearer(ALICE))).json()
    assert log_page.status == 200 and log_cursor["next"]
    for cursor in ("abc.def", log_cursor["next"]):
        response = await client.get(f"/reports?cursor={cursor}", headers=bearer(ALICE))
        await problem_of(response, 400, "invalid-cursor")


def closed(database_url) -> list[tuple]:
    return query(
        database_url,
        "SELECT meme_id, closed_by, action FROM reports WHERE closed_at IS NOT NULL ORDER BY id",
    )


async def test_dismiss_closes_the_reports_and_leaves_the_meme(client, database_url):
    meme = await create_meme(client, "Fine")
    await report(client, meme["id"])
    await report(client, meme["id"], who="198.51.100.2")
    response = await close(client, meme["id"], action="dismiss", reason="it is fine")
    assert response.status == 200
    assert await response.json() == {"meme_id": meme["id"], "action": "dismiss", "closed": 2}
    assert closed(database_url) == [(meme["id"], "alice", "dismiss")] * 2
    assert log(database_url) == [("alice", "dismiss", meme["id"], "it is fine", {"reports": 2})]
    assert (await (await client.get(f"/memes/{meme['id']}")).json())["visibility"] == "public"
    assert (await queue(client))["items"] == []


async def test_hide_closes_the_reports_and_hides_the_meme(client, database_url):
    meme = await create_meme(client, "Rude")
    await report(client, meme["id"])
    assert (await close(client, meme["id"], action="hide")).status == 200
    shown = await (await client.get(f"/memes/{meme['id']}", headers=bearer(ALICE))).json()
    assert shown["visibility"] == "hidden"
    assert closed(database_url) == [(meme["id"], "alice", "hide")]
    assert log(database_url) == [("alice", "hide", meme["id"], None, {"reports": 1})]


async def test_remove_deletes_the_meme_and_keeps_the_reports(client, database_url):
    meme = await create_meme(client, "Illegal")
    await report(client, meme["id"], reason="illegal")
    assert (await close(client, meme["id"], action="remove", reason="law")).status == 200
    await problem_of(await client.get(f"/memes/{meme['id']}"), 404, "not-found")
    assert closed(database_url) == [(meme["id"], "alice", "remove")]
    details = {"sha256": meme["sha256"], "reports": 1}
    assert log(database_url) == [("alice", "remove", meme["id"], "law", details)]
    assert (await queue(client))["items"] == []


@pytest.mark.parametrize(
    ("meme_id", "token", "body", "status", "code"),
    [
        (None, None, {"action": "hide"}, 401, "unauthorized"),
        (None, "x" * 20, {"action": "hide"}, 403, "forbidden"),
        (None, ALICE, {"action": "burn"}, 422, "validation-failed"),
        (None, ALICE, {"action": "delete"}, 422, "validation-failed"),
        (None, ALICE, {}, 422, "validation-failed"),
        (None, ALICE, {"action": "hide", "why": "x"}, 422, "validation-failed"),
        (None, ALICE, {"action": "hide", "reason": "x" * 501}, 422, "validation-failed"),
        (None, ALICE, "not an object", 400, "malformed-json"),
        (999, ALICE, {"action": "dismiss"}, 404, "not-found"),
        (999, ALICE, {"action": "hide"}, 404, "not-found"),
        (999, ALICE, {"action": "remove"}, 404, "not-found"),
        (999, ALICE, {"action": "ban"}, 404, "not-found"),
        ("unreported", ALICE, {"action": "dismiss"}, 409, "no-open-reports"),
        ("unreported", ALICE, {"action": "hide"}, 409, "no-open-reports"),
        ("unreported", ALICE, {"action": "remove"}, 409, "no-open-reports"),
        ("unreported", ALICE, {"action": "ban"}, 409, "no-open-reports"),
    ],
)
async def test_a_bad_close_changes_nothing(
    client, database_url, meme_id, token, body, status, code
):
    reported, unreported = await create_meme(client, "Reported"), await create_meme(client, "Un")
    await report(client, reported["id"])
    meme_id = {None: reported["id"], "unreported": unreported["id"]}.get(meme_id, meme_id)
    headers = bearer(token) if token else {}
    response = await client.post(f"/reports/{meme_id}/close", json=body, headers=headers)
    problem = await problem_of(response, status, code)
    if body == {"action": "delete"}:
        assert "'dismiss', 'hide', 'remove' or 'ban'" in problem["detail"]
    assert open_reports(database_url) == [(reported["id"], "spam", None)]
    assert closed(database_url) == [] and log(database_url) == []
    assert query(database_url, "SELECT id, visibility FROM memes ORDER BY id") == [
        (reported["id"], "public"), (unreported["id"], "public")
    ]  # fmt: skip


async def test_a_close_that_is_not_json_is_415(client, database_url):
    meme = await create_meme(client, "Form")
    await report(client, meme["id"])
    response = await client.post(
        f"/reports/{meme['id']}/close", data={"action": "hide"}, headers=bearer(ALICE)
    )
    await problem_of(response, 415, "unsupported-media-type")
    assert closed(database_url) == []


def test_the_report_bodies_in_openapi_json_are_the_models_with_examples_they_accept():
    spec = json.loads(COMMITTED.read_text())
    bodies = {
        path: spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        for path in ("/memes/{id}/reports", "/reports/{meme_id}/close")
    }
    assert bodies["/reports/{meme_id}/close"]["properties"]["action"]["enum"] == [
        "dismiss", "hide", "remove", "ban"
    ]  # fmt: skip
    for model, schema in zip((NewReport, Closing), bodies.values(), strict=True):
        example = {name: field["example"] for name, field in schema["properties"].items()}
        assert model.model_validate(example).model_dump() == example
        assert schema["additionalProperties"] is False
