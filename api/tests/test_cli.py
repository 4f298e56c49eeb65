"""The command line as a user meets it: `make run` in one shell, commands in another, with
nothing exported; settings errors and --help."""

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settings import ApiSettings
from media.settings import MediaSettings

ROOT = Path(__file__).resolve().parents[2]
OUR_VARIABLES = {name.upper() for cls in (ApiSettings, MediaSettings) for name in cls.model_fields}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        assert process.poll() is None, process.stderr.read()
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def running_stack(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Media and the api as `make run` starts them, in a checkout of their own; only the ports
    are set (in .env, as a user would), so that they do not meet a developer's running stack."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    api_port, media_port = free_port(), free_port()
    (checkout / ".env").write_text(
        f"API_PORT={api_port}\nMEDIA_PORT={media_port}\n"
        f"MEDIA_URL=http://127.0.0.1:{media_port}\nACCESS_LOG=false\n"
        f"API_METRICS_PORT={free_port()}\nMEDIA_METRICS_PORT={free_port()}\n"
    )
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


@pytest.mark.parametrize("service", ["api", "media"])
def test_a_bad_setting_is_a_clear_message_not_a_traceback(tmp_path, service):
    (tmp_path / ".env").write_text(f"{service.upper()}_PORT=eighty\n")
    result = run(tmp_path, "-m", service, timeout=30)
    assert result.returncode == 1
    assert result.stderr.startswith("Invalid settings (see the README's settings table)")
    assert f"{service}_port" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("service, settings", [("api", ApiSettings), ("media", MediaSettings)])
def test_help_lists_every_setting(tmp_path, service, settings):
    result = run(tmp_path, "-m", service, "--help", timeout=30)
    assert result.returncode == 0, result.stderr
    for name in settings.model_fields:
        assert f"\n  {name.upper()} " in result.stdout, name
