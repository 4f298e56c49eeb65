"""The backfill of templates (api/domain/templates.py) on real pictures: their template hashes
read from their bytes in media by the image workers (OCR included), resumable, in the test's
process and as `python -m api jobs --backfill templates` killed midway and run again."""

import asyncio
import io
import os
import signal
import sys

import pytest

from api.db.templates import fold_template_counts
from api.domain.templates import backfill
from api.tests.test_templates import finish
from api.web.state import SERVICES
from tests.helpers import MEDIA_TOKEN, execute, query
from tests.meme_pictures import meme_picture
from tests.pictures import noise_png

pytestmark = pytest.mark.slow  # the OCR model loads in the image workers


async def processed_before_templates(client, database_url) -> list[dict]:
    """Two captions of one picture and an unrelated picture, processed as before 0013: no
    template hash, no template."""
    services = client.server.app[SERVICES]
    # The unrelated one is no meme_picture: their gradients (pHash's low frequencies) make one
    # template.
    pictures = [meme_picture("one does not simply", "write sql by hand", 0.6, 1),
                meme_picture("cats hate", "monday", 0.6, 1), noise_png(3)]  # fmt: skip
    memes = []
    for n, picture in enumerate(pictures):
        response = await client.post(
            "/memes", data={"title": f"m{n}", "image": io.BytesIO(picture)}
        )
        assert response.status == 201
        memes.append(await response.json())
        await finish(services, memes[-1]["sha256"], n, n)
    execute(database_url, "UPDATE picture_features SET template_hash = NULL;"
            " UPDATE blobs SET template_id = NULL; DELETE FROM template_count_changes;"
            " DELETE FROM templates")  # fmt: skip
    return memes


def templates_of(database_url, memes: list[dict]) -> list[int | None]:
    rows = dict(query(database_url, "SELECT sha256, template_id FROM blobs"))
    return [rows[meme["sha256"]] for meme in memes]


def assert_assigned(database_url, memes: list[dict]) -> None:
    first, second, unrelated = templates_of(database_url, memes)
    assert first is not None and second == first and unrelated not in (None, first)
    assert query(database_url, "SELECT count(*) FROM picture_features"
                 " WHERE template_hash IS NULL") == [(0,)]  # fmt: skip


async def test_the_backfill_goes_on_where_a_run_stopped(client, database_url):
    services = client.server.app[SERVICES]
    memes = await processed_before_templates(client, database_url)
    seen = []
    assert await backfill(services, lambda *step: seen.append(step), limit=1) == 1
    assert seen == [(1, 1)]
    assert templates_of(database_url, memes).count(None) == 2
    seen.clear()
    assert await backfill(services, lambda *step: seen.append(step)) == 2  # the rest only
    assert seen == [(1, 2), (2, 2)]
    assert_assigned(database_url, memes)
    assert await backfill(services, lambda *step: seen.append(step)) == 0  # nothing left
    await fold_template_counts(services.db)
    templates = await (await client.get("/templates")).json()
    assert [item["memes"] for item in templates["items"]] == [2, 1]


async def test_the_backfill_command_killed_midway_goes_on_when_run_again(
    client, database_url, api_settings
):
    memes = await processed_before_templates(client, database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_URL": str(api_settings.media_url),
           "MEDIA_TOKEN": MEDIA_TOKEN, "APPLY_MIGRATIONS": "false", "IMAGE_WORKERS": "1",
           "DATA_DIR": str(api_settings.data_dir)}  # fmt: skip
    command = [sys.executable, "-m", "api", "jobs", "--backfill", "templates"]

    first = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    line = await asyncio.wait_for(first.stdout.readline(), 120)
    assert line.decode().strip() == "templates: 1/3 picture(s)"
    first.send_signal(signal.SIGKILL)
    await first.wait()
    left = templates_of(database_url, memes).count(None)
    assert left in (1, 2)  # killed after its first picture, perhaps in its second

    second = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(second.communicate(), 120)
    assert second.returncode == 0, err.decode()[-2000:]
    lines = out.decode().splitlines()
    assert lines[0] == f"templates: 1/{left} picture(s)"  # what was left, not all again
    assert lines[-1] == f"templates: {left} picture(s) given their template; none left"
    assert_assigned(database_url, memes)
