"""The case pages, generated from the cases and the results files.

One page per case file (``conformance/cases/<audience>/<file>.toml``: a topic such as the
override or the tag grammar), each case folded to one line until opened, and one overview page
per audience listing its files. A case shows what is asked and what the spec expects as named
fields (:mod:`perennial_site.case_view`), then each implementation's answer, a known divergence
set apart from an unexplained failure, and the skips in one line. Anchors are stable: a case
is ``#case-<id>``, an implementation's answer ``#case-<id>-<name>``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from conformance.cases import AUDIENCES
from conformance.operations import OPERATIONS, mismatches
from perennial_site import build, case_view, data

AUDIENCE_TITLES = {
    "installer": "Installers",
    "index": "Indexes",
    "auditor": "Auditors",
}
CASES_DIR = "docs/generated/cases"
Shown = TypeVar("Shown", bound=nodes.Element)
OUTCOMES = ("pass", "known divergence", "fail", "error", "skip")
"""How a result reads: a fail or error the tool's divergence file declares is a known
divergence, never a plain failure."""


def topic(case: Any) -> str:
    """The case file's name without ``.toml``: the page the case is on."""
    return Path(case.file).stem if case.file else "cases"


def audience_doc(audience: str) -> str:
    return f"{CASES_DIR}/{audience}"


def case_doc(case: Any) -> str:
    """The page that shows a case: one per case file."""
    return f"{CASES_DIR}/{case.audience}/{topic(case)}"


def topics(cases: Sequence[Any], audience: str) -> dict[str, list[Any]]:
    """Case file name -> its cases, for one audience, in ID order."""
    out: dict[str, list[Any]] = {}
    for case in cases:
        if case.audience == audience:
            out.setdefault(topic(case), []).append(case)
    return dict(sorted(out.items()))


def case_anchor(case_id: str) -> str:
    return nodes.make_id("case-" + case_id)


def impl_anchor(case_id: str, impl: Any) -> str:
    """Built from the case anchor and the tool's own id, so the explorer can form it too."""
    return f"{case_anchor(case_id)}-{tool_id(impl.name)}"


def tool_id(name: str) -> str:
    return nodes.make_id(name)


def impl_label(impl: Any) -> str:
    return f"{impl.name} {impl.version}"


def result_for(impl: Any, case_id: str) -> Any | None:
    return impl.results.get(case_id)


def outcome(result: Any) -> str:
    """One of :data:`OUTCOMES`."""
    if result.status in ("fail", "error") and result.divergence:
        return "known divergence"
    return str(result.status)


def status_badge(case: Any, impl: Any) -> nodes.Node:
    """A cell: the outcome, linking to that implementation's answer on the case page."""
    result = result_for(impl, case.id)
    if result is None:
        return build.badge("not run", "case-status")
    return build.link(
        case_doc(case), impl_anchor(case.id, impl), build.badge(outcome(result), "case-status")
    )


def clause_refs(case: Any) -> list[nodes.Node]:
    from perennial_site.clauses import clause_ref

    return build.joined(clause_ref(clause_id=name) for name in case.clauses)


def impls_for(results: Sequence[Any], cases: Sequence[Any]) -> list[Any]:
    """Implementations that answered at least one of ``cases`` (a skip is no answer)."""
    return [
        r
        for r in results
        if any((found := result_for(r, c.id)) is not None and found.status != "skip" for c in cases)
    ]


def fares(results: Sequence[Any], cases: Sequence[Any]) -> str:
    """``: pip 26.3 passes 3 of 4, ...``, over the implementations that answered."""
    parts = []
    for impl in impls_for(results, cases):
        answered = [r for c in cases if (r := impl.results.get(c.id)) and r.status != "skip"]
        passed = sum(1 for r in answered if r.status == "pass")
        parts.append(f"{impl_label(impl)} passes {passed} of {len(answered)}")
    return (": " + "; ".join(parts) + ".") if parts else "."


def outcome_counts(results: Sequence[Any], case: Any) -> list[nodes.Node]:
    """``3 pass · 1 known divergence`` over the implementations that answered the case."""
    counts = Counter(
        outcome(r) for impl in results if (r := result_for(impl, case.id)) and r.status != "skip"
    )
    parts = [build.badge(f"{counts[o]} {o}", "case-count") for o in OUTCOMES if counts[o]]
    for part, name in zip(parts, (o for o in OUTCOMES if counts[o]), strict=True):
        part["classes"].append(f"case-count-{nodes.make_id(name)}")
    return build.joined(parts, " ")


class CaseFilesDirective(SphinxDirective):
    """``{case-files} AUDIENCE``: the audience's case pages, with counts and how tools fare."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        audience = self.arguments[0]
        if audience not in AUDIENCES:
            raise self.error(f"{audience!r} is not an audience {AUDIENCES}")
        data.note(self.env, "cases", "results")
        site = data.get(self.env.app)
        rows = []
        for name, cases in topics(site.cases, audience).items():
            levels = Counter(c.level for c in cases)
            rows.append(
                [
                    build.link(case_doc(cases[0]), "", build.literal(name)),
                    str(len(cases)),
                    ", ".join(f"{n} {level}" for level, n in sorted(levels.items())),
                    fares(site.results, cases).removeprefix(": ").removesuffix(".") or "—",
                ]
            )
        if not rows:
            return [build.para(f"No {audience} case exists yet.")]
        return [
            build.table(
                ["case file", "cases", "levels", "how the implementations fare"],
                rows,
                classes=["case-files"],
            )
        ]


class CaseListDirective(SphinxDirective):
    """``{case-list} AUDIENCE TOPIC``: every case of one case file, folded, one line each."""

    required_arguments = 2

    def run(self) -> list[nodes.Node]:
        audience, name = self.arguments
        if audience not in AUDIENCES:
            raise self.error(f"{audience!r} is not an audience {AUDIENCES}")
        data.note(self.env, "cases", "results", "spec")
        site = data.get(self.env.app)
        cases = topics(site.cases, audience).get(name, [])
        if not cases:
            return [build.para(f"No {audience} case is in {name}.toml any more.")]
        return [_case(case, site.results) for case in cases]


class RetiredCasesDirective(SphinxDirective):
    """``{retired-cases}``: the case IDs no longer in the suite, each anchored as its case
    was, with why it left and links to what replaced it."""

    def run(self) -> list[nodes.Node]:
        data.note(self.env, "cases")
        site = data.get(self.env.app)
        live = {case.id: case for case in site.cases}
        rows = []
        for gone in sorted(site.retired_cases.values(), key=lambda g: g.id):
            name = build.literal(gone.id)
            name["ids"].append(case_anchor(gone.id))
            successors: list[nodes.Node] = []
            for successor in gone.replaced_by:
                if successors:
                    successors.append(nodes.Text(", "))
                case = live.get(successor)
                shown = build.literal(successor)
                successors.append(
                    build.link(case_doc(case), case_anchor(successor), shown) if case else shown
                )
            rows.append([name, gone.date, gone.reason, successors or "—"])
        if not rows:
            return [build.para("No case ID has been retired.")]
        return [
            build.table(
                ["retired ID", "date", "why", "replaced by"], rows, classes=["retired-cases"]
            )
        ]


def _case(case: Any, results: Sequence[Any]) -> nodes.Node:
    # A box, not a section: hundreds of cases in the table of contents would make every
    # page of the site slower to build and the sidebar unreadable.
    anchor = case_anchor(case.id)
    heading = nodes.reference("", "", refid=anchor, classes=["case-id"])
    heading["reftitle"] = "Permalink to this case"
    heading += nodes.Text(case.id)
    summary: list[nodes.Node] = [heading, nodes.Text(" "), build.badge(case.level, "case-level")]
    counts = outcome_counts(results, case)
    if counts:
        summary += [nodes.Text(" "), *counts]
    # Closed by default: a page of cases stays one line each until opened (a link to a case
    # or an answer opens it, see perennial.js).
    box = build.folded(summary, classes=["case"])
    box["ids"].append(anchor)
    operation = OPERATIONS.get(case.operation)
    box += build.para(
        nodes.strong("", "Asks: "),
        build.literal(case.operation),
        *([build.text(": " + operation.summary)] if operation else []),
    )
    box += build.para(
        nodes.strong("", "Cites: "),
        *clause_refs(case),
        build.text(f" ({case.strength}; level "),
        build.literal(case.level),
        build.text(")"),
    )
    if case.note:
        box += build.para(case.note, classes=["case-note"])
    given = nodes.container(classes=["case-given"])
    given += build.para(nodes.strong("", "Input"), classes=["case-part"])
    given += case_view.case_input(case)
    given += build.para(nodes.strong("", "Expected"), classes=["case-part"])
    given += case_view.case_expected(case)
    box += given
    box += _answers(case, results)
    return box


def _answers(case: Any, results: Sequence[Any]) -> list[nodes.Node]:
    """A row per distinct answer (the tools that gave it share it); the skips in one line."""
    groups: dict[str, list[tuple[Any, Any]]] = {}
    skipped = []
    for impl in results:
        result = result_for(impl, case.id)
        if result is None:
            continue
        if result.status == "skip":
            skipped.append((impl, result))
            continue
        key = json.dumps([result.status, result.actual, result.divergence, result.link],
                         sort_keys=True, default=str)  # fmt: skip
        groups.setdefault(key, []).append((impl, result))
    out: list[nodes.Node] = []
    if groups:
        rows = [
            [
                build.joined(
                    nodes.inline("", impl_label(i), ids=[impl_anchor(case.id, i)]) for i, _ in group
                ),
                build.badge(outcome(group[0][1]), "case-status"),
                _answer_cell(case, group[0][1]),
            ]
            for group in groups.values()
        ]
        out.append(build.table(["implementations", "outcome", "answer"], rows, classes=["answers"]))
    if skipped:
        out.append(_skips(case, skipped))
    return out


def _answer_cell(case: Any, result: Any) -> list[nodes.Node]:
    """The answer's fields, what it misses, and the divergence file's reason when it has one."""
    cell: list[nodes.Node] = [case_view.answer(case, result.actual)]
    if result.status != "pass":
        misses = mismatches(case.expected, result.actual)
        if misses:
            cell.append(
                as_written(build.para("Misses: " + "; ".join(misses), classes=["case-misses"]))
            )
    link = [build.text(" "), build.external(result.link, result.link)] if result.link else []
    if result.divergence:
        reason = build.para(
            nodes.strong("", "Known divergence: "),
            result.divergence,
            *link,
            classes=["case-divergence"],
        )
        cell.append(as_written(reason))
    elif link:
        cell.append(build.para(*link[1:]))
    return cell


def _skips(case: Any, skipped: list[tuple[Any, Any]]) -> nodes.paragraph:
    """One line for every skip: the tools without the operation, then each other skip's reason."""
    without = [impl.name for impl, _ in skipped if case.operation not in impl.operations]
    others = [
        f"{impl.name} ({_skip_reason(r)})"
        for impl, r in skipped
        if case.operation in impl.operations
    ]
    line = as_written(build.para(nodes.strong("", "Skipped: "), classes=["case-skips"]))
    if without:
        line += build.text(f"{', '.join(without)} (no {case.operation} operation)")
    if others:
        line += build.text(("; " if without else "") + ", ".join(others))
    line += build.text(".")
    line["ids"].extend(impl_anchor(case.id, impl) for impl, _ in skipped)
    return line


def as_written(node: Shown) -> Shown:
    """Quotes in data (a divergence file's reason, a repr) stay straight, as in the file."""
    node["support_smartquotes"] = False
    return node


def _skip_reason(result: Any) -> str:
    actual = result.actual
    if isinstance(actual, dict) and isinstance(actual.get("skipped"), str):
        return str(actual["skipped"])
    return "no answer"


def setup(app: Sphinx) -> None:
    app.add_directive("case-files", CaseFilesDirective)
    app.add_directive("case-list", CaseListDirective)
    app.add_directive("retired-cases", RetiredCasesDirective)
