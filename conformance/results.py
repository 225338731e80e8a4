"""Results files: ``conformance/results/<impl>.json``, one per implementation.

Format 1::

    {"format": 1, "suite_version": "0.1.0",
     "implementation": {"name": "pip", "version": "26.3"},
     "results": {"CASE-ID": {"status": "pass"|"fail"|"skip"|"error", "actual": ...,
                             "divergence": "reason" | null, "link": "url" | null}}}

The files are written deterministically (sorted keys, no timestamps) so regenerating them
only changes what really changed. The site reads them with :func:`load_results`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
RESULTS_DIR = Path(__file__).resolve().parent / "results"
STATUSES = ("pass", "fail", "skip", "error")


class ResultsError(Exception):
    """A results file cannot be read or is not format 1 (names the file)."""


@dataclass(frozen=True)
class CaseResult:
    """What one implementation did on one case."""

    status: str
    actual: Any = None
    divergence: str | None = None
    """The divergence file's reason when this case is a known, listed disagreement."""
    link: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "actual": self.actual,
            "divergence": self.divergence,
            "link": self.link,
        }


@dataclass(frozen=True)
class ImplementationResults:
    """One implementation's run over the suite."""

    name: str
    version: str
    suite_version: str
    results: Mapping[str, CaseResult]

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
            "implementation": {"name": self.name, "version": self.version},
            "results": {key: self.results[key].as_dict() for key in sorted(self.results)},
        }


def write_results(results: ImplementationResults, directory: Path = RESULTS_DIR) -> Path:
    """Write ``<directory>/<name>.json`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{results.name}.json"
    text = json.dumps(results.as_dict(), indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_results(path: Path) -> ImplementationResults:
    """One results file; raises :class:`ResultsError` naming the file on bad data."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ResultsError(f"{path}: cannot read: {error}") from None
    try:
        if data["format"] != FORMAT:
            raise ResultsError(f"{path}: format {data['format']!r}, this reader knows {FORMAT}")
        results = {}
        for case_id, entry in data["results"].items():
            if entry["status"] not in STATUSES:
                raise ResultsError(f"{path}: case {case_id}: unknown status {entry['status']!r}")
            results[case_id] = CaseResult(
                entry["status"], entry.get("actual"), entry.get("divergence"), entry.get("link")
            )
        return ImplementationResults(
            name=data["implementation"]["name"],
            version=data["implementation"]["version"],
            suite_version=data["suite_version"],
            results=results,
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ResultsError(f"{path}: not a format-{FORMAT} results file ({error!r})") from None


def load_results(directory: Path = RESULTS_DIR) -> list[ImplementationResults]:
    """Every implementation's results in ``directory``, sorted by name."""
    if not directory.is_dir():
        return []
    return sorted(
        (read_results(path) for path in sorted(directory.glob("*.json"))),
        key=lambda results: results.name,
    )
