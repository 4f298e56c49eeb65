"""The api as a process, as a slow or unlucky client meets it: a request head that never ends
is cut off, a disk too full to spool an upload is a 503 that loses nothing, clients that trickle
uploads from many addresses cannot keep the others out, and exports that nobody reads hold no
database connection and are cut off in time."""

import asyncio
import re
import socket
import struct
import time

import aiohttp
import httpx
import pytest

from api.cli.generate import generate
from bench.stalled import IDLE_IN_TRANSACTION, stalled_get
from tests.helpers import meme_form, problem_of, query
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


@pytest.mark.parametrize("path", ["/memes/export", "/tags"])
async def test_a_client_gone_mid_stream_gives_its_connection_back(
    api_process, database_url, path
):
    """A client that hangs up mid-stream must not leave a pooled connection idle in a
    transaction (the pool would drain)."""
    api = await asyncio.to_thread(api_process, db_pool_size=3)
    async with aiohttp.ClientSession(api.url) as http:
        async with http.post("/memes", data=meme_form("Streamed", picture())) as response:
            assert response.status == 201
    for _ in range(3):
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: memes\r\n\r\n".encode())
        await writer.drain()
        writer.transport.abort()  # a reset, as a client that goes away sends
    await asyncio.sleep(1)
    idle = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
    assert query(database_url, idle) == [(0,)]
    async with aiohttp.ClientSession(api.url) as http:
        for url in ("/memes/export", "/tags", "/memes"):
            async with http.get(url) as response:
                assert response.status == 200
    assert "ERROR" not in api.log.read_text()


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


async def test_a_client_that_resets_mid_export_is_logged_as_gone(api_process, database_url):
    """A client that reads part of a long export and resets the connection (SO_LINGER 0, as a
    killed client or a proxy giving up sends) went away: a 499 at INFO, not a 500 and an
    ERROR with a traceback."""
    api = await asyncio.to_thread(api_process)
    async with (
        aiohttp.ClientSession(api.url) as http,
        http.post("/memes", data=meme_form("Exported", picture())) as response,
    ):
        sha256 = (await response.json())["sha256"]
    await asyncio.to_thread(generate, database_url, 20_000, [sha256])  # about 10 MB of NDJSON
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the server soon waits on us
    sock.connect(("127.0.0.1", api.port))
    sock.sendall(b"GET /memes/export HTTP/1.1\r\nHost: memes\r\n\r\n")
    received = b""
    while len(received) < 64 * 1024:  # the head and the first batches, mid-body
        received += sock.recv(16 * 1024)
    assert received.startswith(b"HTTP/1.1 200 ")
    await asyncio.sleep(0.5)  # the server is blocked writing the rest
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # a reset, not a goodbye
    await asyncio.sleep(1)
    lines = api.log.read_text().splitlines()
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    assert not errors, "\n".join(lines)
    export = [line for line in lines if " GET /memes/export " in line]
    assert len(export) == 1 and " INFO " in export[0] and " 499 " in export[0], lines


async def stalled_exports(port: int, addresses: list[str]) -> list[tuple[socket.socket, int]]:
    return [
        await asyncio.to_thread(stalled_get, port, "/memes/export", address)
        for address in addresses
    ]


def many_memes(api_url: str, database_url: str, count: int) -> dict:
    """A meme, and `count` more of its picture: an export far larger than socket buffers."""
    with httpx.Client(base_url=api_url) as http:
        made = http.post(
            "/memes", data={"title": "First"}, files={"image": ("a.png", picture(), "image/png")}
        )
        assert made.status_code == 201
    generate(database_url, count, [made.json()["sha256"]])
    return made.json()


async def test_stalled_exports_hold_no_database_connection(api_process, database_url):
    """Ten exports from ten addresses, then ten from one, none read past the head: another
    client's reads are answered as ever and no transaction stays open; one address has at most
    MAX_EXPORTS_PER_CLIENT exports at once, the next is a 429."""
    api = await asyncio.to_thread(
        api_process, stream_send_timeout_seconds=60, max_exports_per_client=2
    )
    meme = await asyncio.to_thread(many_memes, api.url, database_url, 20_000)
    held = []
    try:
        held += await stalled_exports(api.port, [f"127.0.0.{n}" for n in range(2, 12)])
        assert [status for _, status in held] == [200] * 10
        await asyncio.sleep(0.5)  # each has written what its socket takes, and waits
        async with aiohttp.ClientSession(api.url) as http:
            for url in ("/memes?limit=20", f"/memes/{meme['id']}", "/memes/2000", "/tags"):
                async with http.get(url) as response:
                    assert response.status == 200, (url, await response.text())
        assert query(database_url, IDLE_IN_TRANSACTION) == [(0,)]

        held += await stalled_exports(api.port, ["127.0.0.12"] * 10)
        assert [status for _, status in held[10:]] == [200] * 2 + [429] * 8
        local = aiohttp.TCPConnector(local_addr=("127.0.0.12", 0))
        async with aiohttp.ClientSession(api.url, connector=local) as http:
            response = await http.get("/memes/export")
            body = await problem_of(response, 429, "rate-limited")
            assert response.headers["Retry-After"] == "5", body
        async with aiohttp.ClientSession(api.url) as http:
            assert (await http.get(f"/memes/{meme['id']}")).status == 200
        assert query(database_url, IDLE_IN_TRANSACTION) == [(0,)]
    finally:
        for sock, _ in held:
            sock.close()


def read_to_the_end(sock: socket.socket) -> bytes:
    """What is left to read, until the server closes or resets the connection."""
    data = bytearray()
    try:
        while chunk := sock.recv(1 << 16):
            data += chunk
    except ConnectionResetError:
        pass
    return bytes(data)


async def test_a_client_that_takes_nothing_is_cut_off(api_process, database_url):
    api = await asyncio.to_thread(
        api_process, stream_send_timeout_seconds=1, max_exports_per_client=1
    )
    await asyncio.to_thread(many_memes, api.url, database_url, 20_000)
    sock, status = await asyncio.to_thread(stalled_get, api.port, "/memes/export", "127.0.0.2")
    assert status == 200
    await asyncio.sleep(2.5)  # past the send timeout: the server has given up on it
    started = time.monotonic()
    rest = await asyncio.to_thread(read_to_the_end, sock)
    sock.close()
    assert time.monotonic() - started < 2  # what was sent already, then the end
    assert not rest.endswith(b"0\r\n\r\n")  # cut, not the whole export
    # The export's slot is free again.
    again, status = await asyncio.to_thread(stalled_get, api.port, "/memes/export", "127.0.0.2")
    again.close()
    assert status == 200
    log = api.log.read_text()
    assert "GET /memes/export cut off: the client took nothing for 1 s" in log
    assert re.findall(r"GET /memes/export (\d{3}) ", log)[0] == "499"  # as a client gone
    assert " ERROR " not in log and "Traceback" not in log
