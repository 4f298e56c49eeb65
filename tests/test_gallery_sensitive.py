"""Sensitive memes in the gallery, in headless Chromium (as test_gallery): their pictures are
blurred under a veil in the grid and on the meme's page until clicked (the card's link then
opens on the next click); the upload form's checkbox marks a meme sensitive. Takes
docs/gallery-sensitive.png."""

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By

from api.app import create_app as create_api_app
from tests.browser import card_titles, cards, chromium, screenshot, wait
from tests.helpers import api_settings_for, query
from tests.meme_pictures import meme_picture

pytestmark = pytest.mark.slow

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "gallery-sensitive.png"
# Oldest first; True: posted marked sensitive.
MEMES = [
    ("Distracted boyfriend", "new framework", "looks good", False),
    ("Not for work", "you have been", "warned", True),
    ("This is fine", "this is fine", "everything is fine", False),
    ("Grumpy cat", "I had fun once", "it was awful", False),
    ("Spoiler", "the ending", "is a twist", True),
    ("Success kid", "tests pass", "first try", False),
]


@pytest.fixture
async def gallery(aiohttp_server, media_server, database_url, tmp_path) -> str:
    settings = api_settings_for(database_url, str(media_server.make_url("")), tmp_path)
    api = await aiohttp_server(create_api_app(settings))
    url = str(api.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(url) as http:
        for index, (title, top, bottom, sensitive) in enumerate(MEMES):
            form = aiohttp.FormData({"title": title, "sensitive": str(sensitive).lower()})
            picture = meme_picture(top, bottom, hue=index * 0.17, shape=index)
            form.add_field("image", picture, filename="meme.jpg", content_type="image/jpeg")
            async with http.post("/memes", data=form) as response:
                assert response.status == 201, await response.text()
    return url


def blurred(element) -> bool:
    image = element.find_element(By.TAG_NAME, "img")
    return "blur" in image.value_of_css_property("filter")


def card_of(driver, title: str):
    return next(c for c in cards(driver) if c.find_element(By.CSS_SELECTOR, ".title").text == title)


def browse(base: str, profile: Path, upload: Path, database_url: str) -> None:
    driver = chromium(profile)
    try:
        driver.get(base + "/")
        wait(driver, lambda d: len(cards(d)) == len(MEMES), "the grid")
        veiled = [c.find_element(By.CSS_SELECTOR, ".title").text
                  for c in cards(driver) if c.find_elements(By.CSS_SELECTOR, ".frame.sensitive")]  # fmt: skip
        assert veiled == ["Spoiler", "Not for work"]
        spoiler = card_of(driver, "Spoiler")
        assert blurred(spoiler) and not blurred(card_of(driver, "Success kid"))
        assert "Sensitive" in spoiler.find_element(By.CSS_SELECTOR, ".veil").text
        wait(driver, lambda d: d.execute_script(
            "return [...document.querySelectorAll('#grid img')].every((i) => i.naturalWidth)"
        ), "the thumbnails")  # fmt: skip
        screenshot(driver, SCREENSHOT, (1280, 900))

        # A first click shows the picture and stays; the second opens the meme.
        spoiler.find_element(By.CSS_SELECTOR, ".veil").click()
        wait(driver, lambda d: not blurred(card_of(d, "Spoiler")), "the picture shown")
        assert driver.current_url == base + "/"
        assert not card_of(driver, "Spoiler").find_elements(By.CSS_SELECTOR, ".veil")
        card_of(driver, "Spoiler").find_element(By.CSS_SELECTOR, "a.open").click()
        wait(driver, lambda d: re.fullmatch(rf"{base}/m/\d+", d.current_url), "its page")

        # The meme's page veils it too, until clicked.
        figure = driver.find_element(By.CSS_SELECTOR, "figure.picture")
        wait(driver, lambda d: "sensitive" in figure.get_attribute("class"), "the veil")
        assert blurred(figure)
        figure.find_element(By.CSS_SELECTOR, ".veil").click()
        wait(driver, lambda d: not blurred(figure), "the picture shown")

        # Uploaded with the checkbox: marked by its poster, veiled in the grid.
        driver.get(base + "/upload")
        driver.find_element(By.ID, "image").send_keys(str(upload))
        driver.find_element(By.ID, "title").send_keys("Marked here")
        driver.find_element(By.ID, "sensitive").click()
        driver.find_element(By.ID, "submit").click()
        wait(driver, lambda d: re.fullmatch(rf"{base}/m/\d+", d.current_url), "the new meme")
        assert query(
            database_url, "SELECT sensitive_mark FROM memes WHERE title = 'Marked here'"
        ) == [("poster",)]
        driver.get(base + "/")
        wait(driver, lambda d: card_titles(d)[:1] == ["Marked here"], "the new meme first")
        assert blurred(card_of(driver, "Marked here"))
    finally:
        driver.quit()


async def test_sensitive_pictures_are_blurred_until_clicked(gallery, database_url, tmp_path):
    upload = tmp_path / "upload.jpg"
    upload.write_bytes(meme_picture("marked", "by its poster", hue=0.5, shape=3))
    await asyncio.to_thread(browse, gallery, tmp_path / "profile", upload, database_url)
