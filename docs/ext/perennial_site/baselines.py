"""Baseline pages and the baselines overview, in a wheel builder's terms.

Everything shown comes from :func:`reference_impl.policy.load_policies` and the target facts
(:mod:`reference_impl.policy.targets`) at build time; the pages record that they depend on
``policies/`` so editing a policy file and rebuilding changes them. A page opens with what a
builder must know first (its caveats), then the versions in compiler terms, then the data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from perennial_site import build, data, terms
from reference_impl.policy.diff import BaselineDiff, diff_baselines, version_order

BASELINES_DIR = "docs/generated/baselines"
GUIDE = "docs/guides/which-baseline"


def baseline_doc(name: str) -> str:
    return f"{BASELINES_DIR}/{name}"


def baseline_link(name: str) -> nodes.Node:
    return build.link(baseline_doc(name), "", build.literal(name))


def status_badge(baseline: Any) -> list[nodes.Node]:
    """A "proposed" badge after a proposed baseline's name; nothing for an adopted one."""
    return (
        [nodes.Text(" "), build.badge("proposed", "baseline-status")] if baseline.proposed else []
    )


PROPOSED_TEXT = (
    " This baseline is derived from the evidence by perennial policy derive while rolling "
    "releases still constrain it (its amendment says which versions they hold back), so it "
    "may change before it is adopted. Installers already accept its tags, as PEP 600 says; "
    "perennial audit and perennial index-check say it is proposed wherever they use it."
)


def review_docs(srcdir: str, baseline: Any) -> list[str]:
    """The committed ``policy review`` pages (docs/reviews/) of the change that proposed a
    baseline: those whose front matter lists it under ``reviews``."""
    folder = Path(srcdir) / "docs" / "reviews"
    pages = sorted(folder.glob("*.md")) if folder.is_dir() else []
    return [f"docs/reviews/{page.stem}" for page in pages if baseline.name in reviewed(page)]


def reviewed(page: Path) -> list[str]:
    """The baselines a review page's front matter lists under ``reviews`` (none without
    front matter)."""
    import yaml  # myst-parser's own dependency, which reads the same front matter

    text = page.read_text(encoding="utf-8")
    end = text.find("\n---\n", 3)
    if not text.startswith("---\n") or end < 0:
        return []
    matter = yaml.safe_load(text[4:end])
    names = matter.get("reviews", []) if isinstance(matter, dict) else []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def sorted_versions(versions: Iterable[str]) -> list[str]:
    """Numeric parts compare as numbers (2.9 < 2.10); names such as TM_1 sort after them."""
    return sorted(versions, key=version_order)


def newest_numeric(versions: Iterable[str]) -> str | None:
    numeric = [v for v in versions if terms.numbered(v)]
    return max(numeric, key=version_order) if numeric else None


def grouped_by_arch(
    per_arch: Mapping[str, Any], arches: Sequence[str]
) -> list[tuple[list[str], Any]]:
    """Architectures that share the same value, in architecture order: compact tables."""
    groups: list[tuple[list[str], Any]] = []
    for arch in arches:
        value = per_arch.get(arch)
        for members, shared in groups:
            if shared == value:
                members.append(arch)
                break
        else:
            groups.append(([arch], value))
    return groups


def versions_cell(family: str, versions: Iterable[str]) -> nodes.Node:
    return build.literals(
        (f"{family}_{v}" for v in sorted_versions(versions)), classes=["versions"]
    )


def legacy_names(baseline: Any) -> list[str]:
    """The legacy alias names of a baseline (``manylinux2014``), whatever the architecture."""
    return sorted(set(baseline.aliases.values()))


def dist_arches(dist: Any, baseline: Any) -> str:
    return ", ".join(a for a in dist.architectures if a in baseline.architectures)


def date(value: str | None) -> str:
    return value or "—"


def day(value: str | None) -> datetime.date | None:
    """An ISO day of the data, or None for a missing, ``rolling`` or ``unknown`` one."""
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def supported(dist: Any, today: datetime.date) -> bool:
    """Still supported on ``today``, paid support included; a rolling end counts as supported."""
    when = day(dist.end_of_commercial_lts or dist.end_of_free_lts or dist.end_of_life)
    return when is None or when >= today


def short_title(dist: Any) -> str:
    """``RHEL 8`` for ``RHEL (UBI) 8``: the name readers search for."""
    name = dist.name.split(" (")[0]
    return f"{name} {dist.release}"


class PolicyDirective(SphinxDirective):
    def policies(self) -> Any:
        data.note(self.env, "policies")
        site = data.get(self.env.app)
        if site.policies is None:
            raise self.error("the policy data cannot be loaded (see the warning above)")
        return site.policies

    def targets(self) -> Any:
        """The target facts (empty where the files are absent; a broken one is a warning)."""
        from reference_impl.policy.targets import TargetFacts

        self.policies()
        facts = data.get(self.env.app).targets
        return facts if facts is not None else TargetFacts()


def previous_of(policies: Any, baseline: Any) -> Any | None:
    """The baseline this one extends, else the one just below it in glibc order."""
    if baseline.previous:
        return policies.baseline(baseline.previous)
    index = policies.baselines.index(baseline)
    return policies.baselines[index - 1] if index else None


def by_glibc(dists: Iterable[Any]) -> list[Any]:
    """Distribution releases, oldest glibc first, then by name and release."""
    return sorted(dists, key=lambda d: (d.glibc, d.name, d.release))


def users_of(policies: Any, baseline: Any) -> list[Any]:
    """The releases a baseline's wheels run on, build images left out, oldest glibc first."""
    return by_glibc(d for d in policies.covered_by(baseline) if not d.build_image)


def lost_distributions(policies: Any, b: Any, previous: Any) -> list[str]:
    """Releases the previous baseline covers and this one does not, oldest glibc first."""
    now = {d.id for d in policies.covered_by(b)}
    return [d.title for d in users_of(policies, previous) if d.id not in now]


def first_allowed(policies: Any) -> dict[tuple[str, str], str]:
    """(family, version) -> the oldest baseline allowing it on any architecture."""
    found: dict[tuple[str, str], str] = {}
    for b in policies.baselines:
        for families in b.symbol_versions.values():
            for family, versions in families.items():
                for version in versions:
                    found.setdefault((family, version), b.name)
    return found


def version_entries(policies: Any, b: Any, anchor: str) -> list[nodes.Node]:
    """Search entries for the symbol versions ``b`` is the first baseline to allow."""
    return [
        build.index_entry(f"{family}_{version}", anchor)
        for (family, version), first in sorted(first_allowed(policies).items())
        if first == b.name
    ]


def old_pips(policies: Any, targets: Any, baseline: Any, today: datetime.date) -> list[Any]:
    """Supported releases the baseline covers whose default pip cannot read manylinux_x_y."""
    found = []
    for dist in users_of(policies, baseline):
        stock = targets.stock_of(dist.id)
        if stock is not None and not stock.can_read("manylinux_x_y") and supported(dist, today):
            found.append((dist, stock))
    return found


def pip_text(stock: Any) -> str:
    """``pip 20.0.2`` or, where only the range is published, ``a pip that reads manylinux1``."""
    if stock.pip is not None:
        return f"pip {stock.pip}"
    return f"a pip that reads {stock.reads}" if stock.reads else "a pip without manylinux"


def symbol_delta(diff: BaselineDiff) -> list[tuple[list[str], str, list[str], list[str]]]:
    """(architectures, family, added, removed) rows of a diff, architectures grouped when equal."""
    rows: list[tuple[list[str], str, list[str], list[str]]] = []
    changes = (diff.versions_added, diff.versions_removed)
    families = sorted({f for per_arch in changes for fams in per_arch.values() for f in fams})
    arches = [a for a in diff.new.architectures if a in diff.old.architectures]
    for family in families:
        per_arch = {
            arch: tuple(change.get(arch, {}).get(family, ()) for change in changes)
            for arch in arches
        }
        for members, (added, removed) in grouped_by_arch(per_arch, arches):
            if added or removed:
                rows.append((members, family, list(added), list(removed)))
    return rows


def image_notes(image: Any) -> list[tuple[str, str, str | None]]:
    """(label, text, link) of what a builder must know about an image: caveats, then status."""
    notes = [
        (
            f"{image.name} image ({', '.join(c.architectures) or 'every architecture'}): ",
            c.text,
            c.link,
        )
        for c in image.caveats
    ]
    if image.status == "eol":
        notes.append(
            (
                f"{image.name} image: ",
                f"no longer maintained since {image.since}; wheels it built still work, but "
                "new builds should move to a maintained image.",
                image.link,
            )
        )
    elif image.status == "alpha":
        notes.append((f"{image.name} image: ", "marked ALPHA by pypa/manylinux.", None))
    return notes


def image_names(image: Any) -> nodes.Node:
    return build.literals((image.image(a) for a in image.architectures), classes=["images"])


class BaselineDirective(PolicyDirective):
    """``{baseline} NAME``: the whole page of one baseline."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        policies = self.policies()
        targets = self.targets()
        try:
            baseline = policies.baseline(self.arguments[0])
        except Exception as error:
            raise self.error(f"no baseline {self.arguments[0]!r}: {error}") from None
        previous = previous_of(policies, baseline)
        return [
            self._intro(policies, targets, baseline, previous),
            self._caveats(policies, targets, baseline),
            self._compiler_terms(targets, baseline),
            self._tags(policies, baseline),
            self._distributions(policies, baseline),
            self._libraries(baseline),
            self._symbols(policies, baseline),
            self._forbidden(baseline),
            self._delta(policies, baseline, previous),
            self._amendments(baseline),
            self._sources(policies, targets, baseline),
        ]

    def _intro(self, policies: Any, targets: Any, b: Any, previous: Any | None) -> nodes.Node:
        box = nodes.container(ids=["summary"], classes=["baseline-intro"])
        if b.proposed:
            box += build.para(build.badge("proposed", "baseline-status"), PROPOSED_TEXT)
            for review in review_docs(self.env.srcdir, b):
                box += build.para(
                    "What the change that proposed it does to real wheels and to the evidence: ",
                    build.link(review, "", "its policy review"),
                    ".",
                )
        box += build.para(
            "A wheel tagged ",
            build.literal(f"manylinux_{b.glibc.tag_part}_ARCH"),
            f" promises to run on every mainstream Linux distribution of that architecture "
            f"whose glibc is {b.glibc} or newer, and to play well with other wheels.",
        )
        users = users_of(policies, b)
        oldest = [d.title for d in users if d.glibc == users[0].glibc] if users else []
        facts = [
            build.para(
                nodes.strong("", "Runs on: "),
                f"{len(users)} observed distribution releases, the oldest being "
                f"{', '.join(oldest) or 'none'} (glibc {users[0].glibc if users else '—'}); "
                "see the ",
                build.link(GUIDE, "distributions", "target guide"),
                " for the rest.",
            ),
            build.para(nodes.strong("", "Derived from: "), b.based_on),
        ]
        for image in targets.images_for(b.name):
            facts.append(
                build.para(
                    nodes.strong("", "Build image: "),
                    build.badge(image.status, "image-status"),
                    f" {image.base}, {image.toolchain}: ",
                    image_names(image),
                )
            )
        if previous is not None:
            facts.append(build.para(nodes.strong("", "Extends: "), baseline_link(previous.name)))
        index = policies.baselines.index(b)
        if index + 1 < len(policies.baselines):
            facts.append(
                build.para(
                    nodes.strong("", "Next: "), baseline_link(policies.baselines[index + 1].name)
                )
            )
        box += build.bullets(facts)
        box += build.index_entry(b.based_on, "summary", main=False)
        return box

    def _caveats(self, policies: Any, targets: Any, b: Any) -> nodes.Node:
        """What a builder must know before building for this baseline, first on the page."""
        section = build.section("Before you build", "caveats")
        items: list[nodes.Node] = []
        images = targets.images_for(b.name)
        for image in images:
            for label, text, link in image_notes(image):
                source = [" ", build.external(link, "Source.")] if link else []
                items.append(build.para(nodes.strong("", label), text, *source))
        if not images:
            items.append(
                build.para(
                    "No pypa/manylinux image builds this baseline. Build in the image of an "
                    "older baseline (the wheel then earns that older, wider tag) or on a "
                    f"distribution with glibc {b.glibc}, and let an auditor confirm the tag."
                )
            )
        today = datetime.date.today()
        stale = old_pips(policies, targets, b, today)
        if stale:
            listed = ", ".join(f"{d.title} ({pip_text(s)})" for d, s in stale)
            aliases = legacy_names(b)
            advice = (
                f"carry the legacy tag {' / '.join(aliases)} as well, in a compressed tag "
                "set, so those whose pip reads it still find the wheel"
                if aliases
                else "no legacy alias exists for this baseline, so their users must upgrade "
                "pip before they can install the wheel"
            )
            items.append(
                build.para(
                    nodes.strong("", "Stock installers: "),
                    f"{len(stale)} supported releases it covers ship a pip older than 20.3, "
                    f"which skips manylinux_{b.glibc.tag_part} wheels: {listed}; ",
                    advice,
                    ". See ",
                    build.link(GUIDE, "dual-tagging", "when to dual-tag"),
                    ".",
                )
            )
        from reference_impl.policy.targets import library_caveats

        lacking_on: dict[tuple[str, ...], list[str]] = {}
        for dist, lacking in library_caveats(policies, targets, b):
            lacking_on.setdefault(lacking, []).append(dist.title)
        for lacking, titles in lacking_on.items():
            one = len(lacking) == 1
            items.append(
                build.para(
                    nodes.strong("", "Missing libraries: "),
                    f"of the releases {b.name} covers, ",
                    ", ".join(titles),
                    " do not provide " if len(titles) > 1 else " does not provide ",
                    *build.joined(build.literal(lib) for lib in lacking),
                    " out of the box; a wheel that links ",
                    "it" if one else "them",
                    " fails to load there until the user installs ",
                    "it (" if one else "them (",
                    build.link(GUIDE, "library-caveats", "library caveats"),
                    ").",
                )
            )
        section += nodes.container("", build.bullets(items), classes=["caveats"])
        return section

    def _compiler_terms(self, targets: Any, b: Any) -> nodes.Node:
        section = build.section("In compiler terms", "compiler-terms")
        section += build.para(
            "The newest version of each family this baseline allows, and what needing it "
            "means for the system the wheel runs on."
        )
        rows = []
        for family in ("GLIBC", *terms.CXX_FAMILIES, "GCC"):
            per_arch = {
                arch: newest_numeric(b.symbol_versions.get(arch, {}).get(family, ()))
                for arch in b.architectures
            }
            for arches, version in grouped_by_arch(per_arch, b.architectures):
                if version is not None:
                    rows.append((family, arches, version))
        section += terms.compiler_table(targets, rows, b.architectures)
        section += build.para(terms.FLOOR_NOT_CAP, classes=["floor-not-cap"])
        return section

    def _tags(self, policies: Any, b: Any) -> nodes.Node:
        section = build.section("Architectures and tags", "architectures")
        rows = []
        for arch in b.architectures:
            info = policies.architectures.get(arch)
            alias = b.aliases.get(arch)
            rows.append(
                [
                    build.literal(arch),
                    build.literal(b.tag(arch)),
                    build.literal(f"{alias}_{arch}") if alias else "—",
                    f"{info.bits}-bit {info.endianness}-endian" if info else "",
                    build.literal(info.elf_machine) if info else "",
                    b.isa.get(arch, "—"),
                ]
            )
        headers = [
            "architecture",
            "tag",
            "legacy alias",
            "word",
            "ELF machine",
            "highest ISA level",
        ]
        section += build.table(headers, rows, classes=["tags"])
        if not b.aliases:
            section += build.para(
                "This baseline has no legacy alias: only the perennial tag names it."
            )
        section += terms.legend(headers[2:])
        return section

    def _distributions(self, policies: Any, b: Any) -> nodes.Node:
        section = build.section("Distributions it covers", "distributions")
        users = users_of(policies, b)
        section += build.para(
            f"{len(users)} observed distribution releases have glibc {b.glibc} or newer on at "
            "least one of this baseline's architectures. A wheel keeps working after the "
            "support dates, but nobody patches the system any more."
        )
        rows = [
            [
                d.title,
                str(d.glibc),
                dist_arches(d, b),
                date(d.end_of_life),
                date(d.end_of_free_lts),
                date(d.end_of_commercial_lts),
            ]
            for d in users
        ]
        box = nodes.container(classes=["scroll-box"])
        box += build.table(
            [
                "distribution",
                "glibc",
                "architectures",
                "end of life",
                "free LTS until",
                "paid LTS until",
            ],
            rows,
            classes=["distributions"],
        )
        section += box
        section += terms.legend(["UBI", "LTS"])
        return section

    def _libraries(self, b: Any) -> nodes.Node:
        section = build.section("Allowed libraries", "libraries")
        section += build.para(
            f"A wheel may link against these {len(b.libraries)} system libraries without "
            "bundling them; every other library it needs must be bundled under a unique name."
        )
        section += build.literals(sorted(b.libraries), classes=["sonames"])
        return section

    def _symbols(self, policies: Any, b: Any) -> nodes.Node:
        section = build.section("Symbol versions", "symbol-versions")
        section += build.para(
            "Every versioned symbol a wheel's ELF files may require, per family and "
            "architecture; architectures with the same set share a row."
        )
        families = sorted({f for per in b.symbol_versions.values() for f in per})
        for family in families:
            per_arch = {
                a: b.symbol_versions.get(a, {}).get(family, frozenset()) for a in b.architectures
            }
            rows = []
            for members, versions in grouped_by_arch(per_arch, b.architectures):
                if not versions:
                    continue
                rows.append([", ".join(members), versions_cell(family, versions)])
            if not rows:
                continue
            info = policies.families.get(family)
            sub = build.section(family, f"symbols-{nodes.make_id(family)}")
            if info is not None:
                sub += build.para(
                    info.description[:1].upper() + info.description[1:].rstrip("."),
                    ", in ",
                    *build.joined(build.literal(lib) for lib in info.libraries[:3]),
                    " and others." if len(info.libraries) > 3 else ".",
                )
            sub += build.table(["architectures", "versions"], rows, classes=["symbols"])
            section += sub
        if previous_of(policies, b) is None:  # the oldest baseline introduces all it allows
            section.extend(version_entries(policies, b, "symbol-versions"))
        return section

    def _forbidden(self, b: Any) -> nodes.Node:
        section = build.section("Forbidden symbols", "forbidden-symbols")
        if not b.forbidden_symbols:
            section += build.para("None: every symbol of an allowed version may be used.")
            return section
        section += build.para(
            "These symbols are not available on every distribution the baseline covers even "
            "though their version is allowed, so a wheel may not use them."
        )
        rows = [
            [build.literal(soname), build.literals(sorted(symbols))]
            for soname, symbols in sorted(b.forbidden_symbols.items())
        ]
        section += build.table(["library", "symbols"], rows)
        return section

    def _delta(self, policies: Any, b: Any, previous: Any | None) -> nodes.Node:
        section = build.section("Changes from the previous baseline", "delta")
        if previous is None:
            section += build.para("This is the oldest baseline: everything above is its own.")
            return section
        section += build.para("Compared with ", baseline_link(previous.name), ":")
        firsts = [
            f"{f}_{v}"
            for (f, v), first in sorted(first_allowed(policies).items())
            if first == b.name
        ]
        if firsts:
            section += build.para(
                "No older baseline allows ", *build.joined(build.literal(n) for n in firsts), "."
            )
        diff = diff_baselines(previous, b)
        facts: list[nodes.Node] = []
        for label, added, removed in (
            ("architectures", sorted(diff.architectures_added), sorted(diff.architectures_removed)),
            ("libraries", diff.libraries_added, diff.libraries_removed),
        ):
            if added:
                facts.append(
                    build.para(f"Adds {label}: ", *build.joined(map(build.literal, added)))
                )
            if removed:
                facts.append(
                    build.para(f"Removes {label}: ", *build.joined(map(build.literal, removed)))
                )
        lost = lost_distributions(policies, b, previous)
        if lost:
            facts.append(build.para("No longer covers: ", ", ".join(lost)))
        for arch in b.architectures:  # an architecture this baseline drops has no level to show
            if arch in diff.isa_changed:
                before, after = diff.isa_changed[arch]
                facts.append(
                    build.para(
                        f"Highest ISA level on {arch}: {before or 'none'} → {after or 'none'}"
                    )
                )
        if facts:
            section += build.bullets(facts)
        rows = [
            [
                ", ".join(arches),
                family,
                versions_cell(family, added) if added else "—",
                versions_cell(family, removed) if removed else "—",
            ]
            for arches, family, added, removed in symbol_delta(diff)
        ]
        if rows:
            section += build.table(
                ["architectures", "family", "adds", "removes"], rows, classes=["delta"]
            )
        elif not facts:
            section += build.para("No difference in architectures, libraries or symbol versions.")
        section.extend(version_entries(policies, b, "delta"))
        return section

    def _amendments(self, b: Any) -> nodes.Node:
        section = build.section("Amendment history", "amendments")
        if not b.amendments:
            section += build.para("No amendment: the baseline is as first recorded.")
            return section
        rows = [
            [
                a.date,
                a.change,
                a.reason,
                build.external(a.link, a.link.split("://", 1)[-1]) if a.link else "—",
            ]
            for a in sorted(b.amendments, key=lambda a: a.date)
        ]
        section += build.table(["date", "change", "reason", "link"], rows, classes=["amendments"])
        return section

    def _sources(self, policies: Any, targets: Any, b: Any) -> nodes.Node:
        section = build.section("Where the facts come from", "provenance")
        cited = sorted(b.provenance.items())
        for image in targets.images_for(b.name):
            cited.extend(("build image", source) for source in image.sources)
        rows = []
        for what, source_id in cited:
            source = policies.sources.get(source_id)
            cell: build.Cell = (
                build.external(source.url, source.title) if source and source.url else source_id
            )
            rows.append([what.replace("_", " "), cell])
        section += build.table(["fact", "source"], rows, classes=["provenance"])
        section += build.para(
            "The data file is ", build.literal(f"policies/baselines/{b.file.name}"), "."
        )
        return section


class OverviewDirective(PolicyDirective):
    """``{baseline-overview}``: every baseline in one table."""

    def run(self) -> list[nodes.Node]:
        policies = self.policies()
        targets = self.targets()
        rows = []
        for b in policies.baselines:
            aliases = legacy_names(b)
            images = targets.images_for(b.name)
            rows.append(
                [
                    [baseline_link(b.name), *status_badge(b)],
                    str(b.glibc),
                    build.joined(build.literal(a) for a in aliases) if aliases else "—",
                    ", ".join(b.architectures),
                    b.based_on,
                    build.joined(build.badge(i.status, "image-status") for i in images)
                    if images
                    else "—",
                    str(len(users_of(policies, b))),
                ]
            )
        intro = build.para(
            f"{len(policies.baselines)} baselines, from glibc {policies.oldest.glibc} to "
            f"{policies.newest.glibc}. Each page lists what a wheel may use and which "
            "distributions run it; see also ",
            build.link(GUIDE, "", "which baseline to target"),
            ".",
        )
        table = build.table(
            [
                "baseline",
                "glibc",
                "legacy alias",
                "architectures",
                "derived from",
                "build image",
                "distributions",
            ],
            rows,
            classes=["overview"],
        )
        return [intro, table]


def setup(app: Sphinx) -> None:
    app.add_directive("baseline", BaselineDirective)
    app.add_directive("baseline-overview", OverviewDirective)
