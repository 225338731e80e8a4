"""Where a needed library comes from once the wheel is installed (audit.needed-resolution).

Only the wheel is searched: ``RPATH``/``RUNPATH`` entries relative to ``$ORIGIN``, then the
wheel's top-level ``*.libs`` directories. Nothing on the auditing machine is consulted.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from reference_impl.elf import ElfSummary


@dataclass(frozen=True, slots=True)
class Resolved:
    """How one needed library of one file was found: bundled at a path, or from the system."""

    name: str
    bundled_at: str | None


def resolve_needed(
    path: str, summary: ElfSummary, installed: Mapping[str, str], elf_paths: set[str]
) -> tuple[Resolved, ...]:
    """Find each needed library inside the wheel the way the loader would (clause
    audit.needed-resolution); ``installed`` maps installed paths to member names."""
    origin = posixpath.dirname(path)
    search = (summary.rpath if not summary.runpath else ()) + summary.runpath
    libs_dirs = sorted(
        {p.split("/", 1)[0] for p in elf_paths if "/" in p and p.split("/", 1)[0].endswith(".libs")}
    )
    out = []
    for needed in summary.needed:
        found = None
        if "/" not in needed:
            for entry in search:
                if not (entry.startswith("$ORIGIN") or entry.startswith("${ORIGIN}")):
                    continue  # an absolute path names the installing system, not the wheel
                directory = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
                candidate = posixpath.normpath(posixpath.join(directory, needed))
                if candidate in elf_paths:
                    found = candidate
                    break
            if found is None:
                for libs in libs_dirs:
                    candidate = f"{libs}/{needed}"
                    if candidate in elf_paths:
                        found = candidate
                        break
        out.append(Resolved(needed, installed.get(found, found) if found else None))
    return tuple(out)
