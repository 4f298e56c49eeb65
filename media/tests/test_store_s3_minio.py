"""The S3 store against what production's MinIO does and a store under load does: moto behind
a proxy (tests/s3_proxy.py) that answers as MinIO, and fails when told to."""

import asyncio
import hashlib
import logging
import os
import time

import pytest

from media.app import create_app
from tests.helpers import MEDIA_TOKEN, s3_media_settings

AUTH = {"Authorization": f"Bearer {MEDIA_TOKEN}"}
DATA = b"a picture's bytes " * 500
KEY = hashlib.sha256(DATA).hexdigest()


@pytest.mark.parametrize(
    "status, code", [(400, "MalformedXML"), (501, "NotImplemented"), (400, "InvalidRequest")]
)
async def test_media_starts_on_a_store_that_refuses_the_lifecycle_rule(
    aiohttp_client, faulty_s3, tmp_path, caplog, status, code
):
    faulty_s3.lifecycle_refusal = (status, code, "refused as the store does")
    caplog.set_level(logging.INFO, "media.store.s3")
    media = await aiohttp_client(create_app(s3_media_settings(faulty_s3.url, tmp_path)))
    assert caplog.text.count(f"refused the lifecycle rule ({code})") == 1
    assert (await media.get("/ready")).status == 200
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    assert await (await media.get(f"/blobs/{KEY}", headers=AUTH)).read() == DATA
    ranged = await media.get(f"/blobs/{KEY}", headers=AUTH | {"Range": "bytes=0-9"})
    assert (ranged.status, await ranged.read()) == (206, DATA[:10])
    assert (await media.delete(f"/blobs/{KEY}", headers=AUTH)).status == 204
    assert (await media.get(f"/blobs/{KEY}", headers=AUTH)).status == 404


async def test_slow_down_once_is_retried_by_the_store(aiohttp_client, faulty_s3, tmp_path):
    media = await aiohttp_client(create_app(s3_media_settings(faulty_s3.url, tmp_path)))
    faulty_s3.fail_next(1, 503, "SlowDown")
    assert (await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)).status == 201
    faulty_s3.fail_next(1, 500, "InternalError")
    assert await (await media.get(f"/blobs/{KEY}", headers=AUTH)).read() == DATA


async def test_a_store_that_keeps_failing_is_a_quick_503(aiohttp_client, faulty_s3, tmp_path):
    media = await aiohttp_client(create_app(s3_media_settings(faulty_s3.url, tmp_path)))
    faulty_s3.fail_next(10, 503, "SlowDown")
    started = time.monotonic()
    response = await media.put(f"/blobs/{KEY}", data=DATA, headers=AUTH)
    assert (response.status, (await response.json())["code"]) == (503, "storage-unavailable")
    assert time.monotonic() - started < 3
    ready = await media.get("/ready")
    assert (ready.status, (await ready.json())["errors"][0]["loc"]) == (503, ["store"])


async def test_a_download_cut_by_the_store_is_cut_for_the_client(
    aiohttp_server, faulty_s3, tmp_path
):
    server = await aiohttp_server(create_app(s3_media_settings(faulty_s3.url, tmp_path)))
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"PUT /blobs/{KEY} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {MEDIA_TOKEN}\r\n"
        f"Content-Length: {len(DATA)}\r\n\r\n".encode()
        + DATA
    )
    await writer.drain()
    assert (await reader.readline()).startswith(b"HTTP/1.1 201")
    writer.close()
    faulty_s3.cut_next_body()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"GET /blobs/{KEY} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {MEDIA_TOKEN}\r\n\r\n".encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)  # until the connection is closed
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and f"Content-Length: {len(DATA)}".encode() in head
    assert len(body) < len(DATA)  # short of what Content-Length promised: visibly cut
    writer.close()


async def test_a_multipart_upload_goes_through_as_on_minio(aiohttp_client, faulty_s3, tmp_path):
    settings = s3_media_settings(faulty_s3.url, tmp_path, s3_multipart_threshold_bytes=5 << 20)
    media = await aiohttp_client(create_app(settings))
    big = os.urandom(6 << 20)  # two parts: 5 MiB, the least MinIO takes but for the last, and 1
    key = hashlib.sha256(big).hexdigest()
    faulty_s3.fail_next(1, 503, "SlowDown")  # one part refused once, and sent again
    assert (await media.put(f"/blobs/{key}", data=big, headers=AUTH)).status == 201
    assert await (await media.get(f"/blobs/{key}", headers=AUTH)).read() == big
