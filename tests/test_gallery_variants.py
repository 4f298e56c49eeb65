"""Pictures in the gallery, in headless Chromium (as test_gallery): the grid's crop at 1x and 2x
(srcset) in AVIF, each meme's placeholder painted until its picture loads, a badge on a GIF;
the meme's page shows the page size, and its Download link gets the file named after the
title."""

import asyncio
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By

from api.app import create_app as create_api_app
from api.web.state import SERVICES
from tests.browser import cards, chromium, pictures_loaded, wait
from tests.helpers import api_settings_for, eventually, working
from tests.meme_pictures import meme_picture
from tests.pictures import animated_gif

pytestmark = pytest.mark.slow


@pytest.fixture
async def gallery(aiohttp_server, media_server, database_url, tmp_path) -> str:
    """Two memes, a wide picture and a GIF, processed (their placeholders painted)."""
    settings = api_settings_for(database_url, str(media_server.make_url("")), tmp_path)
    api = await aiohttp_server(create_api_app(settings))
    url = str(api.make_url("")).rstrip("/")
    wide = meme_picture("when the meme", "is wide", hue=0.3, shape=2)
    async with aiohttp.ClientSession(url) as http:
        for title, image in (("Wide meme", wide), ("Moving meme", animated_gif(4))):
            form = aiohttp.FormData({"title": title})
            form.add_field("image", image, filename="meme", content_type="application/octet-stream")
            async with http.post("/memes", data=form) as response:
                assert response.status == 201, await response.text()

        async def processed() -> bool:
            async with http.get("/memes?processing=done") as response:
                return len((await response.json())["items"]) == 2

        async with working(api.app[SERVICES]):
            assert await eventually(processed, 60)
    return url


def browse(base: str, profile: Path) -> None:
    driver = chromium(profile)
    try:
        # The placeholders are painted first: the pictures wait until the page has shown them.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*size=grid*"]})
        driver.get(base + "/")
        wait(driver, lambda d: len(cards(d)) == 2, "the grid")
        frames = driver.find_elements(By.CSS_SELECTOR, "#grid .frame")
        for frame in frames:
            assert "placeheld" in frame.get_attribute("class").split()
            assert frame.value_of_css_property("background-image").startswith('url("data:image/png')
        badges = [c.find_elements(By.CSS_SELECTOR, ".frame .gif") for c in cards(driver)]
        assert [len(b) for b in badges] == [1, 0]  # the GIF, newest first
        assert badges[0][0].text == "GIF"
        image = cards(driver)[1].find_element(By.TAG_NAME, "img")
        content_url = image.get_attribute("src").removesuffix("?size=grid")
        assert content_url.startswith(base + "/images/")
        srcset = f"{content_url}?size=grid 1x, {content_url}?size=grid2x 2x"
        assert image.get_attribute("srcset").replace(base, "") == srcset.replace(base, "")

        # Let through, they replace the placeholders: the 1x crop (240 wide) on this screen.
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        driver.refresh()
        wait(driver, lambda d: pictures_loaded(d, "#grid img"), "the pictures")
        wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".placeheld"), "painted over")
        image = cards(driver)[1].find_element(By.TAG_NAME, "img")
        assert driver.execute_script("return arguments[0].naturalWidth", image) == 240
        assert image.get_attribute("currentSrc").endswith("?size=grid")

        # The meme's page: the page size, and a Download link the api names.
        cards(driver)[1].find_element(By.CSS_SELECTOR, "a.open").click()
        wait(driver, lambda d: pictures_loaded(d, "#picture"), "its picture")
        picture = driver.find_element(By.ID, "picture")
        assert picture.get_attribute("src").endswith("?size=page")
        download = driver.find_element(By.ID, "download")
        assert download.get_attribute("href").endswith("/image?download=true")
        assert download.get_attribute("download") == ""  # the server's name wins
    finally:
        driver.quit()


async def test_grid_srcset_placeholders_and_gif_badge(gallery, tmp_path):
    await asyncio.wait_for(asyncio.to_thread(browse, gallery, tmp_path / "profile"), 90)
