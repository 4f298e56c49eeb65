"""The SQL fixtures and the commands that load them, clean up and migrate."""

import hashlib
import subprocess
import sys

import pytest

from api.app import create_app
from api.cli import fixtures, migrate, run_reconcile
from api.cli.fixtures import apply_fixtures, generate_memes
from api.services import open_services
from tests.helpers import create_meme, execute, meme_form, owner, query


@pytest.fixture
async def services(api_settings):
    """What every command opens, as the command line opens it."""
    async with open_services(api_settings) as services:
        yield services


@pytest.mark.slow
def test_fixtures_are_listed():
    assert "demo" in fixtures.list_fixtures()
    listed = subprocess.run(
        [sys.executable, "-m", "api", "fixtures", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.split() == fixtures.list_fixtures()


def test_fixture_pictures_are_named_after_their_sha256():
    for path in fixtures.BLOBS.iterdir():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name


async def test_demo_fixture_gives_memes_with_stored_pictures(
    services, api_settings, database_url, aiohttp_client, capsys
):
    await apply_fixtures(services, ["demo"])
    await apply_fixtures(services, ["demo"])  # again: nothing doubles
    assert "applied fixture demo" in capsys.readouterr().out
    assert query(database_url, "SELECT count(*) FROM memes") == [(5,)]

    client = await aiohttp_client(create_app(api_settings))
    page = await (await client.get("/memes")).json()
    assert page["total"] == 5
    assert page["items"][0]["title"] == "Two buttons"
    for meme in page["items"]:
        image = await (await client.get(meme["image_url"])).read()
        assert image == (fixtures.BLOBS / meme["sha256"]).read_bytes()
    # New memes take ids after the fixture's.
    created = await (await client.post("/memes", data=meme_form())).json()
    assert created["id"] == 6


async def test_unknown_fixture_is_refused_before_anything_is_stored(services, blob_stored):
    with pytest.raises(fixtures.UnknownFixture, match="demo"):
        await apply_fixtures(services, ["demo", "nope"])
    for sha256 in fixtures.picture_names():
        assert not await blob_stored(sha256)


async def test_reconcile_deletes_pictures_no_meme_uses(services, database_url, blob_stored, capsys):
    await apply_fixtures(services, ["demo"])
    # As a process killed between deleting memes and releasing their pictures leaves them.
    execute(database_url, "DELETE FROM memes WHERE id IN (1, 2)")
    await run_reconcile(services, grace_seconds=None, dry_run=False)
    out = capsys.readouterr().out
    assert "unused pictures released: 2" in out and "deletions carried out:       2" in out
    assert query(database_url, "SELECT count(*) FROM blobs") == [(3,)]
    stored = [await blob_stored(path.name) for path in sorted(fixtures.BLOBS.iterdir())]
    assert sorted(stored) == [False, False, True, True, True]


async def test_migrate_reports_nothing_pending_on_a_migrated_database(api_settings, capsys):
    async with open_services(api_settings, migrate=True) as services:
        await migrate(services)
    assert "none pending" in capsys.readouterr().out


async def test_generate_adds_memes_that_look_real(
    services, api_settings, database_url, aiohttp_client, capsys
):
    await generate_memes(services, 300, seed=7)
    assert "generated 300 memes" in capsys.readouterr().out
    # The demo fixture's five, then the generated ones after them.
    assert query(database_url, "SELECT count(*), max(id) FROM memes") == [(305, 305)]
    client = await aiohttp_client(create_app(api_settings))
    page = await (await client.get("/memes?limit=100")).json()
    assert page["total"] == 305
    generated = [meme for meme in page["items"] if meme["id"] > 5]
    assert all(meme["title"] and meme["description"] for meme in generated)
    assert any(meme["tags"] for meme in generated)
    tags = (await (await client.get("/tags")).json())["items"]
    assert tags[0]["name"] == "classic" and tags[0]["memes"] > tags[-1]["memes"]
    # Filtered totals are exact below 100 matches, and null (not counted) from there.
    assert tags[0]["memes"] >= 100 and tags[-1]["memes"] < 100
    most, least = [
        await (await client.get(f"/memes?tag={t['name']}")).json() for t in (tags[0], tags[-1])
    ]
    assert (most["total"], least["total"]) == (None, tags[-1]["memes"])
    # Searchable and tag-filterable like memes made through the API.
    found = await (await client.get("/memes?q=cat&tag=classic")).json()
    assert all("classic" in meme["tags"] for meme in found["items"])
    meme = generated[0]
    assert (
        await (await client.get(meme["image_url"])).read()
        == (fixtures.BLOBS / meme["sha256"]).read_bytes()
    )
    created = await (await client.post("/memes", data=meme_form())).json()
    assert created["id"] == 306


async def test_loading_memes_never_gives_out_the_id_of_a_deleted_one(
    services, api_settings, aiohttp_client, database_url
):
    client = await aiohttp_client(create_app(api_settings))
    made = [await create_meme(client, f"Mine {n}", "", []) for n in range(3)]
    assert (await client.delete(f"/memes/{made[-1]['id']}", headers=owner(made[-1]))).status == 204
    await apply_fixtures(services, ["demo"])
    await generate_memes(services, 10, seed=1)
    ids = [row[0] for row in query(database_url, "SELECT id FROM memes ORDER BY id")]
    assert made[-1]["id"] not in ids and len(ids) == 2 + 5 + 10
    after = await create_meme(client, "After", "", [])
    assert after["id"] > max(ids)
