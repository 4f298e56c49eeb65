"""The meme lifecycle keeps rows and blobs consistent, also when a part of the system fails."""

import asyncio
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg2
import pytest

from api.app import create_app
from api.domain.reconcile import reconcile
from api.web.state import SERVICES
from media.app import create_app as create_media_app
from media.state import SERVICES as MEDIA_SERVICES
from tests.helpers import (
    api_settings_for,
    assert_problem,
    execute,
    meme_form,
    owner,
    query,
    s3_media_settings,
    spooled,
    start_moto,
)
from tests.pictures import picture


async def assert_unavailable(call) -> None:
    """A 503 within the media budget (2 s in these tests) and a little work around it."""
    started = time.monotonic()
    response = await call
    assert_problem(response, await response.json(content_type=None), 503, "media-unavailable")
    assert time.monotonic() - started < 3


async def test_media_service_down_is_503_and_changes_nothing(
    client, aiohttp_client, api_settings, media_server, database_url
):
    png = picture(color="teal")
    meme = await (await client.post("/memes", data=meme_form("Kept", png))).json()
    await media_server.close()
    # Each call tries media until its budget is spent: a short one, for a quick test.
    short = api_settings.model_copy(update={"media_timeout_seconds": 0.5})
    client = await aiohttp_client(create_app(short))

    await assert_unavailable(client.post("/memes", data=meme_form("New")))
    new_picture = meme_form("Changed", picture(color="navy"))
    await assert_unavailable(
        client.put(f"/memes/{meme['id']}", headers=owner(meme), data=new_picture)
    )
    await assert_unavailable(client.get(meme["image_url"]))
    assert query(database_url, "SELECT id, title, image_sha256 FROM memes") == [
        (meme["id"], "Kept", meme["sha256"])
    ]
    assert query(database_url, "SELECT sha256 FROM blobs") == [(meme["sha256"],)]

    # A meme can still be deleted: its picture's deletion waits in the outbox for media.
    assert (await client.delete(f"/memes/{meme['id']}", headers=owner(meme))).status == 204
    assert query(
        database_url, "SELECT count(*) FROM memes UNION ALL SELECT count(*) FROM blobs"
    ) == [(0,), (0,)]
    # (with the keys of the two uploads that failed: media may have stored them)
    assert (meme["sha256"],) in query(database_url, "SELECT key FROM object_deletions")


async def test_storage_down_is_503_and_stores_nothing(
    aiohttp_server, aiohttp_client, database_url, tmp_path
):
    moto, endpoint = start_moto()
    try:
        media = await aiohttp_server(create_media_app(s3_media_settings(endpoint, tmp_path)))
    finally:
        moto.stop()
    settings = api_settings_for(database_url, str(media.make_url("")), tmp_path)
    client = await aiohttp_client(create_app(settings))

    await assert_unavailable(client.post("/memes", data=meme_form()))
    assert query(
        database_url, "SELECT count(*) FROM memes UNION ALL SELECT count(*) FROM blobs"
    ) == [(0,), (0,)]
    assert spooled(media.app[MEDIA_SERVICES].spool) == []


async def test_wrong_service_token_is_500(aiohttp_client, database_url, media_server, tmp_path):
    """Not an outage: retrying cannot mend it, so it is not a 503 (the operator's to fix)."""
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, media_token="not-the-right-token"
    )
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/memes", data=meme_form())
    assert_problem(response, await response.json(), 500, "internal-error")
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]


@contextmanager
def refused_inserts(url: str) -> Iterator[None]:
    """A trigger that makes PostgreSQL refuse every new meme, as a failing database would."""
    execute(
        url,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
        " CREATE TRIGGER refuse BEFORE INSERT ON memes FOR EACH ROW EXECUTE FUNCTION refuse()",
    )
    try:
        yield
    finally:
        execute(url, "DROP TRIGGER refuse ON memes; DROP FUNCTION refuse()")


@pytest.mark.both_stores
async def test_a_failed_insert_deletes_the_new_blob(client, blob_gone, database_url):
    png = picture(color="olive")
    with refused_inserts(database_url):
        response = await client.post("/memes", data=meme_form(image=png))
    assert_problem(response, await response.json(), 500, "internal-error")
    assert await blob_gone(hashlib.sha256(png).hexdigest())
    assert query(database_url, "SELECT count(*) FROM blobs") == [(0,)]


@pytest.mark.both_stores
async def test_a_failed_insert_keeps_a_blob_other_memes_use(client, blob_stored, database_url):
    png = picture(color="maroon")
    await client.post("/memes", data=meme_form(image=png))
    with refused_inserts(database_url):
        assert (await client.post("/memes", data=meme_form(image=png))).status == 500
    assert await blob_stored(hashlib.sha256(png).hexdigest())
    assert query(database_url, "SELECT count(*) FROM memes") == [(1,)]


@pytest.mark.both_stores
async def test_concurrent_uploads_of_one_picture_share_one_blob(client, database_url, blob_stored):
    png = picture(color="gold")
    responses = await asyncio.gather(
        *(client.post("/memes", data=meme_form(f"copy {n}", png)) for n in range(6))
    )
    assert [response.status for response in responses] == [201] * 6
    assert query(database_url, "SELECT count(*) FROM blobs") == [(1,)]
    created = [await response.json() for response in responses]
    # Deleting all but one while uploading again never loses the picture of a meme that stays.
    results = await asyncio.gather(
        *(client.delete(f"/memes/{meme['id']}", headers=owner(meme)) for meme in created),
        client.post("/memes", data=meme_form("survivor", png)),
    )
    survivor = await results[-1].json()
    assert await (await client.get(survivor["image_url"])).read() == png
    assert await blob_stored(survivor["sha256"])


async def test_a_store_failing_for_a_moment_is_retried_and_the_client_never_knows(
    aiohttp_server, aiohttp_client, faulty_s3, database_url, tmp_path
):
    media = await aiohttp_server(create_media_app(s3_media_settings(faulty_s3.url, tmp_path)))
    # botocore waits up to a second before its second try at a SlowDown: give the budget room.
    settings = api_settings_for(
        database_url, str(media.make_url("")), tmp_path, media_timeout_seconds=6
    )
    client = await aiohttp_client(create_app(settings))
    # Media's two tries at S3 both fail (a 503 to the api), the api tries again: it works.
    faulty_s3.fail_next(3, 503, "SlowDown")
    before = faulty_s3.requests
    response = await client.post("/memes", data=meme_form("Retried", picture(color="plum")))
    assert response.status == 201, await response.text()
    assert faulty_s3.requests - before >= 4
    meme = await response.json()
    downloaded = await (await client.get(meme["image_url"])).read()
    assert hashlib.sha256(downloaded).hexdigest() == meme["sha256"]


async def test_a_committed_change_is_a_success_though_its_picture_cannot_be_released_yet(
    aiohttp_client, database_url, media_server, tmp_path, blob_gone
):
    """The meme's change and its picture's release are one transaction; when the release
    cannot finish (its row locked past the statement timeout), the change still commits and
    its answer says so: an error answer would have to mean nothing changed."""
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, db_statement_timeout_seconds=0.3
    )
    client = await aiohttp_client(create_app(settings))
    gone = await (await client.post("/memes", data=meme_form("Gone", picture(color="red")))).json()
    kept = await (await client.post("/memes", data=meme_form("Kept", picture(color="lime")))).json()
    new_png = picture(color="navy")
    locker = psycopg2.connect(database_url)  # stands for a thumbnail being added, say
    try:
        locker.cursor().execute(
            "SELECT 1 FROM blobs WHERE sha256 IN (%s, %s) FOR UPDATE",
            (gone["sha256"], kept["sha256"]),
        )
        response = await client.delete(f"/memes/{gone['id']}", headers=owner(gone))
        assert response.status == 204, await response.text()
        assert (await client.get(f"/memes/{gone['id']}")).status == 404
        response = await client.put(
            f"/memes/{kept['id']}", headers=owner(kept), data=meme_form("Changed", new_png)
        )
        assert response.status == 200, await response.text()
        changed = await response.json()
        assert changed["sha256"] == hashlib.sha256(new_png).hexdigest()
        assert await (await client.get(kept["image_url"])).read() == new_png
    finally:
        locker.rollback()
        locker.close()
    # Once the lock is gone, reconcile releases the pictures no meme uses: nothing left over.
    report = await reconcile(client.server.app[SERVICES], grace=timedelta(0))
    assert report.unused_pictures == 2 and report.deletions_pending == 0
    assert query(database_url, "SELECT sha256 FROM blobs") == [(changed["sha256"],)]
    assert await blob_gone(gone["sha256"]) and await blob_gone(kept["sha256"])
