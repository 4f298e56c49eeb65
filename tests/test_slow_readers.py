"""The api as a process, as clients that read its streams slowly or not at all meet it: a
client gone mid-stream or resetting mid-export gives its connection back and is logged as gone
(499), exports that nobody reads hold no database connection, are capped per client and are cut
off after the send timeout."""

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
from tests.pictures import picture

pytestmark = pytest.mark.slow


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
