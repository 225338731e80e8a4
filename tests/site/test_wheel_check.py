"""The wheel check (issue 12, "a wheel check in the browser") in headless Chromium: the site
runs ``perennial audit`` in Pyodide on the reader's wheel, nothing leaves the site's origin,
and once loaded it works offline.

The expected output is what the command line prints for the same file, run here; which
wheels to use comes from the auditor cases (a crafted wheel the spec fails, a hostile one it
refuses). How long a 50 MB wheel takes is recorded, never asserted (see the last test).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.cases import load_cases

from .conftest import (
    HEIGHT,
    NARROW,
    ROOT,
    SCREENSHOTS,
    WIDE,
    screenshot,
    set_theme,
    severe_messages,
)
from .network import NetworkRecorder

pytestmark = pytest.mark.browser

PAGE = "docs/wheel-check.html"
FIXTURES = ROOT / "conformance" / "fixtures" / "wheels"
LOAD_SECONDS = 180
"""Generous: Pyodide's start on a loaded 2-core machine took 25 s."""


def fixture_wheel(verdict: str) -> Path:
    """The wheel of the first auditor case whose expected verdict is ``verdict``."""
    for case in load_cases():
        if case.operation == "audit.wheel" and case.expected.get("verdict") == verdict:
            found = sorted((FIXTURES / case.input["fixture"]).glob("*.whl"))
            if len(found) == 1:
                return found[0]
    raise AssertionError(f"no auditor case expects {verdict!r} of a single wheel")


def command_line(wheel: Path) -> tuple[int, str]:
    """``perennial audit -- NAME`` run in the wheel's folder (as the page runs it, so a name
    like an option is still a file): exit code, stdout then stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "reference_impl", "audit", "--", wheel.name],
        cwd=wheel.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def checker(browser: Any, site_url: str) -> Iterator[tuple[Any, NetworkRecorder]]:
    """The wheel check's page, loaded, with every request of the page and its worker recorded."""
    from selenium.webdriver.support.ui import WebDriverWait

    severe_messages(browser)  # what earlier pages logged is not this page's
    recorder = NetworkRecorder(browser)
    try:
        browser.get(f"{site_url}/{PAGE}")
        WebDriverWait(browser, LOAD_SECONDS).until(
            lambda d: state(d) in ("ready", "failed"), "the wheel check did not load"
        )
        assert state(browser) == "ready", status(browser)
        yield browser, recorder
    finally:
        recorder.set_offline(False)
        recorder.close()


def state(driver: Any) -> str:
    return str(driver.execute_script("return document.getElementById('wheel-check').dataset.state"))


def status(driver: Any) -> str:
    return str(driver.find_element("css selector", ".wheel-check-status").text)


def wait_for_result(driver: Any, seconds: float = 120) -> dict[str, Any]:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(lambda d: state(d) in ("done", "failed"))
    assert state(driver) == "done", status(driver)
    return dict(
        driver.execute_script(
            "const root = document.getElementById('wheel-check');"
            "return {code: Number(root.dataset.exitCode), ms: Number(root.dataset.checkMs),"
            " output: root.querySelector('pre.wheel-check-output').textContent,"
            " verdict: root.querySelector('.wheel-check-verdict').textContent}"
        )
    )


def pick(driver: Any, wheel: Path) -> None:
    """Choose the file with the page's file picker."""
    driver.find_element("css selector", "input.wheel-check-input").send_keys(str(wheel))


DROP = (
    "function drop(file) {"
    "  const transfer = new DataTransfer();"
    "  transfer.items.add(file);"
    "  const zone = document.querySelector('.wheel-check-zone');"
    "  for (const kind of ['dragover', 'drop']) {"
    "    zone.dispatchEvent(new DragEvent(kind, {dataTransfer: transfer, bubbles: true,"
    "      cancelable: true}));"
    "  }"
    "}"
    "function file(name, data) {"
    "  return new File([Uint8Array.from(atob(data), c => c.charCodeAt(0))], name);"
    "}"
)
"""Script helpers: ``drop(file)`` drops a File on the drop zone as a drag from the desktop
does; ``file(name, base64)`` makes one."""


def drop(driver: Any, name: str, data: bytes) -> None:
    """Drop a file on the drop zone, as a drag from the desktop does."""
    driver.execute_script(
        DROP + "drop(file(arguments[0], arguments[1]));", name, base64.b64encode(data).decode()
    )


def off_site(recorder: NetworkRecorder, site_url: str) -> list[str]:
    origin = urlsplit(site_url)[:2]
    return [
        url
        for url in recorder.urls()
        if not url.startswith(("data:", "blob:")) and urlsplit(url)[:2] != origin
    ]


def test_a_crafted_wheel_gets_what_the_command_line_says(
    checker: tuple[Any, NetworkRecorder], site_url: str
) -> None:
    driver, recorder = checker
    wheel = fixture_wheel("fail")
    pick(driver, wheel)
    result = wait_for_result(driver)
    code, output = command_line(wheel)
    assert (result["code"], result["output"]) == (code, output)
    assert code == 1 and f"exit code {code}" in result["verdict"]
    screenshot(driver, "wheel-check-crafted-1400-light")
    # the runtime and the wheels came from the site: the worker's requests are seen
    urls = recorder.urls()
    assert any(u.endswith("/_pyodide/pyodide.asm.wasm") for u in urls)
    assert any("/_wheels/" in u and u.endswith(".whl") for u in urls)
    assert off_site(recorder, site_url) == []
    assert severe_messages(driver) == []


def test_a_hostile_wheel_is_refused_in_one_line(
    checker: tuple[Any, NetworkRecorder], site_url: str
) -> None:
    driver, recorder = checker
    wheel = fixture_wheel("refused")
    drop(driver, wheel.name, wheel.read_bytes())
    result = wait_for_result(driver)
    code, output = command_line(wheel)
    assert (result["code"], result["output"]) == (code, output)
    assert code == 3 and len(output.strip().splitlines()) == 1
    assert "Traceback" not in output
    screenshot(driver, "wheel-check-hostile-1400-light")
    driver.set_window_size(NARROW, HEIGHT)
    set_theme(driver, "dark")
    try:
        root = driver.find_element("css selector", "#wheel-check")
        assert driver.execute_script(
            "return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", root
        )  # the one line wraps at a phone's width
        screenshot(driver, "wheel-check-hostile-400-dark", root)
    finally:
        set_theme(driver, "light")
        driver.set_window_size(WIDE, HEIGHT)
    assert off_site(recorder, site_url) == []


def test_once_loaded_it_works_offline(checker: tuple[Any, NetworkRecorder], site_url: str) -> None:
    driver, recorder = checker
    recorder.set_offline(True)
    try:
        reachable = driver.execute_async_script(
            "const done = arguments[0];"
            "fetch(location.href, {cache: 'no-store'}).then(() => done(true), () => done(false));"
        )
        assert reachable is False  # the network really is cut
        before = len(recorder.urls())
        wheel = fixture_wheel("pass")
        drop(driver, wheel.name, wheel.read_bytes())
        result = wait_for_result(driver)
        assert (result["code"], result["output"]) == command_line(wheel)
        assert recorder.urls()[before:] == []  # the check asked nothing of the network
    finally:
        recorder.set_offline(False)
    assert off_site(recorder, site_url) == []


def test_a_file_named_like_an_option_or_markup_is_checked_as_a_file(
    checker: tuple[Any, NetworkRecorder], tmp_path: Path
) -> None:
    """What the command line says of a file of that name; markup in the name stays text."""
    driver, _ = checker
    data = fixture_wheel("fail").read_bytes()
    for name in ("--help", "-x.whl", "<img src=x onerror=window.pwned=1>.whl"):
        (tmp_path / name).write_bytes(data)
        drop(driver, name, data)
        result = wait_for_result(driver)
        assert (result["code"], result["output"]) == command_line(tmp_path / name), name
        assert name in status(driver)
    assert driver.execute_script("return document.querySelectorAll('#wheel-check img').length") == 0
    assert driver.execute_script("return window.pwned") is None
    assert severe_messages(driver) == []


@pytest.mark.skipif(
    "PERENNIAL_TIME_WHEEL" not in os.environ,
    reason="set PERENNIAL_TIME_WHEEL to a big wheel's path to record how long it takes",
)
def test_record_how_long_a_big_wheel_takes(checker: tuple[Any, NetworkRecorder]) -> None:
    """Recorded, not asserted: the time shows on the page's notes and in the report."""
    driver, _ = checker
    wheel = Path(os.environ["PERENNIAL_TIME_WHEEL"])
    started = time.monotonic()
    pick(driver, wheel)
    result = wait_for_result(driver, seconds=600)
    browser_seconds = time.monotonic() - started
    cli_started = time.monotonic()
    code, output = command_line(wheel)
    cli_seconds = time.monotonic() - cli_started
    assert (result["code"], result["output"]) == (code, output)
    line = (
        f"{wheel.name} ({wheel.stat().st_size / 1e6:.1f} MB): browser {browser_seconds:.1f} s "
        f"(check {result['ms'] / 1000:.1f} s), command line {cli_seconds:.1f} s\n"
    )
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "wheel-check-timing.txt").write_text(line, encoding="utf-8")
    print(line)
