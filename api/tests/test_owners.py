"""Who may change a meme: its edit token, or the moderator's; and partial updates (PATCH)."""

import hashlib
import logging

import pytest

from api.app import create_app
from tests.helpers import api_settings_for, execute, meme_form, owner, problem_of, query
from tests.pictures import picture

ADMIN = "moderator-token-0123456789"


@pytest.fixture
async def client(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, admin_token=ADMIN
    )
    return await aiohttp_client(create_app(settings))


async def created(client, title: str = "Mine") -> dict:
    response = await client.post("/memes", data=meme_form(title))
    assert response.status == 201
    return await response.json()


async def test_only_the_token_of_the_meme_changes_or_deletes_it(client, database_url, caplog):
    caplog.set_level(logging.DEBUG)
    mine, theirs = await created(client, "Mine"), await created(client, "Theirs")
    url = f"/memes/{mine['id']}"

    response = await client.delete(url)
    await problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="memes"'
    await problem_of(await client.delete(url, headers=owner(theirs)), 403, "forbidden")
    await problem_of(
        await client.put(url, json={"title": "Taken"}, headers=owner(theirs)), 403, "forbidden"
    )
    await problem_of(
        await client.patch(url, json={"title": "Taken"}, headers={"Authorization": "Basic x"}),
        401,
        "unauthorized",
    )
    assert (await (await client.get(url)).json())["title"] == "Mine"
    assert (await client.delete(url, headers=owner(mine))).status == 204

    # Stored as a digest only, and never in a list, an export or the log.
    stored = query(
        database_url, "SELECT edit_token_sha256 FROM memes WHERE id = %s", (theirs["id"],)
    )
    assert bytes(stored[0][0]) == hashlib.sha256(theirs["edit_token"].encode()).digest()
    listed = (
        await (await client.get("/memes")).text() + await (await client.get("/memes/export")).text()
    )
    assert "edit_token" not in listed and theirs["edit_token"] not in listed
    assert mine["edit_token"] not in caplog.text and theirs["edit_token"] not in caplog.text


async def test_the_moderator_changes_and_deletes_any_meme(client, database_url):
    meme = await created(client)
    # As fixtures and generated memes are: no token, so only the moderator changes them.
    execute(database_url, "UPDATE memes SET edit_token_sha256 = NULL")
    await problem_of(
        await client.delete(f"/memes/{meme['id']}", headers=owner(meme)), 403, "forbidden"
    )
    moderator = {"Authorization": f"Bearer {ADMIN}"}
    response = await client.patch(
        f"/memes/{meme['id']}", json={"title": "Moderated"}, headers=moderator
    )
    assert (await response.json())["title"] == "Moderated"
    assert (await client.delete(f"/memes/{meme['id']}", headers=moderator)).status == 204


async def test_patch_changes_only_the_fields_given(client):
    response = await client.post("/memes", data=meme_form("Before", description="kept", tags="a,b"))
    meme = await response.json()
    url = f"/memes/{meme['id']}"
    merge = owner(meme) | {"Content-Type": "application/merge-patch+json"}

    patched = await (await client.patch(url, data='{"title": "After"}', headers=merge)).json()
    assert (patched["title"], patched["description"], patched["tags"]) == (
        "After",
        "kept",
        ["a", "b"],
    )
    patched = await (await client.patch(url, json={"tags": None}, headers=owner(meme))).json()
    assert (patched["title"], patched["description"], patched["tags"]) == ("After", "kept", [])
    await problem_of(
        await client.patch(url, json={"title": None}, headers=owner(meme)), 422, "validation-failed"
    )
    await problem_of(
        await client.patch(url, json={"owner": "me"}, headers=owner(meme)), 422, "validation-failed"
    )

    # A multipart PATCH with only a picture replaces the picture and nothing else.
    png = picture(color="navy")
    form = meme_form(None, png)
    patched = await (await client.patch(url, data=form, headers=owner(meme))).json()
    assert patched["sha256"] == hashlib.sha256(png).hexdigest()
    assert (patched["title"], patched["description"]) == ("After", "kept")


async def test_a_meme_that_is_gone_is_404_to_everyone_whatever_the_token(client):
    meme = await created(client)
    url = f"/memes/{meme['id']}"
    assert (await client.delete(url, headers=owner(meme))).status == 204
    # Whether a meme exists is public (GET says 404): its own token, another, the moderator's,
    # on every write (with none, the answer is the 401 that asks for one).
    theirs = await created(client, "Theirs")
    await problem_of(await client.delete(url), 401, "unauthorized")
    for headers in (owner(meme), owner(theirs), {"Authorization": f"Bearer {ADMIN}"}):
        await problem_of(await client.delete(url, headers=headers), 404, "not-found")
        gone = await client.put(url, json={"title": "x"}, headers=headers)
        await problem_of(gone, 404, "not-found")
        gone = await client.patch(url, json={"title": "x"}, headers=headers)
        await problem_of(gone, 404, "not-found")
    await problem_of(await client.delete("/memes/999999", headers=owner(theirs)), 404, "not-found")
