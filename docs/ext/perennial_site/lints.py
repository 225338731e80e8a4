"""The clause lints: they run on every build and fail it under ``-W``.

- a clause ID or alias defined twice, or defined although it was retired;
- a case citing an ID that no clause has, or a retired one;
- a MUST or SHOULD clause that no case cites and no waiver excuses;
- a waiver naming no clause, or excusing a clause that a case cites;
- a clause the suite's own parser (:mod:`conformance.clauses`) reads differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from conformance.clauses import Clause, ClauseError, load_registry
from perennial_site import data
from perennial_site.clauses import all_clauses

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """One lint failure: the message and where it points (a page and line, or a file)."""

    message: str
    docname: str | None = None
    line: int | None = None
    file: str | None = None


def duplicates(clauses: Iterable[Clause], retired: Mapping[str, Any]) -> Iterator[Finding]:
    """Every ID or alias defined more than once, or defined although retired."""
    first: dict[str, Clause] = {}
    for clause in clauses:
        for name in (clause.id, *clause.aliases):
            if name in first:
                other = first[name]
                yield Finding(
                    f"clause ID {name} is defined twice (first at {other.page}:{other.line})",
                    clause.page,
                    clause.line,
                )
            else:
                first[name] = clause
            if name in retired:
                yield Finding(
                    f"clause ID {name} was retired ({retired[name].reason}) and may not be reused",
                    clause.page,
                    clause.line,
                )


def bad_citations(
    clauses: Iterable[Clause], cases: Iterable[Any], retired: Mapping[str, Any]
) -> Iterator[Finding]:
    """Citations by cases of IDs that no clause defines, or that were retired."""
    known = {name for c in clauses for name in (c.id, *c.aliases)}
    for case in cases:
        for name in case.clauses:
            if name in retired:
                yield Finding(
                    f"case {case.id} cites retired clause {name} ({retired[name].reason})",
                    file=case.file,
                )
            elif name not in known:
                yield Finding(f"case {case.id} cites unknown clause {name}", file=case.file)


def uncovered(
    clauses: Iterable[Clause], cases: Iterable[Any], waivers: Mapping[str, str]
) -> Iterator[Finding]:
    """MUST and SHOULD clauses with neither a citing case nor a waiver."""
    cited = {name for case in cases for name in case.clauses}
    for clause in clauses:
        if not clause.is_normative or clause.id in waivers:
            continue
        if not cited & {clause.id, *clause.aliases}:
            yield Finding(
                f"{clause.level} clause {clause.id} is cited by no case and has no waiver "
                f"in conformance/waivers.toml",
                clause.page,
                clause.line,
            )


def stale_waivers(
    clauses: Iterable[Clause], cases: Iterable[Any], waivers: Mapping[str, str]
) -> Iterator[Finding]:
    """Waivers naming no clause, or excusing a clause that a case now cites."""
    by_id = {c.id: c for c in clauses}
    cited = {name for case in cases for name in case.clauses}
    for clause_id in sorted(waivers):
        clause = by_id.get(clause_id)
        if clause is None:
            yield Finding(
                f"waiver for {clause_id}: no clause has this ID", file="conformance/waivers.toml"
            )
        elif cited & {clause.id, *clause.aliases}:
            yield Finding(
                f"waiver for {clause_id} is stale: a case cites the clause now",
                file="conformance/waivers.toml",
            )


def parser_disagreements(clauses: Iterable[Clause], spec_dir: Path) -> Iterator[Finding]:
    """Clauses under spec/ must read the same with the suite's parser as with Sphinx."""
    try:
        registry = load_registry(spec_dir)
    except ClauseError as error:
        yield Finding(f"conformance.clauses cannot read the spec: {error}")
        return
    prefix = spec_dir.name + "/"
    ours = {c.id: c for c in clauses if c.page.startswith(prefix)}
    for clause_id in sorted(set(ours) - set(registry.clauses)):
        clause = ours[clause_id]
        yield Finding(
            f"clause {clause_id} is not in the colon-fence form conformance.clauses reads",
            clause.page,
            clause.line,
        )
    for clause_id in sorted(set(registry.clauses) - set(ours)):
        theirs = registry.clauses[clause_id]
        yield Finding(f"clause {clause_id} is not rendered by the site", theirs.page, theirs.line)
    for clause_id in sorted(set(ours) & set(registry.clauses)):
        mine, theirs = ours[clause_id], registry.clauses[clause_id]
        if (mine.level, mine.aliases, mine.checksum, mine.departure) != (
            theirs.level,
            theirs.aliases,
            theirs.checksum,
            theirs.departure,
        ):
            yield Finding(
                f"clause {clause_id} reads differently to conformance.clauses "
                f"(level, aliases, departure or text)",
                mine.page,
                mine.line,
            )


def findings(app: Sphinx, env: BuildEnvironment) -> list[Finding]:
    site = data.get(app)
    clauses = list(all_clauses(env))
    spec_dir = data.paths(app).get("spec", Path(app.srcdir) / "spec")
    return [
        *duplicates(clauses, site.retired),
        *(bad_citations(clauses, site.cases, site.retired) if site.cases_loaded else ()),
        *(uncovered(clauses, site.cases, site.waivers) if site.cases_loaded else ()),
        *(stale_waivers(clauses, site.cases, site.waivers) if site.cases_loaded else ()),
        *(parser_disagreements(clauses, spec_dir) if spec_dir.is_dir() else ()),
    ]


def run(app: Sphinx, env: BuildEnvironment) -> None:
    """Report every finding as a warning (an error under -W), with its location."""
    data.report_problems(app, env)
    for finding in findings(app, env):
        if finding.docname is not None:
            location: Any = (finding.docname, finding.line)
        else:
            location = finding.file
        logger.warning(finding.message, location=location, type="perennial", subtype="lint")


def setup(app: Sphinx) -> None:
    app.connect("env-updated", run)
