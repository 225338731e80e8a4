"""How an audit verdict is shown: plain JSON (schema ``audit-v1.json``) and explaining text.

The JSON document is versioned: ``"format": "perennial-audit", "version": 1``. Fields are
only ever added within a version; a removal or a change of meaning makes version 2.
"""

from __future__ import annotations

from typing import Any

from reference_impl import __version__
from reference_impl.audit import Finding, WheelAudit

FORMAT = "perennial-audit"
VERSION = 1


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "clause": finding.clause,
        "severity": finding.severity,
        "file": finding.file,
        "message": finding.message,
    }


def wheel_json(audit: WheelAudit) -> dict[str, Any]:
    """One wheel's verdict as JSON-ready data."""
    return {
        "wheel": audit.wheel,
        "passed": audit.passed,
        "architecture": audit.architecture,
        "earned_tag": audit.earned_tag,
        "minimal_glibc": str(audit.minimal_glibc) if audit.minimal_glibc else None,
        "forced_by": (
            {"symbol": audit.forced_by, "file": audit.forced_in} if audit.forced_by else None
        ),
        "best_baseline": audit.best_baseline,
        "claims": [
            {
                "tag": c.tag,
                "source": c.source,
                "manylinux_tag": c.manylinux_tag,
                "earned": c.earned,
            }
            for c in audit.claims
        ],
        "baselines": [
            {
                "name": b.baseline,
                "tag": b.tag,
                "satisfied": b.satisfied,
                "blockers": [finding_json(f) for f in b.blockers],
            }
            for b in audit.baselines
        ],
        "files": [
            {
                "path": f.path,
                "architecture": f.summary.architecture,
                "soname": f.summary.soname,
                "needed": [{"name": r.name, "bundled_at": r.bundled_at} for r in f.needed],
                "minimal_glibc": str(f.minimal_glibc) if f.minimal_glibc else None,
                "forced_by": f.forced_by,
                "isa_level": f.summary.isa_level,
                "executable_stack": f.summary.executable_stack,
            }
            for f in audit.files
        ],
        "findings": [finding_json(f) for f in audit.findings],
    }


def document(wheels: list[dict[str, Any]], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole ``perennial audit --json`` document."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "perennial_version": __version__,
        "wheels": wheels,
        "errors": errors,
    }


def _where(finding: Finding) -> str:
    return f" in {finding.file}" if finding.file else ""


def explain(audit: WheelAudit) -> list[str]:
    """Lines that explain a verdict: what it earns, what forces it, what blocks the rest."""
    claimed = sorted({c.tag for c in audit.claims if c.manylinux_tag})
    status = "OK" if audit.passed else "FAIL"
    lines = [f"{audit.wheel}: {status}"]
    if claimed:
        lines.append(f"  claims {', '.join(claimed)}")
    if audit.earned_tag:
        lines.append(f"  earns {audit.earned_tag} (exact minimal glibc {audit.minimal_glibc})")
        if audit.forced_by:
            lines.append(
                f"  glibc {audit.minimal_glibc} is forced by {audit.forced_by}"
                + (f" in {audit.forced_in}" if audit.forced_in else "")
            )
    elif audit.files:
        lines.append("  earns no manylinux tag")
    if audit.best_baseline:
        lines.append(f"  best maintained baseline: {audit.best_baseline}")
    for verdict in audit.baselines:
        if verdict.satisfied:
            break
        if verdict.blockers:
            first = verdict.blockers[0]
            more = len(verdict.blockers) - 1
            extra = f" (and {more} more)" if more else ""
            lines.append(f"  {verdict.tag} is blocked by {first.message}{_where(first)}{extra}")
    for finding in audit.findings:
        lines.append(f"  {finding.severity} [{finding.clause}] {finding.message}{_where(finding)}")
    return lines
