"""The site as its readers use it (issue 12), in Debian's headless Chromium at 1400 and 400 px,
light and dark: the target guide answers per distribution, baseline pages speak compiler
terms and put caveats first, the pictures read in both themes, search ranks the right page
first, spec pages put clause text before cases, and no page is too tall or clips a table.

Every expectation is derived from the policy data the site is built from, never restated.
Screenshots go to ci-output/screenshots/.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest

from reference_impl.policy import default_policies
from reference_impl.policy.targets import default_targets, newest_baseline

from .conftest import HEIGHT, NARROW, SITE, WIDE, screenshot, set_theme, severe_messages

pytestmark = pytest.mark.browser

GUIDE = "docs/guides/which-baseline.html"
MAX_SCREENS = 20


def by_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


@pytest.fixture
def narrow(browser: Any) -> Iterator[Any]:
    """The browser at a phone's width for one test."""
    browser.set_window_size(NARROW, HEIGHT)
    try:
        yield browser
    finally:
        browser.set_window_size(WIDE, HEIGHT)


def first_baseline_allowing(family: str, version: str) -> str:
    for b in default_policies().baselines:
        if any(version in fams.get(family, ()) for fams in b.symbol_versions.values()):
            return b.name
    raise AssertionError(f"no baseline allows {family}_{version}")


def distribution(dist_id: str) -> Any:
    return next(d for d in default_policies().distributions if d.id == dist_id)


# -- the target guide ------------------------------------------------------------------------


@pytest.mark.parametrize("dist_id", ["rhubi-8", "ubuntu-20.04", "debian-12"])
def test_the_guide_answers_per_distribution_in_its_second_column(
    browser: Any, site_url: str, dist_id: str
) -> None:
    browser.get(f"{site_url}/{GUIDE}")
    (row,) = by_css(browser, f"tr#dist-{dist_id.replace('.', '-')}")
    # textContent, not .text: what the cell says, whether or not a long cell is scrolled into view.
    cells = [
        " ".join((td.get_attribute("textContent") or "").split())
        for td in row.find_elements("css selector", "td")
    ]
    dist = distribution(dist_id)
    newest = newest_baseline(default_policies(), dist)
    assert newest is not None
    assert cells[0] == dist.title and cells[1] == newest.name
    stock = default_targets().stock_of(dist_id)
    assert stock is not None
    if stock.pip is not None:
        assert str(stock.pip) in cells[2]
    can_read = stock.can_read("manylinux_x_y")
    assert ("every tag" in cells[2]) == can_read
    for lib in default_targets().missing_on(dist_id):
        assert lib in cells[3]
    assert severe_messages(browser) == []


def test_the_answer_column_is_on_screen_at_400_px(narrow: Any, site_url: str) -> None:
    narrow.get(f"{site_url}/{GUIDE}#dist-rhubi-8")
    (row,) = by_css(narrow, "tr#dist-rhubi-8")
    answer = row.find_elements("css selector", "td")[1]
    narrow.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    right = narrow.execute_script("return arguments[0].getBoundingClientRect().right", answer)
    assert right <= narrow.execute_script("return window.innerWidth")
    screenshot(narrow, "guide-rhel8-400-light")


def test_the_guide_says_when_to_dual_tag(browser: Any, site_url: str) -> None:
    browser.get(f"{site_url}/{GUIDE}#dual-tagging")
    text = by_css(browser, "section#dual-tagging")[0].text
    assert "manylinux_2_17_x86_64.manylinux2014_x86_64" in text
    today = datetime.date.today().isoformat()
    # every release still supported whose default pip reads manylinux2014, not manylinux_x_y
    for stock in default_targets().stock:
        if stock.default and stock.reads == "manylinux2014":
            dist = distribution(stock.distribution)
            end = dist.end_of_commercial_lts or dist.end_of_free_lts or dist.end_of_life
            if end is None or not end[:1].isdigit() or end >= today:
                assert dist.title in text
    (table,) = by_css(browser, "section#dual-tagging table")
    screenshot(browser, "guide-dual-tagging", table)


def test_build_images_are_named_per_architecture_with_their_status(
    browser: Any, site_url: str
) -> None:
    browser.get(f"{site_url}/{GUIDE}#build-images")
    for image in default_targets().images:
        (row,) = by_css(browser, f"tr#image-{image.name.replace('_', '-')}")
        assert image.status in row.text
        assert image.toolchain in row.text
        for arch in image.architectures:
            assert image.image(arch) in row.text
    (table,) = by_css(browser, "table.build-images")
    screenshot(browser, "guide-build-images", table)


def test_library_caveats_name_each_release_and_library(browser: Any, site_url: str) -> None:
    browser.get(f"{site_url}/{GUIDE}#library-caveats")
    (table,) = by_css(browser, "table.library-caveats")
    for missing in default_targets().missing:
        title = distribution(missing.distribution).title
        row = next(r for r in table.find_elements("css selector", "tr") if title in r.text)
        for lib in missing.libraries:
            assert lib in row.text


# -- baseline pages in builder terms ---------------------------------------------------------


def test_a_baseline_page_names_compilers_and_explains_its_columns(
    browser: Any, site_url: str
) -> None:
    browser.get(f"{site_url}/docs/generated/baselines/manylinux_2_28.html")
    (section,) = by_css(browser, "section#compiler-terms")
    runtime = default_targets().runtime("GLIBCXX", "3.4.24")
    assert runtime is not None and runtime.dialect is not None
    row = next(r for r in section.find_elements("css selector", "tr") if "GLIBCXX_3.4.24" in r.text)
    assert f"GCC {runtime.gcc}" in row.text and runtime.dialect in row.text
    assert "not caps on the compiler" in section.text
    terms = {e.text for e in by_css(browser, "dl.column-legend dt")}
    assert {"word", "ELF machine", "highest ISA level", "UBI"} <= terms
    screenshot(browser, "baseline-compiler-terms", section)


def test_caveats_come_first_on_a_baseline_page(browser: Any, site_url: str) -> None:
    browser.get(f"{site_url}/docs/generated/baselines/manylinux_2_34.html")
    sections = [s.get_attribute("id") for s in by_css(browser, "article section > section")]
    assert sections[0] == "caveats"
    (caveats,) = by_css(browser, "section#caveats")
    assert "x86-64-v2" in caveats.text
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", caveats)
    assert top < HEIGHT  # on the first screen
    screenshot(browser, "baseline-2_34-caveats-1400-light")


# -- pictures --------------------------------------------------------------------------------


def luminance(css_colour: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("figure", ["timeline", "coverage"])
def test_a_picture_reads_in_both_themes(
    browser: Any, site_url: str, figure: str, theme: str
) -> None:
    browser.get(f"{site_url}/{GUIDE}")
    set_theme(browser, theme)
    (box,) = by_css(browser, f"div#{figure}")
    (svg,) = box.find_elements("css selector", "svg")
    assert svg.find_elements("css selector", "title")  # described for assistive technology
    texts = svg.find_elements("css selector", "text")
    assert len(texts) > 10
    background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    fills = browser.execute_script("return arguments[0].map(t => getComputedStyle(t).fill)", texts)
    for fill in set(fills):
        assert contrast(fill, background) >= 4.5, (fill, background)
    fits = browser.execute_script(
        "return arguments[0].scrollWidth <= arguments[0].clientWidth", box
    )
    assert fits  # nothing to scroll at 1400 px
    screenshot(browser, f"figure-{figure}-1400-{theme}", box)


@pytest.mark.parametrize("figure", ["timeline", "coverage"])
def test_a_picture_keeps_readable_text_at_400_px(narrow: Any, site_url: str, figure: str) -> None:
    narrow.get(f"{site_url}/{GUIDE}")
    (box,) = by_css(narrow, f"div#{figure}")
    narrow.execute_script("arguments[0].scrollIntoView()", box)
    heights = narrow.execute_script(
        "return [...arguments[0].querySelectorAll('text')]"
        ".map(t => t.getBoundingClientRect().height)",
        box,
    )
    assert min(heights) >= 10  # pixels: the figure scrolls sideways rather than shrinking
    screenshot(narrow, f"figure-{figure}-400-light", box)


def test_the_pictures_follow_the_data(browser: Any, site_url: str) -> None:
    browser.get(f"{site_url}/{GUIDE}")
    (timeline,) = by_css(browser, "div#timeline svg")
    lanes = [t.text for t in timeline.find_elements("css selector", "text.pf-lane-label")]
    policies = default_policies()
    assert lanes == [b.name for b in policies.baselines if b.name in lanes]
    assert "manylinux_2_28" in lanes
    (coverage,) = by_css(browser, "div#coverage svg")
    labels = [t.text for t in coverage.find_elements("css selector", "text.pf-label")]
    assert [b.name for b in policies.baselines] == [
        label for label in labels if label.startswith("manylinux_")
    ]


# -- search ----------------------------------------------------------------------------------


def search(driver: Any, site_url: str, query: str) -> list[tuple[str, str]]:
    """(link, snippet) of the first three results, once their snippets have loaded."""
    from urllib.parse import quote

    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{site_url}/search.html?q={quote(query)}")

    def loaded(d: Any) -> bool:
        items = by_css(d, "#search-results li")
        return len(items) >= 3 and all(
            i.find_elements("css selector", "p.context") for i in items[:3]
        )

    WebDriverWait(driver, 30).until(loaded)
    items = by_css(driver, "#search-results li")[:3]
    return [
        (
            i.find_element("css selector", "a").get_attribute("href"),
            i.find_element("css selector", "p.context").text,
        )
        for i in items
    ]


def expected_top() -> dict[str, str]:
    return {
        "GLIBC_2.28": f"baselines/{first_baseline_allowing('GLIBC', '2.28')}.html#",
        "GLIBCXX_3.4.24": f"baselines/{first_baseline_allowing('GLIBCXX', '3.4.24')}.html#",
        "RHEL 8": f"{GUIDE}#dist-rhubi-8",
        "libnsl": f"{GUIDE}#library-caveats",
    }


@pytest.mark.parametrize("query", ["GLIBC_2.28", "GLIBCXX_3.4.24", "RHEL 8", "libnsl"])
def test_search_finds_the_right_page_first(browser: Any, site_url: str, query: str) -> None:
    results = search(browser, site_url, query)
    assert expected_top()[query] in results[0][0], results
    snippets = [snippet for _, snippet in results]
    assert len(set(snippets)) == len(snippets), snippets  # each result says something else
    assert severe_messages(browser) == []
    screenshot(browser, "search-" + re.sub(r"\W+", "-", query))


# -- spec pages ------------------------------------------------------------------------------


def test_clause_text_comes_before_its_cases_which_wait_folded(browser: Any, site_url: str) -> None:
    browser.get(f"{site_url}/spec/installers.html")
    clauses = by_css(browser, "div.clause")
    folded = [c for c in clauses if c.find_elements("css selector", "details.clause-cases-fold")]
    assert folded
    for clause in folded:
        (details,) = clause.find_elements("css selector", "details.clause-cases-fold")
        assert details.get_attribute("open") is None
        text = clause.find_element("css selector", "div.clause-text")
        above = browser.execute_script(
            "return arguments[0].getBoundingClientRect().bottom <= "
            "arguments[1].getBoundingClientRect().top",
            text,
            details,
        )
        assert above
    summary = folded[0].find_element("css selector", "summary")
    assert re.match(r"\d+ cases?", summary.text)
    summary.click()
    assert folded[0].find_elements("css selector", "table.clause-cases-table")[0].is_displayed()
    screenshot(browser, "spec-installers-1400-light")


def test_a_link_to_a_folded_case_opens_it(browser: Any, site_url: str) -> None:
    browser.get(f"{site_url}/spec/installers.html")
    (link,) = by_css(browser, "table.clause-cases-table a[href*='#case-']")[:1]
    href = link.get_attribute("href")
    browser.get(href)
    anchor = href.split("#", 1)[1]
    target = by_css(browser, f"[id='{anchor}']")[0]
    assert target.is_displayed()


# -- page height and clipped tables ----------------------------------------------------------


def pages() -> list[str]:
    """Every page of the site."""
    return sorted(
        p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html") if "_static" not in p.parts
    )


LONG_BY_DESIGN = frozenset({"genindex-all.html"})
"""Sphinx's whole index on one page, offered beside the index of one page a letter
(``html_split_index``), which readers browse."""


def test_no_page_is_taller_than_20_screens_or_clips_a_table(
    browser: Any, site_url: str, built_site: Any
) -> None:
    too_tall, clipped = [], []
    for page in pages():
        browser.get(f"{site_url}/{page}")
        height = browser.execute_script("return document.documentElement.scrollHeight")
        screen = browser.execute_script("return window.innerHeight")
        if height > MAX_SCREENS * screen and page not in LONG_BY_DESIGN:
            too_tall.append((page, round(height / screen, 1)))
        cut = browser.execute_script(
            "return [...document.querySelectorAll('article table')].filter(t => {"
            "const box = t.closest('.table-wrapper') || t.parentElement;"
            "return t.scrollWidth > box.clientWidth + 1}).length"
        )
        if cut:
            clipped.append((page, cut))
    assert too_tall == [] and clipped == []
