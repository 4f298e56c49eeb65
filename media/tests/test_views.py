"""The media service's API, on both storage backends (marked both_stores: the media_settings
fixture gives S3 via moto's server, then the local disk)."""

import asyncio
import hashlib
import json
import time

import pytest

from common.scratch import LOCK_NAME
from media.app import create_app
from media.settings import MediaSettings
from media.state import SERVICES
from tests.helpers import MEDIA_TOKEN, disk_media_settings, spooled

pytestmark = pytest.mark.both_stores

AUTH = {"Authorization": f"Bearer {MEDIA_TOKEN}"}
DATA = b"not a picture, the media service does not care" * 100
KEY = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
async def media(aiohttp_client, media_settings: MediaSettings):
    return await aiohttp_client(create_app(media_settings))


async def test_health_needs_no_token(media):
    response = await media.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_put_get_head_delete(media):
    response = await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)
    assert response.status == 201
    assert await response.json() == {"key": KEY, "size": len(DATA)}

    response = await media.get(f"/blobs/{KEY}", headers=AUTH)
    assert response.status == 200
    assert response.headers["Content-Length"] == str(len(DATA))
    assert await response.read() == DATA

    response = await media.head(f"/blobs/{KEY}", headers=AUTH)
    assert response.status == 200
    assert response.headers["Content-Length"] == str(len(DATA))

    assert (await media.delete(f"/blobs/{KEY}", headers=AUTH)).status == 204
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 404
    assert (await media.head(f"/blobs/{KEY}", headers=AUTH)).status == 404
    # Deleting again is not an error.
    assert (await media.delete(f"/blobs/{KEY}", headers=AUTH)).status == 204


async def test_put_twice_keeps_one_blob(media):
    for _ in range(2):
        assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    assert await (await media.get(f"/blobs/{KEY}", headers=AUTH)).read() == DATA


async def test_missing_blob_is_404_problem(media):
    response = await media.get(f"/blobs/{'0' * 64}", headers=AUTH)
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    assert (await response.json())["code"] == "blob-not-found"


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "A" * 64, "0" * 63, "0" * 65, "..%2F..%2Fx", "name.jpg"]
)
async def test_keys_outside_the_pattern_are_refused(media, key):
    response = await media.put(f"/blobs/{key}", data=DATA, headers=AUTH)
    assert response.status in (400, 404)
    assert response.content_type == "application/problem+json"


async def test_body_must_match_its_key(media):
    response = await media.put(f"/blobs/{'0' * 64}", data=DATA, headers=AUTH)
    assert response.status == 422
    assert (await response.json())["code"] == "digest-mismatch"
    assert (await media.get(f"/blobs/{'0' * 64}", headers=AUTH)).status == 404


async def test_empty_body_is_refused(media):
    empty = hashlib.sha256(b"").hexdigest()
    response = await media.put(f"/blobs/{empty}", data=b"", headers=AUTH)
    assert response.status == 422
    assert (await response.json())["code"] == "empty-blob"


async def chunked(data: bytes):  # no Content-Length: counted as it arrives
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


@pytest.mark.parametrize("sized", [True, False], ids=["content-length", "chunked"])
async def test_blob_over_the_cap_is_413_and_not_stored(aiohttp_client, media_settings, sized):
    settings = media_settings.model_copy(update={"max_upload_bytes": 1000})  # blobs: 4000
    media = await aiohttp_client(create_app(settings))
    body = DATA if sized else chunked(DATA)
    response = await media.put(f"/blobs/{KEY}", data=body, headers=AUTH)
    assert response.status == 413
    assert (await response.json())["code"] == "payload-too-large"
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 404
    assert spooled(media.server.app[SERVICES].spool) == []


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": MEDIA_TOKEN}]
)
async def test_every_blob_call_needs_the_token(media, headers):
    for method in ("put", "get", "delete"):
        response = await getattr(media, method)(
            f"/blobs/{KEY}", headers=headers, data=DATA if method == "put" else None
        )
        assert response.status == 401
        assert (await response.json())["code"] == "unauthorized"
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 404


async def test_a_token_that_is_not_utf8_is_401(media):
    """Bytes that are not UTF-8 reach it as surrogates (aiohttp's client cannot send them)."""
    reader, writer = await asyncio.open_connection(media.server.host, media.server.port)
    writer.write(
        b"GET /blobs/%s HTTP/1.1\r\nHost: media\r\nAuthorization: Bearer caf\xe9\r\n"
        b"Connection: close\r\n\r\n" % KEY.encode()
    )
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401 ") and b"application/problem+json" in head, answer
    assert json.loads(body)["code"] == "unauthorized"


async def test_unknown_route_and_method_are_problems(media):
    response = await media.get("/nope", headers=AUTH)
    assert response.status == 404
    assert (await response.json())["code"] == "not-found"
    response = await media.post(f"/blobs/{KEY}", headers=AUTH)
    assert response.status == 405
    assert (await response.json())["code"] == "method-not-allowed"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=-10", len(DATA) - 10, len(DATA) - 1),
        ("bytes=100-199", 100, 199),
        ("bytes=4000-", 4000, len(DATA) - 1),
        ("bytes=4000-999999", 4000, len(DATA) - 1),
    ],
    ids=["first", "last", "middle", "open-ended", "past-the-end"],
)
async def test_byte_ranges(media, header, start, end):
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    response = await media.get(f"/blobs/{KEY}", headers=AUTH | {"Range": header})
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert await response.read() == DATA[start : end + 1]


async def test_unsatisfiable_range_is_416(media):
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    response = await media.get(f"/blobs/{KEY}", headers=AUTH | {"Range": f"bytes={len(DATA)}-"})
    assert response.status == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"
    assert (await response.json())["code"] == "range-not-satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "lines=1-2", "bytes=9-3", "bytes=x-y"])
async def test_ranges_we_do_not_serve_get_the_whole_blob(media, header):
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    response = await media.get(f"/blobs/{KEY}", headers=AUTH | {"Range": header})
    assert response.status == 200
    assert await response.read() == DATA


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("bytes=0-" + "9" * 5000, 206),
        ("bytes=-" + "9" * 5000, 206),
        ("bytes=" + "9" * 5000 + "-", 416),
    ],
    ids=["huge-end", "huge-suffix", "huge-start"],
)
async def test_ranges_with_huge_numbers_are_served_or_416(media, header, status):
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    response = await media.get(f"/blobs/{KEY}", headers=AUTH | {"Range": header})
    assert response.status == status
    if status == 206:
        assert await response.read() == DATA


async def test_ready_when_the_store_takes_blobs(media):
    response = await media.get("/ready")  # no token: a load balancer asks
    assert response.status == 200
    assert await response.json() == {"status": "ready"}


async def test_not_ready_names_the_store(aiohttp_client, tmp_path):
    media = await aiohttp_client(create_app(disk_media_settings(tmp_path)))
    blobs = tmp_path / "blobs"
    blobs.rename(tmp_path / "gone")
    blobs.write_text("a file where the directory was")
    response = await media.get("/ready")
    body = await response.json()
    assert response.status == 503
    assert body["code"] == "not-ready"
    assert [error["loc"] for error in body["errors"]] == [["store"]]


async def test_blobs_are_listed_in_key_order_a_page_at_a_time(media):
    keys = []
    for n in range(3):
        data = DATA + bytes([n])
        keys.append(hashlib.sha256(data).hexdigest())
        assert (await media.put(f"/blobs/{keys[-1]}", data=data, headers=AUTH)).status == 201
    keys.sort()
    first = await (await media.get("/blobs?limit=2", headers=AUTH)).json()
    assert [blob["key"] for blob in first["blobs"]] == keys[:2]
    assert first["blobs"][0]["size"] == len(DATA) + 1
    rest = await (await media.get(f"/blobs?after={keys[1]}", headers=AUTH)).json()
    assert [blob["key"] for blob in rest["blobs"]] == keys[2:]
    response = await media.get("/blobs?limit=1001", headers=AUTH)
    assert (response.status, (await response.json())["code"]) == (400, "invalid-query")


async def test_a_delete_past_its_deadline_deletes_nothing(media):
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    late = AUTH | {"X-Deadline": str(time.time() - 1)}
    response = await media.delete(f"/blobs/{KEY}", headers=late)
    assert (response.status, (await response.json())["code"]) == (409, "deadline-passed")
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 200
    in_time = AUTH | {"X-Deadline": str(time.time() + 5)}
    assert (await media.delete(f"/blobs/{KEY}", headers=in_time)).status == 204
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 404


async def test_start_up_sweeps_the_spool_of_a_dead_process(aiohttp_client, tmp_path):
    dead = tmp_path / "spool" / "media-0123456789ab"
    dead.mkdir(parents=True)
    (dead / LOCK_NAME).touch()  # nobody holds its lock: its process is gone
    (dead / "tmpupload").write_bytes(b"half a picture")
    media = await aiohttp_client(create_app(disk_media_settings(tmp_path)))
    assert not dead.exists()
    assert media.server.app[SERVICES].spool.exists()
