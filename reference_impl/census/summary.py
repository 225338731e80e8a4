"""What a census found, in a few lines: wheels per claimed tag, claims earned and not, what
blocks most, and the errors. Read from the wheels table alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reference_impl.census.delta import tag_order
from reference_impl.display import shown

SUMMARY_COLUMNS = ("filename", "verdict", "claims", "blockers", "error", "exit_code")
"""The wheels-table columns a summary reads."""
TOP = 15
"""Blockers listed, most frequent first."""

_KINDS = {
    "audit.external-libraries": "library",
    "audit.symbol-versions": "symbol version",
    "audit.forbidden-symbols": "forbidden symbol",
    "audit.isa-level": "ISA level",
}


@dataclass
class ClaimCount:
    """Wheels claiming one tag (legacy aliases resolved), and how many earn it."""

    tag: str
    wheels: int = 0
    earned: int = 0

    @property
    def not_earned(self) -> int:
        return self.wheels - self.earned


@dataclass
class Summary:
    """The census in numbers."""

    wheels: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    claims: dict[str, ClaimCount] = field(default_factory=dict)
    blockers: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(clause, subject) -> wheels it keeps from a claimed tag."""
    blocker_example: dict[tuple[str, str], str] = field(default_factory=dict)
    errors: Counter[int] = field(default_factory=Counter)
    error_example: dict[int, str] = field(default_factory=dict)


def summarize(rows: Iterable[dict[str, Any]]) -> Summary:
    """Count the wheels rows (:data:`SUMMARY_COLUMNS` are enough)."""
    summary = Summary()
    for row in rows:
        summary.wheels += 1
        summary.verdicts[row["verdict"]] += 1
        if row["error"] is not None:
            code = int(row["exit_code"] or 0)
            summary.errors[code] += 1
            summary.error_example.setdefault(code, row["error"])
        outcome: dict[str, bool] = {}
        for claim in row["claims"]:
            if claim["earned"] is not None:
                tag = claim["manylinux_tag"] or claim["tag"]
                outcome[tag] = outcome.get(tag, True) and bool(claim["earned"])
        for tag, earned in outcome.items():
            count = summary.claims.setdefault(tag, ClaimCount(tag))
            count.wheels += 1
            count.earned += earned
        for key in {(b["clause"], b["subject"] or "") for b in row["blockers"]}:
            summary.blockers[key] += 1
            summary.blocker_example.setdefault(key, row["filename"])
    return summary


def summary_json(summary: Summary, census: str) -> dict[str, Any]:
    """The summary as JSON-ready data."""
    return {
        "format": "perennial-census-summary",
        "version": 1,
        "census": census,
        "wheels": summary.wheels,
        "verdicts": dict(sorted(summary.verdicts.items())),
        "claims": [
            {"tag": c.tag, "wheels": c.wheels, "earned": c.earned, "not_earned": c.not_earned}
            for c in _claims_in_order(summary)
        ],
        "blockers": [
            {
                "clause": clause,
                "kind": _KINDS.get(clause, clause),
                "subject": subject,
                "wheels": count,
                "example": summary.blocker_example[(clause, subject)],
            }
            for (clause, subject), count in summary.blockers.most_common(TOP)
        ],
        "errors": [
            {"exit_code": code, "wheels": count, "example": summary.error_example[code]}
            for code, count in sorted(summary.errors.items())
        ],
    }


def summary_text(summary: Summary, census: str) -> list[str]:
    """The summary as lines for a terminal, text from wheels escaped."""
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(summary.verdicts.items()))
    lines = [f"census {census}: {summary.wheels} wheels ({verdicts or 'none'})"]
    claims = _claims_in_order(summary)
    if claims:
        width = max(len(c.tag) for c in claims)
        lines.append(f"  {'claimed tag':{width}}  wheels  earned  not earned")
        lines.extend(
            f"  {c.tag:{width}}  {c.wheels:6}  {c.earned:6}  {c.not_earned:10}" for c in claims
        )
    if summary.blockers:
        lines.append("  what keeps claims from being earned, most wheels first:")
        for (clause, subject), count in summary.blockers.most_common(TOP):
            example = summary.blocker_example[(clause, subject)]
            kind = _KINDS.get(clause, clause)
            lines.append(f"    {count:6} wheels  {kind} {subject or '-'}  (e.g. {example})")
    for code, count in sorted(summary.errors.items()):
        lines.append(
            f"  {count} wheels could not be read (exit code {code}), e.g. "
            f"{summary.error_example[code]}"
        )
    return [shown(line) for line in lines]


def _claims_in_order(summary: Summary) -> list[ClaimCount]:
    """Claimed tags by architecture, then by glibc (numerically), then by name."""
    return sorted(summary.claims.values(), key=lambda c: tag_order(c.tag))
