"""The built site in Debian's headless Chromium: pages render, search works, no console errors.

Screenshots go to ci-output/screenshots/ so a person can look at what readers see.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "ci-output" / "screenshots"
PAGES = {
    "home": "docs/index.html",
    "baseline-manylinux_2_28": "docs/generated/baselines/manylinux_2_28.html",
    "matrix": "docs/matrix.html",
}
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Debian's chromium and chromium-driver are not installed (make browser-deps)")
    with tempfile.TemporaryDirectory(prefix="perennial-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService(executable_path=driver_path)
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def _severe(driver: object) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_renders_without_console_errors(browser: object, site_url: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/{PAGES[name]}")  # type: ignore[attr-defined]
    heading = browser.find_element(By.CSS_SELECTOR, "article h1")  # type: ignore[attr-defined]
    assert heading.text.strip()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]
    assert _severe(browser) == []


def test_baseline_page_shows_its_data(browser: object, site_url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/{PAGES['baseline-manylinux_2_28']}")  # type: ignore[attr-defined]
    sections = {e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, "section")}  # type: ignore[attr-defined]
    for anchor in ("distributions", "libraries", "symbol-versions", "delta", "amendments"):
        assert anchor in sections


def test_search_finds_the_baseline(browser: object, site_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site_url}/search.html?q=manylinux_2_28")  # type: ignore[attr-defined]

    def found(driver: object) -> bool:
        links = driver.find_elements(By.CSS_SELECTOR, "#search-results li a")  # type: ignore[attr-defined]
        return any(
            "baselines/manylinux_2_28.html" in (a.get_attribute("href") or "") for a in links
        )

    WebDriverWait(browser, 20).until(found)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "search-manylinux_2_28.png"))  # type: ignore[attr-defined]
    assert _severe(browser) == []


def test_root_redirects_to_home(browser: object, site_url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site_url}/")  # type: ignore[attr-defined]
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("docs/index.html"))
