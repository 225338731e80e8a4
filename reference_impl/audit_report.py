"""How an audit verdict is shown: plain JSON (schema ``audit-v2.json``) and explaining text.

The JSON document is versioned: ``"format": "perennial-audit", "version": 2``. Fields are
only ever added within a version; a removal or a change of meaning makes a new version
(version 2 replaced ``passed`` by ``verdict``, which can be ``not-judged``, and split the
minimal glibc into ``needs`` and ``earliest``). Every string in the text report that came
from the wheel goes through :func:`reference_impl.display.shown`.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference_impl import __version__
from reference_impl.audit import FAIL, PASS, BaselineVerdict, Finding, WheelAudit
from reference_impl.audit_checks import describe
from reference_impl.audit_glibc import Need
from reference_impl.display import shown

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any

FORMAT = "perennial-audit"
VERSION = 2


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "clause": finding.clause,
        "severity": finding.severity,
        "file": finding.file,
        "subject": finding.subject,
        "message": finding.message,
    }


def need_json(need: Need) -> dict[str, Any]:
    return {
        "family": need.family,
        "version": need.version,
        "symbol": need.symbol,
        "library": need.library,
        "file": need.file,
    }


def needs_json(needs: Sequence[Need]) -> dict[str, Any]:
    """The ``needs`` field: the GLIBC version needed, and the newest of every other family."""
    glibc = next((n for n in needs if n.family == "GLIBC"), None)
    return {
        "glibc": need_json(glibc) if glibc else None,
        "families": [need_json(n) for n in needs if n.family != "GLIBC"],
    }


def wheel_json(audit: WheelAudit) -> dict[str, Any]:
    """One wheel's verdict as JSON-ready data."""
    return {
        "wheel": audit.wheel,
        "verdict": audit.verdict,
        "architecture": audit.architecture,
        "needs": needs_json(audit.needs),
        "earliest": {
            "tag": audit.earliest_tag,
            "glibc": str(audit.minimal_glibc) if audit.minimal_glibc else None,
            "proposed": audit.earliest_proposed,
            "forced_by": finding_json(audit.forced_by) if audit.forced_by else None,
            "why_none": [finding_json(f) for f in audit.unearnable],
        },
        "best_baseline": audit.best_baseline,
        "claims": [
            {
                "tag": c.tag,
                "source": c.source,
                "manylinux_tag": c.manylinux_tag,
                "earned": c.earned,
                "proposed": c.proposed,
            }
            for c in audit.claims
        ],
        "baselines": [
            {
                "name": b.baseline,
                "tag": b.tag,
                "status": "proposed" if b.proposed else "adopted",
                "satisfied": b.satisfied,
                "blockers": [finding_json(f) for f in b.blockers],
            }
            for b in audit.baselines
        ],
        "files": [
            {
                "path": f.path,
                "architecture": f.architecture,
                "soname": f.facts.soname,
                "needed": [
                    {
                        "name": r.name,
                        "bundled_at": r.bundled_at,
                        "via": r.via,
                        "elsewhere": list(r.elsewhere),
                    }
                    for r in f.facts.libraries
                ],
                "needs": needs_json(f.needs),
                "minimal_glibc": str(f.minimal_glibc) if f.minimal_glibc else None,
                "forced_by": finding_json(f.forced_by) if f.forced_by else None,
                "isa_level": f.facts.isa_level,
                "executable_stack": f.facts.executable_stack,
                "interpreter": f.facts.interpreter,
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


_STATUS = {PASS: "OK", FAIL: "FAIL"}
_PROPOSED = " (proposed baseline)"


def explain(audit: WheelAudit) -> list[str]:
    """Lines that explain a verdict: what the binaries need, the earliest tag and what forces
    it, what blocks the older baselines, and every finding (repeats grouped with a count).
    Text from the wheel is escaped, so each line stays one honest line."""
    lines = [f"{audit.wheel}: {_STATUS.get(audit.verdict, 'NOT JUDGED')}"]
    claimed = sorted({c.tag + _PROPOSED * c.proposed for c in audit.claims if c.earned is not None})
    if claimed:
        lines.append(f"  claims {', '.join(claimed)}")
    if audit.needs:
        lines.append("  needs " + "; ".join(_need_text(n) for n in audit.needs))
    if audit.earliest_tag:
        line = f"  earliest tag {audit.earliest_tag}" + _PROPOSED * audit.earliest_proposed
        if audit.forced_by:
            line += f": glibc {audit.minimal_glibc} is forced by {_where(audit.forced_by)}"
        lines.append(line)
    elif audit.files:
        line = "  earliest tag: none can be carried"
        if audit.unearnable:
            line += f", because of {describe(audit.unearnable, limit=1)}"
        lines.append(line)
    best = next((b for b in audit.baselines if b.baseline == audit.best_baseline), None)
    if best:
        lines.append(f"  best maintained baseline: {best.baseline}" + _PROPOSED * best.proposed)
    lines.extend(_blocked(audit.baselines))
    lines.extend(_grouped(audit.findings))
    return [shown(line) for line in lines]


def _need_text(need: Need) -> str:
    what = "glibc" if need.family == "GLIBC" else need.family
    return f"{what} {need.version} ({need.symbol} in {need.file})"


def _where(finding: Finding) -> str:
    return f"{finding.message} in {finding.file}" if finding.file else finding.message


def _blocked(baselines: Sequence[BaselineVerdict]) -> list[str]:
    """One line per run of older baselines blocked by the same first finding."""
    runs: list[list[BaselineVerdict]] = []
    for verdict in baselines:
        if verdict.satisfied:
            break
        if not verdict.blockers:
            continue
        if runs and runs[-1][0].blockers[0] == verdict.blockers[0]:
            runs[-1].append(verdict)
        else:
            runs.append([verdict])
    lines = []
    for run in runs:
        what = describe(run[-1].blockers, limit=1)
        if len(run) == 1:
            lines.append(f"  {run[0].tag} is blocked by {what}")
        else:
            names = f"{run[0].tag} to {run[-1].tag} ({len(run)} baselines)"
            lines.append(f"  {names} are blocked by {what}")
    return lines


def _grouped(findings: Sequence[Finding]) -> list[str]:
    """One line per distinct finding; the same finding in several files gets a count."""
    files: dict[tuple[str, str, str], list[str | None]] = {}
    for finding in findings:
        files.setdefault((finding.severity, finding.clause, finding.message), []).append(
            finding.file
        )
    lines = []
    for (severity, clause, message), where in files.items():
        line = f"  {severity} [{clause}] {message}"
        named = [w for w in where if w]
        if named:
            line += f" in {named[0]}"
            if len(named) > 1:
                line += f" and {len(named) - 1} more files"
        lines.append(line)
    return lines
