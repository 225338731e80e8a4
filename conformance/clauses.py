"""The clause registry, read straight from the MyST sources in ``spec/``.

A clause is written as a colon fence::

    :::{clause} installer.override.rule-out-only
    :level: MUST
    :aliases: override.rule-out
    The override can only rule a tag out, never in.
    :::

A clause that departs from PEP 600's literal text says so with two more options, the kind of
departure and its reason in one line::

    :departs: stricter
    :departure: PEP 600 compares glibc versions only; a floor refuses tags below it.

This parser needs no Sphinx, so the suite's self-checks and the site's lints read the same
registry. Retired IDs are listed in ``spec/retired.toml`` and may never be defined again.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEVELS = ("MUST", "SHOULD", "MAY", "informative")
"""Clause levels; MUST and SHOULD clauses need a citing case or a reasoned waiver."""

DEPARTURE_KINDS = {
    "stricter": "refuses or requires what PEP 600's text allows",
    "settles-open": "settles a question PEP 600 leaves open",
    "prose-over-code": "follows PEP 600's prose where its sample code differs",
    "redefines": "reads a term of PEP 600 otherwise than its letter",
}
"""How a clause can depart from PEP 600's literal text; a case that rests on such a clause
has the conformance level ``recommended``."""

CLAUSE_ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")
_OPEN = re.compile(r"^(?P<fence>:{3,})\{clause\}\s+(?P<id>\S+)\s*$")
_OPTION = re.compile(r"^:(?P<key>[a-z-]+):\s*(?P<value>.*)$")


class ClauseError(Exception):
    """The spec's clauses are inconsistent: names the file and the clause."""


@dataclass(frozen=True)
class Departure:
    """How and why a clause departs from PEP 600's literal text."""

    kind: str
    """One of :data:`DEPARTURE_KINDS`."""
    reason: str


@dataclass(frozen=True)
class Clause:
    """One normative statement: its ID, level, aliases, where it lives and a checksum."""

    id: str
    level: str
    aliases: tuple[str, ...]
    page: str
    """The page's document name relative to the repository root, e.g. ``spec/installers``."""
    line: int
    text: str
    departure: Departure | None = None
    """Set when the clause departs from PEP 600's literal text (``:departs:``)."""

    @property
    def anchor(self) -> str:
        """The HTML anchor of the clause on its page (docutils' id form of the clause ID)."""
        return "clause-" + self.id.replace(".", "-")

    @property
    def checksum(self) -> str:
        """sha256 of the normalised text: a change of wording shows up in the registry."""
        normalised = " ".join(self.text.split())
        return hashlib.sha256(normalised.encode()).hexdigest()[:16]

    @property
    def is_normative(self) -> bool:
        """MUST and SHOULD clauses must be cited by a case or carry a waiver."""
        return self.level in ("MUST", "SHOULD")


@dataclass(frozen=True)
class Retired:
    """An ID that was removed (a clause's or a case's): it may never be used again."""

    id: str
    reason: str
    date: str
    replaced_by: tuple[str, ...] = ()
    """The IDs that took over what it asked, if any."""


@dataclass(frozen=True)
class ClauseRegistry:
    """Every clause of the spec, by ID and by alias, plus the retired IDs."""

    clauses: Mapping[str, Clause]
    aliases: Mapping[str, str]
    retired: Mapping[str, Retired]

    def resolve(self, clause_id: str) -> Clause | None:
        """The clause an ID or alias names, or None if unknown or retired."""
        if clause_id in self.clauses:
            return self.clauses[clause_id]
        target = self.aliases.get(clause_id)
        return self.clauses[target] if target else None

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses.values())


def parse_page(path: Path, page: str) -> Iterator[Clause]:
    """Yield the clauses written in one Markdown page."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, clause_id, start = opening["fence"], opening["id"], index + 1
        options: dict[str, str] = {}
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            option = _OPTION.match(lines[index]) if not body else None
            if option:
                options[option["key"]] = option["value"].strip()
            else:
                body.append(lines[index])
            index += 1
        if index >= len(lines):
            raise ClauseError(f"{path}:{start}: clause {clause_id} is never closed")
        index += 1
        yield _make_clause(path, page, start, clause_id, options, "\n".join(body).strip())


def _make_clause(
    path: Path, page: str, line: int, clause_id: str, options: dict[str, str], text: str
) -> Clause:
    where = f"{path}:{line}"
    if not CLAUSE_ID.match(clause_id):
        raise ClauseError(f"{where}: clause ID {clause_id!r} is not dotted lowercase words")
    level = options.get("level", "")
    if level not in LEVELS:
        raise ClauseError(f"{where}: clause {clause_id} has level {level!r}, not one of {LEVELS}")
    if not text:
        raise ClauseError(f"{where}: clause {clause_id} has no text")
    aliases = tuple(a.strip() for a in options.get("aliases", "").split(",") if a.strip())
    try:
        departure = departure_of(options.get("departs"), options.get("departure"))
    except ValueError as error:
        raise ClauseError(f"{where}: clause {clause_id}: {error}") from None
    return Clause(clause_id, level, aliases, page, line, text, departure)


def departure_of(kind: str | None, reason: str | None) -> Departure | None:
    """The departure the ``:departs:`` and ``:departure:`` options describe (both or neither);
    ValueError names what is wrong."""
    kind, reason = (kind or "").strip(), " ".join((reason or "").split())
    if not kind and not reason:
        return None
    if kind not in DEPARTURE_KINDS:
        raise ValueError(f":departs: is {kind!r}, not one of {', '.join(DEPARTURE_KINDS)}")
    if not reason:
        raise ValueError(":departs: needs a one-line :departure: that gives the reason")
    return Departure(kind, reason)


def undeparted_recommendations(
    cases: Iterable[Any], registry: ClauseRegistry
) -> Iterator[tuple[str, str]]:
    """(case ID, problem) for every ``recommended`` case that cites no departing clause: a
    case may ask more than PEP 600 only where a clause says so, and why."""
    for case in cases:
        if case.level != "recommended":
            continue
        cited = [registry.resolve(name) for name in case.clauses]
        if not any(clause is not None and clause.departure for clause in cited):
            yield (
                case.id,
                (
                    "is recommended (beyond PEP 600) but cites no clause marked :departs: "
                    f"(cites {', '.join(case.clauses)})"
                ),
            )


def load_retired(spec_dir: Path) -> dict[str, Retired]:
    """The retired IDs of ``spec/retired.toml`` (absent file: none)."""
    try:
        return read_retired(spec_dir / "retired.toml")
    except ValueError as error:
        raise ClauseError(str(error)) from None


def read_retired(path: Path) -> dict[str, Retired]:
    """The ``[[retired]]`` entries of ``path`` (absent file: none), for clauses and cases
    alike; ValueError naming the file and the problem."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from None
    entries = data.get("retired", [])
    if set(data) - {"retired"} or not isinstance(entries, list):
        raise ValueError(f"{path}: expected only [[retired]] entries")
    retired: dict[str, Retired] = {}
    for number, entry in enumerate(entries, 1):
        successors = entry.get("replaced_by", []) if isinstance(entry, dict) else None
        if (
            not isinstance(entry, dict)
            or set(entry) - {"id", "reason", "date", "replaced_by"}
            or not all(isinstance(entry.get(key), str) for key in ("id", "reason"))
            or not isinstance(entry.get("date"), str | datetime.date)
            or not isinstance(successors, list)
            or not all(isinstance(successor, str) for successor in successors)
        ):
            raise ValueError(
                f"{path}: entry {number} needs id, date and reason as text, and replaced_by "
                "as a list of IDs if given, and nothing else"
            )
        if entry["id"] in retired:
            raise ValueError(f"{path}: {entry['id']} is retired twice")
        retired[entry["id"]] = Retired(
            entry["id"], entry["reason"], str(entry["date"]), tuple(successors)
        )
    return retired


def load_registry(spec_dir: Path) -> ClauseRegistry:
    """Read every ``*.md`` page under ``spec_dir``; duplicate or retired IDs are errors."""
    root = spec_dir.parent
    retired = load_retired(spec_dir)
    clauses: dict[str, Clause] = {}
    aliases: dict[str, str] = {}
    for path in sorted(spec_dir.rglob("*.md")):
        page = path.relative_to(root).with_suffix("").as_posix()
        for clause in parse_page(path, page):
            for name in (clause.id, *clause.aliases):
                if name in clauses or name in aliases:
                    first = clauses.get(name) or clauses[aliases[name]]
                    raise ClauseError(
                        f"{path}:{clause.line}: clause ID {name} is already used at "
                        f"{first.page}.md:{first.line}"
                    )
                if name in retired:
                    raise ClauseError(
                        f"{path}:{clause.line}: clause ID {name} was retired "
                        f"({retired[name].reason}) and may not be reused"
                    )
            clauses[clause.id] = clause
            aliases.update(dict.fromkeys(clause.aliases, clause.id))
    return ClauseRegistry(clauses, aliases, retired)
