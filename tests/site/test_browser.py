"""The built site in Debian's headless Chromium: pages render, search works, no console errors.

Screenshots go to ci-output/screenshots/ so a person can look at what readers see.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import WIDE, screenshot, severe_messages

pytestmark = pytest.mark.browser

PAGES = {
    "home": "docs/index.html",
    "baseline-manylinux_2_28": "docs/generated/baselines/manylinux_2_28.html",
    "matrix": "docs/matrix.html",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_renders_without_console_errors(browser: object, site_url: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/{PAGES[name]}")  # type: ignore[attr-defined]
    heading = browser.find_element(By.CSS_SELECTOR, "article h1")  # type: ignore[attr-defined]
    assert heading.text.strip()
    screenshot(browser, name)
    assert severe_messages(browser) == []


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
    screenshot(browser, "search-manylinux_2_28")
    assert severe_messages(browser) == []


def test_root_redirects_to_home(browser: object, site_url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site_url}/")  # type: ignore[attr-defined]
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("docs/index.html"))


def test_a_crashed_tab_is_replaced_and_the_page_loaded_again(browser: Any, site_url: str) -> None:
    """Chromium's renderer killed for real (chrome://crash): the next load warns and works."""
    from selenium.common.exceptions import WebDriverException

    crashed = browser.driver
    with pytest.raises(WebDriverException, match="crashed"):
        crashed.get("chrome://crash")
    with pytest.warns(UserWarning, match="tab crashed loading"):
        browser.get(f"{site_url}/docs/index.html")
    assert browser.driver is not crashed
    assert browser.title and browser.get_window_size()["width"] == WIDE


def test_a_tab_left_crashed_is_replaced_before_the_next_test(browser: Any, site_url: str) -> None:
    from selenium.common.exceptions import WebDriverException

    crashed = browser.driver
    with pytest.raises(WebDriverException, match="crashed"):
        crashed.get("chrome://crash")
    with pytest.warns(UserWarning, match="had crashed"):
        browser.revive()  # what the autouse fixture does before each browser test
    assert browser.driver is not crashed
    assert browser.execute_script("return 6 * 7") == 42
