"""The gallery's Report button and the moderators' page (/mod), in headless Chromium (as
test_gallery): a user reports a meme from its page; a moderator signs in (a wrong token
first), works the queue (hides one meme, bans another), restores the hidden one, and reads
the log. Takes docs/gallery-report.png, docs/gallery-moderation.png and
docs/gallery-moderation-phone.png."""

import asyncio
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By

from api.app import create_app as create_api_app
from tests.browser import chromium, pictures_loaded, screenshot, wait
from tests.helpers import api_settings_for, query
from tests.meme_pictures import meme_picture

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parent.parent / "docs"
MODERATOR = "carols-moderator-token-0123"
DESKTOP, PHONE = (1280, 900), (390, 844)
# Oldest first: a picture each.
MEMES = ["Distracted boyfriend", "Buy cheap watches", "Someone else's photo"]
# Reports the test sends itself, from other clients (a trusted proxy names them), so that the
# queue has counts: (meme, client, reason, note).
OTHER_REPORTS = [
    ("Buy cheap watches", "203.0.113.1", "spam", "a link to a scam shop"),
    ("Buy cheap watches", "203.0.113.2", "spam", None),
    ("Someone else's photo", "203.0.113.3", "other", "this is my photo, posted without asking"),
]


@pytest.fixture
async def site(aiohttp_server, media_server, database_url, tmp_path):
    settings = api_settings_for(
        database_url,
        str(media_server.make_url("")),
        tmp_path,
        moderator_tokens=f"carol:{MODERATOR}",
        trusted_proxies="127.0.0.1/32",
    )
    api = await aiohttp_server(create_api_app(settings))
    url = str(api.make_url("")).rstrip("/")
    ids, pictures = {}, {}
    for index, title in enumerate(MEMES):
        picture = pictures[title] = meme_picture(
            title.lower(), "for the moderators", index / 3, index
        )
        status, meme = await post_meme(url, title, picture)
        assert status == 201, meme
        ids[title] = meme["id"]
    async with aiohttp.ClientSession(url) as http:
        for title, client, reason, note in OTHER_REPORTS:
            body = {"reason": reason} | ({"note": note} if note else {})
            headers = {"X-Forwarded-For": client}
            async with http.post(f"/memes/{ids[title]}/reports", json=body, headers=headers) as r:
                assert r.status == 201, await r.text()
    return url, ids, pictures


async def post_meme(url: str, title: str, picture: bytes) -> tuple[int, dict]:
    form = aiohttp.FormData({"title": title})
    form.add_field("image", picture, filename="meme.jpg", content_type="image/jpeg")
    async with aiohttp.ClientSession() as http, http.post(url + "/memes", data=form) as response:
        return response.status, await response.json()


async def status_of(url: str, path: str, **kwargs) -> int:
    async with aiohttp.ClientSession() as http, http.get(url + path, **kwargs) as response:
        return response.status


def text(driver, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text


def queue_card(driver, meme_id: int):
    return driver.find_element(By.CSS_SELECTOR, f'#queue .report-card[data-id="{meme_id}"]')


def queue_ids(driver) -> list[int]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#queue .report-card')].map((c) => +c.dataset.id)"
    )


def log_rows(driver) -> list[list[str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#log tr')]"
        ".map((row) => [...row.cells].slice(1).map((cell) => cell.innerText))"
    )


def browse(url: str, ids: dict, profile: Path, database_url: str, check) -> None:
    boyfriend, watches, photo = (ids[title] for title in MEMES)
    driver = chromium(profile)
    try:
        # A user reports a meme from its page: a reason is asked for first.
        driver.get(f"{url}/m/{watches}")
        wait(driver, lambda d: text(d, "#meme-title") == "Buy cheap watches", "the meme")
        assert not driver.find_elements(By.ID, "moderate-link")
        assert not driver.find_element(By.ID, "moderator-actions").is_displayed()
        report = driver.find_element(By.ID, "report")
        report.click()
        assert report.get_attribute("aria-expanded") == "true"
        driver.find_element(By.ID, "report-send").click()
        wait(driver, lambda d: text(d, "#reason-error") == "Choose what is wrong with it.", "asked")
        driver.find_element(By.CSS_SELECTOR, 'input[name="reason"][value="spam"]').click()
        note = "Same watch shop as yesterday"
        driver.find_element(By.ID, "report-note").send_keys(note)
        assert text(driver, "#report-note-count") == f"{len(note)} of 500 characters"
        screenshot(driver, DOCS / "gallery-report.png", DESKTOP)
        driver.find_element(By.ID, "report-send").click()
        wait(driver, lambda d: text(d, "#report-status")
             == "Reported. Thank you: a moderator will look at it.", "thanked")  # fmt: skip
        assert not driver.find_element(By.ID, "report-form").is_displayed()
        assert query(database_url, "SELECT meme_id, reason, note, closed_at FROM reports"
                     " WHERE note = %s", (note,)) == [(watches, "spam", note, None)]  # fmt: skip
        # Again, on the page opened again: said it was reported already, nothing added.
        driver.get(f"{url}/m/{watches}")
        wait(driver, lambda d: text(d, "#meme-title") == "Buy cheap watches", "the meme")
        driver.find_element(By.ID, "report").click()
        driver.find_element(By.CSS_SELECTOR, 'input[name="reason"][value="nsfw"]').click()
        driver.find_element(By.ID, "report-send").click()
        wait(driver, lambda d: "reported this meme already" in text(d, "#report-status"), "409")
        assert query(database_url, "SELECT count(*) FROM reports") == [(4,)]

        # A moderator signs in at /mod: a wrong token first.
        driver.get(f"{url}/mod")
        token = driver.find_element(By.ID, "token")
        token.send_keys("not-a-moderators-token-42")
        driver.find_element(By.ID, "sign-in-button").click()
        wait(driver, lambda d: text(d, "#token-error") == "This is not a moderator's token.", "no")
        assert token.get_attribute("aria-invalid") == "true"
        assert not driver.find_element(By.ID, "desk").is_displayed()
        token.clear()
        token.send_keys(MODERATOR)
        driver.find_element(By.ID, "sign-in-button").click()
        wait(driver, lambda d: queue_ids(d) == [watches, photo], "the queue, most reported first")
        assert driver.execute_script("return sessionStorage['memes.moderatorToken']") == MODERATOR
        assert driver.find_element(By.ID, "moderate-link").get_attribute("aria-current") == "page"
        card = queue_card(driver, watches)
        assert "3 reports from 3 addresses" in card.text  # the browser one of them
        assert [chip.text.split("\n") for chip in card.find_elements(By.CSS_SELECTOR, ".reasons li")
                ] == [["Spam", "3"]]  # fmt: skip
        notes = [q.text for q in card.find_elements(By.CSS_SELECTOR, ".notes q")]
        assert notes == [note, "a link to a scam shop"]
        assert "Public" in card.text and "NSFW not scored yet" in card.text
        wait(driver, lambda d: pictures_loaded(d, "#queue img"), "the thumbnails")
        assert text(driver, "#log-status") == "Nothing done yet."
        screenshot(driver, DOCS / "gallery-moderation.png", DESKTOP)
        screenshot(driver, DOCS / "gallery-moderation-phone.png", PHONE)

        # Hide one, with a reason: its card goes, the status says so, the public sees a 404.
        card.find_element(By.CSS_SELECTOR, ".why input").send_keys("spam, again")
        card.find_element(By.CSS_SELECTOR, '[data-action="hide"]').click()
        wait(driver, lambda d: queue_ids(d) == [photo], "the card gone")
        assert text(driver, "#queue-status") == (
            "“Buy cheap watches”: hidden from everyone but moderators."
        )
        assert check(status_of(url, f"/memes/{watches}")) == 404
        assert check(status_of(url, f"/memes/{watches}/image?size=thumb")) == 404

        # Ban another: asked first, then gone, and its picture refused at upload.
        card = queue_card(driver, photo)
        card.find_element(By.CSS_SELECTOR, '[data-action="ban"]').click()
        yes = card.find_element(By.CSS_SELECTOR, ".confirm .primary")
        assert yes.text == "Yes, delete it and ban its picture"
        assert driver.switch_to.active_element == yes
        yes.click()
        wait(driver, lambda d: queue_ids(d) == [], "the queue empty")
        assert "deleted, and its picture banned from upload" in text(driver, "#queue-status")
        assert query(database_url, "SELECT count(*) FROM memes WHERE id = %s", (photo,)) == [(0,)]

        # The hidden one, restored from the hidden list.
        hidden = f'#hidden-memes .card[data-id="{watches}"]'
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, hidden), "the hidden meme")
        restore = driver.find_element(By.CSS_SELECTOR, f"{hidden} button")
        assert restore.get_attribute("aria-label") == "Make “Buy cheap watches” public again"
        restore.click()
        wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, hidden), "restored")
        assert text(driver, "#hidden-status") == "“Buy cheap watches” is public again."
        assert check(status_of(url, f"/memes/{watches}")) == 200

        # The log: each action, newest first, by carol.
        wait(driver, lambda d: len(log_rows(d)) == 3, "the log")
        assert log_rows(driver) == [
            ["carol", "Restored", f"#{watches}", ""],
            ["carol", "Banned the picture (closed 1 report)", f"#{photo}", ""],
            ["carol", "Hid (closed 3 reports)", f"#{watches}", "spam, again"],
        ]

        # A meme's page, for the moderator: Hide and Ban beside Report; the picture of a
        # hidden meme shown through the token.
        driver.get(f"{url}/m/{boyfriend}")
        toggle = driver.find_element(By.ID, "mod-visibility")
        wait(driver, lambda d: toggle.is_displayed(), "the moderator's buttons")
        assert toggle.text == "Hide it from everyone"
        toggle.click()
        wait(driver, lambda d: toggle.text == "Make it public again", "hidden")
        assert text(driver, "#report-status") == "Hidden: only moderators see it now."
        assert check(status_of(url, f"/memes/{boyfriend}")) == 404
        driver.refresh()
        picture = driver.find_element(By.ID, "picture")
        wait(
            driver,
            lambda d: (
                picture.get_attribute("src").startswith("blob:")
                and d.execute_script("return arguments[0].naturalWidth", picture)
            ),
            "its picture",
        )
        driver.find_element(By.ID, "mod-visibility").click()
        wait(driver, lambda d: "Public again" in text(d, "#report-status"), "restored")
        assert check(status_of(url, f"/memes/{boyfriend}")) == 200

        # Signed out: the token is gone, and the Moderate link with it.
        driver.get(f"{url}/mod")
        wait(driver, lambda d: d.find_element(By.ID, "sign-out").is_displayed(), "the desk")
        driver.find_element(By.ID, "sign-out").click()
        assert "Signed out" in text(driver, "#status")
        assert not driver.find_elements(By.ID, "moderate-link")
        assert driver.execute_script("return sessionStorage['memes.moderatorToken']") is None

        refused = ("status of 401", "status of 403", "status of 404", "status of 409")
        problems = [
            entry["message"]
            for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not any(r in entry["message"] for r in refused)
        ]
        assert problems == []  # no script error, nothing refused by the CSP
    finally:
        driver.quit()


async def test_report_then_moderate_in_a_browser(site, database_url, tmp_path):
    url, ids, pictures = site
    loop = asyncio.get_running_loop()

    def check(coroutine):  # an HTTP request from Selenium's thread, on the api's loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(10)

    await asyncio.wait_for(
        asyncio.to_thread(browse, url, ids, tmp_path / "profile", database_url, check), 120
    )
    # The banned picture is refused at upload.
    status, problem = await post_meme(url, "Posted again", pictures["Someone else's photo"])
    assert (status, problem["code"]) == (422, "picture-banned")
