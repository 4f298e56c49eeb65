"""What the api knows, on the gallery's pages, in headless Chromium (one browser for the file)
at 1280×900 and 390×844: the grid reads one page on load; the tag bar is one sideways row on a
phone; dark mode on every page; a meme's page shows the text read in its picture, its template
and similar memes, its processing as it goes, previous and next (links and arrow keys), a tall
picture at full size on a click, and, after an upload, a private manage link that another
browser can open; the upload form says every problem at once, in plain words, before sending.
Processing results are written as a worker writes them (api.db.jobs.done), without OCR.
Takes docs/gallery-dark.png, docs/gallery-phone-tags.png, docs/gallery-upload-errors.png and
docs/gallery-meme-uploaded.png."""

import asyncio
import io
import re
from pathlib import Path

import aiohttp
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from api.app import create_app as create_api_app
from api.db import jobs
from api.imaging.features import Features
from api.web.state import SERVICES
from tests.browser import cards, chromium, pictures_loaded, screenshot, wait
from tests.helpers import api_settings_for, query
from tests.meme_pictures import meme_picture, recompressed

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parent.parent / "docs"
DESKTOP, PHONE = (1280, 900), (390, 844)
TAGS = ["classic", "work", "cats", "dogs", "programming", "friday", "monday", "coffee",
        "deploy", "tests", "office", "reaction", "wholesome", "gaming", "music", "science"]  # fmt: skip
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


def in_thread(function, *args):
    return asyncio.wait_for(asyncio.to_thread(function, *args), 120)


def browse_grid(driver, base: str, meme_id: int) -> None:
    fresh(driver, base)
    driver.get(base + "/")
    wait(driver, lambda d: len(cards(d)) == 24, "the first page")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#tags .tag"), "the tag bar")
    driver.execute_script("return new Promise((done) => setTimeout(done, 1000))")
    reads = driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter((e) => new URL(e.name).pathname === '/memes').length"
    )
    assert reads == 1, "the grid read a second page nobody scrolled to"
    assert len(cards(driver)) == 24
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    wait(driver, lambda d: len(cards(d)) == 30, "the next page, when scrolled to")

    # A phone: the tag bar is one row that scrolls sideways; the first memes show at once.
    phone(driver)
    driver.get(base + "/")
    wait(driver, lambda d: len(cards(d)) == 24, "the first page on a phone")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tags .tag")) == 16, "tags")
    wait(driver, lambda d: pictures_loaded(d, "#grid .card:nth-child(-n+4) img"), "thumbnails")
    bar = driver.execute_script(
        "const nav = document.getElementById('tags'); const r = nav.getBoundingClientRect();"
        "return {height: r.height, scroll: nav.scrollWidth, width: nav.clientWidth,"
        " first: document.querySelector('#grid .card').getBoundingClientRect().top,"
        " tops: new Set([...nav.children].map((c) => c.offsetTop)).size}"
    )
    assert bar["tops"] == 1 and bar["height"] < 40, bar  # one row
    assert bar["scroll"] > bar["width"], bar  # the rest sideways
    assert bar["first"] < 300, bar  # the first card under the bar, not under five rows
    driver.execute_script("document.getElementById('tags').scrollLeft = 200")
    assert driver.execute_script("return document.getElementById('tags').scrollLeft") > 0
    driver.execute_script("document.getElementById('tags').scrollLeft = 0")
    screenshot(driver, DOCS / "gallery-phone-tags.png", PHONE)

    # Dark mode, as the system says, on every page.
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    dark(driver)
    for path in ("/", "/upload", "/t", "/mod", f"/m/{meme_id}"):
        driver.get(base + path)
        wait(driver, lambda d: d.execute_script("return document.readyState") == "complete", path)
        assert luminance(driver, "body", "backgroundColor") < 40, path
        assert luminance(driver, "body", "color") > 200, path
        assert luminance(driver, ".bar input", "backgroundColor") < 60, path
    driver.get(base + "/")
    wait(driver, lambda d: len(cards(d)) == 24, "the grid in the dark")
    assert luminance(driver, "#grid .card", "backgroundColor") < 60
    assert luminance(driver, "#grid .card .title", "color") > 200
    wait(driver, lambda d: pictures_loaded(d, "#grid .card:nth-child(-n+14) img"), "thumbnails")
    screenshot(driver, DOCS / "gallery-dark.png", DESKTOP)
    assert driver.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


async def test_the_grid_on_load_on_a_phone_and_in_the_dark(api, driver):
    base, http, _ = api
    for index in range(30):
        tags = [TAGS[(index + k) % len(TAGS)] for k in range(3)]
        picture = meme_picture(f"meme {index}", "bottom text", (index * 0.137) % 1, index)
        meme = await post(http, f"Meme {index}", picture, tags)
    await in_thread(browse_grid, driver, base, meme["id"])


def upload_errors(driver, base: str, big: Path, good: Path, database_url: str) -> None:
    fresh(driver, base)
    driver.get(base + "/upload")
    hint = driver.find_element(By.ID, "image-hint").text
    assert hint == "JPEG, PNG, GIF or WebP, at most 1 MiB"  # the api's own setting
    driver.find_element(By.ID, "tags").send_keys("Test Run, c++, cats")
    chips = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#tags-chips .tag")]
    assert chips == ["#test-run", "#c++", "#cats"]
    assert driver.find_elements(By.CSS_SELECTOR, "#tags-chips .tag.bad")[0].text == "#c++"
    driver.find_element(By.ID, "image").send_keys(str(big))
    image_error = driver.find_element(By.ID, "image-error")
    # Said as soon as it is chosen, before anything is sent.
    wait(driver, lambda d: image_error.text, "the picture's size")
    assert re.fullmatch(
        r"The picture is [\d.]+ MiB: the limit is 1 MiB\. Choose a smaller one\.", image_error.text
    )
    driver.find_element(By.ID, "submit").click()
    errors = {
        field: driver.find_element(By.ID, f"{field}-error").text
        for field in ("title", "description", "tags", "image")
    }
    assert errors["title"] == "The title can't be empty."
    assert errors["description"] == ""
    assert errors["tags"] == "A tag holds only letters a-z, digits, - and _: “c++” can't be one."
    assert errors["image"] == image_error.text
    title = driver.find_element(By.ID, "title")
    assert driver.switch_to.active_element == title  # the first field at fault
    assert title.get_attribute("aria-invalid") == "true"
    screenshot(driver, DOCS / "gallery-upload-errors.png", DESKTOP)
    assert driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter((e) => new URL(e.name).pathname === '/memes').length"
    ) == 0  # fmt: skip
    # Each goes as its field is fixed.
    title.send_keys("Keyboard cat")
    assert driver.find_element(By.ID, "title-error").text == ""
    assert title.get_attribute("aria-invalid") is None
    assert driver.find_element(By.ID, "tags-error").text != ""
    tags = driver.find_element(By.ID, "tags")
    tags.clear()
    tags.send_keys("Test Run, cats")
    assert driver.find_element(By.ID, "tags-error").text == ""
    driver.find_element(By.ID, "image").send_keys(str(good))
    wait(driver, lambda d: image_error.text == "", "the picture's error gone")
    driver.find_element(By.ID, "submit").click()
    wait(driver, lambda d: re.fullmatch(rf"{base}/m/\d+", d.current_url), "the meme's page")
    meme_id = int(driver.current_url.rsplit("/", 1)[1])
    rows = query(database_url, "SELECT title, tags_text FROM memes WHERE id = %s", (meme_id,))
    assert rows == [("Keyboard cat", "cats test-run")]


async def test_the_upload_form_says_every_problem_at_once(api, driver, tmp_path, database_url):
    base, _, _ = api
    big = tmp_path / "big.png"
    noise = Image.effect_noise((800, 800), 80).convert("RGB")
    noise.save(big, "PNG")
    assert big.stat().st_size > MAX_UPLOAD
    good = tmp_path / "good.jpg"
    good.write_bytes(meme_picture("play him off", "keyboard cat", 0.9, 1))
    await in_thread(upload_errors, driver, base, big, good, database_url)


def meme_page(driver, base: str, memes: dict, upload: Path, processed, database_url: str):
    fresh(driver, base)
    # Text read in the picture, the template, the similar memes.
    driver.get(f"{base}/m/{memes['Boromir, reposted']}")
    wait(driver, lambda d: d.find_element(By.ID, "meme-title").text == "Boromir, reposted", "it")
    text = driver.find_element(By.ID, "picture-text")
    wait(driver, lambda d: text.text, "the text read in the picture")
    assert text.text == "ONE DOES NOT SIMPLY\nWRITE SQL BY HAND"
    wait(driver, lambda d: "with this template" in d.find_element(By.ID, "template").text, "tpl")
    assert driver.find_element(By.ID, "template").text == "2 memes with this template"
    wait(driver, lambda d: d.find_element(By.ID, "similar").is_displayed(), "similar memes")
    similar = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#similar-grid .title")]
    assert similar == ["Boromir"]
    assert driver.find_element(By.ID, "processing").text == ""  # processed before: nothing to say

    # Previous (newer) and next (older), as links and with the arrow keys.
    newer, older = driver.find_element(By.ID, "newer"), driver.find_element(By.ID, "older")
    wait(driver, lambda d: newer.is_displayed() and older.is_displayed(), "previous and next")
    assert newer.get_attribute("href") == f"{base}/m/{memes['Tall']}"
    assert older.get_attribute("href") == f"{base}/m/{memes['Boromir']}"
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    wait(driver, lambda d: d.current_url == f"{base}/m/{memes['Boromir']}", "the next meme")
    wait(driver, lambda d: d.find_element(By.ID, "newer").is_displayed(), "its previous")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    wait(driver, lambda d: d.current_url == f"{base}/m/{memes['Boromir, reposted']}", "back")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    wait(driver, lambda d: d.current_url == f"{base}/m/{memes['Tall']}", "the tall one")

    # A tall picture: fitted to the window, at full size on a click, fitted again.
    picture = driver.find_element(By.ID, "picture")
    wait(driver, lambda d: d.execute_script("return arguments[0].naturalHeight", picture), "it")
    wait(driver, lambda d: picture.get_attribute("role") == "button", "zoomable")
    assert picture.size["height"] < 900
    picture.click()
    assert picture.size["height"] == 2400 and picture.get_attribute("aria-pressed") == "true"
    picture.send_keys(Keys.ENTER)
    assert picture.size["height"] < 900
    assert driver.find_element(By.ID, "newer").is_displayed() is False  # the newest
    assert driver.find_element(By.ID, "read-text").is_displayed() is False  # no text read
    assert driver.find_element(By.ID, "older").is_displayed()

    # Uploaded here: its page says so, shows the processing as it goes, and offers the link.
    driver.get(base + "/upload")
    driver.find_element(By.ID, "title").send_keys("Keyboard cat")
    driver.find_element(By.ID, "image").send_keys(str(upload))
    driver.find_element(By.ID, "submit").click()
    wait(driver, lambda d: re.fullmatch(rf"{base}/m/\d+", d.current_url), "its page, no hash")
    meme_id = int(driver.current_url.rsplit("/", 1)[1])
    status = driver.find_element(By.ID, "status")
    wait(driver, lambda d: status.text.startswith("Uploaded."), "the notice")
    state = driver.find_element(By.ID, "processing")
    wait(driver, lambda d: state.text.startswith("Processing the picture"), "its processing")
    link = driver.find_element(By.ID, "manage-link").get_attribute("value")
    token = driver.execute_script(f"return JSON.parse(localStorage['memes.editTokens'])[{meme_id}]")
    assert link == f"{base}/m/{meme_id}#token={token}"
    processed()  # a worker's results, while the page is open
    wait(driver, lambda d: state.text == "Processed.", "processed, said")
    assert driver.find_element(By.ID, "picture-text").text == "PLAY HIM OFF"
    screenshot(driver, DOCS / "gallery-meme-uploaded.png", DESKTOP)

    # Another browser (nothing kept) opens the link: the token is kept, gone from the URL.
    forget_storage(driver)
    driver.get(link)
    wait(driver, lambda d: d.find_element(By.ID, "owner").is_displayed(), "the owner's forms")
    assert driver.execute_script("return location.href") == f"{base}/m/{meme_id}"
    assert str(meme_id) in driver.execute_script("return localStorage['memes.editTokens']")
    assert driver.execute_script("return history.length") >= 1
    title = driver.find_element(By.ID, "title")
    title.clear()
    title.send_keys("Keyboard cat, managed", Keys.ENTER)
    wait(driver, lambda d: d.find_element(By.ID, "status").text == "Saved.", "saved")
    assert query(database_url, "SELECT title FROM memes WHERE id = %s", (meme_id,)) == [
        ("Keyboard cat, managed",)
    ]
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


async def test_a_memes_page_shows_what_the_api_knows(api, driver, tmp_path, database_url):
    base, http, services = api
    boromir = meme_picture("one does not simply", "write sql by hand", 0.6, 1)
    memes = {}
    for title, picture in [("Plain", meme_picture("nothing", "to read", 0.1, 2)),
                           ("Boromir", boromir), ("Boromir, reposted", recompressed(boromir, 0.7, 55)),
                           ("Tall", tall_jpeg())]:  # fmt: skip
        memes[title] = (await post(http, title, picture))["id"]
    sha = {t: query(database_url, "SELECT image_sha256 FROM memes WHERE id = %s", (i,))[0][0]
           for t, i in memes.items()}  # fmt: skip
    words = "ONE DOES NOT SIMPLY\nWRITE SQL BY HAND"
    await process(services, {sha["Boromir"]: (words, 77), sha["Boromir, reposted"]: (words, 77)})
    upload = tmp_path / "keyboard-cat.jpg"
    upload.write_bytes(meme_picture("play him off", "keyboard cat", 0.9, 1))
    loop = asyncio.get_running_loop()

    def processed():
        sha256 = query(database_url, "SELECT image_sha256 FROM memes ORDER BY id DESC LIMIT 1")
        found = {sha256[0][0]: ("PLAY HIM OFF", -(2**62))}  # a template of its own
        asyncio.run_coroutine_threadsafe(process(services, found), loop).result(30)

    await in_thread(meme_page, driver, base, memes, upload, processed, database_url)
