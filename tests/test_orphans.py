"""No process outlives its service: the api and the picture worker killed (SIGKILL, the
service's process alone, as the kernel's OOM killer does) take their fork server and image
workers with them, and the api its api workers (`API_WORKERS`), so that a restarted service
never finds old ones holding memory or its port."""

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import eventually, meme_form, query
from tests.pictures import noise_png
from tests.processes import ApiProcess, ServiceProcess

pytestmark = pytest.mark.slow


def _stat(pid: int) -> tuple[str, int] | None:
    """The state and the parent of a process; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
    return state, int(ppid)


def descendants(pid: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            parents[int(entry.name)] = stat[1]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def forked_by_a_fork_server(pids: set[int]) -> bool:
    """Whether an image worker among `pids` is the child of a fork server among them."""
    servers = {pid for pid in pids if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()}
    return any((stat := _stat(pid)) and stat[1] in servers for pid in pids)


def running(pids: set[int]) -> set[int]:
    return {pid for pid in pids if (stat := _stat(pid)) and stat[0] != "Z"}


@pytest.mark.parametrize("api_workers", [1, 2])
async def test_image_processes_end_with_the_api_and_the_worker(
    database_url, media_server, tmp_path, api_workers
):
    settings = {
        "database_url": database_url,
        "media_url": str(media_server.make_url("")),
        "apply_migrations": "false",
        "reconcile_interval_seconds": 0,
        "job_poll_seconds": 0.1,
    }
    api = ApiProcess(tmp_path / "api", api_workers=api_workers, **settings)
    await asyncio.to_thread(api.start)
    (tmp_path / "worker").mkdir()
    worker = ServiceProcess(["api", "worker"], tmp_path / "worker", **settings).launch()
    try:
        async with aiohttp.ClientSession() as http:
            form = meme_form("Orphans", noise_png(1))
            async with http.post(f"{api.url}/memes", data=form) as response:
                assert response.status == 201, await response.text()

        async def processed() -> bool:
            return query(database_url, "SELECT state FROM picture_jobs") == [("done",)]

        assert await eventually(processed, 30)
        services = {"api": api.process.pid, "worker": worker.process.pid}
        image_processes = {name: descendants(pid) for name, pid in services.items()}
        # Each has a fork server and at least one image worker forked from it.
        assert all(map(forked_by_a_fork_server, image_processes.values())), image_processes
        for service in (api, worker):
            service.process.kill()  # the service's process alone, not its group
            service.process.wait()
        left = set().union(*image_processes.values())
        deadline = time.monotonic() + 5
        while running(left) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not running(left), {pid: _stat(pid) for pid in running(left)}
    finally:
        api.kill()
        worker.kill()
