"""The SVG figures are drawn from the data: well-formed, escaped, and to scale."""

from __future__ import annotations

import datetime
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "ext"))

from perennial_site.pictures import Lifetime, coverage_svg, timeline_svg  # noqa: E402

NS = {"svg": "http://www.w3.org/2000/svg"}
D = datetime.date


def rects(svg: str, css: str) -> list[ET.Element]:
    return [r for r in ET.fromstring(svg).iter(f"{{{NS['svg']}}}rect") if r.get("class") == css]


def test_a_timeline_bar_spans_its_release_dates_in_proportion() -> None:
    short = Lifetime("Short 1", D(2020, 1, 1), D(2022, 1, 1), None, None)
    long = Lifetime("Long 2", D(2020, 1, 1), D(2024, 1, 1), D(2026, 1, 1), D(2030, 1, 1))
    svg = timeline_svg([("manylinux_2_17", [short, long])], D(2025, 6, 1))
    support = rects(svg, "pf-support")
    widths = [float(r.get("width", 0)) for r in support]
    assert len(support) == 2 and abs(widths[1] / widths[0] - 2) < 0.01  # 4 years against 2
    assert len(rects(svg, "pf-free-lts")) == 1 and len(rects(svg, "pf-paid-lts")) == 1
    starts = {float(r.get("x", 0)) for r in support}
    assert len(starts) == 1  # both released on the same day


def test_text_from_the_data_is_escaped() -> None:
    hostile = Lifetime('<script>alert("x")</script>', D(2020, 1, 1), D(2021, 1, 1), None, None)
    svg = timeline_svg([("lane & <b>", [hostile])], D(2020, 6, 1))
    assert "<script>" not in svg and "<b>" not in svg
    texts = [t.text for t in ET.fromstring(svg).iter(f"{{{NS['svg']}}}text")]
    assert '<script>alert("x")</script>' in texts and "lane & <b>" in texts


def test_coverage_bars_are_to_scale_and_labelled() -> None:
    svg = coverage_svg([("manylinux_2_5", 30, 10, 2), ("manylinux_2_41", 15, 0, 0)], D(2026, 1, 1))
    alive = [float(r.get("width", 0)) for r in rects(svg, "pf-supported")[1:]]  # [0] is the key
    assert abs(alive[0] / alive[1] - 2) < 0.01
    texts = [t.text for t in ET.fromstring(svg).iter(f"{{{NS['svg']}}}text")]
    assert "40 (2)" in texts and "15" in texts
