"""The services as processes of their own, for the tests that kill, hang or starve them; and
the `memes` command's shell against an api (tests/test_cli_client*.py)."""

import random

import pytest

from api.app import create_app as create_api_app
from tests.cli_shell import MODERATOR, Shell
from tests.helpers import api_settings_for
from tests.processes import ApiProcess, MediaProcess

BUDGET = 2.0  # MEDIA_TIMEOUT_SECONDS in these tests


@pytest.fixture
def media_process(store, request, tmp_path):
    settings = {}
    if store == "s3":
        proxy = request.getfixturevalue("faulty_s3")
        settings = dict(
            s3_endpoint_url=proxy.url,
            s3_bucket=f"faults-{random.randrange(1 << 32):x}",
            s3_access_key_id="test",
            s3_secret_access_key="test",
            s3_timeout_seconds="1",
        )
    media = MediaProcess(tmp_path / "media", **settings).start()
    yield media
    media.stop()


@pytest.fixture
def fault_settings(database_url, media_process, tmp_path):
    return api_settings_for(
        database_url,
        media_process.url,
        tmp_path,
        media_timeout_seconds=BUDGET,
        media_breaker_threshold=5,
        media_breaker_cooldown_seconds=1,
    )


@pytest.fixture
def api_process(database_url, media_process, tmp_path):
    started = []

    def start(**settings) -> ApiProcess:
        api = ApiProcess(
            tmp_path / "api-tmp",
            database_url=database_url,
            media_url=media_process.url,
            media_timeout_seconds=BUDGET,
            apply_migrations="false",
            reconcile_interval_seconds=0,
            data_dir=tmp_path,
            **settings,
        )
        started.append(api)
        return api.start()

    yield start
    for api in started:
        api.stop()


@pytest.fixture
async def memes(aiohttp_server, media_server, database_url, tmp_path) -> Shell:
    moderators = f"carol:{MODERATOR}"
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, moderator_tokens=moderators
    )
    api = await aiohttp_server(create_api_app(settings))
    home = tmp_path / "user"
    home.mkdir()
    shell = Shell(str(api.make_url("")).rstrip("/"), home)
    shell.env["MODERATOR_TOKEN"] = MODERATOR  # as the docs' examples name it
    return shell
