"""Templates in the gallery, in headless Chromium (as test_gallery): the Templates page (`/t`),
each template linking to the grid of its memes; a meme's page: its template ("N memes with this
template"), its similar memes badged (`Repost`, `Same picture`), a failed picture, a template
gone, a picture processed while the page is open. A worker processes the pictures for real (OCR
and all). Takes docs/gallery-templates.png and docs/gallery-meme.png."""

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.app import create_app as create_api_app
from api.db import jobs
from api.db.templates import fold_template_counts
from api.web.state import SERVICES
from tests.browser import card_titles, chromium, pictures_loaded, screenshot, wait
from tests.helpers import api_settings_for, eventually, query, working
from tests.meme_pictures import meme_picture, recompressed
from tests.pictures import noise_png

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parent.parent / "docs"
PHONE = (390, 844)
BOROMIR = meme_picture("one does not simply", "write sql by hand", 0.6, 1)
# Oldest first. Boromir's template: his picture, a copy of it, a repost, another caption.
MEMES = [
    ("Boromir", BOROMIR),
    ("Cats hate monday", meme_picture("cats hate", "monday", 0.6, 1)),
    ("This is fine", meme_picture("this is fine", "", 0.1, 2)),
    ("Static", noise_png(3)),
    ("Boromir again", BOROMIR),
    ("Boromir, reposted", recompressed(BOROMIR, 0.7, 55)),
]


async def post(http: aiohttp.ClientSession, title: str, picture: bytes) -> dict:
    form = aiohttp.FormData({"title": title})
    form.add_field("image", picture, filename="meme.jpg", content_type="image/jpeg")
    async with http.post("/memes", data=form) as response:
        assert response.status == 201, await response.text()
        return await response.json()


@pytest.fixture
async def gallery(aiohttp_server, media_server, database_url, tmp_path):
    """The api with MEMES processed, a meme whose processing failed and one just posted: its
    url, the memes' ids by title, its services."""
    settings = api_settings_for(database_url, str(media_server.make_url("")), tmp_path)
    app = create_api_app(settings)
    api = await aiohttp_server(app)
    services = app[SERVICES]
    url = str(api.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(url) as http:
        broken = await post(http, "Broken", meme_picture("cannot", "be read", 0.9, 0))
        job = await jobs.claim(services.db, "test", 60)  # the only job due: Broken's
        assert await jobs.failed(services.db, job, "cannot read it", 1, 0) == "failed"
        memes = {"Broken": broken["id"]}
        for title, picture in MEMES:
            memes[title] = (await post(http, title, picture))["id"]

        async def all_processed() -> bool:
            async with http.get("/memes?processing=pending") as response:
                return (await response.json())["items"] == []

        async with working(services):
            assert await eventually(all_processed, 60)
        await fold_template_counts(services.db)  # most used first (the housekeeping does too)
        picture = meme_picture("not processed", "yet", 0.35, 0)
        memes["Just posted"] = (await post(http, "Just posted", picture))["id"]
    return url, memes, services


PICTURES_OF_MEMES = " FROM memes m JOIN blobs b ON b.sha256 = m.image_sha256"


def template_of(database_url: str, meme_id: int) -> int:
    sql = "SELECT b.template_id" + PICTURES_OF_MEMES + " WHERE m.id = %s"
    return query(database_url, sql, (meme_id,))[0][0]


def titles_of_template(database_url: str, template: int) -> list[str]:
    """Its memes, newest first (the grid's order), from the database."""
    sql = "SELECT m.title" + PICTURES_OF_MEMES + " WHERE b.template_id = %s"
    sql += " ORDER BY m.created_at DESC, m.id DESC"
    return [title for (title,) in query(database_url, sql, (template,))]


def template_cards(driver) -> list[tuple[str, str]]:
    """(count, link) of each card on the Templates page."""
    return [
        (card.find_element(By.CSS_SELECTOR, ".count").text,
         card.find_element(By.CSS_SELECTOR, "a").get_attribute("href"))
        for card in driver.find_elements(By.CSS_SELECTOR, "#templates .card")
    ]  # fmt: skip


def browse(base: str, memes: dict, process, shots: Path, database_url: str) -> None:
    """The gallery in a browser; `process()` starts a worker (for the meme just posted)."""
    boromir = template_of(database_url, memes["Boromir"])
    members = titles_of_template(database_url, boromir)
    # The premise: the copy, the repost and the other caption all share Boromir's template.
    assert sorted(members) == sorted(
        ["Boromir", "Cats hate monday", "Boromir again", "Boromir, reposted"]
    )
    driver = chromium(shots / "profile")
    try:
        # The Templates page, from the bar: most used first, each with its count.
        driver.get(base + "/")
        driver.find_element(By.LINK_TEXT, "Templates").click()
        wait(driver, lambda d: d.current_url == base + "/t", "the Templates page")
        wait(driver, lambda d: len(template_cards(d)) == 3, "the three templates")
        cards = template_cards(driver)
        assert cards[0] == ("4 memes", f"{base}/?template={boromir}")
        assert [count for count, _ in cards[1:]] == ["1 meme", "1 meme"]
        wait(driver, lambda d: pictures_loaded(d, "#templates img"), "the examples")
        screenshot(driver, DOCS / "gallery-templates.png", (1280, 900))
        screenshot(driver, shots / "templates-phone.png", PHONE)

        # A template's card: the grid of exactly its memes, the filter shown and clearable.
        driver.find_element(By.CSS_SELECTOR, "#templates .card a").click()
        wait(driver, lambda d: d.current_url == f"{base}/?template={boromir}", "its memes")
        wait(driver, lambda d: card_titles(d) == members, "exactly the template's memes")
        assert driver.find_element(By.ID, "status").text == f"4 memes match template {boromir}"
        chip = driver.find_element(By.CSS_SELECTOR, "#tags .tag.template")
        assert chip.get_attribute("aria-current") == "true"
        chip.click()
        wait(driver, lambda d: d.current_url == base + "/", "the filter cleared")
        wait(driver, lambda d: len(card_titles(d)) == 8, "every meme")

        # The repost's page: its template, the original marked, its similar memes badged.
        driver.get(f"{base}/m/{memes['Boromir, reposted']}")
        line = "4 memes with this template"
        wait(driver, lambda d: d.find_element(By.ID, "template").text == line, "the template")
        repost_of = driver.find_element(By.ID, "repost-of")
        wait(driver, lambda d: repost_of.is_displayed(), "marked as a repost")
        assert repost_of.text == "Repost of Boromir"
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#similar .card")) == 3,
             "the similar memes")  # fmt: skip
        badges = {
            card.find_element(By.CSS_SELECTOR, ".title").text: card.find_element(
                By.CSS_SELECTOR, ".badge").text
            for card in driver.find_elements(By.CSS_SELECTOR, "#similar .card")
            if card.find_elements(By.CSS_SELECTOR, ".badge")
        }  # fmt: skip
        assert badges == {"Boromir": "Repost", "Boromir again": "Repost"}
        shown = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#similar .title")]
        assert shown == ["Boromir", "Boromir again", "Cats hate monday"]
        wait(driver, lambda d: pictures_loaded(d, "#similar img, #picture"), "the pictures")
        screenshot(driver, DOCS / "gallery-meme.png", (1280, 900))
        screenshot(driver, shots / "meme-phone.png", PHONE)

        # The original's page: its twin is the same picture, and it is no repost itself.
        driver.get(f"{base}/m/{memes['Boromir']}")
        wait(driver, lambda d: d.find_element(By.ID, "template").text == line, "the template")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#similar .badge"), "badges")
        badges = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#similar .badge")]
        assert badges == ["Same picture", "Repost"]
        assert not driver.find_element(By.ID, "repost-of").is_displayed()
        driver.find_element(By.LINK_TEXT, line).click()
        wait(driver, lambda d: d.current_url == f"{base}/?template={boromir}", "its memes")
        wait(driver, lambda d: card_titles(d) == members, "the template's memes")

        # A picture whose processing failed: no template, and why; no similar strip.
        driver.get(f"{base}/m/{memes['Broken']}")
        wait(driver, lambda d: d.find_element(By.ID, "template").text, "the template line")
        assert driver.find_element(By.ID, "template").text == (
            "None: the picture could not be processed (cannot read it)"
        )
        assert not driver.find_element(By.ID, "similar").is_displayed()

        # A template gone meanwhile (no picture left to show): said, not linked.
        fine = template_of(database_url, memes["This is fine"])
        assert query(database_url, "UPDATE templates SET example_sha256 = NULL WHERE id = %s"
                     " RETURNING id", (fine,)) == [(fine,)]  # fmt: skip
        driver.get(f"{base}/m/{memes['This is fine']}")
        wait(driver, lambda d: d.find_element(By.ID, "template").text, "the template line")
        assert driver.find_element(By.ID, "template").text == "Gone (it is no longer listed)"
        assert not driver.find_elements(By.CSS_SELECTOR, "#template a")
        driver.get(base + "/t")
        wait(driver, lambda d: len(template_cards(d)) == 2, "the gone template not listed")

        # More templates than a page (24), made here with SQL (a worker would take minutes),
        # all showing Boromir's picture: the page follows `next` as its end comes into view.
        sha256 = query(database_url, "SELECT image_sha256 FROM memes WHERE id = %s",
                       (memes["Boromir"],))[0][0]  # fmt: skip
        made = query(
            database_url,
            "INSERT INTO templates (signature, example_sha256)"
            " SELECT g, %s FROM generate_series(1, 25) g RETURNING id",
            (sha256,),
        )
        driver.get(base + "/t")
        wait(driver, lambda d: len(template_cards(d)) >= 24, "the first page")
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        wait(driver, lambda d: len(template_cards(d)) == 27, "the next page, followed")
        links = [link for _, link in template_cards(driver)]
        assert len(set(links)) == 27 and links[0] == f"{base}/?template={boromir}"
        assert {f"{base}/?template={template_id}" for (template_id,) in made} < set(links)
        assert driver.find_element(By.ID, "status").text == "27 templates"

        # A meme just posted: its page says its template comes, and shows it once processed.
        driver.get(f"{base}/m/{memes['Just posted']}")
        coming = "Found once the picture is processed"
        wait(driver, lambda d: d.find_element(By.ID, "template").text == coming, "it comes")
        process()
        WebDriverWait(driver, 40).until(
            lambda d: re.fullmatch(r"\d+ memes? with this template",
                                   d.find_element(By.ID, "template").text), "looked again",
        )  # fmt: skip

        unexpected = [
            entry["message"]
            for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"
            and not re.search(rf"/templates/{fine} - .* 404", entry["message"])
        ]
        assert unexpected == []  # no script error, nothing refused by the CSP
    finally:
        driver.quit()


async def test_templates_in_the_gallery(gallery, tmp_path, database_url):
    base, memes, services = gallery
    loop = asyncio.get_running_loop()
    asked, finished = asyncio.Event(), asyncio.Event()

    async def worker_when_asked() -> None:
        await asked.wait()
        async with working(services):
            await finished.wait()

    def process() -> None:  # from the browser's thread
        loop.call_soon_threadsafe(asked.set)

    worker = asyncio.create_task(worker_when_asked())
    try:
        # Selenium blocks: it runs in a thread while the api answers on this loop.
        await asyncio.wait_for(
            asyncio.to_thread(browse, base, memes, process, tmp_path, database_url), 120
        )
    finally:
        finished.set()
        if not asked.is_set():
            worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
