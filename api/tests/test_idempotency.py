"""Idempotency-Key on POST /memes: a retried create answers with the first meme."""

import asyncio

import pytest

from api.app import create_app
from tests.helpers import api_settings_for, meme_form, problem_of, query
from tests.pictures import picture

KEY = {"Idempotency-Key": "0b7f6c1e-2f0a-4c55-9a43-5b1f1d6f6a10"}


async def test_the_same_key_twice_creates_one_meme(client, database_url):
    png = picture(color="navy")
    first = await client.post("/memes", data=meme_form("Once", png), headers=KEY)
    again = await client.post("/memes", data=meme_form("Once", png), headers=KEY)
    assert (first.status, again.status) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await first.json() == await again.json()  # the same meme, and the same token
    assert query(database_url, "SELECT count(*) FROM memes") == [(1,)]
    meme = await again.json()
    token = {"Authorization": f"Bearer {meme['edit_token']}"}
    assert (await client.delete(f"/memes/{meme['id']}", headers=token)).status == 204
    gone = await client.post("/memes", data=meme_form("Once", png), headers=KEY)
    await problem_of(gone, 404, "not-found")  # told so, not made again


async def test_the_same_key_with_another_body_is_422(client, database_url):
    await client.post("/memes", data=meme_form("One", picture(color="red")), headers=KEY)
    for form in (meme_form("Two", picture(color="red")), meme_form("One", picture(color="blue"))):
        response = await client.post("/memes", data=form, headers=KEY)
        await problem_of(response, 422, "idempotency-key-reused")
    assert query(database_url, "SELECT title FROM memes") == [("One",)]


async def test_concurrent_retries_make_one_meme(client, database_url):
    png = picture(color="gold")
    responses = await asyncio.gather(
        *(client.post("/memes", data=meme_form("Raced", png), headers=KEY) for _ in range(4))
    )
    bodies = [await response.json() for response in responses]
    assert {response.status for response in responses} == {201}
    assert len({(body["id"], body["edit_token"]) for body in bodies}) == 1
    assert query(database_url, "SELECT count(*) FROM memes") == [(1,)]


@pytest.mark.parametrize(
    "key", ["", "short-key", "x" * 256, "has space in it ok", "tab\tkey-0123456789"]
)
async def test_keys_that_are_not_printable_tokens_are_422(client, key, database_url):
    response = await client.post("/memes", data=meme_form(), headers={"Idempotency-Key": key})
    await problem_of(response, 422, "validation-failed")
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]


async def test_a_key_older_than_a_day_is_new_again(client, database_url):
    await client.post("/memes", data=meme_form("Yesterday"), headers=KEY)
    # A day passes (the clock of the row, not of the test).
    query(database_url, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
          " RETURNING key")  # fmt: skip
    response = await client.post("/memes", data=meme_form("Today"), headers=KEY)
    assert response.status == 201 and "Idempotent-Replayed" not in response.headers
    assert query(database_url, "SELECT count(*) FROM memes") == [(2,)]


async def test_a_key_is_the_clients_own(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, trusted_proxies="127.0.0.1"
    )
    client = await aiohttp_client(create_app(settings))
    png = picture(color="teal")
    mine = await client.post(
        "/memes", data=meme_form("Same", png), headers=KEY | {"X-Forwarded-For": "192.0.2.1"}
    )
    theirs = await client.post(
        "/memes", data=meme_form("Same", png), headers=KEY | {"X-Forwarded-For": "192.0.2.2"}
    )
    assert (mine.status, theirs.status) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers  # a new meme, and a token of its own
    first, second = await mine.json(), await theirs.json()
    assert first["id"] != second["id"] and first["edit_token"] != second["edit_token"]
