"""Fixtures for the site's tests: the built site, served on loopback."""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "ci-output" / "screenshots"
WIDE, NARROW, HEIGHT = 1400, 400, 1000
"""The widths the site is read at (a desktop and a phone) and the window height: a "screen"."""
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def run_sphinx(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run Sphinx as `make site` does (-W --keep-going), capturing its messages."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    return subprocess.run(
        [*command, *extra, str(source), str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="session")
def sphinx_build() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Sphinx run as `make site` runs it: ``sphinx_build(source, out, *extra_args)``."""
    return run_sphinx


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site in _build/html, built now if `make site` has not run."""
    if not (SITE / "docs" / "index.html").exists():
        result = run_sphinx(ROOT, SITE)
        assert result.returncode == 0, result.stderr
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served by the standard library on 127.0.0.1, on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Browser:
    """The session's Chromium, driven by selenium, started again when its tab crashes.

    Headless Chromium has, once in a CI run, killed its renderer while loading a page the
    same run had read fine before ("tab crashed"), and every later command of the session
    then failed: one crash ended eleven tests. A page load that meets a crashed tab is
    therefore made once more in a fresh Chromium, with a warning in the run's summary; a page
    that crashes it twice fails its test, and a test that finds the tab dead gets a fresh
    one. Everything else is the selenium driver's own (attributes are forwarded).
    """

    def __init__(self, profiles: str) -> None:
        self._profile = profiles
        """A new profile folder under it for each start: a crashed one may still be locked."""
        self._size = (WIDE, HEIGHT)
        self.driver = self._start()

    def _start(self) -> Any:
        from selenium import webdriver

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "chromium"
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tempfile.mkdtemp(dir=self._profile)}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(30)
        driver.set_window_size(*self._size)
        return driver

    def __getattr__(self, name: str) -> Any:
        return getattr(self.driver, name)

    def set_window_size(self, width: int, height: int) -> None:
        self._size = (width, height)
        self.driver.set_window_size(width, height)

    def get(self, url: str) -> None:
        from selenium.common.exceptions import WebDriverException

        try:
            self.driver.get(url)
        except WebDriverException as error:
            if not _crashed(error):
                raise
            warnings.warn(
                f"Chromium's tab crashed loading {url}: loaded again in a new one", stacklevel=2
            )
            self.restart()
            self.driver.get(url)

    def revive(self) -> None:
        """Start a fresh Chromium if the last test left this one's tab crashed."""
        from selenium.common.exceptions import WebDriverException

        try:
            self.driver.execute_script("return 1")
        except WebDriverException as error:
            if not _crashed(error):
                raise
            warnings.warn("Chromium's tab had crashed: a new one was started", stacklevel=2)
            self.restart()

    def restart(self) -> None:
        with contextlib.suppress(Exception):  # a crashed browser may not answer
            self.driver.quit()
        self.driver = self._start()

    def quit(self) -> None:
        self.driver.quit()


def _crashed(error: Exception) -> bool:
    return "tab crashed" in str(error) or "session deleted" in str(error)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by selenium, at the wide width; one per session,
    started again after a crash (:class:`Browser`)."""
    pytest.importorskip("selenium.webdriver")
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make browser-deps)")
    with tempfile.TemporaryDirectory(prefix="perennial-chromium-") as profiles:
        chromium = Browser(profiles)
        try:
            yield chromium
        finally:
            chromium.quit()


@pytest.fixture(autouse=True)
def _a_live_browser(request: pytest.FixtureRequest) -> None:
    """Each test that uses the browser starts with a tab that has not crashed."""
    if "browser" in request.fixturenames:
        request.getfixturevalue("browser").revive()


def severe_messages(driver: Any) -> list[str]:
    """Console errors the page logged since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(driver: Any, name: str, element: Any = None) -> None:
    """Save what the reader sees (the window, or one whole element) for a person to look at.

    Chromium's protocol call renders a fresh frame; selenium's own screenshot can return a
    blank one right after the window was resized.
    """
    options: dict[str, Any] = {"format": "png"}
    if element is not None:
        box = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}",
            element,
        )
        options.update(captureBeyondViewport=True, clip={**box, "scale": 1})
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def set_theme(driver: Any, theme: str) -> None:
    """Switch furo's colour theme the way its toggle does (light, dark)."""
    driver.execute_script("document.body.dataset.theme = arguments[0]", theme)
