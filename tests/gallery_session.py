"""What the gallery's page tests share (tests/test_gallery_grid_page.py and
tests/test_gallery_meme_page.py): one headless Chromium for each test file, the api on a real
socket with a 1 MiB upload limit, and processing results written as a worker writes them
(api.db.jobs.done), without OCR."""

import asyncio
import io
import re
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from api.app import create_app as create_api_app
from api.db import jobs
from api.imaging.features import Features
from api.web.state import SERVICES
from tests.browser import chromium
from tests.helpers import api_settings_for

DOCS = Path(__file__).resolve().parent.parent / "docs"
DESKTOP, PHONE = (1280, 900), (390, 844)
MAX_UPLOAD = 1024 * 1024  # the api's setting in these tests: the form reads it from the page


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    browser = chromium(tmp_path_factory.mktemp("profile"))
    yield browser
    browser.quit()


def fresh(driver, base: str) -> None:
    """As a new visitor: light mode, nothing kept (from this file's other tests), a desktop
    window."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get(base + "/static/icon.svg")
    forget_storage(driver)
    driver.get_log("browser")  # read: what the page logs from here on is this test's


def forget_storage(driver) -> None:
    driver.execute_script("localStorage.clear(); sessionStorage.clear()")


def phone(driver) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True,
    })  # fmt: skip


def dark(driver) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )


def luminance(driver, selector: str, prop: str) -> float:
    """0 (black) to 255 (white): the mean of the element's computed colour's channels."""
    color = driver.execute_script(
        "return getComputedStyle(document.querySelector(arguments[0]))[arguments[1]]",
        selector, prop,
    )  # fmt: skip
    channels = [float(c) for c in re.findall(r"[\d.]+", color)[:3]]
    return sum(channels) / 3


def tall_jpeg() -> bytes:
    image = Image.new("RGB", (300, 2400), (40, 90, 160))
    for band in range(0, 2400, 200):
        image.paste((200, 120 + band % 120, 40), (0, band, 300, band + 100))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


async def post(http: aiohttp.ClientSession, title: str, picture: bytes, tags=()) -> dict:
    form = aiohttp.FormData({"title": title, "tags": ",".join(tags)})
    form.add_field("image", picture, filename="meme.jpg", content_type="image/jpeg")
    async with http.post("/memes", data=form) as response:
        assert response.status == 201, await response.text()
        return await response.json()


async def process(services, found: dict[str, tuple[str, int]]) -> None:
    """Every pending picture processed as a worker would store it: `found[sha256]` is its text
    and template hash (pictures of one hash share a template); others get no text."""
    while job := await jobs.claim(services.db, "test", 60):
        text, template_hash = found.get(job.sha256, ("", int(job.sha256[:15], 16)))
        features = Features(
            text=text, words=text.lower(), suffixes="", phash=template_hash,
            placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj", template_hash=template_hash, nsfw=0.01,
        )  # fmt: skip
        assert await jobs.done(services.db, job, features, 6, 0.5)


@pytest.fixture
async def api(aiohttp_server, media_server, database_url, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, max_upload_bytes=MAX_UPLOAD
    )
    app = create_api_app(settings)
    server = await aiohttp_server(app)
    url = str(server.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(url) as http:
        yield url, http, app[SERVICES]


def in_thread(function, driver, *args):
    """`function(driver, *args)` in a thread (Selenium blocks; the api answers on this loop),
    then a blank page: the browser, kept for the next test, asks this test's server nothing
    more while it shuts down (a request cut then leaves a transaction open)."""

    def browse():
        try:
            function(driver, *args)
        finally:
            driver.get("about:blank")

    return asyncio.wait_for(asyncio.to_thread(browse), 120)
