"""Picture jobs under real faults: media down for the first tries of a job, a worker process
killed (SIGKILL) in the middle of one, a stored picture spoiled on media's disk. Media and the
killed worker are processes of their own; so are the `python -m api jobs` commands."""

import asyncio
import io
import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_app
from api.web.state import SERVICES
from tests.helpers import (
    MEDIA_TOKEN,
    api_settings_for,
    eventually,
    query,
    working,
)
from tests.meme_pictures import meme_picture
from tests.processes import ROOT, MediaProcess

JOB = "SELECT state, attempts, last_error FROM picture_jobs"
JOBS = "SELECT sha256, state, attempts, last_error, finished_at FROM picture_jobs"

pytestmark = pytest.mark.slow



async def upload(client: TestClient, text: str) -> dict:
    form = {"title": "A meme", "image": io.BytesIO(meme_picture(text, "", 0.4))}
    response = await client.post("/memes", data=form)
    assert response.status == 201, await response.text()
    return await response.json()


async def job_is(database_url: str, check) -> bool:
    async def test() -> bool:
        return check(query(database_url, JOB)[0])

    return await eventually(test, 20)


def command_env(database_url: str, media_url: str, tmp_path: Path, **settings: str) -> dict:
    """The environment of a `python -m api ...` process: these settings and nothing else."""
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "MEDIA_URL": media_url,
        "MEDIA_TOKEN": MEDIA_TOKEN,
        "APPLY_MIGRATIONS": "false",
        "RECONCILE_INTERVAL_SECONDS": "0",
        "TMPDIR": str(tmp_path),
        **settings,
    }


async def api_command(env: dict, cwd: Path, *args: str) -> str:
    """What `python -m api ARGS` prints; run without blocking the loop that serves media."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api", *args, env=env, cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


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
    try:
        meme = await upload(client, "media is down")
        media.kill()
        async with working(client.server.app[SERVICES]):
            assert await job_is(database_url, lambda job: job[:2] == ("queued", 2))
            assert "unavailable" in query(database_url, JOB)[0][2]
            media.start()  # same port, same storage
            assert await job_is(database_url, lambda job: job[0] == "done")
        assert query(database_url, JOB)[0][1] == 3
        found = await (await client.get("/memes?q=down")).json()
        assert [item["id"] for item in found["items"]] == [meme["id"]]
    finally:
        await client.close()
        media.stop()


async def test_a_worker_killed_mid_job_leaves_it_to_another(
    client, database_url, media_server, tmp_path
):
    meme = await upload(client, "kill the worker")
    env = command_env(
        database_url, str(media_server.make_url("")), tmp_path, JOB_LEASE_SECONDS="1.5"
    )
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
    async with working(client.server.app[SERVICES]):
        # Claimed again once the dead worker's lease runs out, and finished.
        assert await job_is(database_url, lambda job: job[:2] == ("done", 2))
    found = await (await client.get("/memes?q=worker")).json()
    assert [item["id"] for item in found["items"]] == [meme["id"]]
    assert query(database_url, "SELECT count(*) FROM picture_jobs WHERE state <> 'done'") == [(0,)]


async def test_a_picture_that_cannot_be_processed_fails_and_holds_up_no_other(
    aiohttp_client, database_url, media_server, tmp_path
):
    media_url = str(media_server.make_url(""))
    settings = api_settings_for(
        database_url,
        media_url,
        tmp_path,
        worker_jobs=1,  # one job at a time: the good picture is claimed between the bad's tries
        job_max_attempts=3,
        job_retry_seconds=0.2,
        job_poll_seconds=0.05,
    )
    client = await aiohttp_client(create_app(settings))
    bad, good = await upload(client, "spoiled"), await upload(client, "fine")
    # The bad picture is cut short on media's disk after its upload: every try of it fails.
    stored = tmp_path / "blobs" / bad["sha256"][:2] / bad["sha256"]
    picture = stored.read_bytes()
    stored.write_bytes(picture[: len(picture) // 2])

    def jobs() -> dict[str, tuple]:
        return {row[0]: row[1:] for row in query(database_url, JOBS)}

    async def settled() -> bool:
        return all(state in ("done", "failed") for state, *_ in jobs().values())

    async def processing(created: dict) -> tuple[str, str | None]:
        meme = await (await client.get(f"/memes/{created['id']}")).json()
        return meme["processing"], meme["processing_error"]

    async with working(client.server.app[SERVICES]):
        assert await eventually(settled, 30)
    state, attempts, error, failed_at = jobs()[bad["sha256"]]
    assert (state, attempts) == ("failed", 3) and "truncated" in error, error
    assert await processing(bad) == ("failed", error)
    # The good picture, queued after the bad one, was done at its first try, before the bad
    # one's last: a picture being retried does not hold up the queue.
    assert jobs()[good["sha256"]][:3] == ("done", 1, None)
    assert jobs()[good["sha256"]][3] < failed_at
    assert await processing(good) == ("done", None)

    env = command_env(database_url, media_url, tmp_path)
    shown = await api_command(env, tmp_path, "jobs")
    assert shown.startswith("queued 0  running 0  done 1  failed 1\n"), shown
    assert f"failed   {bad['sha256'][:16]}  try 3  {error}\n" in shown, shown

    stored.write_bytes(picture)  # the operator puts it back (from a backup, say) and retries
    retried = await api_command(env, tmp_path, "jobs", "--retry-failed")
    assert retried == "queued 1 failed job(s) again\nqueued 1  running 0  done 1  failed 0\n"
    assert await processing(bad) == ("pending", None)
    async with working(client.server.app[SERVICES]):
        assert await eventually(settled, 30)
    assert jobs()[bad["sha256"]][:3] == ("done", 1, None)  # its tries counted afresh
    found = await (await client.get("/memes?q=spoiled")).json()
    assert [item["id"] for item in found["items"]] == [bad["id"]]


async def test_a_worker_waits_out_a_database_restart_and_loses_no_job(
    aiohttp_client, own_postgres, media_server, tmp_path
):
    url, stop_database, start_database = own_postgres
    media_url = str(media_server.make_url(""))
    client = await aiohttp_client(create_app(api_settings_for(url, media_url, tmp_path)))
    memes = [await upload(client, f"outage {n}") for n in range(6)]
    env = command_env(url, media_url, tmp_path, JOB_POLL_SECONDS="0.1", LOG_FORMAT="text")
    log = tmp_path / "worker.log"
    with log.open("wb") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "api", "worker"],
            env=env, cwd=tmp_path, stderr=stderr, start_new_session=True,
        )  # fmt: skip

    def states() -> list[str]:
        return [state for (state,) in query(url, "SELECT state FROM picture_jobs")]

    async def running() -> bool:
        return "running" in states()

    async def all_done() -> bool:
        return states() == ["done"] * len(memes)

    try:
        assert await eventually(running, 30)
        stop_database()  # in the middle of a job: it was claimed, and is being processed
        try:
            await asyncio.sleep(6)
            assert worker.poll() is None, log.read_text()
        finally:
            start_database()
        assert await eventually(all_done, 60), (states(), log.read_text())
        assert worker.poll() is None, log.read_text()
        # A try the outage cut short was handed back, not counted as a failure.
        assert query(url, "SELECT DISTINCT attempts FROM picture_jobs") == [(1,)]
    finally:
        with suppress(ProcessLookupError):  # gone already
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    # Logged once as it started and once as it ended, whatever the number of failed calls.
    text = log.read_text()
    assert text.count("database outage started") == 1, text
    assert text.count("database outage ended") == 1, text
