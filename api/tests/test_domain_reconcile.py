"""reconcile compares the rows with the store both ways, on both stores: what nothing refers to
is deleted once past the grace period, what rows refer to and the store lacks is reported."""

import hashlib
import time
from datetime import timedelta

import pytest

from api.cli import run_reconcile
from api.domain.reconcile import reconcile
from api.services import open_services
from tests.helpers import create_meme, execute, query
from tests.pictures import picture

pytestmark = pytest.mark.both_stores


@pytest.fixture
async def services(api_settings):
    async with open_services(api_settings) as services:
        yield services


async def test_reconcile_deletes_what_nothing_refers_to_and_reports_what_is_missing(
    client, services, database_url, blob_stored, tmp_path, capsys
):
    kept = await create_meme(client, "kept", color="navy")
    lost = await create_meme(client, "lost", color="teal")
    assert (await client.get(f"/memes/{kept['id']}/image?size=thumb")).status == 200
    [(thumbnail,)] = query(database_url, "SELECT sha256 FROM thumbnails")
    # An object stored by an upload whose row never came, and two that went missing.
    stray = tmp_path / "stray.png"
    stray.write_bytes(picture(color="olive"))
    stray_key = hashlib.sha256(stray.read_bytes()).hexdigest()
    await services.media.put(stray_key, stray, stray.stat().st_size)
    for key in (lost["sha256"], thumbnail):
        await services.media.delete(key, deadline=time.time() + 5)

    dry = await reconcile(services, grace=timedelta(0), dry_run=True)
    assert (dry.orphans, dry.orphans_deleted, dry.missing_thumbnails) == (1, 1, 0)
    assert dry.missing_pictures == {lost["sha256"]: [lost["id"]]}
    assert await blob_stored(stray_key)  # a dry run changes nothing
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(1,)]

    young = await reconcile(services, grace=timedelta(hours=1))
    assert (young.orphans, young.orphans_young, young.orphans_deleted) == (1, 1, 0)
    assert await blob_stored(stray_key)  # it may be an upload in flight

    with pytest.raises(SystemExit) as exited:
        await run_reconcile(services, grace_seconds=0, dry_run=False)
    assert exited.value.code == 2  # an operator is needed: a meme's picture is gone
    out = capsys.readouterr().out
    assert "unreferenced deleted:     1" in out
    assert f"picture {lost['sha256']} is missing: memes {lost['id']}" in out
    assert not await blob_stored(stray_key)
    # The missing thumbnail's row is dropped, so the next request makes it again.
    assert query(database_url, "SELECT count(*) FROM thumbnails") == [(0,)]
    assert (await client.get(f"/memes/{kept['id']}/image?size=thumb")).status == 200
    assert await blob_stored(kept["sha256"])


async def test_one_pass_carries_out_deletions_whose_last_attempt_just_failed(
    client, services, database_url, blob_stored
):
    meme = await create_meme(client, "doomed", color="purple")
    execute(database_url, f"DELETE FROM memes WHERE id = {meme['id']}")
    # As an attempt that failed a moment ago leaves it: recorded, leased until its deadline.
    execute(
        database_url,
        "INSERT INTO object_deletions (key, attempts, leased_until)"
        f" VALUES ('{meme['sha256']}', 1, clock_timestamp() + interval '1 second')",
    )
    execute(database_url, f"DELETE FROM blobs WHERE sha256 = '{meme['sha256']}'")
    report = await reconcile(services, grace=timedelta(0))
    assert (report.deletions_done, report.deletions_pending) == (1, 0)
    assert not await blob_stored(meme["sha256"])
