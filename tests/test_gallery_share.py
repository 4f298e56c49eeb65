"""A meme's Copy link panel in headless Chromium (as test_gallery): the page's link, the
picture's and Markdown, absolute at `PUBLIC_URL`; copied to the clipboard with a visible
"Copied", or selected for Ctrl+C where there is no clipboard. Takes docs/gallery-share.png."""

import asyncio
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By

from api.app import create_app as create_api_app
from tests.browser import chromium, pictures_loaded, screenshot, wait
from tests.helpers import api_settings_for
from tests.meme_pictures import meme_picture

pytestmark = pytest.mark.slow

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "gallery-share.png"
PUBLIC = "https://memes.example.com"
TITLE = "Links [that] unfurl"


@pytest.fixture
async def gallery(aiohttp_server, media_server, database_url, tmp_path) -> tuple[str, int]:
    media = str(media_server.make_url(""))
    settings = api_settings_for(database_url, media, tmp_path, public_url=PUBLIC)
    api = await aiohttp_server(create_api_app(settings))
    url = str(api.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(url) as http:
        form = aiohttp.FormData({"title": TITLE, "description": "Pasted in a chat, it shows"})
        picture = meme_picture("paste a link", "get a picture", hue=0.6, shape=2)
        form.add_field("image", picture, filename="meme.jpg", content_type="image/jpeg")
        async with http.post("/memes", data=form) as response:
            assert response.status == 201, await response.text()
            return url, (await response.json())["id"]


def value(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).get_attribute("value")


def said(driver) -> str:
    return driver.find_element(By.ID, "share-status").text


def copy_button(driver, element_id: str):
    return driver.find_element(By.CSS_SELECTOR, f'button[data-copy="{element_id}"]')


def share(base: str, meme_id: int, profile: Path, phone: Path) -> None:
    driver = chromium(profile)
    try:
        driver.execute_cdp_cmd("Browser.grantPermissions", {
            "origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        })  # fmt: skip
        driver.get(f"{base}/m/{meme_id}")
        wait(driver, lambda d: d.find_element(By.ID, "meme").is_displayed(), "the meme")
        panel = driver.find_element(By.ID, "share-links")
        assert not panel.is_displayed()
        button = driver.find_element(By.ID, "share")
        button.click()
        assert panel.is_displayed() and button.get_attribute("aria-expanded") == "true"
        picture = f"{PUBLIC}/memes/{meme_id}/image"
        assert value(driver, "share-page") == f"{PUBLIC}/m/{meme_id}"
        assert value(driver, "share-picture") == picture
        assert value(driver, "share-markdown") == rf"![Links \[that\] unfurl]({picture})"

        copy_button(driver, "share-markdown").click()
        wait(driver, lambda d: said(d) == "Copied the Markdown.", "Copied")
        assert copy_button(driver, "share-markdown").text == "Copied"
        clipboard = driver.execute_async_script(
            "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0](String(e)))"
        )
        assert clipboard == value(driver, "share-markdown")
        wait(driver, lambda d: pictures_loaded(d, "#picture"), "the picture")
        screenshot(driver, SCREENSHOT, (1280, 900))
        screenshot(driver, phone, (390, 844))  # nothing wider than a phone

        # No clipboard (plain http to another machine), no execCommand: the link is selected.
        driver.execute_script("""
            Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
            document.execCommand = () => false;
        """)
        copy_button(driver, "share-page").click()
        wait(driver, lambda d: "press Ctrl+C" in said(d), "the fallback")
        assert said(driver).startswith("The page link is selected")
        selected = driver.execute_script(
            "const i = document.activeElement; return [i.id, i.selectionStart, i.selectionEnd]"
        )
        assert selected == ["share-page", 0, len(f"{PUBLIC}/m/{meme_id}")]

        button.click()
        assert not panel.is_displayed() and button.get_attribute("aria-expanded") == "false"
    finally:
        driver.quit()


async def test_the_copy_link_panel_copies_absolute_links(gallery, tmp_path):
    base, meme_id = gallery
    phone = tmp_path / "share-phone.png"
    await asyncio.to_thread(share, base, meme_id, tmp_path / "profile", phone)
