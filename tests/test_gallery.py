"""The gallery at `/`, driven in a real browser: Debian's headless Chromium through Selenium,
against the api on a real socket (media a process of its own, on the disk store). It uploads a
picture through the form, finds it in the grid, by search and by tag, opens it and deletes it;
the screenshot of the grid it takes is the README's (docs/gallery.png)."""

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from api.app import create_app as create_api_app
from api.settings import ApiSettings
from api.web.gallery import CSP
from tests.browser import card_titles, cards, chromium, thumbnails_in_view_loaded, wait
from tests.helpers import api_settings_for, create_meme, query
from tests.meme_pictures import meme_picture

pytestmark = pytest.mark.slow

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "gallery.png"

# The collection the screenshot shows: more than a page (24), so the grid must follow `next`.
CLASSICS = [
    ("Distracted boyfriend", "new framework", "looks good", ["classic", "work"]),
    ("This is fine", "this is fine", "everything is fine", ["dogs", "classic"]),
    ("One does not simply", "one does not simply", "deploy on friday", ["work", "classic"]),
    ("Grumpy cat", "I had fun once", "it was awful", ["cats", "classic"]),
    ("Doge", "such wow", "very meme", ["dogs"]),
    ("Success kid", "tests pass", "first try", ["work"]),
    ("Office cat", "keyboard", "warmer", ["cats", "work"]),
    ("Philosoraptor", "if a test never fails", "does it test anything", ["classic"]),
]


def memes_to_show(count: int = 28):
    for index in range(count):
        title, top, bottom, tags = CLASSICS[index % len(CLASSICS)]
        if index >= len(CLASSICS):
            title = f"{title} #{index // len(CLASSICS) + 1}"
        yield title, meme_picture(top, bottom, hue=(index * 0.137) % 1, shape=index), tags


@pytest.fixture
async def gallery(aiohttp_server, media_process, database_url, tmp_path) -> str:
    """The api, on this test's loop; media, as deployed, a process of its own, and the api's
    budget for each call to it the shipped one. With media on this loop too and the tests' 2 s
    budget, 3 thumbnails of a burst were 503 in 1 of 6 `make test` runs, timed out together:
    this process (both services on one loop, Selenium's thread beside it) fell 2 s behind."""
    shipped = ApiSettings.model_fields["media_timeout_seconds"].default
    settings = api_settings_for(
        database_url, media_process.url, tmp_path, media_timeout_seconds=shipped
    )
    api = await aiohttp_server(create_api_app(settings))
    url = str(api.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(url) as http:
        for title, image, tags in reversed(list(memes_to_show())):
            form = aiohttp.FormData({"title": title, "tags": ",".join(tags)})
            form.add_field("image", image, filename="meme.jpg", content_type="image/jpeg")
            async with http.post("/memes", data=form) as response:
                assert response.status == 201, await response.text()
    return url


def browse(base: str, profile: Path, upload: Path, database_url: str) -> None:
    driver = chromium(profile)
    try:
        driver.get(base + "/")
        # The first page, then the rest through `next` as the end of the grid comes into view.
        wait(driver, lambda d: len(cards(d)) >= 24, "the first page")
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        wait(driver, lambda d: len(cards(d)) == 28, "the next page, followed")
        assert driver.find_element(By.ID, "status").text == "28 memes"

        # Upload through the form: a title missing first, said next to it (nothing sent).
        driver.find_element(By.LINK_TEXT, "Upload").click()
        wait(driver, lambda d: d.current_url == base + "/upload", "the upload page")
        driver.find_element(By.ID, "image").send_keys(str(upload))
        wait(driver, lambda d: d.find_element(By.ID, "preview").is_displayed(), "a preview")
        driver.find_element(By.ID, "submit").click()
        title_error = driver.find_element(By.ID, "title-error")
        wait(driver, lambda d: title_error.text, "the title's error")
        assert title_error.text == "The title can't be empty."  # said before sending
        title = driver.find_element(By.ID, "title")
        assert title.get_attribute("aria-invalid") == "true"
        assert query(database_url, "SELECT count(*) FROM memes") == [(28,)]
        title.send_keys("Keyboard cat")
        driver.find_element(By.ID, "description").send_keys("Play him off")
        driver.find_element(By.ID, "tags").send_keys("cats, music")
        driver.find_element(By.ID, "submit").click()
        wait(driver, lambda d: re.fullmatch(rf"{base}/m/\d+", d.current_url), "the meme's page")
        meme_id = int(driver.current_url.rsplit("/", 1)[1])
        assert query(database_url, "SELECT title, description, tags_text FROM memes WHERE id = %s",
                     (meme_id,)) == [("Keyboard cat", "Play him off", "cats music")]  # fmt: skip
        assert str(meme_id) in driver.execute_script("return localStorage['memes.editTokens']")

        # In the grid, newest first, its thumbnail loaded, its title as alt text.
        driver.get(base + "/")
        wait(driver, lambda d: card_titles(d)[:1] == ["Keyboard cat"], "the new meme first")
        wait(driver, thumbnails_in_view_loaded, "the thumbnails in view")
        first = cards(driver)[0].find_element(By.TAG_NAME, "img")
        assert first.get_attribute("alt") == "Keyboard cat"
        assert first.get_attribute("loading") == "lazy"
        assert first.get_attribute("src").endswith("?size=grid")
        SCREENSHOT.parent.mkdir(exist_ok=True)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(SCREENSHOT))

        # Found by search (from the keyboard), the words kept in the URL.
        search = driver.find_element(By.ID, "q")
        search.send_keys("keyb", Keys.ENTER)
        wait(driver, lambda d: d.current_url == base + "/?q=keyb", "the search's URL")
        wait(driver, lambda d: card_titles(d) == ["Keyboard cat"], "the search's result")
        # By tag: the chip in the tag bar, then the tag kept in the URL with the words.
        driver.get(base + "/")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#tags .tag"), "the tags")
        driver.find_element(By.CSS_SELECTOR, '#tags a[href="/?tag=music"]').click()
        wait(driver, lambda d: d.current_url == base + "/?tag=music", "the tag's URL")
        wait(driver, lambda d: card_titles(d) == ["Keyboard cat"], "the tag's result")
        assert driver.find_element(By.ID, "status").text == "1 meme match #music"

        # Opened from the keyboard: the picture, its words and facts.
        cards(driver)[0].find_element(By.CSS_SELECTOR, "a.open").send_keys(Keys.ENTER)
        wait(driver, lambda d: d.current_url == f"{base}/m/{meme_id}", "the meme's page")
        heading = "Keyboard cat"
        wait(driver, lambda d: d.find_element(By.ID, "meme-title").text == heading, "its title")
        picture = driver.find_element(By.ID, "picture")
        wait(driver, lambda d: d.execute_script("return arguments[0].naturalWidth", picture), "it")
        assert picture.get_attribute("alt") == "Keyboard cat"
        assert driver.find_element(By.ID, "dimensions").text == "480 × 360 pixels"
        assert driver.find_element(By.ID, "meme-description").text == "Play him off"
        assert re.fullmatch(r"\d+\.\d KiB", driver.find_element(By.ID, "size").text)

        # Edited with the token this browser kept.
        title = driver.find_element(By.ID, "title")
        title.clear()
        title.send_keys("Keyboard cat plays", Keys.ENTER)
        wait(driver, lambda d: d.find_element(By.ID, "status").text == "Saved.", "saved")
        assert driver.find_element(By.ID, "meme-title").text == "Keyboard cat plays"
        assert query(database_url, "SELECT title FROM memes WHERE id = %s", (meme_id,)) == [
            ("Keyboard cat plays",)
        ]

        # Deleted, with its token: asked twice, then gone from the database.
        driver.find_element(By.ID, "delete").click()
        driver.find_element(By.ID, "really-delete").click()
        wait(driver, lambda d: d.current_url == base + "/?deleted=1", "back to the grid")
        wait(driver, lambda d: "deleted" in d.find_element(By.ID, "status").text, "the notice")
        assert query(database_url, "SELECT count(*) FROM memes WHERE id = %s", (meme_id,)) == [(0,)]

        # A phone-sized window: two columns, nothing wider than the screen.
        driver.set_window_size(390, 844)
        wait(driver, lambda d: d.execute_script(
            "return getComputedStyle(document.getElementById('grid'))"
            ".gridTemplateColumns.split(' ').length") == 2, "two columns")  # fmt: skip
        assert driver.execute_script("return document.documentElement.scrollWidth <= innerWidth")

        problems = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert problems == []  # no script error, nothing refused by the CSP
    finally:
        driver.quit()


async def test_upload_find_open_delete_in_a_browser(gallery, tmp_path, database_url):
    upload = tmp_path / "keyboard-cat.jpg"
    upload.write_bytes(meme_picture("play him off", "keyboard cat", hue=0.9, shape=1))
    # Selenium blocks: it runs in a thread while the api answers on this loop.
    await asyncio.wait_for(
        asyncio.to_thread(browse, gallery, tmp_path / "profile", upload, database_url), 90
    )


async def test_gallery_pages_have_a_strict_csp_and_no_inline_code(client):
    meme = await create_meme(client, "A meme")  # its page's card names it absolutely
    own = f"http://127.0.0.1:{client.server.port}/"
    pages = ("/", "/upload", f"/m/{meme['id']}", "/m/404", "/t", "/mod")
    for path in (*pages, "/static/templates.js", "/static/mod.js", "/static/gallery.css"):
        response = await client.get(path)
        assert response.status == (404 if path == "/m/404" else 200), path
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if response.content_type == "text/html":
            html = await response.text()
            assert not re.search(r"<script(?![^>]*\ssrc=)", html), path  # every script a file
            assert not re.search(r"\s(style|on\w+)=", html), path  # no inline style or handler
            urls = re.findall(r"https?:[^\"]*", html)  # nothing from elsewhere
            assert all(url.startswith(own) for url in urls), path
            assert html.count('<main id="main"') == 1 and "$" not in html, path
            ids = re.findall(r'\sid="([^"]+)"', html)
            assert len(ids) == len(set(ids)), path
    assert "script-src 'self';" in CSP and "unsafe" not in CSP
    assert (await client.get("/static/grid.js")).content_type == "text/javascript"
    assert (await client.get("/static/nothing.js")).status == 404
    assert (await client.get("/static/..%2Fgallery.py")).status == 404
