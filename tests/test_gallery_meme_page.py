"""A meme's page in headless Chromium (one browser for the file): the text read in its
picture, its template and similar memes, its processing as it goes, previous and next (links
and arrow keys), a tall picture at full size on a click, and, after an upload, a private
manage link that another browser opens to own the meme. Takes docs/gallery-meme-uploaded.png."""

import asyncio
import re
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser import screenshot, wait
from tests.gallery_session import (
    DESKTOP,
    DOCS,
    api,
    driver,
    forget_storage,
    fresh,
    in_thread,
    post,
    process,
    tall_jpeg,
)
from tests.helpers import query
from tests.meme_pictures import meme_picture, recompressed

__all__ = ["api", "driver"]  # the fixtures
pytestmark = pytest.mark.slow


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
        found = {sha256[0][0]: ("PLAY HIM OFF", 0x5555_5555_5555_5555)}  # far: its own template
        asyncio.run_coroutine_threadsafe(process(services, found), loop).result(30)

    await in_thread(meme_page, driver, base, memes, upload, processed, database_url)
