"""The api as a process, as a slow or unlucky client meets it: a request head that never ends
is cut off, a disk too full to spool an upload is a 503 that loses nothing, and clients that
trickle uploads from many addresses cannot keep the others out. Clients slow to read answers:
test_slow_readers.py."""

import asyncio
import re
import time

import aiohttp
import pytest

from tests.helpers import meme_form, query
from tests.pictures import noise_png, picture

pytestmark = pytest.mark.slow


async def test_a_request_head_that_never_ends_is_cut_off(api_process):
    api = await asyncio.to_thread(api_process, idle_timeout_seconds=1)
    reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
    started = time.monotonic()
    writer.write(b"GET /memes HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")  # and then nothing
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # closed by the server
    assert 0.9 < time.monotonic() - started < 3
    writer.close()


async def test_no_room_to_spool_an_upload_is_503_and_loses_nothing(api_process, database_url):
    api = await asyncio.to_thread(api_process, file_size_cap=200_000)
    async with aiohttp.ClientSession(api.url) as http:
        big = noise_png(1, side=400)  # 480 KB: more than the api may write
        async with http.post("/memes", data=meme_form("Too big to spool", big)) as response:
            body = await response.json()
            assert (response.status, body["code"]) == (503, "busy"), body
            assert response.headers["Retry-After"] == "5"
        async with http.post("/memes", data=meme_form("Small", picture())) as response:
            assert response.status == 201
    assert query(database_url, "SELECT title FROM memes") == [("Small",)]
    spooled = [p.name for p in (api.cwd / "memes-api").glob("api-*/*") if p.name != ".owner"]
    assert spooled == []


@pytest.mark.parametrize(
    "head",
    [b"GET /memes HTTP/1.1\r\nX-Bad: a\x00b\r\n", b"GET /memes HTTP/1.1\r\nX-Big: " + b"x" * 9000],
    ids=["nul-in-a-header", "header-over-8-kib"],
)
async def test_a_request_aiohttp_cannot_parse_is_400_and_one_warning(api_process, head):
    api = await asyncio.to_thread(api_process)
    reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
    writer.write(head + b"\r\nHost: localhost\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    # aiohttp answers before any code of ours runs: its own text/plain 400.
    assert answer.startswith(b"HTTP/1.0 400 Bad Request\r\n")
    await asyncio.sleep(0.2)  # the log line is written after the answer
    lines = api.log.read_text().splitlines()
    assert not [line for line in lines if "Traceback" in line or " ERROR " in line]
    warnings = [line for line in lines if "Error handling request" in line]
    assert warnings and all(" WARNING " in line and ": 400 " in line for line in warnings)
    assert lines[-1].startswith(tuple("0123456789"))  # no line of a message's own


async def test_a_client_gone_mid_body_is_a_400_not_an_error(api_process):
    api = await asyncio.to_thread(api_process, admin_token="moderator-token-0123456789")
    async with aiohttp.ClientSession(api.url) as http:
        async with http.post("/memes", data=meme_form("Kept", picture())) as response:
            meme = await response.json()
    for head in [
        b"PATCH /memes/%d HTTP/1.1\r\nContent-Type: application/json\r\n" % meme["id"],
        b"POST /memes HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XX\r\n",
    ]:
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        writer.write(head + b"Authorization: Bearer moderator-token-0123456789\r\nHost: x\r\n")
        writer.write(b"Content-Length: 1000\r\n\r\n--XX\r\n{")
        await asyncio.sleep(0.2)
        writer.write_eof()  # gone, 994 bytes short, as a client that gives up is
        assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # nobody to answer
        writer.close()
    await asyncio.sleep(0.3)
    lines = api.log.read_text().splitlines()
    assert not [line for line in lines if " ERROR " in line or "Traceback" in line]
    answers = re.findall(r" (?:PATCH|POST) /memes\S* (\d{3}) ", "\n".join(lines))
    assert answers == ["201", "400", "400"], lines


async def trickle(address: str, port: int, stop: asyncio.Event) -> int:
    """An upload from `address` whose picture comes at 2 KB/s until `stop`; its status."""
    head = (
        b'--XX\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
    )

    async def body():
        yield head
        while not stop.is_set():
            yield b"\x00" * 500
            await asyncio.sleep(0.25)

    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as http:
        headers = {"Content-Type": "multipart/form-data; boundary=XX"}
        url = f"http://127.0.0.1:{port}/memes"
        async with http.post(url, data=body(), headers=headers) as response:
            return response.status


async def test_uploads_trickling_from_many_addresses_keep_nobody_out(api_process, database_url):
    """The issue's attack scaled down: 2 addresses trickling 2 uploads each at 2 KB/s hold all
    4 slots. A normal upload from a third address waits for a slot instead of a 503, and gets
    one once the tricklers are cut off after the grace (408); nothing of theirs is kept."""
    api = await asyncio.to_thread(
        api_process,
        max_uploads=4,
        max_uploads_per_client=2,
        upload_min_bytes_per_second=10_000,
        upload_grace_seconds=1.5,
    )
    stop = asyncio.Event()
    addresses = ["127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"]
    tricklers = [asyncio.create_task(trickle(a, api.port, stop)) for a in addresses]
    await asyncio.sleep(0.5)  # every slot is held
    started = time.monotonic()
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.9", 0))
    async with (
        aiohttp.ClientSession(api.url, connector=connector) as http,
        http.post("/memes", data=meme_form("Normal", picture())) as response,
    ):
        assert response.status == 201, await response.text()
    assert time.monotonic() - started < 8  # the grace and the upload, on a busy machine
    stop.set()
    assert await asyncio.gather(*tricklers) == [408, 408, 408, 408]
    assert query(database_url, "SELECT title FROM memes") == [("Normal",)]
    spooled = [p.name for p in (api.cwd / "memes-api").glob("api-*/*") if p.name != ".owner"]
    assert spooled == []
