"""The operations a case can ask for, the output each returns, and how output meets expectation.

An adapter answers an operation with a JSON object (its *actual* output). A case's
``expected`` names some of that object's fields: a plain value must be equal, a table is a
matcher: ``null`` (TOML has no null), or over a list ``include``, ``exclude``, ``prefix``,
``order``, ``equals``. Fields the
case does not name are not compared, so a case states only what its clauses decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Operation:
    """One question the suite asks, with the fields of its answer."""

    name: str
    audience: str
    summary: str
    inputs: Mapping[str, str]
    outputs: Mapping[str, str]


OPERATIONS: Mapping[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "tag.parse",
            "installer",
            "Is a platform tag well formed, and what perennial tag does it stand for?",
            {"tag": "the platform tag text"},
            {
                "valid": "true when the string is a platform tag at all",
                "kind": "'perennial', 'legacy', 'linux' or 'other' (another platform), or null",
                "normal": "the normal form (case folded, legacy alias -> twin), or null",
            },
        ),
        Operation(
            "installer.compatible",
            "installer",
            "Does a system (with its _manylinux override) accept one platform tag?",
            {"profile": "system profile name", "override": "override name", "tag": "platform tag"},
            {"compatible": "true or false", "error": "'override' when the override failed"},
        ),
        Operation(
            "installer.tags",
            "installer",
            "The platform tags a system accepts, most preferred first.",
            {"profile": "system profile name", "override": "override name"},
            {"tags": "the ordered list of platform tags", "error": "'override' on failure"},
        ),
        Operation(
            "installer.select",
            "installer",
            "Which of several wheels of one project an installer picks.",
            {
                "profile": "system profile (or target: a platform tag to target)",
                "override": "override name",
                "wheels": "candidate wheel filenames, all of one project and version",
            },
            {"selected": "the chosen filename, or null when none is compatible"},
        ),
        Operation(
            "index.check",
            "index",
            "Does an index accept a platform tag (or a wheel filename) on upload?",
            {"tag": "platform tag", "filename": "wheel filename", "index": "index policy"},
            {
                "accepted": "true or false",
                "reasons": "clause IDs of every rejection, sorted (empty when accepted)",
            },
        ),
        Operation(
            "audit.wheel",
            "auditor",
            "Which tag a wheel's binaries earn, and whether it earns what it claims.",
            {"fixture": "name of a crafted wheel in conformance/fixtures"},
            {
                "verdict": "'pass' (earns every manylinux tag it claims), 'fail', "
                "'not-judged' (claims no manylinux tag) or 'refused' (unreadable input)",
                "baseline": "the best (lowest-glibc) maintained baseline satisfied, as a tag of "
                "the wheel's architecture (manylinux_2_26_x86_64), or null",
                "minimal_glibc": "the glibc X.Y of the earliest manylinux tag the wheel can "
                "carry (audit.minimal-glibc), or null when none can be",
                "glibc_needed": "the newest GLIBC_ version the binaries need from the system, "
                "as written (2.2.5), or null (audit.glibc-needed)",
                "findings": "clause IDs of every finding, sorted: failures, warnings and what "
                "blocks each baseline the wheel does not satisfy",
            },
        ),
    )
}


def mismatches(expected: Mapping[str, Any], actual: Any) -> list[str]:
    """Every way ``actual`` misses ``expected``; empty means the case passes."""
    if not isinstance(actual, Mapping):
        return [f"output is {type(actual).__name__}, not an object"]
    problems: list[str] = []
    for field, want in expected.items():
        if field not in actual:
            problems.append(f"{field}: missing from the output")
            continue
        got = actual[field]
        if isinstance(want, Mapping):
            problems.extend(f"{field}: {p}" for p in _match(want, got))
        elif got != want:
            problems.append(f"{field}: expected {want!r}, got {got!r}")
    return problems


def _match(matcher: Mapping[str, Any], got: Any) -> list[str]:
    problems: list[str] = []
    if matcher.get("null") is True:
        return [] if got is None else [f"expected null, got {got!r}"]
    if "equals" in matcher and got != matcher["equals"]:
        problems.append(f"expected {matcher['equals']!r}, got {got!r}")
    if set(matcher) - {"equals"} and not isinstance(got, Sequence | type(None)):
        return [*problems, f"expected a list, got {got!r}"]
    items = list(got or [])
    missing = [item for item in matcher.get("include", ()) if item not in items]
    if missing:
        problems.append(f"lacks {missing}")
    present = [item for item in matcher.get("exclude", ()) if item in items]
    if present:
        problems.append(f"must not contain {present}")
    prefix = list(matcher.get("prefix", ()))
    if prefix and items[: len(prefix)] != prefix:
        problems.append(f"must start with {prefix}, starts with {items[: len(prefix)]}")
    order = list(matcher.get("order", ()))
    if order:
        positions = [items.index(item) if item in items else -1 for item in order]
        if -1 in positions or positions != sorted(positions):
            problems.append(f"must contain {order} in this order")
    return problems
