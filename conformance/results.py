"""Results files: ``<directory>/<impl>.json``, one per implementation and run.

Format 2 (published as ``schema/results-v2.json``; every file is checked against it when
written and when read)::

    {"format": 2, "suite_version": "0.1.0",
     "implementation": {"name": "pip", "version": "26.3",
                        "operations": ["installer.compatible", ...]},
     "levels": {"pep600": {"cases": 431, "claimed": 190, "pass": 150, "fail": 40, "skip": 0,
                           "error": 0, "not_asked": 0, "divergences": 40, "unexpected": 0,
                           "verdict": "conforms"},
                "recommended": {...}},
     "session": null | {"ended": null, "shutdown": "exit status 0 after stop", "problems": []},
     "results": {"CASE-ID": {"status": "pass"|"fail"|"skip"|"error", "level": "pep600",
                             "actual": ..., "divergence": "reason" | null, "link": "url" | null}}}

A level's verdict is ``conforms`` (every case of the tool's declared operations passes or is a
declared divergence), ``does not conform`` (one does not), ``not enough answered`` (it
answered none, skipped more than :data:`MAX_SKIPPED_SHARE` of them, or the run ended before
they were all asked), or ``no cases`` (the level has no case of the declared operations).

The files are written deterministically (sorted keys, no timestamps, no paths) and
atomically, so regenerating them only changes what really changed. The site reads them with
:func:`load_results`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import schema_check

FORMAT = 2
SCHEMA = "results-v2.json"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
STATUSES = ("pass", "fail", "skip", "error")
LEVELS = ("pep600", "recommended")
"""The conformance levels: what PEP 600's final text requires, and what this spec recommends
beyond it. "Conforms to PEP 600" is said of the first alone."""
MAX_SKIPPED_SHARE = 0.5
"""A tool that skips more than this share of the cases of the operations it declares has
not answered enough to be called conformant at that level. Honest skips exist (in process, a
``_manylinux`` only in the working directory has no defined answer: packaging skips 31% of
its recommended cases for it), so the bar is half, not a handful."""


class ResultsError(Exception):
    """A results file cannot be read or is not format 2 (names the file)."""


@dataclass(frozen=True)
class CaseResult:
    """What one implementation did on one case."""

    status: str
    actual: Any = None
    divergence: str | None = None
    """The divergence file's reason when this case is a known, listed disagreement."""
    link: str | None = None
    level: str = "pep600"
    """The case's conformance level (copied so the file can be read without the cases)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "level": self.level,
            "actual": self.actual,
            "divergence": self.divergence,
            "link": self.link,
        }


@dataclass(frozen=True)
class LevelSummary:
    """One level of one run: how the cases of the tool's declared operations ended."""

    cases: int
    """Cases of this level in the run, whatever their operation."""
    claimed: int
    """Of those, the cases of operations the tool declares."""
    counts: Mapping[str, int]
    """Status -> how many claimed cases ended in it."""
    not_asked: int = 0
    """Claimed cases never asked because the run ended early."""
    divergences: int = 0
    """Fails and errors the divergence file declares."""
    unexpected: int = 0
    """Fails and errors it does not."""

    @property
    def answered(self) -> int:
        return self.counts["pass"] + self.counts["fail"]

    @property
    def enough_answered(self) -> bool:
        """Something was answered, few claimed cases were skipped, none left unasked."""
        skipped_too_many = self.counts["skip"] > MAX_SKIPPED_SHARE * self.claimed
        return self.answered > 0 and not skipped_too_many and self.not_asked == 0

    @property
    def verdict(self) -> str:
        """A failure outweighs too few answers: it is a fact, not a lack of evidence. A level
        with no case of the tool's operations (PEP 600 asks nothing of an index) judges
        nothing; a tool that answers no case at any level fails the run all the same."""
        if self.unexpected:
            return "does not conform"
        if self.claimed == 0:
            return "no cases"
        return "conforms" if self.enough_answered else "not enough answered"

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "claimed": self.claimed,
            **{status: self.counts[status] for status in STATUSES},
            "not_asked": self.not_asked,
            "divergences": self.divergences,
            "unexpected": self.unexpected,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Session:
    """How the conversation with a protocol tool went (None for built-in adapters)."""

    ended: str | None = None
    """Why the run stopped before every case was asked (a hang, a broken line), naming the
    tool and the case; None when every case was asked."""
    shutdown: str | None = None
    """How the program ended after ``stop`` (``exit status 0 after stop``)."""
    problems: tuple[str, ...] = ()
    """Every protocol violation seen, in order; any one fails the run."""

    def as_dict(self) -> dict[str, Any]:
        return {"ended": self.ended, "shutdown": self.shutdown, "problems": list(self.problems)}


@dataclass(frozen=True)
class ImplementationResults:
    """One implementation's run over the suite."""

    name: str
    version: str
    suite_version: str
    results: Mapping[str, CaseResult]
    operations: tuple[str, ...] = ()
    """The operations the tool declares, sorted."""
    levels: Mapping[str, LevelSummary] = field(default_factory=dict)
    session: Session | None = None

    def counts(self) -> dict[str, int]:
        """How many cases ended in each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for result in self.results.values():
            counts[result.status] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "suite_version": self.suite_version,
            "implementation": {
                "name": self.name,
                "version": self.version,
                "operations": list(self.operations),
            },
            "levels": {level: summary.as_dict() for level, summary in self.levels.items()},
            "session": None if self.session is None else self.session.as_dict(),
            "results": {key: self.results[key].as_dict() for key in sorted(self.results)},
        }


def results_problems(data: Any) -> list[str]:
    """Every way ``data`` breaks the published results schema."""
    return schema_check.errors(data, schema_check.load_schema(SCHEMA))


def write_results(results: ImplementationResults, directory: Path = RESULTS_DIR) -> Path:
    """Write ``<directory>/<name>.json`` whole or not at all, and return its path."""
    data = results.as_dict()
    problems = results_problems(data)
    if problems:
        raise AssertionError(f"results of {results.name} break {SCHEMA}: {problems[0]}")
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return write_atomically(directory / f"{results.name}.json", text)


def write_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as scratch:
        try:
            scratch.write(text)
        except BaseException:
            os.unlink(scratch.name)
            raise
    os.replace(scratch.name, path)
    return path


def read_results(path: Path) -> ImplementationResults:
    """One results file; raises :class:`ResultsError` naming the file on bad data."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ResultsError(f"{path}: cannot read: {error}") from None
    if isinstance(data, dict) and data.get("format") != FORMAT:
        raise ResultsError(
            f"{path}: format {data.get('format')!r}, this reader knows {FORMAT}; "
            "regenerate it with perennial conformance run"
        )
    problems = results_problems(data)
    if problems:
        raise ResultsError(f"{path}: not a format-{FORMAT} results file: {problems[0]}")
    session = data["session"]
    return ImplementationResults(
        name=data["implementation"]["name"],
        version=data["implementation"]["version"],
        suite_version=data["suite_version"],
        results={
            case_id: CaseResult(
                entry["status"], entry["actual"], entry["divergence"], entry["link"], entry["level"]
            )
            for case_id, entry in data["results"].items()
        },
        operations=tuple(data["implementation"]["operations"]),
        levels={level: _summary(entry) for level, entry in data["levels"].items()},
        session=None
        if session is None
        else Session(session["ended"], session["shutdown"], tuple(session["problems"])),
    )


def _summary(entry: Mapping[str, Any]) -> LevelSummary:
    return LevelSummary(
        cases=entry["cases"],
        claimed=entry["claimed"],
        counts={status: entry[status] for status in STATUSES},
        not_asked=entry["not_asked"],
        divergences=entry["divergences"],
        unexpected=entry["unexpected"],
    )


def load_results(directory: Path = RESULTS_DIR) -> list[ImplementationResults]:
    """Every implementation's results in ``directory``, sorted by name."""
    if not directory.is_dir():
        return []
    return sorted(
        (read_results(path) for path in sorted(directory.glob("*.json"))),
        key=lambda results: results.name,
    )
