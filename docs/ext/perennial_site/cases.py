"""The agreement matrix and the case pages, generated from the cases and the results files.

The matrix is cases x implementations, grouped by audience and level; each cell links to the
case's entry on its audience page, which shows the input, the expected result and what each
implementation answered. One page per audience keeps the build fast; anchors keep links stable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from conformance.cases import AUDIENCES
from conformance.clauses import LEVELS
from perennial_site import build, data

AUDIENCE_TITLES = {
    "installer": "Installers",
    "index": "Indexes",
    "auditor": "Auditors",
}
CASES_DIR = "docs/generated/cases"


def case_doc(case: Any) -> str:
    """The page that shows a case: one per audience."""
    return f"{CASES_DIR}/{case.audience}"


def compact_json(value: Any) -> str:
    """One line of JSON, keys sorted, for an answer cell."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def short_id(case: Any) -> str:
    """The case ID without its audience prefix, for tables that are grouped by audience."""
    prefix = case.audience + "."
    return case.id[len(prefix) :] if case.id.startswith(prefix) else case.id


def case_anchor(case_id: str) -> str:
    return nodes.make_id("case-" + case_id)


def impl_anchor(case_id: str, impl: Any) -> str:
    return nodes.make_id(f"case-{case_id}-{impl.name}")


def impl_label(impl: Any) -> str:
    return f"{impl.name} {impl.version}"


def result_for(impl: Any, case_id: str) -> Any | None:
    return impl.results.get(case_id)


def status_badge(case: Any, impl: Any) -> nodes.Node:
    """A cell: the status, linking to that implementation's answer on the case page."""
    result = result_for(impl, case.id)
    if result is None:
        return build.badge("not run", "case-status")
    status = result.status + (" (known)" if result.divergence and result.status != "pass" else "")
    return build.link(
        case_doc(case), impl_anchor(case.id, impl), build.badge(status, "case-status")
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


class MatrixDirective(SphinxDirective):
    """``{agreement-matrix}``: one section per audience, rows grouped by level."""

    def run(self) -> list[nodes.Node]:
        data.note(self.env, "cases", "results", "spec")
        site = data.get(self.env.app)
        out: list[nodes.Node] = [self._summary(site.results)]
        for audience in AUDIENCES:
            cases = [c for c in site.cases if c.audience == audience]
            if not cases:
                continue
            out.append(self._audience(audience, cases, site.results))
        return out

    def _summary(self, results: Sequence[Any]) -> nodes.Node:
        if not results:
            return build.para("No implementation has been run yet: conformance/results/ is empty.")
        from conformance.results import STATUSES

        rows = []
        for impl in results:
            counts = impl.counts()
            rows.append(
                [impl.name, impl.version, impl.suite_version, *(str(counts[s]) for s in STATUSES)]
            )
        return build.table(
            ["implementation", "version", "suite", *STATUSES], rows, classes=["matrix-summary"]
        )

    def _audience(self, audience: str, cases: list[Any], results: Sequence[Any]) -> nodes.section:
        section = build.section(AUDIENCE_TITLES[audience], f"matrix-{audience}")
        impls = impls_for(results, cases)
        if not impls:
            section += build.para("No implementation has answered these cases yet.")
        elif len(impls) < len(results):
            left_out = ", ".join(r.name for r in results if r not in impls)
            section += build.para(
                f"Left out: {left_out}, which skipped every case here (no such operation)."
            )
        by_level: dict[str, list[Any]] = {}
        for case in cases:
            by_level.setdefault(case.strength, []).append(case)
        for level in LEVELS:
            if level not in by_level:
                continue
            rows = []
            for case in by_level[level]:
                cell = nodes.container()
                cell += build.para(
                    build.link(case_doc(case), case_anchor(case.id), build.literal(short_id(case)))
                )
                cell += build.para(*clause_refs(case), classes=["matrix-clauses"])
                row: list[build.Cell] = [cell]
                row.extend(status_badge(case, impl) for impl in impls)
                rows.append(row)
            sub = build.section(
                f"{level} ({len(rows)})", f"matrix-{audience}-{nodes.make_id(level)}"
            )
            table = build.table(
                ["case and the clauses it cites", *(impl_label(i) for i in impls)],
                rows,
                classes=["matrix"],
            )
            summary = [f"{len(rows)} cases{fares(results, by_level[level])}"]
            sub += build.folded(summary, table, classes=["matrix-fold"])
            section += sub
        return section


class CaseListDirective(SphinxDirective):
    """``{case-list} AUDIENCE``: every case of an audience with input, expected and actual."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        audience = self.arguments[0]
        if audience not in AUDIENCES:
            raise self.error(f"{audience!r} is not an audience {AUDIENCES}")
        data.note(self.env, "cases", "results", "spec")
        site = data.get(self.env.app)
        cases = [c for c in site.cases if c.audience == audience]
        if not cases:
            return [build.para(f"No {audience} case exists yet.")]
        return [self._case(case, site.results) for case in cases]

    def _case(self, case: Any, results: Sequence[Any]) -> nodes.container:
        # A box, not a section: hundreds of cases in the table of contents would make every
        # page of the site slower to build and the sidebar unreadable.
        anchor = case_anchor(case.id)
        heading = nodes.reference("", "", refid=anchor, classes=["case-id"])
        heading["reftitle"] = "Permalink to this case"
        heading += nodes.Text(case.id)
        statuses: list[nodes.Node] = [heading]
        for impl in results:
            result = result_for(impl, case.id)
            if result is not None and result.status != "skip":
                statuses += [nodes.Text(" "), build.badge(result.status, "case-status")]
        # Closed by default: hundreds of cases on one page stay one line each until opened
        # (a link to a case or an answer opens it, see perennial.js).
        section = build.folded(statuses, classes=["case"])
        section["ids"].append(anchor)
        facts = [
            build.para(nodes.strong("", "Operation: "), build.literal(case.operation)),
            build.para(nodes.strong("", "Cites: "), *clause_refs(case)),
        ]
        if case.note:
            facts.append(build.para(case.note))
        section.extend(facts)
        rows: list[list[build.Cell]] = [
            ["input", "", [build.literal(compact_json(dict(case.input)), "answer")]],
            ["expected", "", [build.literal(compact_json(dict(case.expected)), "answer")]],
        ]
        for impl in results:
            result = result_for(impl, case.id)
            if result is None:
                continue
            answer: list[nodes.Node] = [build.literal(compact_json(result.actual), "answer")]
            if result.divergence:
                answer += [nodes.Text(" Known divergence: " + result.divergence)]
            if result.link:
                answer += [nodes.Text(" "), build.external(result.link, result.link)]
            rows.append([impl_label(impl), build.badge(result.status, "case-status"), answer])
        table = build.table(["", "status", "JSON"], rows, classes=["answers"])
        body = table.next_node(nodes.tbody)
        answered = [i for i in results if result_for(i, case.id) is not None]
        for row, impl in zip(body.children[2:], answered, strict=True):
            row["ids"].append(impl_anchor(case.id, impl))
        body.children[1]["classes"].append("expected-row")
        section += table
        return section


def setup(app: Sphinx) -> None:
    app.add_directive("agreement-matrix", MatrixDirective)
    app.add_directive("case-list", CaseListDirective)
