"""Slow clients hold nothing for long: a stalled upload is cut off and leaves no file, and
uploads in progress are capped per client and in all."""

import asyncio
import time

import pytest

from api.app import create_app
from api.web.state import SERVICES, UPLOAD_SLOTS
from tests.helpers import api_settings_for, meme_form, problem_of
from tests.pictures import picture

BOUNDARY = "stalling"


def stalling_body(stall: asyncio.Event, title: str = "Stalled"):
    """A form that sends its title and half a picture, then waits until `stall` is set."""
    image = picture(size=(200, 200), color="teal")
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    async def body():
        yield head + image[: len(image) // 2]
        await stall.wait()

    return body()


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


async def test_uploads_in_progress_are_capped_per_client_and_in_all(api):
    client = await api(max_uploads_per_client=2, max_uploads=3)
    stall = asyncio.Event()
    held = [asyncio.create_task(upload(client, stall, f"192.0.2.{n % 2 + 1}")) for n in range(3)]
    await asyncio.sleep(0.3)  # all three are being received
    one_too_many = await upload(client, stall, "192.0.2.1")  # a third from one client
    body = await problem_of(one_too_many, 429, "rate-limited")
    assert one_too_many.headers["Retry-After"] == "5", body
    over_all = await upload(client, stall, "192.0.2.3")  # a first from a new client
    await problem_of(over_all, 503, "busy")
    stall.set()  # the held uploads end (their forms cut short: 400) and let go of their slots
    statuses = [response.status for response in await asyncio.gather(*held)]
    assert statuses == [400, 400, 400]
    assert client.server.app[UPLOAD_SLOTS].by_client == {}
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

