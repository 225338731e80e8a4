"""The ``clause`` directive and role, the clause index, and the cases shown under each clause.

Shaped like ``sphinx.ext.todo``: the directive makes a node and records the clause in the
environment (purged and merged per document, so incremental and parallel builds stay right);
the lists that depend on every page (the index, the cases under a clause, inline citations)
are placeholders filled in at ``doctree-resolved``. The ID rules, anchors and checksums come
from :mod:`conformance.clauses`, the parser the suite uses without Sphinx.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from conformance.clauses import CLAUSE_ID, LEVELS, Clause, departure_of
from perennial_site import build, data
from perennial_site.cases import case_anchor, case_doc, fares, impl_label, impls_for, status_badge

logger = logging.getLogger(__name__)


class clause_node(nodes.container):
    """A clause's box: header (ID as permalink, level badge, aliases), text, citing cases."""


class clause_cases(nodes.General, nodes.Element):
    """Placeholder for the cases citing a clause; filled in at doctree-resolved."""


class clause_ref(nodes.Inline, nodes.Element):
    """An inline citation of a clause by ID or alias; resolved at doctree-resolved."""


class clause_index(nodes.General, nodes.Element):
    """Placeholder for the table of every clause; filled in at doctree-resolved."""


def _level(argument: str | None) -> str:
    level = (argument or "").strip()
    if level not in LEVELS:
        raise ValueError(f"{level!r} is not a level; choose from {', '.join(LEVELS)}")
    return level


def _aliases(argument: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (argument or "").split(",") if a.strip())


def clauses_of(env: BuildEnvironment) -> dict[str, list[Clause]]:
    """Document name -> the clauses it defines, in order (duplicates kept for the lints)."""
    if not hasattr(env, "perennial_clauses"):
        env.perennial_clauses = {}  # type: ignore[attr-defined]
    result: dict[str, list[Clause]] = env.perennial_clauses  # type: ignore[attr-defined]
    return result


def all_clauses(env: BuildEnvironment) -> Iterator[Clause]:
    for docname in sorted(clauses_of(env)):
        yield from clauses_of(env)[docname]


def lookup(env: BuildEnvironment, name: str) -> Clause | None:
    """The clause an ID or alias names (the first definition if duplicated)."""
    for clause in all_clauses(env):
        if name == clause.id or name in clause.aliases:
            return clause
    return None


def _clause_title(node: nodes.Element) -> str:
    return str(node["clause_id"])


class ClauseDirective(SphinxDirective):
    """``:::{clause} ID`` with ``:level:``, optional ``:aliases:`` and, for a clause that departs
    from PEP 600, ``:departs:`` and ``:departure:``; the body is the text."""

    required_arguments = 1
    has_content = True
    option_spec = {  # noqa: RUF012 - docutils API
        "level": _level,
        "aliases": _aliases,
        "departs": directives.unchanged,
        "departure": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        clause_id = self.arguments[0]
        if not CLAUSE_ID.match(clause_id):
            raise self.error(f"clause ID {clause_id!r} is not dotted lowercase words")
        if "level" not in self.options:
            raise self.error(f"clause {clause_id} has no :level: (one of {', '.join(LEVELS)})")
        text = "\n".join(self.content).strip()
        if not text:
            raise self.error(f"clause {clause_id} has no text")
        try:
            departure = departure_of(self.options.get("departs"), self.options.get("departure"))
        except ValueError as error:
            raise self.error(f"clause {clause_id}: {error}") from None
        clause = Clause(
            clause_id,
            self.options["level"],
            self.options.get("aliases", ()),
            self.env.docname,
            self.lineno,
            text,
            departure,
        )
        clauses_of(self.env).setdefault(self.env.docname, []).append(clause)
        data.note(self.env, "cases", "results", "waivers")

        box = clause_node(classes=["clause", f"clause-{nodes.make_id(clause.level)}"])
        box["ids"].append(clause.anchor)
        box["clause_id"] = clause.id
        self.set_source_info(box)
        self.state.document.note_explicit_target(box)
        box += self._header(clause)
        body = nodes.container(classes=["clause-text"])
        self.state.nested_parse(self.content, self.content_offset, body)
        box += body
        box += clause_cases(clause_id=clause.id)
        return [box]

    def _header(self, clause: Clause) -> nodes.paragraph:
        header = build.para(classes=["clause-header"])
        permalink = nodes.reference("", "", refid=clause.anchor, classes=["clause-id"])
        permalink["reftitle"] = "Permalink to this clause"
        permalink += build.literal(clause.id)
        header += permalink
        header += nodes.Text(" ")
        header += build.badge(clause.level, "clause-level")
        if clause.aliases:
            aliases = build.joined(build.literal(a) for a in clause.aliases)
            header += nodes.inline(
                "", "", nodes.Text(" formerly "), *aliases, classes=["clause-aliases"]
            )
        if clause.departure:
            from perennial_site.departures import departure_link

            header += nodes.Text(" ")
            header += departure_link(clause)
        return header


class ClauseRole(SphinxRole):
    """``{clause}`installer.override.rule-out-only``` cites a clause inline."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = clause_ref(clause_id=self.text.strip())
        self.set_source_info(node)
        return [node], []


class ClauseIndexDirective(SphinxDirective):
    """``{clause-index}``: every clause, by page, with its level and how it is covered."""

    def run(self) -> list[nodes.Node]:
        data.note(self.env, "cases", "results", "waivers")
        index_docs(self.env).add(self.env.docname)
        return [clause_index()]


def index_docs(env: BuildEnvironment) -> set[str]:
    """Pages holding a clause index: rewritten whenever any page is, like todolist."""
    if not hasattr(env, "perennial_index_docs"):
        env.perennial_index_docs = set()  # type: ignore[attr-defined]
    result: set[str] = env.perennial_index_docs  # type: ignore[attr-defined]
    return result


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    clauses_of(env).pop(docname, None)
    index_docs(env).discard(docname)


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
) -> None:
    theirs = clauses_of(other)
    for docname in docnames:
        if docname in theirs:
            clauses_of(env)[docname] = theirs[docname]
        if docname in index_docs(other):
            index_docs(env).add(docname)


def rewrite_always(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """The clause index shows every page's clauses, so it is rewritten on every build."""
    return sorted(index_docs(env))


def citing_cases(app: Sphinx, clause: Clause) -> list[Any]:
    names = {clause.id, *clause.aliases}
    return [case for case in data.get(app).cases if names & set(case.clauses)]


def _cases_table(app: Sphinx, cases: list[Any]) -> nodes.table:
    impls = impls_for(data.get(app).results, cases)
    headers = ["case", *(impl_label(r) for r in impls)]
    rows = []
    for case in cases:
        row: list[build.Cell] = [
            build.link(case_doc(case), case_anchor(case.id), build.literal(case.id))
        ]
        for impl in impls:
            row.append(status_badge(case, impl))
        rows.append(row)
    return build.table(headers, rows, classes=["clause-cases-table"])


def _fill_clause_cases(app: Sphinx, node: clause_cases, env: BuildEnvironment) -> nodes.Node:
    clause = lookup(env, node["clause_id"])
    container = nodes.container(classes=["clause-cases"])
    if clause is None:
        return container
    cases = citing_cases(app, clause)
    waiver = data.get(app).waivers.get(clause.id)
    if cases:
        # The clause text comes first; its cases wait behind one line that says how tools fare.
        summary = [
            nodes.strong("", f"{len(cases)} case{'s' if len(cases) != 1 else ''}"),
            nodes.Text(fares(data.get(app).results, cases)),
        ]
        container += build.folded(summary, _cases_table(app, cases), classes=["clause-cases-fold"])
    if waiver:
        container += build.para(
            nodes.strong("", "No case yet: "), waiver, classes=["clause-waiver"]
        )
    elif not cases and clause.is_normative:
        container += build.para("No case cites this clause yet.", classes=["clause-uncovered"])
    return container


def _fill_index(app: Sphinx, env: BuildEnvironment) -> nodes.Node:
    waivers = data.get(app).waivers
    rows = []
    for clause in all_clauses(env):
        cases = citing_cases(app, clause)
        coverage = (
            f"{len(cases)} case{'s' if len(cases) != 1 else ''}"
            if cases
            else ("no case yet" if clause.id in waivers else "—")
        )
        rows.append(
            [
                build.link(clause.page, clause.anchor, build.literal(clause.id)),
                build.badge(clause.level, "clause-level"),
                build.link(clause.page, "", env.titles[clause.page].astext())
                if clause.page in env.titles
                else clause.page,
                coverage,
            ]
        )
    return build.table(["clause", "level", "page", "coverage"], rows, classes=["clause-index"])


def _resolve_ref(app: Sphinx, node: clause_ref, env: BuildEnvironment) -> nodes.Node:
    name = node["clause_id"]
    clause = lookup(env, name)
    if clause is None:
        logger.warning(
            "clause citation {clause}`%s`: no clause has this ID or alias%s",
            name,
            " (it was retired)" if name in data.get(app).retired else "",
            location=node,
            type="perennial",
            subtype="clause",
        )
        return build.literal(name, "clause-ref-unknown")
    ref = build.link(clause.page, clause.anchor, build.literal(name))
    ref["classes"].append("clause-ref")
    ref["reftitle"] = f"{clause.level} clause {clause.id}"
    return ref


def resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    env = app.env
    for node in list(doctree.findall(clause_cases)):
        node.replace_self(_fill_clause_cases(app, node, env))
    for node in list(doctree.findall(clause_index)):
        node.replace_self(_fill_index(app, env))
    for node in list(doctree.findall(clause_ref)):
        node.replace_self(_resolve_ref(app, node, env))


def setup(app: Sphinx) -> None:
    # enumerable, so a MyST label placed before a clause can be cited with {ref} too
    app.add_enumerable_node(clause_node, "clause", title_getter=_clause_title)
    app.add_directive("clause", ClauseDirective)
    app.add_role("clause", ClauseRole())
    app.add_directive("clause-index", ClauseIndexDirective)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("env-get-updated", rewrite_always)
    app.connect("doctree-resolved", resolve, priority=600)
