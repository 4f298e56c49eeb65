"""Debian's headless Chromium, driven by Selenium: `make test` installs both (scripts/ensure-tools)."""

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 10  # seconds for anything a page does


def chromium(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


def wait(driver, condition, message: str):
    return WebDriverWait(driver, WAIT).until(lambda d: condition(d), message)


def cards(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#grid .card")


def card_titles(driver) -> list[str]:
    return [card.find_element(By.CSS_SELECTOR, ".title").text for card in cards(driver)]


def thumbnails_in_view_loaded(driver) -> bool:
    return driver.execute_script("""
        const frames = [...document.querySelectorAll('#grid .frame')];
        const inView = frames.filter((f) => f.getBoundingClientRect().top < innerHeight);
        return inView.length > 0 && inView.every((f) => f.classList.contains('loaded')
            && f.querySelector('img').naturalWidth > 0);
    """)


def pictures_loaded(driver, selector: str) -> bool:
    return driver.execute_script(
        "const images = [...document.querySelectorAll(arguments[0])];"
        "return images.length > 0 && images.every((i) => i.complete && i.naturalWidth > 0);",
        selector,
    )


def screenshot(driver, path: Path, size: tuple[int, int]) -> None:
    """The page at the top in a viewport of `size` (a phone's when narrow), then as before."""
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
    })  # fmt: skip
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.execute_script("return [innerWidth, innerHeight]") == [width, height]
        assert driver.execute_script("return document.documentElement.scrollWidth <= innerWidth")
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
