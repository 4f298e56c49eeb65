"""Real parts for every test: a PostgreSQL server (pgserver, or TEST_DATABASE_URL) and an S3
server over HTTP (moto's server mode), started once per session; both services' apps."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import psycopg2
import pytest
from moto.server import ThreadedMotoServer

from api.app import create_app as create_api_app
from api.postgres import apply_migrations
from api.settings import ApiSettings
from media.app import create_app as create_media_app
from media.settings import MediaSettings
from tests.pictures import picture

MEDIA_TOKEN = "test-service-token-0123456789"


@pytest.fixture(scope="session")
def migrated_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database with the schema; TEST_DATABASE_URL names one (it gets emptied) or pgserver runs."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        apply_migrations(url)
        yield url
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    apply_migrations(server.get_uri())
    yield server.get_uri()
    server.cleanup()


@pytest.fixture
def database_url(migrated_database_url: str) -> str:
    """The database, empty at the start of each test."""
    with psycopg2.connect(migrated_database_url) as conn, conn.cursor() as cursor:
        cursor.execute("TRUNCATE memes, blobs, tags, meme_tags, thumbnails RESTART IDENTITY")
    conn.close()
    return migrated_database_url


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    conn.close()
    return rows


def execute(url: str, sql: str) -> None:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def start_moto() -> tuple[ThreadedMotoServer, str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server, url = start_moto()
    yield url
    server.stop()


def s3_media_settings(endpoint: str, storage_dir: Path, **overrides) -> MediaSettings:
    return MediaSettings(
        _env_file=None,
        media_token=MEDIA_TOKEN,
        media_storage_dir=storage_dir,
        s3_endpoint_url=endpoint,
        # A bucket per test keeps tests apart on the one moto server.
        s3_bucket=f"memes-{uuid.uuid4().hex[:12]}",
        s3_access_key_id="test",
        s3_secret_access_key="test",
        **({"s3_timeout_seconds": 1} | overrides),
    )


def disk_media_settings(storage_dir: Path, **overrides) -> MediaSettings:
    return MediaSettings(
        _env_file=None, media_token=MEDIA_TOKEN, media_storage_dir=storage_dir, **overrides
    )


@pytest.fixture(params=["s3", "disk"])
def media_settings(request: pytest.FixtureRequest, tmp_path: Path) -> MediaSettings:
    if request.param == "disk":
        return disk_media_settings(tmp_path)
    return s3_media_settings(request.getfixturevalue("s3_endpoint"), tmp_path)


@pytest.fixture
async def media_server(aiohttp_server, media_settings: MediaSettings):
    """The media service on a real loopback socket."""
    return await aiohttp_server(create_media_app(media_settings))


def api_settings_for(database_url: str, media_url: str, tmp_path: Path, **overrides) -> ApiSettings:
    values = dict(
        _env_file=None,
        database_url=database_url,
        media_url=media_url,
        media_token=MEDIA_TOKEN,
        media_timeout_seconds=2,
        apply_migrations=False,
        data_dir=tmp_path,
    )
    return ApiSettings(**(values | overrides))


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


def meme_form(
    title: str | None = "A meme", image: bytes | None = None, **fields
) -> aiohttp.FormData:
    """A multipart form as curl -F sends it; `image` defaults to a small PNG."""
    form = aiohttp.FormData()
    if title is not None:
        form.add_field("title", title)
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field(
        "image",
        picture() if image is None else image,
        filename="meme.png",
        content_type="image/png",
    )
    return form


def assert_problem(response: aiohttp.ClientResponse, body: dict, status: int, code: str) -> None:
    """The one error shape (RFC 9457 problem details) with the expected status and code."""
    assert response.status == status, body
    assert response.content_type == "application/problem+json"
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == "about:blank" and body["title"] and body["detail"]
