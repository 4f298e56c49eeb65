"""Real parts for every test: a PostgreSQL server (pgserver, or TEST_DATABASE_URL) and an S3
server over HTTP (moto's server mode), started once per session; both services' apps.

The media service stores on the local disk unless a test is marked `both_stores` (a module opts
in with `pytestmark = pytest.mark.both_stores`): then it runs twice, on S3 and on disk.

A test file that tests one module is named after the module's path in its package, `/` as `_`
(api/web/openapi.py: api/tests/test_web_openapi.py); one that tests many modules end to end,
after what it tests (test_memes.py, tests/test_faults.py)."""

import os
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import aiohttp
import aiohttp.web_app
import psycopg2
import pytest

from api.app import create_app as create_api_app
from api.db.connection import apply_migrations
from api.settings import ApiSettings
from api.web import openapi
from media.app import create_app as create_media_app
from media.settings import MediaSettings
from tests.helpers import (
    MEDIA_TOKEN,
    api_settings_for,
    disk_media_settings,
    eventually,
    s3_media_settings,
    start_moto,
)
from tests.replication import Replication
from tests.s3_proxy import FaultyS3


@pytest.fixture(scope="session")
def migrated_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database with the schema; TEST_DATABASE_URL names one (it gets emptied) or pgserver runs."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        apply_migrations(url)
        yield url
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    # A throwaway server: no fsync makes each test's TRUNCATE and commits several times faster.
    connection = psycopg2.connect(server.get_uri())
    connection.autocommit = True
    with connection.cursor() as cursor:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            cursor.execute(f"ALTER SYSTEM SET {setting} = off")
        cursor.execute("SELECT pg_reload_conf()")
    connection.close()
    apply_migrations(server.get_uri())
    yield server.get_uri()
    server.cleanup()


@pytest.fixture
def database_url(migrated_database_url: str) -> str:
    """The database, empty at the start of each test."""
    emptied(migrated_database_url)
    return migrated_database_url


def emptied(url: str) -> None:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "TRUNCATE memes, blobs, tags, meme_tags, thumbnails, object_deletions, object_uploads,"
            " rate_limits, idempotency_keys, picture_jobs, picture_features, templates,"
            " template_count_changes, moderation_log, reports, bans RESTART IDENTITY"
        )
    conn.close()


@pytest.fixture
def own_postgres(tmp_path):
    """A PostgreSQL of this test's own, to stop and start again."""
    import pgserver
    from pgserver._commands import pg_ctl

    pgdata = tmp_path / "postgres"
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    apply_migrations(server.get_uri())

    def stop() -> None:
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user="pgserver")

    def start() -> None:
        server.ensure_postgres_running()  # with its own socket options

    yield server.get_uri(), stop, start
    server.cleanup()


@pytest.fixture(scope="session")
def replication() -> Iterator[Replication]:
    """A primary and its streaming replica (tests/replication.py), started once per session."""
    pair = Replication()
    yield pair
    pair.close()


@pytest.fixture
def replicated(replication: Replication) -> Replication:
    """The primary and its replica, empty, the replica running, replaying and caught up."""
    if not replication.running:
        replication.start()
    replication.resume()
    emptied(replication.primary_url)
    replication.caught_up()
    return replication


@pytest.fixture(scope="session", autouse=True)
def spec_built_once_per_route_table() -> Iterator[None]:
    """The api builds its OpenAPI spec from its routes as it starts (a quarter of a second
    here), and the tests start it hundreds of times with the same routes: each route table's
    spec is built once. test_web_openapi compares the spec served with one built afresh."""
    build, built = openapi.build_spec, {}

    def build_once(app) -> dict:
        routes = tuple(
            (route.method, route.resource.canonical, handler.__module__, handler.__qualname__)
            for route in app.router.routes()
            for handler in [route.handler]
        )
        if routes not in built:
            built[routes] = build(app)
        return deepcopy(built[routes])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openapi, "build_spec", build_once)
        yield


@pytest.fixture(autouse=True)
def apps_let_go() -> Iterator[None]:
    """aiohttp caches each handler wrapped in its middlewares, keyed by the app (an lru_cache of
    1024, aio-libs/aiohttp#9158): across hundreds of tests that keeps every app alive, with its
    S3 client and loaded botocore models (half a GB after 30 S3 tests), slowing every garbage
    collection and the interpreter's exit by seconds. Emptied after each test."""
    yield
    cache = getattr(aiohttp.web_app, "_cached_build_middleware", None)
    if cache is not None:
        cache.cache_clear()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def faulty_s3(s3_endpoint: str) -> Iterator[FaultyS3]:
    """moto behind a proxy that answers as MinIO does, and fails when the test says so."""
    proxy = FaultyS3(s3_endpoint).start()
    yield proxy
    proxy.stop()


STORES = ("s3", "disk")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The store matrix, where the store matters: only for tests marked `both_stores`."""
    if "store" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize("store", STORES, indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    """The media service's store: "disk" (the fastest), or each of STORES under `both_stores`."""
    return getattr(request, "param", "disk")


@pytest.fixture
def media_settings(store: str, request: pytest.FixtureRequest, tmp_path: Path) -> MediaSettings:
    if store == "disk":
        return disk_media_settings(tmp_path)
    return s3_media_settings(request.getfixturevalue("s3_endpoint"), tmp_path)


@pytest.fixture
async def media_server(aiohttp_server, media_settings: MediaSettings):
    """The media service on a real loopback socket."""
    return await aiohttp_server(create_media_app(media_settings))


@pytest.fixture
def api_settings(database_url: str, media_server, tmp_path: Path) -> ApiSettings:
    return api_settings_for(database_url, str(media_server.make_url("")), tmp_path)


@pytest.fixture
async def client(aiohttp_client, api_settings: ApiSettings):
    """The api, talking HTTP to the media service on a real socket."""
    return await aiohttp_client(create_api_app(api_settings))


@pytest.fixture
def blob_stored(media_server):
    """Whether the media service's storage holds a blob, asked over its own API."""

    async def stored(sha256: str) -> bool:
        url = media_server.make_url(f"/blobs/{sha256}")
        async with aiohttp.ClientSession() as session:
            async with session.head(url, headers={"Authorization": f"Bearer {MEDIA_TOKEN}"}) as r:
                assert r.status in (200, 404)
                return r.status == 200

    return stored


@pytest.fixture
def blob_gone(blob_stored):
    """Whether a blob is deleted within seconds: deletions are carried out after the answer."""

    async def gone(sha256: str) -> bool:
        async def not_stored() -> bool:
            return not await blob_stored(sha256)

        return await eventually(not_stored)

    return gone
