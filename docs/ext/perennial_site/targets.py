"""The tables of the target guide ("which baseline should I target?"), from the policy data.

Per distribution release: the newest baseline it runs, the pip it ships and what that pip
reads, the allowed libraries it lacks. Then when to dual-tag, the build images per
architecture, the library caveats, symbol versions in compiler terms, and what each baseline
gains and loses. Rows carry search entries, so a reader searching "RHEL 8" or "libnsl" lands on
the row that answers.
"""

from __future__ import annotations

import datetime
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from perennial_site import build, terms
from perennial_site.baselines import (
    PolicyDirective,
    baseline_link,
    by_glibc,
    image_names,
    lost_distributions,
    newest_numeric,
    pip_text,
    previous_of,
    short_title,
    sorted_versions,
    supported,
    users_of,
)
from reference_impl.policy.diff import BaselineDiff, diff_baselines
from reference_impl.policy.targets import TAG_FORMS, newest_baseline

READS = {
    None: ("no manylinux tag", "none"),
    "manylinux1": ("manylinux1 only", "old"),
    "manylinux2010": ("up to manylinux2010", "old"),
    "manylinux2014": ("up to manylinux2014", "alias"),
    "manylinux_x_y": ("every tag", "ok"),
}
"""What a pip reads -> (the words shown, the badge class)."""


def support_end(dist: Any) -> str:
    """The last day anyone supports the release (paid support included), or ``rolling``."""
    return dist.end_of_commercial_lts or dist.end_of_free_lts or dist.end_of_life or "—"


def pip_cell(targets: Any, dist: Any) -> build.Cell:
    installers = targets.installers_of(dist.id)
    if not installers:
        return "not recorded"
    parts: list[nodes.Node] = []
    for stock in installers:
        words, kind = READS[stock.reads]
        if parts:
            parts.append(nodes.Text("; "))
        label = pip_text(stock) if stock.pip is not None else "pip"
        if stock.python and not stock.default:
            label = f"python {stock.python}: {label}"
        parts += [nodes.Text(f"{label} "), build.badge(words, f"reads-{kind}")]
    return parts


def dist_entry(dist: Any, anchor: str) -> nodes.Node:
    """The name readers search for: ``RHEL 8`` for the row of ``RHEL (UBI) 8``."""
    return build.index_entry(short_title(dist), anchor)


class TargetPickerDirective(PolicyDirective):
    """``{target-picker}``: every release, by name, with the answer in the second column."""

    def run(self) -> list[nodes.Node]:
        policies, targets = self.policies(), self.targets()
        dists = sorted(
            (d for d in policies.distributions if not d.build_image),
            key=lambda d: (d.name.lower(), d.glibc, d.release),
        )
        table = build.table(
            ["distribution", "newest baseline it runs", "its pip", "lacks", "supported until"],
            (
                [
                    d.title,
                    baseline_link(newest.name) if (newest := newest_baseline(policies, d)) else "—",
                    pip_cell(targets, d),
                    build.joined(build.literal(lib) for lib in targets.missing_on(d.id)) or "—",
                    support_end(d),
                ]
                for d in dists
            ),
            classes=["picker"],
        )
        entries: list[nodes.Node] = []
        for row, dist in zip(table.findall(nodes.row), [None, *dists], strict=True):
            if dist is not None:
                row["ids"].append(f"dist-{nodes.make_id(dist.id)}")
                entries.append(dist_entry(dist, f"dist-{nodes.make_id(dist.id)}"))
        return [table, *entries, terms.legend(["UBI"])]


class DualTaggingDirective(PolicyDirective):
    """``{dual-tagging}``: who needs a wheel's legacy alias, computed from the stock pips."""

    def run(self) -> list[nodes.Node]:
        policies, targets = self.policies(), self.targets()
        today = datetime.date.today()
        by_form: dict[str | None, list[str]] = {}
        for dist in by_glibc(policies.distributions):
            if dist.build_image or not supported(dist, today):
                continue
            for stock in targets.installers_of(dist.id):
                if stock.can_read("manylinux_x_y"):
                    continue
                where = dist.title if stock.default else f"{dist.title} (python {stock.python})"
                by_form.setdefault(stock.reads, []).append(f"{where}: {pip_text(stock)}")
        first = targets.tag_forms
        aliased = [b for b in policies.baselines if b.aliases]
        rows = []
        for form in reversed((None, *TAG_FORMS[:-1])):
            if form not in by_form:
                continue
            if form == "manylinux2014":
                advice = (
                    "reads a manylinux_2_17 wheel only if it also carries manylinux2014: "
                    "dual-tag it"
                )
            elif form is None:
                advice = "installs no manylinux wheel: its users must upgrade pip"
            else:
                advice = (
                    f"reads only {form} among the legacy tags: a manylinux_2_17 wheel does not "
                    "reach it, dual-tagged or not; its users must upgrade pip"
                )
            rows.append([READS[form][0], "; ".join(by_form[form]), advice])
        intro = build.para(
            f"pip reads the perennial form manylinux_X_Y from {first.get('manylinux_x_y', '?')} "
            "on; older pips read only the legacy aliases, each from the release that "
            "introduced it ("
            + ", ".join(f"{form} from {first[form]}" for form in TAG_FORMS[:-1] if form in first)
            + "). Only "
            + ", ".join(b.name for b in aliased)
            + " have an alias, so a wheel of those baselines can carry both names in one file, "
            "a compressed tag set such as ",
            build.literal("manylinux_2_17_x86_64.manylinux2014_x86_64"),
            " (auditwheel repair writes both). Supported releases whose stock pip is older "
            "than that:",
        )
        table = build.table(
            ["its pip reads", "supported releases", "what that means"], rows, classes=["dual"]
        )
        outro = build.para(
            "Dual-tag a manylinux_2_17 wheel while any release in the first row matters to you. "
            "A baseline above manylinux_2_17 has no alias: users of every release listed here "
            "must upgrade pip (",
            build.literal("python -m pip install --upgrade pip"),
            ") to install it.",
        )
        return [intro, table, outro]


class BuildImagesDirective(PolicyDirective):
    """``{build-images}``: every pypa/manylinux image, per architecture, with its status."""

    def run(self) -> list[nodes.Node]:
        policies, targets = self.policies(), self.targets()
        rows = []
        for image in targets.images:
            notes: list[nodes.Node] = []
            if image.since:
                notes.append(build.para(f"Not maintained since {image.since}."))
            for caveat in image.caveats:
                scope = f"{', '.join(caveat.architectures)}: " if caveat.architectures else ""
                notes.append(build.para(scope + caveat.text))
            about = nodes.container()
            about += build.para(
                baseline_link(image.baseline), " ", build.badge(image.status, "image-status")
            )
            about += build.para(f"{image.base}; {image.toolchain}")
            rows.append([about, image_names(image), notes or "—"])
        table = build.table(
            ["baseline, status, base and toolchain", "images", "notes"],
            rows,
            classes=["build-images"],
        )
        for row, image in zip(list(table.findall(nodes.row))[1:], targets.images, strict=True):
            row["ids"].append(f"image-{nodes.make_id(image.name)}")
        sources = sorted({s for i in targets.images for s in i.sources})
        cited = build.joined(
            build.external(policies.sources[s].url, policies.sources[s].title) for s in sources
        )
        return [table, build.para("Sources: ", *cited, ".", classes=["sources"])]


class LibraryCaveatsDirective(PolicyDirective):
    """``{library-caveats}``: allowed libraries that a covered release does not provide."""

    def run(self) -> list[nodes.Node]:
        policies, targets = self.policies(), self.targets()
        rows = []
        libraries: set[str] = set()
        for dist in by_glibc(policies.distributions):
            lacking = targets.missing_on(dist.id)
            if not lacking:
                continue
            libraries.update(lacking)
            allowing = [b for b in policies.baselines if dist in policies.covered_by(b)]
            rows.append(
                [
                    dist.title,
                    build.literals(lacking),
                    build.para(
                        baseline_link(allowing[0].name), " to ", baseline_link(allowing[-1].name)
                    )
                    if allowing
                    else "—",
                ]
            )
        box = nodes.container(ids=["library-caveats-table"])
        box += build.table(
            ["distribution", "does not provide", "baselines that allow it and cover the release"],
            rows,
            classes=["library-caveats"],
        )
        sources = sorted({s for m in targets.missing for s in m.sources})
        box += build.para(
            "Source: ",
            *build.joined(
                build.external(policies.sources[s].url, policies.sources[s].title) for s in sources
            ),
            ".",
            classes=["sources"],
        )
        box.extend(build.index_entry(lib, "library-caveats-table") for lib in sorted(libraries))
        return [box]


class RuntimeVersionsDirective(PolicyDirective):
    """``{runtime-versions}``: each C++ runtime version, its GCC release and first baseline."""

    def run(self) -> list[nodes.Node]:
        policies, targets = self.policies(), self.targets()
        first: dict[tuple[str, str], str] = {}
        for b in policies.baselines:
            for families in b.symbol_versions.values():
                for family in (*terms.CXX_FAMILIES, "GCC"):
                    for version in families.get(family, ()):
                        first.setdefault((family, version), b.name)
        boxes: list[nodes.Node] = []
        for family in (*terms.CXX_FAMILIES, "GCC"):
            versions = sorted_versions(v for (f, v) in first if f == family and terms.numbered(v))
            rows = []
            for version in versions:
                runtime = targets.runtime(family, version)
                rows.append(
                    [
                        build.literal(f"{family}_{version}"),
                        f"GCC {runtime.gcc}" if runtime else "—",
                        build.literal(runtime.dialect)
                        if runtime and runtime.dialect and family != "GCC"
                        else "—",
                        baseline_link(first[(family, version)]),
                    ]
                )
            library = targets.runtime_libraries.get(family, "")
            box = nodes.container(ids=[f"runtime-{nodes.make_id(family)}"])
            box += build.para(nodes.strong("", family), f" versions of {library}:")
            box += build.table(
                ["version", "first in", "default C++ dialect then", "first allowed by"],
                rows,
                classes=["runtime-versions"],
            )
            if library:
                box += build.index_entry(library, f"runtime-{nodes.make_id(family)}")
            boxes.append(
                build.folded(
                    [f"{family}: {len(rows)} versions, newest {family}_{newest_numeric(versions)}"],
                    box,
                    classes=["runtime"],
                )
            )
        return boxes


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
    app.add_directive("target-picker", TargetPickerDirective)
    app.add_directive("dual-tagging", DualTaggingDirective)
    app.add_directive("build-images", BuildImagesDirective)
    app.add_directive("library-caveats", LibraryCaveatsDirective)
    app.add_directive("runtime-versions", RuntimeVersionsDirective)
    app.add_directive("baseline-tradeoffs", TradeoffsDirective)
