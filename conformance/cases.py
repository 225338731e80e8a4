"""The suite's cases: TOML files under ``conformance/cases/<audience>/``, validated on load.

A file holds single cases (``[[case]]``) and compact tables (``[[table]]``) whose rows expand
to one case each; every row names its own ID suffix so IDs stay stable when rows move. Each
expanded case is checked against ``schema/case.schema.json``. Expected results come from the
spec's clauses, never from an implementation's output.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import schema_check
from conformance.clauses import ClauseRegistry, Retired, load_registry, read_retired

ROOT = Path(__file__).resolve().parent
CASES_DIR = ROOT / "cases"
SPEC_DIR = ROOT / "spec" if (ROOT / "spec").is_dir() else ROOT.parent / "spec"
"""The spec's clauses: shipped inside the package by a wheel install, beside it in a checkout."""
AUDIENCES = ("installer", "index", "auditor")
_STRENGTH = {"MUST": 3, "SHOULD": 2, "MAY": 1, "informative": 0}


class CaseError(Exception):
    """A case file is malformed: the message names the file and the case."""


@dataclass(frozen=True)
class Case:
    """One case: what to ask an implementation and what the spec says it must answer."""

    id: str
    audience: str
    operation: str
    clauses: tuple[str, ...]
    input: Mapping[str, Any]
    expected: Mapping[str, Any]
    note: str = ""
    strength: str = "informative"
    """The strongest requirement level (MUST, SHOULD, MAY) among the cited clauses
    (informative when none is known)."""
    level: str = "pep600"
    """The conformance level, required in the case data: ``pep600`` when PEP 600's final text
    requires the expected answer, ``recommended`` when this spec asks for it beyond the PEP
    (stricter, argued; the case cites a clause that departs from the PEP)."""
    behaviour: tuple[int, ...] = ()
    """Items of research/implementations.md section 7 this case pins down."""
    file: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The case as plain JSON-ready data (the protocol and ``explain`` print this)."""
        return {
            "id": self.id,
            "audience": self.audience,
            "operation": self.operation,
            "clauses": list(self.clauses),
            "strength": self.strength,
            "level": self.level,
            "input": dict(self.input),
            "expected": dict(self.expected),
            "note": self.note,
        }


RETIRED_FILE = "retired.toml"


def load_cases(directory: Path = CASES_DIR, registry: ClauseRegistry | None = None) -> list[Case]:
    """Every case under ``directory``, sorted by ID; raises :class:`CaseError` on bad data,
    on a case that takes a retired ID, and on a retired ID replaced by no case."""
    if registry is None and SPEC_DIR.is_dir():
        registry = load_registry(SPEC_DIR)
    cases: list[Case] = []
    seen: dict[str, str] = {}
    retired = load_retired_cases(directory)
    for path in sorted(directory.glob("*/*.toml")):
        for case in load_file(path, registry):
            if case.id in seen:
                raise CaseError(f"{path}: case ID {case.id} is already used in {seen[case.id]}")
            if case.id in retired:
                gone = retired[case.id]
                raise CaseError(
                    f"{case.file}: case ID {case.id} was retired on {gone.date} "
                    f"({RETIRED_FILE}): an ID is never used again, choose another"
                )
            seen[case.id] = case.file
            cases.append(case)
    for gone in retired.values():
        for successor in gone.replaced_by:
            if successor not in seen:
                raise CaseError(
                    f"{_relative(directory / RETIRED_FILE)}: {gone.id} is replaced by "
                    f"{successor}, which is no case"
                )
    return sorted(cases, key=lambda case: case.id)


def load_retired_cases(directory: Path = CASES_DIR) -> dict[str, Retired]:
    """The case IDs no longer in the suite (``directory/retired.toml``; no file: none)."""
    try:
        return read_retired(directory / RETIRED_FILE)
    except ValueError as error:
        raise CaseError(str(error)) from None


def load_file(path: Path, registry: ClauseRegistry | None = None) -> list[Case]:
    """The cases of one file; the audience is the name of its directory."""
    audience = path.parent.name
    where = _relative(path)
    if audience not in AUDIENCES:
        raise CaseError(f"{where}: directory {audience!r} is not an audience {AUDIENCES}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CaseError(f"{where}: cannot read: {error}") from None
    unknown = set(data) - {"defaults", "case", "table"}
    if unknown:
        raise CaseError(f"{where}: unknown top-level keys {sorted(unknown)}")
    defaults = data.get("defaults", {})
    raw = [_merge(defaults, entry) for entry in data.get("case", [])]
    for number, table in enumerate(data.get("table", []), 1):
        raw.extend(_expand(_merge(defaults, table), f"{where} table {number}"))
    return [_build(entry, audience, where, registry) for entry in raw]


def _merge(defaults: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **entry}
    for key in ("input", "expected"):
        if key in defaults and key in entry:
            merged[key] = {**defaults[key], **entry[key]}
    return merged


def _expand(table: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    """One case per row: ``columns`` name the row's cells; ``id``, ``note``, ``clauses``,
    ``behaviour`` and ``level`` are case fields, a column listed in ``expected_columns`` goes to
    ``expected``, every other to ``input``."""
    for key in ("id_prefix", "columns", "rows"):
        if key not in table:
            raise CaseError(f"{where}: a table needs {key!r}")
    columns: Sequence[str] = table["columns"]
    if "id" not in columns:
        raise CaseError(f"{where}: a table's columns must include 'id'")
    outputs = set(table.get("expected_columns", ()))
    base = {k: v for k, v in table.items() if k not in _TABLE_ONLY}
    expanded = []
    for row in table["rows"]:
        if len(row) != len(columns):
            raise CaseError(f"{where}: row {row!r} has {len(row)} cells for {len(columns)} columns")
        case = {
            **base,
            "input": dict(base.get("input", {})),
            "expected": dict(base.get("expected", {})),
        }
        for column, cell in zip(columns, row, strict=True):
            if column == "id":
                case["id"] = f"{table['id_prefix']}.{cell}"
            elif column in ("note", "clauses", "behaviour", "level"):
                case[column] = cell
            elif column in outputs:
                case["expected"][column] = cell
            else:
                case["input"][column] = cell
        expanded.append(case)
    return expanded


_TABLE_ONLY = {"id_prefix", "columns", "rows", "expected_columns"}


def _build(
    entry: Mapping[str, Any], audience: str, where: str, registry: ClauseRegistry | None
) -> Case:
    entry = {"audience": audience, **entry}
    problems = schema_check.errors(entry, schema_check.load_schema("case.schema.json"))
    name = entry.get("id", "<no id>")
    if problems:
        raise CaseError(f"{where}: case {name}: {problems[0]}")
    if entry["audience"] != audience:
        raise CaseError(f"{where}: case {name} says audience {entry['audience']!r} in {audience}/")
    if not entry["id"].startswith(audience + "."):
        raise CaseError(f"{where}: case {name} must start with '{audience}.'")
    return Case(
        id=entry["id"],
        audience=audience,
        operation=entry["operation"],
        clauses=tuple(entry["clauses"]),
        input=entry["input"],
        expected=entry["expected"],
        note=" ".join(entry.get("note", "").split()),
        strength=_strength(entry["clauses"], registry),
        level=entry["level"],
        behaviour=tuple(entry.get("behaviour", ())),
        file=where,
    )


def _strength(clauses: Sequence[str], registry: ClauseRegistry | None) -> str:
    levels = ["informative"]
    for clause_id in clauses:
        clause = registry.resolve(clause_id) if registry else None
        if clause is not None:
            levels.append(clause.level)
    return max(levels, key=_STRENGTH.__getitem__)


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT.parent).as_posix()
    except ValueError:
        return str(path)
