"""Swagger UI at /docs in a real browser, under its strict Content-Security-Policy: "Authorize"
takes a meme's edit token, and "Try it out" deletes that meme with it."""

import asyncio

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import WAIT, chromium
from tests.helpers import meme_form, query

pytestmark = pytest.mark.slow


def finder(driver):
    """find(selector, within=None): the element, once Swagger UI has rendered it."""

    def find(selector: str, within=None):
        return WebDriverWait(driver, WAIT).until(
            lambda d: (within or d).find_element(By.CSS_SELECTOR, selector), selector
        )

    return find


def authorize_and_delete(base: str, profile, token: str, meme_id: int) -> str:
    """What Swagger UI showed as the DELETE's status, after authorizing with `token`."""
    driver = chromium(profile)
    find = finder(driver)

    try:
        driver.get(f"{base}/docs")
        find(".btn.authorize").click()
        find(".auth-container input").send_keys(token)
        find(".auth-btn-wrapper .authorize").click()
        find(".auth-btn-wrapper .btn-done").click()
        delete = find(".opblock-delete")
        find(".opblock-summary", delete).click()
        find(".try-out__btn", delete).click()
        id_field = find("input[placeholder=id]", delete)
        id_field.clear()  # it shows the spec's example
        id_field.send_keys(str(meme_id))
        find(".execute", delete).click()
        status = find(".live-responses-table tbody .response-col_status", delete).text
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors  # nothing refused by the policy, no script error
        return status
    finally:
        driver.quit()


async def test_swagger_ui_authorizes_and_deletes_a_meme(client, database_url, tmp_path):
    meme = await (await client.post("/memes", data=meme_form("Deleted from the docs"))).json()
    base = str(client.make_url("")).rstrip("/")
    status = await asyncio.wait_for(
        asyncio.to_thread(
            authorize_and_delete, base, tmp_path / "profile", meme["edit_token"], meme["id"]
        ),
        60,
    )
    assert status.strip() == "204"
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]


def list_memes(base: str, profile) -> tuple[str, str]:
    """The status and body Swagger UI showed for GET /memes, tried out as it comes."""
    driver = chromium(profile)
    find = finder(driver)

    try:
        driver.get(f"{base}/docs")
        listing = find('.opblock-get[id$="get_memes"]')
        find(".opblock-summary", listing).click()
        find(".try-out__btn", listing).click()
        find(".execute", listing).click()
        status = find(".live-responses-table tbody .response-col_status", listing).text
        body = find(".live-responses-table .microlight", listing).text
        return status, body
    finally:
        driver.quit()


async def test_swagger_uis_first_try_of_the_list_lists_the_memes(client, tmp_path):
    """Its examples are the defaults: nothing filtered out on a fresh database."""
    await client.post("/memes", data=meme_form("Listed from the docs"))
    base = str(client.make_url("")).rstrip("/")
    status, body = await asyncio.wait_for(
        asyncio.to_thread(list_memes, base, tmp_path / "profile"), 60
    )
    assert status.strip().startswith("200")
    assert "Listed from the docs" in body, body
