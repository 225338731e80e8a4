"""One wheel's census rows (the columns are documented in :mod:`reference_impl.census`), and
its facts read back from them.

The facts columns are the audit-facts JSON form (:func:`~reference_impl.audit_facts.facts_json`)
and are read back by :func:`~reference_impl.audit_facts.facts_from_json`, which checks every
field: a census file is input like any other.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reference_impl.audit import Outcome, WheelAudit, outcome_from
from reference_impl.audit_checks import Finding
from reference_impl.audit_facts import (
    FACTS_FORMAT,
    FACTS_VERSION,
    FileFacts,
    WheelFacts,
    facts_from_json,
    facts_json,
)
from reference_impl.census.found import Found
from reference_impl.errors import PolicyError
from reference_impl.policy import GlibcVersion
from reference_impl.record import replace

ERROR = "error"
"""The verdict of a wheel that could not be read."""

FACTS_KEYS = ("wheel", "filename", "dist_info", "filename_tags", "wheel_tags", "symbol_vocabulary")
"""The wheels-table columns that hold the wheel's part of its facts."""
FILE_FACTS_KEYS = (
    "path",
    "elf",
    "soname",
    "rpath",
    "runpath",
    "libraries",
    "needed_versions",
    "undefined",
    "isa_needed",
    "executable_stack",
)
"""The files-table columns that hold a file's facts: the fields of a file object of the
audit-facts JSON form (the others say what the audit concluded of the file)."""


@dataclass(frozen=True)
class CensusRows:
    """What a worker sends back for one wheel: its wheels-table row and its files-table rows."""

    wheel: dict[str, Any]
    files: list[dict[str, Any]]

    @property
    def is_error(self) -> bool:
        """Whether the wheel could not be read."""
        return bool(self.wheel["verdict"] == ERROR)


def audit_rows(found: Found, audit: WheelAudit, judged_by: str) -> CensusRows:
    """The rows of an audited wheel: its facts and its verdict under the census's policies,
    judged by the code whose digest is ``judged_by``."""
    facts = facts_json(audit.facts)
    wheel = {key: facts[key] for key in FACTS_KEYS}
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
            for f in _kept_blockers(c.blockers)
        ],
        error=None,
        exit_code=None,
        satisfied=[b.tag for b in audit.baselines if b.satisfied],
        judged_by=judged_by,
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


BLOCKERS_KEPT = 256
"""The most blockers a wheel row keeps per claim. A claim's blockers are every problem of
every file, so a hostile wheel of many files could make one row of millions of values, and
a row group that large makes the whole census unreadable (``table.ROW_GROUP_VALUES``)."""


def _kept_blockers(blockers: Iterable[Finding]) -> list[Finding]:
    """A claim's blockers, one per clause and subject (the first file's: the summary counts
    wheels per clause and subject), at most :data:`BLOCKERS_KEPT`."""
    kept: dict[tuple[str, str | None], Finding] = {}
    for finding in blockers:
        kept.setdefault((finding.clause, finding.subject), finding)
        if len(kept) == BLOCKERS_KEPT:
            break
    return list(kept.values())


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
        "satisfied": [],
        "judged_by": None,
    }
    return CensusRows(wheel, [])


def facts_of(wheel: dict[str, Any], files: Sequence[dict[str, Any]], census: str) -> WheelFacts:
    """The facts of a wheel read back from its census rows (not of an error row)."""
    document = {key: wheel[key] for key in FACTS_KEYS}
    document.update(format=FACTS_FORMAT, version=FACTS_VERSION, files=list(files))
    return facts_from_json(document, f"{census}: {wheel['wheel']}")


OUTCOME_KEYS = ("claims", "earliest_tag", "minimal_glibc", "satisfied", "judged_by")
"""The wheels-table columns that :func:`stored_outcome` reads."""


def stored_outcome(wheel: dict[str, Any], judge: str) -> Outcome | None:
    """The outcome the census recorded for a wheel (not an error row), if the code whose
    digest is ``judge`` judged it; None otherwise (judge it again). Equal to
    :func:`~reference_impl.audit.judge_outcome` of its facts under the census's policies."""
    if wheel["judged_by"] != judge:
        return None
    minimal = wheel["minimal_glibc"]
    try:
        glibc = GlibcVersion.parse(minimal) if minimal is not None else None
    except PolicyError:
        return None  # not what this code writes: the facts are judged instead
    claims = ((c["tag"], c["manylinux_tag"], c["earned"]) for c in wheel["claims"])
    return outcome_from(frozenset(wheel["satisfied"]), claims, wheel["earliest_tag"], glibc)


_CONTENT_KEYS = FILE_FACTS_KEYS[1:]
"""A file's facts but its path."""
assert FILE_FACTS_KEYS[0] == "path"


class FactsReader:
    """Reads wheels' facts back from census rows as :func:`facts_of` does, decoding each
    distinct file content once, and names each file's content for
    :func:`~reference_impl.audit.judge_outcome` (a digest of its facts but its path), so a
    review judges it once too. A mirror holds each build's facts once per Python version
    and bundled libraries in every wheel of a release: the 1,051 wheels of the latest
    releases of 30 projects hold 3,796 ELF files but 266 distinct contents."""

    def __init__(self, census: str) -> None:
        self.census = census
        self._decoded: dict[bytes, FileFacts] = {}

    def read(
        self, wheel: dict[str, Any], files: Sequence[dict[str, Any]]
    ) -> tuple[WheelFacts, tuple[bytes, ...]]:
        """The wheel's facts and each file's content name. A wheel with a file content not
        met before is decoded whole by :func:`facts_of`, which checks every field."""
        names = tuple(_content_name(row) for row in files)
        decoded = []
        for row, name in zip(files, names, strict=True):
            known = self._decoded.get(name)
            if known is None or type(row["path"]) is not str:
                return self._remember(facts_of(wheel, files, self.census), names), names
            decoded.append(known if known.path == row["path"] else replace(known, path=row["path"]))
        return replace(facts_of(wheel, (), self.census), files=tuple(decoded)), names

    def _remember(self, facts: WheelFacts, names: Sequence[bytes]) -> WheelFacts:
        """Keep the decoded files of ``facts`` (at most :data:`REMEMBERED`: past it, the
        oldest half is forgotten)."""
        for file, name in zip(facts.files, names, strict=True):
            self._decoded.setdefault(name, file)
        if len(self._decoded) > REMEMBERED:
            for name in list(self._decoded)[: REMEMBERED // 2]:
                del self._decoded[name]
        return facts


REMEMBERED = 1 << 12
"""The most decoded file contents a :class:`FactsReader` keeps (each some kilobytes: memory
stays bounded; the wheels of one release, which share most files, are read together)."""


def _content_name(row: dict[str, Any]) -> bytes:
    """A digest of a file row's facts but its path: equal for equal facts (the row's values
    come from Parquet, so their order and types are fixed by the schema). ``marshal`` writes
    them back readable, so unequal values never give equal bytes; its version 2 writes no
    back-references, so equal values give equal bytes (half the cost of ``repr``)."""
    values = marshal.dumps([row[key] for key in _CONTENT_KEYS], 2)
    return hashlib.blake2b(values, digest_size=16).digest()
