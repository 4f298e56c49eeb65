"""The command line as a user meets it: `make run` in one shell, commands in another, with
nothing exported; Ctrl-C under `make run`; settings errors and --help."""

import asyncio
import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from api.settings import ApiSettings
from media.settings import MediaSettings
from tests.helpers import slow_uploads
from tests.processes import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OUR_VARIABLES = {name.upper() for cls in (ApiSettings, MediaSettings) for name in cls.model_fields}


def user_environment() -> dict[str, str]:
    """This process's environment with none of the services' settings in it."""
    env = {name: value for name, value in os.environ.items() if name not in OUR_VARIABLES}
    return env | {"PYTHONPATH": str(ROOT)}


def run(checkout: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=checkout,
        env=user_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def checkout_of_its_own(tmp_path: Path, more_settings: str = "") -> tuple[Path, int, int]:
    """A directory to run the services in, with only the ports set (in .env, as a user would),
    so that they do not meet a developer's running stack; the api's port and media's."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    api_port, media_port = free_port(), free_port()
    (checkout / ".env").write_text(
        f"API_PORT={api_port}\nMEDIA_PORT={media_port}\n"
        f"MEDIA_URL=http://127.0.0.1:{media_port}\nACCESS_LOG=false\n"
        f"API_METRICS_PORT={free_port()}\nMEDIA_METRICS_PORT={free_port()}\n{more_settings}"
    )
    return checkout, api_port, media_port


@pytest.fixture
def running_stack(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Media and the api as `make run` starts them, in a checkout of their own."""
    checkout, api_port, media_port = checkout_of_its_own(tmp_path)
    started = [
        subprocess.Popen(
            [sys.executable, "-m", service],
            cwd=checkout,
            env=user_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for service in ("media", "api")
    ]
    try:
        wait_healthy(f"http://127.0.0.1:{media_port}/health", started[0])
        wait_healthy(f"http://127.0.0.1:{api_port}/health", started[1])
        yield checkout, f"http://127.0.0.1:{api_port}"
    finally:
        for process in reversed(started):  # the api first: it stops its PostgreSQL
            process.terminate()
            process.wait(timeout=30)
            process.stderr.close()


def test_commands_in_a_second_shell_need_nothing_exported(running_stack):
    checkout, api = running_stack
    token_file = checkout / ".data" / "media-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    migrated = run(checkout, "-m", "api", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "applied 0 migration(s): none pending" in migrated.stdout
    generated = run(checkout, "-m", "api", "fixtures", "generate", "--count", "1000")
    assert generated.returncode == 0, generated.stderr
    assert "generated 1,000 memes" in generated.stdout
    reconciled = run(checkout, "-m", "api", "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    assert "memes whose picture is missing: 0" in reconciled.stdout

    # The running api sees what the commands did, pictures included.
    with urllib.request.urlopen(f"{api}/memes?limit=1") as response:
        page = json.load(response)
    assert page["total"] == 1005
    with urllib.request.urlopen(api + page["items"][0]["image_url"]) as response:
        assert response.status == 200 and len(response.read()) == page["items"][0]["size"]


def in_checkout(checkout: Path, command: bytes = b"") -> list[int]:
    """The processes running in `checkout` (whose command line holds `command`)."""
    found = []
    for process in Path("/proc").iterdir():
        try:
            if (
                process.name.isdigit()
                and (process / "cwd").resolve().is_relative_to(checkout)
                and command in (process / "cmdline").read_bytes()
            ):
                found.append(int(process.name))
        except OSError:  # gone meanwhile, or not ours to read
            pass
    return found


def kill_what_is_left(checkout: Path) -> None:
    """Whatever still runs in `checkout` after a failed test (media, in a session of its own,
    is out of reach of its process group)."""
    for pid in in_checkout(checkout):
        with contextlib.suppress(OSError):  # gone meanwhile
            os.kill(pid, signal.SIGKILL)


async def test_ctrl_c_under_make_run_lets_uploads_in_flight_store_their_pictures(tmp_path):
    """A terminal's Ctrl-C is a SIGINT to every process of its foreground group at once: media
    must outlive the api, or uploads still arriving find it gone (503 media-unavailable). A
    worker killed before that is started again, and the stack goes on."""
    checkout, api_port, _ = checkout_of_its_own(tmp_path, "MAX_UPLOADS_PER_CLIENT=32\n")
    venv = Path(sys.prefix)  # installed already: make is told not to install it again
    output = tmp_path / "make-run.log"
    with output.open("wb") as out:
        make = subprocess.Popen(
            ["make", "-s", "-f", ROOT / "Makefile", "run", f"VENV={venv}"]
            + ["-o", f"{venv}/bin/.installed"],
            cwd=checkout,
            env=user_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal's job has
        )
    api = f"http://127.0.0.1:{api_port}"

    async def workers_ready(count: int) -> None:
        for _ in range(300):  # the worker, too, is ready to stop gracefully
            if output.read_text().count("jobs at a time") == count:
                return
            await asyncio.sleep(0.1)

    try:
        await asyncio.to_thread(wait_healthy, f"{api}/health", make)
        await workers_ready(1)
        # A worker that dies unasked is started again; it no longer stops the whole stack.
        os.kill(in_checkout(checkout, b"api\0worker")[0], signal.SIGKILL)
        await workers_ready(2)
        assert make.poll() is None
        connector = aiohttp.TCPConnector(force_close=True)  # each upload a connection of its own
        async with aiohttp.ClientSession(api, connector=connector) as http:
            uploads = slow_uploads(http, 8)
            await asyncio.sleep(0.5)  # every upload has sent its first half
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
            assert await asyncio.gather(*uploads) == [201] * 8
        await asyncio.to_thread(make.wait, 60)
    finally:
        kill_what_is_left(checkout)
    log = output.read_text()
    assert f"Gallery: {api}/\nSwagger UI: {api}/docs\n" in log  # where to look
    assert log.index(" api INFO stopped") < log.index(" media INFO stopping"), log
    assert "supervise: worker was killed by SIGKILL; starting it again in 1 s" in log, log
    assert "Traceback" not in log and " ERROR " not in log, log


@pytest.mark.parametrize("service", ["api", "media"])
def test_a_bad_setting_is_a_clear_message_not_a_traceback(tmp_path, service):
    (tmp_path / ".env").write_text(f"{service.upper()}_PORT=eighty\n")
    result = run(tmp_path, "-m", service, timeout=30)
    assert result.returncode == 1
    assert result.stderr.startswith("Invalid settings (see docs/settings.md)")
    assert f"{service}_port" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("service, settings", [("api", ApiSettings), ("media", MediaSettings)])
def test_help_lists_every_setting(tmp_path, service, settings):
    result = run(tmp_path, "-m", service, "--help", timeout=30)
    assert result.returncode == 0, result.stderr
    for name in settings.model_fields:
        assert f"\n  {name.upper()} " in result.stdout, name


@pytest.mark.parametrize(
    "args",
    [
        ("api", "bogus"),
        ("api", "fixtures"),  # no action
        ("api", "fixtures", "generate"),  # no --count
        ("api", "reconcile", "--grace-seconds", "soon"),
        ("media", "bogus"),
    ],
)
def test_a_usage_error_exits_2_with_the_usage(tmp_path, args):
    result = run(tmp_path, "-m", *args, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Usage: python -m {args[0]}"), result.stderr
    assert "Error: " in result.stderr and "Traceback" not in result.stderr


def test_a_command_meeting_an_outage_says_so_in_one_line(tmp_path, database_url):
    media_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there: media is down
    settings = f"DATABASE_URL={database_url}\nMEDIA_URL={media_url}\nMEDIA_TIMEOUT_SECONDS=1\n"
    (tmp_path / ".env").write_text(settings)
    result = run(tmp_path, "-m", "api", "reconcile", "--dry-run", timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "The media service is unavailable, try again later (media-unavailable)"
    )
    assert "Traceback" not in result.stderr
