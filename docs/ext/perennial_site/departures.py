"""The departures page: every clause that departs from PEP 600's literal text, and its lint.

A clause marks its departure in the spec source (``:departs:`` and ``:departure:``, parsed by
:mod:`conformance.clauses`). The ``{departure-list}`` directive lists them all, with the
clause's level, the kind of departure, the reason and the ``recommended`` cases that rest on
it; like the clause index it depends on every page, so it is filled in at
``doctree-resolved`` and rewritten on every build. The lint fails the build for a
``recommended`` case that cites no departing clause.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from conformance.clauses import DEPARTURE_KINDS, Clause, ClauseRegistry, undeparted_recommendations
from perennial_site import build, data
from perennial_site.cases import case_anchor, case_doc
from perennial_site.clauses import all_clauses, index_docs

logger = logging.getLogger(__name__)

PAGE = "spec/departures"


class departure_list(nodes.General, nodes.Element):
    """Placeholder for the list of departures; filled in at doctree-resolved."""


def anchor(clause: Clause) -> str:
    return nodes.make_id("departure-" + clause.id)


def departure_link(clause: Clause) -> nodes.Node:
    """The badge under a clause's ID that leads to its entry on the departures page."""
    assert clause.departure is not None
    label = f"departs from PEP 600: {clause.departure.kind}"
    link = build.link(PAGE, anchor(clause), build.badge(label, "clause-departs"))
    link["reftitle"] = clause.departure.reason
    return link


class DepartureListDirective(SphinxDirective):
    """``{departure-list}``: every departing clause, its reason and the cases resting on it."""

    def run(self) -> list[nodes.Node]:
        data.note(self.env, "cases")
        # like the clause index, the list shows every page's clauses: rewritten on every build
        index_docs(self.env).add(self.env.docname)
        return [departure_list()]


def resting_on(clause: Clause, cases: Iterable[Any]) -> list[Any]:
    """The ``recommended`` cases that cite ``clause`` (by ID or alias)."""
    names = {clause.id, *clause.aliases}
    return [c for c in cases if c.level == "recommended" and names & set(c.clauses)]


def _entry(app: Sphinx, clause: Clause) -> nodes.section:
    assert clause.departure is not None
    kind = clause.departure.kind
    section = build.section(build.literal(clause.id), anchor(clause))
    section += build.para(
        build.link(clause.page, clause.anchor, "the clause"),
        " · ",
        build.badge(clause.level, "clause-level"),
        " · ",
        nodes.strong("", kind),
        f": {DEPARTURE_KINDS[kind]}.",
    )
    section += build.para(*inline_code(clause.departure.reason))
    cases = resting_on(clause, data.get(app).cases)
    if cases:
        links = build.joined(
            build.link(case_doc(c), case_anchor(c.id), build.literal(c.id)) for c in cases
        )
        # folded: the reason is what this page is read for; the case list can be long
        count = f"{len(cases)} recommended case{'s' if len(cases) != 1 else ''} rest on it"
        section += build.folded([count], build.para(*links), classes=["departure-cases"])
    else:
        section += build.para("No recommended case rests on it.", classes=["departure-cases"])
    return section


def inline_code(text: str) -> list[nodes.Node]:
    """A one-line reason as nodes: spans in backticks become literals, the rest text."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as written
        return [build.text(text)]
    return [
        build.literal(part) if i % 2 else build.text(part) for i, part in enumerate(parts) if part
    ]


def _fill(app: Sphinx, env: BuildEnvironment) -> nodes.Node:
    """One section per spec page, one entry per departing clause, in the pages' order."""
    container = nodes.container(classes=["departure-list"])
    by_page: dict[str, list[Clause]] = {}
    for clause in all_clauses(env):
        if clause.departure is not None:
            by_page.setdefault(clause.page, []).append(clause)
    for page, clauses in by_page.items():
        title = env.titles[page].astext() if page in env.titles else page
        section = build.section(title, nodes.make_id("departures-" + page))
        for clause in clauses:
            section += _entry(app, clause)
        container += section
    return container


def resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(departure_list)):
        node.replace_self(_fill(app, app.env))


def lint(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn (an error under -W) for each recommended case that cites no departing clause."""
    site = data.get(app)
    if not site.cases_loaded:
        return
    clauses = {c.id: c for c in all_clauses(env)}
    aliases = {alias: c.id for c in clauses.values() for alias in c.aliases}
    registry = ClauseRegistry(clauses, aliases, site.retired)
    files = {case.id: case.file for case in site.cases}
    for case_id, problem in undeparted_recommendations(site.cases, registry):
        logger.warning(
            f"case {case_id} {problem}", location=files[case_id], type="perennial", subtype="lint"
        )


def setup(app: Sphinx) -> None:
    app.add_directive("departure-list", DepartureListDirective)
    app.connect("env-updated", lint)
    app.connect("doctree-resolved", resolve, priority=600)
