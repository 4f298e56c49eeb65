"""Picture jobs under real faults: media down for the first tries of a job, a worker process
killed (SIGKILL) in the middle of one. Media and the killed worker are processes of their own."""

import asyncio
import io
import os
import signal
import subprocess
import sys

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from api.domain.processing import run_worker
from api.web.state import SERVICES
from tests.helpers import MEDIA_TOKEN, api_settings_for, disk_media_settings, eventually, query
from tests.meme_pictures import meme_picture
from tests.processes import ROOT, MediaProcess

JOB = "SELECT state, attempts, last_error FROM picture_jobs"


@pytest.fixture
def media_settings(tmp_path):
    return disk_media_settings(tmp_path)  # the fault is the worker's, not the store's


async def upload(client: TestClient, text: str) -> dict:
    form = {"title": "A meme", "image": io.BytesIO(meme_picture(text, "", 0.4))}
    response = await client.post("/memes", data=form)
    assert response.status == 201, await response.text()
    return await response.json()


async def job_is(database_url: str, check) -> bool:
    async def test() -> bool:
        return check(query(database_url, JOB)[0])

    return await eventually(test, 20)


async def test_a_job_that_fails_twice_while_media_is_down_then_succeeds_ends_done(
    database_url, tmp_path
):
    media = MediaProcess(tmp_path / "media").start()
    settings = api_settings_for(
        database_url,
        media.url,
        tmp_path,
        media_timeout_seconds=0.5,
        media_breaker_threshold=100,  # every try reaches media: the fault is media itself
        job_retry_seconds=1.5,  # 1.5 s after the first failure, 3 s after the second
        job_poll_seconds=0.05,
    )
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    stop = asyncio.Event()
    try:
        meme = await upload(client, "media is down")
        media.kill()
        worker = asyncio.create_task(run_worker(client.server.app[SERVICES], stop))
        assert await job_is(database_url, lambda job: job[:2] == ("queued", 2))
        assert "unavailable" in query(database_url, JOB)[0][2]
        media.start()  # same port, same storage
        assert await job_is(database_url, lambda job: job[0] == "done")
        assert query(database_url, JOB)[0][1] == 3
        found = await (await client.get("/memes?q=down")).json()
        assert [item["id"] for item in found["items"]] == [meme["id"]]
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
        await client.close()
        media.stop()


async def test_a_worker_killed_mid_job_leaves_it_to_another(
    client, database_url, media_server, tmp_path
):
    meme = await upload(client, "kill the worker")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "MEDIA_URL": str(media_server.make_url("")),
        "MEDIA_TOKEN": MEDIA_TOKEN,
        "APPLY_MIGRATIONS": "false",
        "RECONCILE_INTERVAL_SECONDS": "0",
        "JOB_LEASE_SECONDS": "1.5",
        "TMPDIR": str(tmp_path),
    }
    doomed = subprocess.Popen(
        [sys.executable, "-m", "api", "worker"],
        env=env,
        cwd=tmp_path,  # no .env of the checkout
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its image workers die with it
    )
    try:
        assert await job_is(database_url, lambda job: job[0] == "running")
        os.killpg(doomed.pid, signal.SIGKILL)
    finally:
        doomed.kill()
        doomed.wait()
    assert query(database_url, "SELECT state, worker FROM picture_jobs")[0] == (
        "running",
        f"{os.uname().nodename}:{doomed.pid}",
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(client.server.app[SERVICES], stop))
    try:
        # Claimed again once the dead worker's lease runs out, and finished.
        assert await job_is(database_url, lambda job: job[:2] == ("done", 2))
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
    found = await (await client.get("/memes?q=worker")).json()
    assert [item["id"] for item in found["items"]] == [meme["id"]]
    assert query(database_url, "SELECT count(*) FROM picture_jobs WHERE state <> 'done'") == [(0,)]
