"""Divergence files: ``conformance/divergences/<impl>.toml``, the known disagreements of a tool.

::

    [divergences."installer.override.per-tag-upto-2-17"]
    reason = "uv asks the override once, about the system's own glibc"
    link = "https://github.com/astral-sh/uv/pull/6039"

    [[patterns]]            # categories of divergence, for the differential explorer
    name = "allow-list"
    reason = "packaging keeps its own list of architectures"
    link = "https://..."
    when = { operation = "installer.compatible", arch_not_in = ["x86_64", "..."] }

The files are strict: an entry that names no case, or whose case now agrees, fails the run.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIVERGENCES_DIR = Path(__file__).resolve().parent / "divergences"


class DivergenceError(Exception):
    """A divergence file is malformed (names the file and the entry)."""


@dataclass(frozen=True)
class Divergence:
    """Why one case's answer differs from the spec's, and where upstream tracks it."""

    case_id: str
    reason: str
    link: str | None


@dataclass(frozen=True)
class Pattern:
    """A category of known divergence, as a predicate over explored inputs."""

    name: str
    reason: str
    link: str | None
    when: Mapping[str, Any]


@dataclass(frozen=True)
class DivergenceFile:
    implementation: str
    entries: Mapping[str, Divergence] = field(default_factory=dict)
    patterns: tuple[Pattern, ...] = ()


def load_divergences(implementation: str, directory: Path = DIVERGENCES_DIR) -> DivergenceFile:
    """The divergence file of one implementation (none: no known divergences)."""
    path = directory / f"{implementation}.toml"
    if not path.exists():
        return DivergenceFile(implementation)
    return read_divergence_file(path, implementation)


def read_divergence_file(path: Path, implementation: str) -> DivergenceFile:
    """One divergence file by path (an external tool's, named on the command line)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DivergenceError(f"{path}: cannot read: {error}") from None
    unknown = set(data) - {"divergences", "patterns"}
    if unknown:
        raise DivergenceError(f"{path}: unknown top-level keys {sorted(unknown)}")
    entries = {}
    for case_id, entry in data.get("divergences", {}).items():
        if not isinstance(entry, dict) or not str(entry.get("reason", "")).strip():
            raise DivergenceError(f"{path}: divergence {case_id} needs a reason")
        extra = set(entry) - {"reason", "link"}
        if extra:
            raise DivergenceError(f"{path}: divergence {case_id}: unknown keys {sorted(extra)}")
        entries[case_id] = Divergence(case_id, " ".join(entry["reason"].split()), entry.get("link"))
    patterns = []
    for entry in data.get("patterns", []):
        for key in ("name", "reason", "when"):
            if key not in entry:
                raise DivergenceError(f"{path}: a pattern lacks {key!r}")
        patterns.append(
            Pattern(
                entry["name"], " ".join(entry["reason"].split()), entry.get("link"), entry["when"]
            )
        )
    return DivergenceFile(implementation, entries, tuple(patterns))
