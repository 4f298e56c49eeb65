"""The media service's API, on both storage backends (the media_settings fixture is
parametrised over S3 via moto's server and the local disk)."""

import hashlib

import pytest

from media.app import create_app
from media.settings import MediaSettings
from tests.helpers import MEDIA_TOKEN

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


async def test_blob_over_the_cap_is_413_and_not_stored(aiohttp_client, media_settings):
    settings = media_settings.model_copy(update={"max_upload_bytes": 1000})
    media = await aiohttp_client(create_app(settings))
    response = await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)
    assert response.status == 413
    assert (await response.json())["code"] == "payload-too-large"
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 404
    assert list((settings.media_storage_dir / "spool").iterdir()) == []


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
