"""python -m bench first-meme: how long the gallery takes to show its first meme.

Starts its own stack (PostgreSQL with `--memes` generated memes, media on the disk, one api),
then loads `/` in Debian's headless Chromium `--runs` times at 1280×900 and at 390×844, the
browser's cache off, and prints for each size the median, lowest and highest of: the time from
the navigation's start to the first card's picture loaded and decoded (`performance.now()`,
whose origin is the navigation's start), to the end of the first `/memes` response, and how
many `/memes` pages the grid read before anyone scrolled.
"""

import shutil
import statistics
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bench.loop import SHIPPED
from bench.stack import generated

SIZES = {"desktop 1280×900": (1280, 900), "phone 390×844": (390, 844)}
# Waits for the first card's picture, decodes it, then answers (after a second more, to count
# the pages read without scrolling).
FIRST_MEME = """
const answer = arguments[arguments.length - 1];
const pages = () => performance.getEntriesByType("resource")
  .filter((entry) => new URL(entry.name).pathname === "/memes");
async function look() {
  const picture = document.querySelector("#grid .card img");
  if (!picture || !picture.complete || !picture.naturalWidth) return requestAnimationFrame(look);
  await picture.decode();
  const shown = performance.now();
  const listed = pages()[0].responseEnd;
  setTimeout(() => answer({ shown, listed, pages: pages().length }), 1000);
}
look();
"""


def chromium(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    return driver


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.0f} ms ({min(values):.0f}-{max(values):.0f})"


def main(memes: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-first-meme-") as temporary:
        root = Path(temporary)
        with generated(root, memes, SHIPPED) as stack:
            api = stack.api(SHIPPED)
            driver = chromium(root / "profile")
            try:
                print(f"{memes} memes, {runs} loads each, cache off (median, lowest-highest)")
                for name, (width, height) in SIZES.items():
                    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                        "width": width, "height": height, "deviceScaleFactor": 1,
                        "mobile": width < 600,
                    })  # fmt: skip
                    driver.get(api.url + "/")  # a first load, not counted: the api warms up
                    driver.execute_async_script(FIRST_MEME)
                    found = []
                    for _ in range(runs):
                        driver.get("about:blank")
                        driver.get(api.url + "/")
                        found.append(driver.execute_async_script(FIRST_MEME))
                    print(f"{name}: first meme shown {spread([f['shown'] for f in found])},"
                          f" first page listed {spread([f['listed'] for f in found])},"
                          f" pages read {sorted({f['pages'] for f in found})}")  # fmt: skip
            finally:
                driver.quit()
