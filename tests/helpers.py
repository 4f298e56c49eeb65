"""What the tests share besides fixtures: settings for both services, direct SQL, forms and the
problem shape, as a client and an operator would check them."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiohttp
import psycopg2
from moto.server import ThreadedMotoServer

from api.db.connection import MIGRATIONS
from api.domain.processing import run_worker
from api.services import Services
from api.settings import ApiSettings
from common.scratch import LOCK_NAME
from media.settings import MediaSettings
from tests.pictures import picture

MEDIA_TOKEN = "test-service-token-0123456789"


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    conn.close()
    return rows


@contextmanager
def migrated_before(directory: Path, migration: str) -> Iterator[str]:
    """The URL of a PostgreSQL of its own in `directory`, migrated up to `migration` (not
    included): a migration's test writes rows as they were before it, then applies it."""
    import pgserver
    from yoyo import get_backend, read_migrations

    server = pgserver.get_server(directory, cleanup_mode="stop")
    try:
        url = server.get_uri()
        backend = get_backend(url)
        with backend.lock():
            older = read_migrations(str(MIGRATIONS)).filter(lambda m: m.id < migration)
            backend.apply_migrations(backend.to_apply(older))
        yield url
    finally:
        server.cleanup()


def execute(url: str, sql: str) -> None:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def start_moto() -> tuple[ThreadedMotoServer, str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


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


def api_settings_for(database_url: str, media_url: str, tmp_path: Path, **overrides) -> ApiSettings:
    values = dict(
        _env_file=None,
        database_url=database_url,
        media_url=media_url,
        media_token=MEDIA_TOKEN,
        media_timeout_seconds=2,
        apply_migrations=False,
        data_dir=tmp_path,
        reconcile_interval_seconds=0,  # tests run reconcile when they mean to
        # Counted as in production, but high enough that only the tests of limits reach them.
        rate_limit_reads=100_000,
        rate_limit_writes=10_000,
        max_uploads_per_client=64,
        # A replaced or deleted picture is gone at once (test_conditional tests the memo).
        picture_row_seconds=0,
    )
    return ApiSettings(**(values | overrides))


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


async def problem_of(response: aiohttp.ClientResponse, status: int, code: str) -> dict:
    """The response's problem body, checked (assert_problem)."""
    body = await response.json(content_type=None)
    assert_problem(response, body, status, code)
    return body


def assert_problem(response: aiohttp.ClientResponse, body: dict, status: int, code: str) -> None:
    """The one error shape (RFC 9457 problem details) with the expected status and code."""
    assert response.status == status, body
    assert response.content_type == "application/problem+json"
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == "about:blank" and body["title"] and body["detail"]


def tagged_form(title: str, description: str = "", tags: list[str] = (), color: str = "red"):
    data = aiohttp.FormData()
    data.add_field("title", title)
    data.add_field("description", description)
    for tag in tags:
        data.add_field("tags", tag)
    data.add_field("image", picture(color=color), filename="m.png", content_type="image/png")
    return data


async def create_meme(client, title, description="", tags=(), color="red") -> dict:
    response = await client.post("/memes", data=tagged_form(title, description, tags, color))
    assert response.status == 201, await response.text()
    return await response.json()


async def titles(client, url: str) -> list[str]:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    return [meme["title"] for meme in (await response.json())["items"]]


def spooled(scratch: Path) -> list[str]:
    """The files a process has spooled in its scratch directory and not yet removed."""
    return [path.name for path in scratch.iterdir() if path.name != LOCK_NAME]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5) -> bool:
    """Whether `check()` comes true within `seconds`: for work done after the answer (the
    deletions of the outbox)."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def owner(meme: dict) -> dict[str, str]:
    """The header that lets a meme's creator change it: its edit token."""
    return {"Authorization": f"Bearer {meme['edit_token']}"}


SLOW_BOUNDARY = "slow-upload-boundary"


def slow_form(title: str, image: bytes) -> AsyncIterator[bytes]:
    """A multipart body that arrives in two halves, a second apart."""
    body = (
        f'--{SLOW_BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n'
        f'--{SLOW_BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="m.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + image + f"\r\n--{SLOW_BOUNDARY}--\r\n".encode()

    async def halves():
        yield body[: len(body) // 2]
        await asyncio.sleep(1)
        yield body[len(body) // 2 :]

    return halves()


def slow_uploads(http: aiohttp.ClientSession, count: int) -> list[asyncio.Task[int]]:
    """`count` uploads of valid pictures whose bodies arrive in two halves a second apart: a
    signal sent in between finds them in flight. Each task gives its upload's status."""
    headers = {"Content-Type": f"multipart/form-data; boundary={SLOW_BOUNDARY}"}

    async def upload(n: int) -> int:
        image = picture(color=(n * 30 % 256, 80, 200))
        async with http.post("/memes", data=slow_form(f"slow {n}", image), headers=headers) as r:
            return r.status

    return [asyncio.create_task(upload(n)) for n in range(count)]


@asynccontextmanager
async def working(services: Services) -> AsyncIterator[None]:
    """A picture worker (`python -m api worker`'s loop) on `services`, for the block's length."""
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(services, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
