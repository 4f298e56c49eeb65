"""The gallery's grid and upload form in headless Chromium (one browser for the file), at
1280×900 and 390×844: the grid reads one page on load; the tag bar is one sideways row on a
phone; dark mode on every page; the upload form says every problem at once, in plain words,
before sending, and shows the tags as they will be saved. Takes docs/gallery-dark.png,
docs/gallery-phone-tags.png and docs/gallery-upload-errors.png."""

import re
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from tests.browser import cards, pictures_loaded, screenshot, wait
from tests.gallery_session import (
    DESKTOP,
    DOCS,
    MAX_UPLOAD,
    PHONE,
    api,
    dark,
    driver,
    fresh,
    in_thread,
    luminance,
    phone,
    post,
)
from tests.helpers import query
from tests.meme_pictures import meme_picture

__all__ = ["api", "driver"]  # the fixtures
pytestmark = pytest.mark.slow

TAGS = ["classic", "work", "cats", "dogs", "programming", "friday", "monday", "coffee",
        "deploy", "tests", "office", "reaction", "wholesome", "gaming", "music", "science"]  # fmt: skip


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
