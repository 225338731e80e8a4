"""The matrix explorer and the case pages (issue 12, "a matrix to explore"), in headless
Chromium: the explorer filters the published results files by tool, audience, level and
outcome, shows a known divergence apart from an unexplained failure, hides skips unless asked,
and links each cell to that tool's answer on a case page that shows fields, not JSON.

Every expectation is read from the results files and the case files the site is built from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from conformance.cases import load_cases
from conformance.results import RESULTS_DIR

from .conftest import HEIGHT, NARROW, WIDE, screenshot, set_theme, severe_messages

pytestmark = pytest.mark.browser

MATRIX = "docs/matrix.html"


def results(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RESULTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data["results"]


def expected_outcome(result: dict[str, Any]) -> str:
    """The explorer's class for a result, from the results file's own fields."""
    if result["status"] in ("pass", "skip"):
        return str(result["status"])
    return "known" if result["divergence"] else "unexplained"


def by_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def open_matrix(driver: Any, address: str) -> None:
    """Load the matrix page at ``address`` and wait for its explorer."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(address)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "const root = document.getElementById('matrix-explorer');"
            "return root && root.dataset.ready"
        )
    )


@pytest.fixture
def explorer(browser: Any, site_url: str) -> Iterator[Any]:
    """The matrix page with its explorer loaded."""
    severe_messages(browser)  # what earlier pages logged is not this page's
    open_matrix(browser, f"{site_url}/{MATRIX}")
    yield browser
    set_theme(browser, "light")
    browser.set_window_size(WIDE, HEIGHT)


def click(driver: Any, element: Any) -> None:
    """Click as a reader does, after bringing the element to the middle of the window (furo's
    "back to top" button covers the top of the window while the page is scrolled)."""
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def choose(
    driver: Any, *, audience: str = "", tools: set[str] | None = None, **boxes: bool
) -> None:
    """Set the filters as a reader does: the audience menu, the tool and outcome boxes."""
    from selenium.webdriver.support.ui import Select

    (menu,) = by_css(driver, "select[name=audience]")
    Select(menu).select_by_value(audience)
    if tools is not None:
        for box in by_css(driver, "input[name=tool]"):
            if box.is_selected() != (box.get_attribute("value") in tools):
                click(driver, box)
    for name, wanted in boxes.items():
        selector = (
            "input[name=disagreements]"
            if name == "disagreements"
            else f"input[name=outcome][value={name}]"
        )
        (box,) = by_css(driver, selector)
        if box.is_selected() != wanted:
            click(driver, box)


def shown_rows(driver: Any) -> dict[str, list[str]]:
    """Case ID -> the outcome class of each cell, for every row the table shows (all pages)."""
    while True:
        more = by_css(driver, "button.explorer-more")
        if not more or not more[0].is_displayed():
            break
        click(driver, more[0])
    return driver.execute_script(  # type: ignore[no-any-return]
        "const out = {};"
        "for (const row of document.querySelectorAll('table.explorer-table tbody tr')) {"
        "  const cells = [...row.querySelectorAll('td.explorer-cell')];"
        "  out[row.querySelector('code').textContent] ="
        "    cells.map(c => [...c.classList].find(k => k !== 'explorer-cell') || '');"
        "}"
        "return out;"
    )


def test_the_explorer_loads_only_the_sites_data_and_stays_short(explorer: Any) -> None:
    assert severe_messages(explorer) == []
    rows = by_css(explorer, "table.explorer-table tbody tr")
    assert 0 < len(rows) <= 50  # one page of rows, not the whole matrix
    height = explorer.execute_script("return document.documentElement.scrollHeight")
    assert height < 20 * HEIGHT
    # by default skips are hidden: no skip cell, and no row whose every answer is a skip
    assert by_css(explorer, "td.explorer-skip") == []
    screenshot(explorer, "explorer-1400-light")


@pytest.mark.parametrize("tool", ["pip", "auditwheel"])
def test_disagreements_only_lists_each_known_and_unexplained_case_of_a_tool(
    explorer: Any, tool: str
) -> None:
    choose(explorer, tools={tool}, disagreements=True)
    rows = shown_rows(explorer)
    wanted = {
        case_id: expected_outcome(result)
        for case_id, result in results(tool).items()
        if expected_outcome(result) in ("known", "unexplained")
    }
    assert wanted, f"{tool} has no disagreement: pick a tool that has some"
    assert {case_id: [f"explorer-{o}"] for case_id, o in wanted.items()} == rows
    # a known divergence is never shown as an unexplained (red) failure
    assert all(cells != ["explorer-unexplained"] for case_id, cells in rows.items()
               if results(tool)[case_id]["divergence"])  # fmt: skip


def test_the_audience_filter_and_skips(explorer: Any) -> None:
    """pip has no audit operation: its auditor cases are all skips, shown only when asked."""
    pip = results("pip")
    auditor = [c.id for c in load_cases() if c.audience == "auditor"]
    assert all(pip[c]["status"] == "skip" for c in auditor)
    choose(explorer, audience="auditor", tools={"pip"})
    assert shown_rows(explorer) == {}
    assert "No case matches" in by_css(explorer, ".explorer-status")[0].text
    choose(explorer, audience="auditor", tools={"pip"}, skip=True)
    rows = shown_rows(explorer)
    assert sorted(rows) == sorted(auditor)
    assert all(cells == ["explorer-skip"] for cells in rows.values())


def test_a_cell_opens_the_tools_answer_on_the_case_page(explorer: Any) -> None:
    choose(explorer, tools={"pip"}, disagreements=True)
    (cell,) = by_css(explorer, "td.explorer-known a")[:1]
    case_id = cell.find_element("xpath", "./ancestor::tr//code").text
    click(explorer, cell)
    anchor = explorer.current_url.split("#", 1)[1]
    (target,) = by_css(explorer, f"[id='{anchor}']")
    assert target.is_displayed()  # the folded case opened itself
    assert target.text.startswith("pip ")
    row = target.find_element("xpath", "./ancestor::tr")  # tools with the same answer share it
    assert "known divergence" in row.text
    reason = results("pip")[case_id]["divergence"]
    assert reason in row.find_element("css selector", "p.case-divergence").text
    screenshot(explorer, "case-known-divergence-1400-light")


def filters(driver: Any) -> dict[str, list[str]]:
    """The filters the address holds, parameter -> values."""
    query = urlsplit(driver.current_url).query
    return parse_qs(query, keep_blank_values=True)


def ticked(driver: Any, name: str, *, all_boxes: bool = False) -> set[str]:
    """The values of the boxes called ``name`` that are ticked (or of all of them)."""
    boxes = by_css(driver, f"input[name={name}]")
    return {b.get_attribute("value") for b in boxes if all_boxes or b.is_selected()}


def test_an_address_with_filters_shows_that_view(browser: Any, site_url: str) -> None:
    """A link to pip's disagreements shows what ticking those boxes by hand shows."""
    severe_messages(browser)
    open_matrix(browser, f"{site_url}/{MATRIX}?tool=pip&disagreements=on")
    assert ticked(browser, "tool") == {"pip"} and ticked(browser, "disagreements") == {"on"}
    wanted = {
        case_id: [f"explorer-{expected_outcome(result)}"]
        for case_id, result in results("pip").items()
        if expected_outcome(result) in ("known", "unexplained")
    }
    assert shown_rows(browser) == wanted
    # repeated and empty values: two tools; no outcome ticked, so no case
    open_matrix(browser, f"{site_url}/{MATRIX}?tool=pip&tool=uv&outcome=")
    assert ticked(browser, "tool") == {"pip", "uv"} and ticked(browser, "outcome") == set()
    assert shown_rows(browser) == {}
    assert severe_messages(browser) == []


def test_a_change_of_filters_is_written_to_the_address_and_back_undoes_it(
    explorer: Any,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert filters(explorer) == {}
    choose(explorer, audience="auditor")
    assert filters(explorer) == {"audience": ["auditor"]}
    choose(explorer, audience="auditor", tools={"pip"}, skip=True)
    assert filters(explorer) == {
        "audience": ["auditor"],
        "outcome": ["pass", "known", "unexplained", "skip"],
        "tool": ["pip"],
    }
    rows = shown_rows(explorer)
    assert rows and all(cells == ["explorer-skip"] for cells in rows.values())
    open_matrix(explorer, explorer.current_url)  # the view survives a reload
    assert shown_rows(explorer) == rows
    # typing is one step, however many letters
    explorer.find_element(By.CSS_SELECTOR, "input[name=text]").send_keys("override")
    assert filters(explorer)["text"] == ["override"]
    explorer.back()
    WebDriverWait(explorer, 10).until(lambda d: "text" not in filters(d))
    assert explorer.find_element(By.CSS_SELECTOR, "input[name=text]").get_attribute("value") == ""
    explorer.back()  # ticking skip, then pip alone, undone one at a time
    WebDriverWait(explorer, 10).until(lambda d: "outcome" not in filters(d))
    assert ticked(explorer, "outcome") == {"pass", "known", "unexplained"}
    assert ticked(explorer, "tool") == {"pip"}
    assert shown_rows(explorer) == {}  # pip's auditor cases are all skips
    assert severe_messages(explorer) == []


def test_a_hostile_address_is_ignored_and_stays_inert(browser: Any, site_url: str) -> None:
    """Values the form does not offer are ignored; the free text lands in the text box as
    text; nothing from the address becomes markup."""
    severe_messages(browser)
    hostile = "<img src=x onerror=window.pwned=1>"
    query = urlencode(
        [("audience", hostile), ("level", "'\"><script>window.pwned=2</script>"),
         ("tool", hostile), ("outcome", "javascript:window.pwned=3"), ("text", hostile)]
    )  # fmt: skip
    open_matrix(browser, f"{site_url}/{MATRIX}?{query}")
    root = by_css(browser, "#matrix-explorer")[0]
    assert root.find_elements("css selector", "img, script") == []
    assert browser.execute_script("return window.pwned") is None
    assert by_css(browser, "select[name=audience]")[0].get_attribute("value") == ""
    assert by_css(browser, "select[name=level]")[0].get_attribute("value") == ""
    assert ticked(browser, "tool") == ticked(browser, "tool", all_boxes=True)
    assert ticked(browser, "outcome") == {"pass", "known", "unexplained"}
    assert by_css(browser, "input[name=text]")[0].get_attribute("value") == hostile
    assert "No case matches" in by_css(browser, ".explorer-status")[0].text
    assert severe_messages(browser) == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_explorer_fits_400_px(explorer: Any, theme: str) -> None:
    explorer.set_window_size(NARROW, HEIGHT)
    set_theme(explorer, theme)
    choose(explorer, audience="installer")
    table = by_css(explorer, "table.explorer-table")[0]
    assert explorer.execute_script(
        "const t = arguments[0]; return t.scrollWidth <= t.parentElement.clientWidth + 1", table
    )
    screenshot(explorer, f"explorer-400-{theme}", by_css(explorer, "#matrix-explorer")[0])
    assert all(case.startswith("installer.") for case in shown_rows(explorer))


def test_a_case_page_shows_fields_not_json(browser: Any, site_url: str) -> None:
    """Every input and expected field of a case is a named entry holding its values."""
    case = next(c for c in load_cases() if c.operation == "installer.select")
    page = f"docs/generated/cases/{case.audience}/{Path(case.file).stem}.html"
    anchor = "case-" + case.id.replace(".", "-")
    browser.get(f"{site_url}/{page}#{anchor}")
    (box,) = by_css(browser, f"details[id='{anchor}']")
    assert box.get_attribute("open") is not None
    names = [e.text for e in box.find_elements("css selector", "dl.case-fields > dt > code")]
    assert names[: len(case.input) + len(case.expected)] == [*case.input, *case.expected]
    text = box.text
    for wheel in case.input["wheels"]:
        assert wheel in text
    assert "{" not in text  # no JSON object anywhere in the case
    screenshot(browser, "case-fields-1400-light", box)


def test_a_link_to_a_case_on_its_old_audience_page_is_forwarded(
    browser: Any, site_url: str
) -> None:
    """Cases were on one page per audience; a link of that form lands on the case's page."""
    from selenium.webdriver.support.ui import WebDriverWait

    case = next(
        c for c in load_cases() if c.audience == "installer" and c.operation == "installer.select"
    )
    anchor = "case-" + case.id.replace(".", "-") + "-pip"
    browser.get(f"{site_url}/docs/generated/cases/installer.html#{anchor}")
    page = f"/docs/generated/cases/installer/{Path(case.file).stem}.html#{anchor}"
    WebDriverWait(browser, 20).until(lambda d: d.current_url.endswith(page))
    assert by_css(browser, f"[id='{anchor}']")[0].is_displayed()
