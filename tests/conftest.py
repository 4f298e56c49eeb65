"""The services as processes of their own, for the tests that kill, hang or starve them."""

import random

import pytest

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
