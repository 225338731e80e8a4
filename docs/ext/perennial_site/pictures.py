"""Pictures drawn from the policy data at build time, as inline SVG.

Two figures: a timeline of distribution lifetimes grouped by the newest baseline each release
runs, and the coverage of each baseline (releases it covers, still supported or not). The SVG
is built from the data by the functions below, never drawn by hand; colours come from CSS
classes (perennial.css) that follow the theme's variables, so a figure reads the same in the
light and dark themes. Figures keep a fixed pixel width and scroll sideways on a narrow
screen instead of shrinking their text.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from docutils import nodes
from sphinx.application import Sphinx

from perennial_site import build
from perennial_site.baselines import PolicyDirective, users_of
from reference_impl.policy.targets import newest_baseline

FONT = 13
ROW = 17
LABEL_WIDTH = 170


@dataclass(frozen=True)
class Lifetime:
    """One release's support phases as dates; a missing phase is None."""

    label: str
    released: datetime.date
    end_of_life: datetime.date
    end_of_free_lts: datetime.date | None
    end_of_commercial_lts: datetime.date | None


def day(value: str | None) -> datetime.date | None:
    """An ISO day of the data, or None for a missing, ``rolling`` or ``unknown`` one."""
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class Svg:
    """A tiny SVG writer: elements are appended as text with every value escaped."""

    def __init__(self, width: int, height: int, title: str, description: str) -> None:
        self.width, self.height = width, height
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="perennial-svg" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-size="{FONT}">',
            f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
        ]

    def rect(self, x: float, y: float, w: float, h: float, css: str, tip: str = "") -> None:
        body = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
            f"class={quoteattr(css)}>{body}</rect>"
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, css: str) -> None:
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f"class={quoteattr(css)}/>"
        )

    def text(self, x: float, y: float, value: str, css: str, anchor: str = "start") -> None:
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class={quoteattr(css)}>'
            f"{escape(value)}</text>"
        )

    def render(self) -> str:
        return "".join([*self.parts, "</svg>"])


def timeline_svg(
    lanes: Sequence[tuple[str, Sequence[Lifetime]]], today: datetime.date, width: int = 720
) -> str:
    """Lanes of release lifetimes (standard support, free LTS, paid LTS) on a year axis."""
    lifetimes = [life for _, lives in lanes for life in lives]
    first = min(life.released.year for life in lifetimes)
    last = (
        max(
            (life.end_of_commercial_lts or life.end_of_free_lts or life.end_of_life).year
            for life in lifetimes
        )
        + 1
    )
    plot_left, plot_right, top = LABEL_WIDTH, width - 24, 30
    rows = sum(1 + len(lives) for _, lives in lanes)
    height = top + rows * ROW + 40
    scale = (plot_right - plot_left) / (datetime.date(last, 1, 1) - datetime.date(first, 1, 1)).days

    def x(when: datetime.date) -> float:
        return plot_left + (when - datetime.date(first, 1, 1)).days * scale

    svg = Svg(
        width,
        height,
        "Distribution lifetimes by the newest baseline each release runs",
        "Each bar is a distribution release: standard support, then free and paid long-term "
        "support, grouped under the newest manylinux baseline whose wheels it runs.",
    )
    for year in range(first, last + 1):
        at = x(datetime.date(year, 1, 1))
        svg.line(at, top - 6, at, height - 30, "pf-grid")
        if year % 2 == 0 or last - first < 12:
            svg.text(at, top - 10, str(year), "pf-axis", "middle")
            svg.text(at, height - 16, str(year), "pf-axis", "middle")
    y = top
    for lane, lives in lanes:
        svg.rect(0, y, width, ROW, "pf-lane")
        svg.text(4, y + ROW - 4, lane, "pf-lane-label")
        y += ROW
        for life in lives:
            svg.text(14, y + ROW - 5, life.label, "pf-label")
            phases = (
                (life.released, life.end_of_life, "pf-support", "standard support"),
                (life.end_of_life, life.end_of_free_lts, "pf-free-lts", "free long-term support"),
                (
                    life.end_of_free_lts or life.end_of_life,
                    life.end_of_commercial_lts,
                    "pf-paid-lts",
                    "paid long-term support",
                ),
            )
            for start, end, css, what in phases:
                if end is not None and end > start:
                    tip = f"{life.label}: {what} {start.isoformat()} to {end.isoformat()}"
                    svg.rect(x(start), y + 3, x(end) - x(start), ROW - 6, css, tip)
            y += ROW
    now = x(today)
    svg.line(now, top - 6, now, height - 30, "pf-today")
    svg.text(now + 3, height - 34, f"built {today.isoformat()}", "pf-today-label")
    return svg.render()


def coverage_svg(
    rows: Sequence[tuple[str, int, int, int]], today: datetime.date, width: int = 560
) -> str:
    """Per baseline: releases covered and still supported, covered but ended, with caveats."""
    label_width, top, bar_height = 130, 26, 14
    most = max((supported + ended for _, supported, ended, _ in rows), default=1)
    scale = (width - label_width - 90) / most
    height = top + len(rows) * (bar_height + 8) + 10
    svg = Svg(
        width,
        height,
        "Distribution releases each baseline covers",
        f"For each baseline, the observed distribution releases whose glibc is at least its "
        f"own: still supported on {today.isoformat()}, or past their end of life; the number "
        "in brackets lacks some library the baseline allows.",
    )
    svg.rect(label_width, 6, 10, 10, "pf-supported")
    svg.text(label_width + 14, 15, f"supported on {today.isoformat()}", "pf-axis")
    svg.rect(label_width + 190, 6, 10, 10, "pf-ended")
    svg.text(label_width + 204, 15, "past end of life", "pf-axis")
    y = top
    for name, supported, ended, caveats in rows:
        svg.text(label_width - 6, y + bar_height - 3, name, "pf-label", "end")
        alive, gone = supported * scale, ended * scale
        svg.rect(
            label_width, y, alive, bar_height, "pf-supported", f"{name}: {supported} supported"
        )
        svg.rect(label_width + alive, y, gone, bar_height, "pf-ended", f"{name}: {ended} ended")
        note = f"{supported + ended}" + (f" ({caveats})" if caveats else "")
        svg.text(label_width + alive + gone + 5, y + bar_height - 3, note, "pf-label")
        y += bar_height + 8
    return svg.render()


def supported(dist: Any, today: datetime.date) -> bool:
    """Still supported on ``today`` (paid support included); a rolling end counts as supported."""
    end = dist.end_of_commercial_lts or dist.end_of_free_lts or dist.end_of_life
    when = day(end)
    return when is None or when >= today


def figure(svg: str, caption: str, anchor: str) -> list[nodes.Node]:
    """The SVG inline (so theme colours apply), in a box that scrolls on a narrow screen."""
    box = nodes.container(ids=[anchor], classes=["perennial-figure"])
    box += nodes.raw("", svg, format="html")
    return [box, build.para(caption, classes=["perennial-figure-caption"])]


class TimelineDirective(PolicyDirective):
    """``{baseline-timeline}``: release lifetimes, grouped by the newest baseline they run."""

    def run(self) -> list[nodes.Node]:
        policies = self.policies()
        lanes: dict[str, list[Lifetime]] = {}
        skipped = 0
        for dist in sorted(policies.distributions, key=lambda d: (d.glibc, d.name, d.release)):
            newest = newest_baseline(policies, dist)
            released, ended = day(dist.released), day(dist.end_of_life)
            if dist.build_image or newest is None:
                continue
            if released is None or ended is None:
                skipped += 1
                continue
            lanes.setdefault(newest.name, []).append(
                Lifetime(
                    dist.title,
                    released,
                    ended,
                    day(dist.end_of_free_lts),
                    day(dist.end_of_commercial_lts),
                )
            )
        ordered = [(b.name, lanes[b.name]) for b in policies.baselines if b.name in lanes]
        svg = timeline_svg(ordered, datetime.date.today())
        caption = (
            "Standard support (dark), free long-term support (lighter) and paid long-term "
            "support (lightest) of each release with recorded dates, under the newest baseline "
            f"it runs; {skipped} releases without a release or end-of-life date are left out."
        )
        return figure(svg, caption, "timeline")


class CoverageDirective(PolicyDirective):
    """``{baseline-coverage}``: how many releases each baseline covers, supported or not."""

    def run(self) -> list[nodes.Node]:
        policies = self.policies()
        facts = self.targets()
        today = datetime.date.today()
        rows = []
        for b in policies.baselines:
            users = users_of(policies, b)
            alive = sum(1 for d in users if supported(d, today))
            lacking = sum(1 for d in users if set(facts.missing_on(d.id)) & b.libraries)
            rows.append((b.name, alive, len(users) - alive, lacking))
        caption = (
            "Observed distribution releases each baseline covers, split by whether their "
            "support (paid long-term support included) reaches the build date; in brackets, "
            "how many of them lack some library the baseline allows."
        )
        return figure(coverage_svg(rows, today), caption, "coverage")


def setup(app: Sphinx) -> None:
    app.add_directive("baseline-timeline", TimelineDirective)
    app.add_directive("baseline-coverage", CoverageDirective)
