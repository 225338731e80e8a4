"""The tables of the "which baseline should I target?" guide, generated from the policy data.

Distributions by glibc with their support dates and the newest baseline each can install; what
each baseline gains over the one before it and which distribution releases it leaves behind.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from perennial_site import build
from perennial_site.baselines import (
    PolicyDirective,
    baseline_link,
    by_glibc,
    date,
    lost_distributions,
    newest_numeric,
    previous_of,
    sorted_versions,
    users_of,
)
from reference_impl.policy.diff import BaselineDiff, diff_baselines


def newest_covering(policies: Any, dist: Any) -> Any | None:
    """The newest baseline whose wheels run on ``dist`` (on at least one architecture)."""
    fitting = [
        b
        for b in policies.baselines
        if b.glibc <= dist.glibc and set(b.architectures) & set(dist.architectures)
    ]
    return fitting[-1] if fitting else None


class DistributionTableDirective(PolicyDirective):
    """``{distribution-table}``: distributions by glibc, with support dates."""

    def run(self) -> list[nodes.Node]:
        policies = self.policies()
        dists = by_glibc(d for d in policies.distributions if not d.build_image)
        rows = []
        for d in dists:
            newest = newest_covering(policies, d)
            rows.append(
                [
                    d.title,
                    str(d.glibc),
                    ", ".join(d.architectures),
                    date(d.end_of_life),
                    date(d.end_of_free_lts),
                    date(d.end_of_commercial_lts),
                    baseline_link(newest.name) if newest else "—",
                ]
            )
        return [
            build.table(
                [
                    "distribution",
                    "glibc",
                    "architectures",
                    "end of life",
                    "free LTS until",
                    "paid LTS until",
                    "newest baseline it runs",
                ],
                rows,
                classes=["distributions"],
            )
        ]


class TradeoffsDirective(PolicyDirective):
    """``{baseline-tradeoffs}``: what each baseline gains and loses against the one before."""

    def run(self) -> list[nodes.Node]:
        policies = self.policies()
        rows = []
        for b in policies.baselines:
            previous = previous_of(policies, b)
            if previous is None:
                gains: build.Cell = "the oldest baseline"
                loses: build.Cell = "—"
            else:
                diff = diff_baselines(previous, b)
                gains = self._gains(diff)
                lost = lost_distributions(policies, b, previous)
                dropped = sorted(diff.architectures_removed)
                parts = []
                if lost:
                    parts.append(", ".join(lost))
                if dropped:
                    parts.append("architectures " + ", ".join(dropped))
                loses = "; ".join(parts) or "nothing observed"
            users = users_of(policies, b)
            rows.append([baseline_link(b.name), str(b.glibc), str(len(users)), gains, loses])
        return [
            build.table(
                [
                    "baseline",
                    "glibc",
                    "distributions",
                    "gains (newest versions, additions)",
                    "loses",
                ],
                rows,
                classes=["tradeoffs"],
            )
        ]

    def _gains(self, diff: BaselineDiff) -> build.Cell:
        newest: dict[str, set[str]] = {}
        for families in diff.versions_added.values():
            for family, added in families.items():
                newest.setdefault(family, set()).update(added)
        parts: list[nodes.Node] = []
        for family in sorted(newest):
            top = newest_numeric(newest[family]) or sorted_versions(newest[family])[-1]
            parts.append(build.literal(f"{family}_{top}"))
        added_arches = sorted(diff.architectures_added)
        added_libs = diff.libraries_added
        text = []
        if added_arches:
            text.append(nodes.Text("; architectures " + ", ".join(added_arches)))
        if added_libs:
            text.append(nodes.Text("; libraries " + ", ".join(added_libs)))
        cell = build.joined(parts) + text
        return cell if cell else "no new symbol versions"


def setup(app: Sphinx) -> None:
    app.add_directive("distribution-table", DistributionTableDirective)
    app.add_directive("baseline-tradeoffs", TradeoffsDirective)
