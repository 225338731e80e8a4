"""One wheel's census rows (the columns are documented in :mod:`reference_impl.census`), and
its facts read back from them.

The facts columns are the audit-facts JSON form (:func:`~reference_impl.audit_facts.facts_json`)
and are read back by :func:`~reference_impl.audit_facts.facts_from_json`, which checks every
field: a census file is input like any other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reference_impl.audit import WheelAudit
from reference_impl.audit_facts import (
    FACTS_FORMAT,
    FACTS_VERSION,
    WheelFacts,
    facts_from_json,
    facts_json,
)
from reference_impl.census.found import Found

ERROR = "error"
"""The verdict of a wheel that could not be read."""

_FACTS_KEYS = ("wheel", "filename", "dist_info", "filename_tags", "wheel_tags", "symbol_vocabulary")


@dataclass(frozen=True)
class CensusRows:
    """What a worker sends back for one wheel: its wheels-table row and its files-table rows."""

    wheel: dict[str, Any]
    files: list[dict[str, Any]]

    @property
    def is_error(self) -> bool:
        """Whether the wheel could not be read."""
        return bool(self.wheel["verdict"] == ERROR)


def audit_rows(found: Found, audit: WheelAudit) -> CensusRows:
    """The rows of an audited wheel: its facts and its verdict under the census's policies."""
    facts = facts_json(audit.facts)
    wheel = {key: facts[key] for key in _FACTS_KEYS}
    wheel.update(
        wheel=found.path,
        size=found.size,
        mtime_ns=found.mtime_ns,
        verdict=audit.verdict,
        architecture=audit.architecture,
        earliest_tag=audit.earliest_tag,
        minimal_glibc=str(audit.minimal_glibc) if audit.minimal_glibc else None,
        best_baseline=audit.best_baseline,
        claims=[
            {
                "tag": c.tag,
                "source": c.source,
                "manylinux_tag": c.manylinux_tag,
                "earned": c.earned,
            }
            for c in audit.claims
        ],
        blockers=[
            {"tag": c.tag, "clause": f.clause, "subject": f.subject, "file": f.file}
            for c in audit.claims
            for f in c.blockers
        ],
        error=None,
        exit_code=None,
    )
    files = []
    for file, verdict in zip(facts["files"], audit.files, strict=True):
        glibc = next((n for n in verdict.needs if n.family == "GLIBC"), None)
        file.update(
            wheel=found.path,
            architecture=verdict.architecture,
            needs_glibc=glibc.version if glibc else None,
            minimal_glibc=str(verdict.minimal_glibc) if verdict.minimal_glibc else None,
            forced_by=verdict.forced_by.message if verdict.forced_by else None,
        )
        files.append(file)
    return CensusRows(wheel, files)


def error_rows(found: Found, problem: str, exit_code: int) -> CensusRows:
    """The row of a wheel that could not be read: its error, never the end of the census."""
    wheel: dict[str, Any] = {
        "wheel": found.path,
        "size": found.size,
        "mtime_ns": found.mtime_ns,
        "filename": os.path.basename(found.path),
        "dist_info": None,
        "filename_tags": [],
        "wheel_tags": [],
        "symbol_vocabulary": [],
        "verdict": ERROR,
        "architecture": None,
        "earliest_tag": None,
        "minimal_glibc": None,
        "best_baseline": None,
        "claims": [],
        "blockers": [],
        "error": " ".join(problem.split()),
        "exit_code": exit_code,
    }
    return CensusRows(wheel, [])


def facts_of(wheel: dict[str, Any], files: Sequence[dict[str, Any]], census: str) -> WheelFacts:
    """The facts of a wheel read back from its census rows (not of an error row)."""
    document = {key: wheel[key] for key in _FACTS_KEYS}
    document.update(format=FACTS_FORMAT, version=FACTS_VERSION, files=list(files))
    return facts_from_json(document, f"{census}: {wheel['wheel']}")
