"""Slow clients hold nothing for long: a stalled upload is cut off and leaves no file, so is
one that trickles in below the minimum rate, uploads in progress are capped per client and in
all, and an upload that finds every slot taken waits for one in turn."""

import asyncio
import time

import pytest

from api.app import create_app
from api.web.state import SERVICES, UPLOAD_SLOTS
from tests.helpers import api_settings_for, eventually, meme_form, problem_of, query
from tests.pictures import noise_png, picture

BOUNDARY = "stalling"


def form_head(title: str) -> bytes:
    """A meme form up to the first byte of its picture."""
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()


def stalling_body(stall: asyncio.Event, title: str = "Stalled"):
    """A form that sends its title and half a picture, then waits until `stall` is set."""
    image = picture(size=(200, 200), color="teal")

    async def body():
        yield form_head(title) + image[: len(image) // 2]
        await stall.wait()

    return body()


def paced_body(image: bytes, piece: int, every: float, title: str = "Paced"):
    """A form whose picture comes `piece` bytes every `every` seconds."""

    async def body():
        yield form_head(title)
        for start in range(0, len(image), piece):
            await asyncio.sleep(every)
            yield image[start : start + piece]
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    return body()


def paced_upload(client, body, address: str):
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "X-Forwarded-For": address,
    }
    return client.post("/memes", data=body, headers=headers)


async def comes_true(check) -> bool:
    """Whether `check()` comes true within a few seconds (a busy machine may take a while)."""

    async def now() -> bool:
        return check()

    return await eventually(now)


def upload(client, stall: asyncio.Event, address: str = "203.0.113.1"):
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "X-Forwarded-For": address,
    }
    return client.post("/memes", data=stalling_body(stall), headers=headers)


@pytest.fixture
def api(aiohttp_client, database_url, media_server, tmp_path):
    async def make(**settings):
        values = api_settings_for(
            database_url, str(media_server.make_url("")), tmp_path, trusted_proxies="127.0.0.1"
        )
        return await aiohttp_client(create_app(values.model_copy(update=settings)))

    return make


async def test_an_upload_that_stalls_is_cut_off_and_leaves_no_file(api):
    client = await api(body_read_timeout_seconds=0.5)
    scratch = client.server.app[SERVICES].scratch
    started = time.monotonic()
    response = await upload(client, asyncio.Event())
    await problem_of(response, 408, "request-timeout")
    assert time.monotonic() - started < 2
    assert [path.name for path in scratch.iterdir()] == [".owner"]


async def test_an_upload_that_trickles_in_is_cut_off_at_its_deadline(api):
    """A client that sends a few bytes now and then never stalls for long, but it must not
    hold its upload slot and spooled file for ever."""
    client = await api(body_read_timeout_seconds=0.5, upload_timeout_seconds=1.5)
    scratch = client.server.app[SERVICES].scratch
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    async def trickle():
        yield head
        for _ in range(100):
            await asyncio.sleep(0.1)
            yield b"x" * 20

    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    started = time.monotonic()
    response = await client.post("/memes", data=trickle(), headers=headers)
    await problem_of(response, 408, "request-timeout")
    assert 1.4 < time.monotonic() - started < 3
    assert [path.name for path in scratch.iterdir()] == [".owner"]


async def test_an_upload_below_the_minimum_rate_is_cut_off_after_the_grace(
    api, database_url, nothing_stored
):
    """A picture trickling in at 2 KB/s would arrive whole in 10 s and be stored; the minimum
    of 10 KB/s cuts it off once the grace of 1 s is over, and nothing of it stays."""
    client = await api(upload_min_bytes_per_second=10_000, upload_grace_seconds=1)
    scratch = client.server.app[SERVICES].scratch
    image = noise_png(4, side=80)  # 19 KB that does not compress
    started = time.monotonic()
    response = await paced_upload(client, paced_body(image, 500, 0.25), "192.0.2.7")
    body = await problem_of(response, 408, "request-timeout")
    assert "below the minimum of 10,000 bytes/s" in body["detail"], body
    assert 0.9 < time.monotonic() - started < 5
    assert [path.name for path in scratch.iterdir()] == [".owner"]
    assert query(database_url, "SELECT count(*) FROM object_uploads") == [(0,)]  # no hold
    await nothing_stored(image)
    assert client.server.app[UPLOAD_SLOTS].by_client == {}


async def test_an_upload_that_finds_every_slot_taken_waits_for_one(api, database_url):
    """Two slow but legal uploads (4 KB/s, within the grace) hold both slots for about a
    second: a third waits, unread (nothing of it spooled), and is stored once a slot is free,
    not refused at once."""
    client = await api(max_uploads=2)
    scratch, slots = client.server.app[SERVICES].scratch, client.server.app[UPLOAD_SLOTS]
    slow = [
        asyncio.create_task(
            paced_upload(client, paced_body(noise_png(seed, side=40), 200, 0.05, title), address)
        )
        for seed, title, address in [(1, "one", "192.0.2.1"), (2, "two", "192.0.2.2")]
    ]
    assert await comes_true(lambda: slots.by_client.total() == 2)
    started = time.monotonic()
    waiting = asyncio.create_task(
        client.post("/memes", data=meme_form("Waited", picture(color="lime")))
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()  # not refused at once: it waits its turn
    assert await comes_true(lambda: slots.waiting == 1)
    assert len([path for path in scratch.iterdir() if path.name != ".owner"]) == 2
    response = await waiting
    assert response.status == 201, await response.text()
    assert time.monotonic() - started > 0.3  # it got its slot when a slow one ended
    assert [(await done).status for done in slow] == [201, 201]
    titles = query(database_url, "SELECT title FROM memes ORDER BY id")
    assert sorted(titles) == [("Waited",), ("one",), ("two",)]


async def test_uploads_in_progress_are_capped_per_client_and_in_all(api):
    client = await api(
        max_uploads_per_client=2, max_uploads=3, upload_queue_length=1, upload_queue_seconds=2
    )
    slots = client.server.app[UPLOAD_SLOTS]
    stall = asyncio.Event()
    held = [asyncio.create_task(upload(client, stall, f"192.0.2.{n % 2 + 1}")) for n in range(3)]
    assert await comes_true(lambda: slots.by_client.total() == 3)  # all three being received
    one_too_many = await upload(client, stall, "192.0.2.1")  # a third from one client
    body = await problem_of(one_too_many, 429, "rate-limited")
    assert one_too_many.headers["Retry-After"] == "5", body
    started = time.monotonic()
    waits = asyncio.create_task(upload(client, stall, "192.0.2.3"))  # a first from a new client
    assert await comes_true(lambda: slots.waiting == 1)
    queue_full = await upload(client, stall, "192.0.2.4")  # one waits already: no room to wait
    await problem_of(queue_full, 503, "busy")
    assert not waits.done()  # the 503 came at once, while the other still waits
    waited = await waits  # no slot came free within UPLOAD_QUEUE_SECONDS
    body = await problem_of(waited, 503, "busy")
    assert waited.headers["Retry-After"] == "5", body
    assert time.monotonic() - started > 1.9
    stall.set()  # the held uploads end (their forms cut short: 400) and let go of their slots
    statuses = [response.status for response in await asyncio.gather(*held)]
    assert statuses == [400, 400, 400]
    assert (slots.by_client, slots.waiting) == ({}, 0)
    form = meme_form("After", picture(color="lime"))
    response = await client.post("/memes", data=form, headers={"X-Forwarded-For": "192.0.2.1"})
    assert response.status == 201


@pytest.mark.parametrize(
    "sent",
    [b"", b"--XX", b"--XX\r\nContent-Dispo"],
    ids=["before-the-first-boundary", "in-a-boundary", "in-part-headers"],
)
async def test_a_form_that_stalls_before_its_first_part_is_cut_off(api, sent):
    client = await api(body_read_timeout_seconds=0.5)

    async def body():
        yield sent
        await asyncio.sleep(30)

    headers = {"Content-Type": "multipart/form-data; boundary=XX"}
    started = time.monotonic()
    response = await client.post("/memes", data=body(), headers=headers)
    await problem_of(response, 408, "request-timeout")
    assert time.monotonic() - started < 2
