"""Where a needed library comes from once the wheel is installed (audit.needed-resolution).

Only the wheel is searched: ``RPATH``/``RUNPATH`` entries relative to ``$ORIGIN``, then the
wheel's top-level ``*.libs`` directories. Nothing on the auditing machine is consulted. A
library the loader would not find but that the wheel holds elsewhere is remembered, so a
report can say which ``RUNPATH`` would reach it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from reference_impl.record import record


@record(slots=True)
class Resolved:
    """How one needed library of one file was found: bundled at a member, or from the system."""

    name: str
    """The ``DT_NEEDED`` entry, as written."""
    bundled_at: str | None
    """The member the loader would load, or None for a system library."""
    via: str | None = None
    """What found it: ``RPATH $ORIGIN/../x.libs``, ``RUNPATH $ORIGIN`` or ``x.libs`` (the
    ``*.libs`` fallback); None for a system library."""
    elsewhere: tuple[str, ...] = ()
    """For a system library: ELF members of the wheel with that file name, which the loader
    would not find from this file (a missing ``RUNPATH`` entry, most often)."""


@record
class Searchable:
    """The wheel's ELF files as the loader would see them once installed."""

    installed: Mapping[str, str]
    """Installed path -> member name, for every ELF member."""
    libs_dirs: tuple[str, ...]
    """Top-level ``*.libs`` directories holding an ELF file, sorted."""
    by_basename: Mapping[str, tuple[str, ...]]
    """File name -> installed paths of the ELF files with that name."""


def searchable(installed_to_member: Mapping[str, str]) -> Searchable:
    """Index the ELF members (installed path -> member name) for :func:`resolve_needed`."""
    libs_dirs = sorted({p.split("/", 1)[0] for p in installed_to_member if "/" in p} - {""})
    by_basename: dict[str, list[str]] = {}
    for path in sorted(installed_to_member):
        by_basename.setdefault(posixpath.basename(path), []).append(path)
    return Searchable(
        installed_to_member,
        tuple(d for d in libs_dirs if d.endswith(".libs")),
        {name: tuple(paths) for name, paths in by_basename.items()},
    )


def resolve_needed(
    path: str,
    needed: Sequence[str],
    rpath: Sequence[str],
    runpath: Sequence[str],
    wheel: Searchable,
) -> tuple[Resolved, ...]:
    """Find each needed library of the file installed at ``path`` inside the wheel, the way
    the loader would (clause audit.needed-resolution)."""
    origin = posixpath.dirname(path)
    search = [("RPATH", entry) for entry in rpath] if not runpath else []
    search += [("RUNPATH", entry) for entry in runpath]
    out = []
    for name in needed:
        found, via = _find(name, origin, search, wheel)
        if found is not None:
            out.append(Resolved(name, wheel.installed[found], via))
            continue
        others = wheel.by_basename.get(posixpath.basename(name), ()) if "/" not in name else ()
        out.append(Resolved(name, None, None, tuple(wheel.installed[p] for p in others)))
    return tuple(out)


def _find(
    name: str, origin: str, search: Sequence[tuple[str, str]], wheel: Searchable
) -> tuple[str | None, str | None]:
    if "/" in name:
        return None, None  # a path names the installing system's file, not the wheel's
    for kind, entry in search:
        if not (entry.startswith("$ORIGIN") or entry.startswith("${ORIGIN}")):
            continue  # an absolute path names the installing system, not the wheel
        directory = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        candidate = posixpath.normpath(posixpath.join(directory, name))
        if candidate in wheel.installed:
            return candidate, f"{kind} {entry}"
    for libs in wheel.libs_dirs:
        candidate = f"{libs}/{name}"
        if candidate in wheel.installed:
            return candidate, libs
    return None, None


def reaching_runpath(path: str, target: str) -> str:
    """The ``RUNPATH`` entry that would let the file installed at ``path`` find the file
    installed at ``target``: ``$ORIGIN/../lib``."""
    relative = posixpath.relpath(posixpath.dirname(target) or ".", posixpath.dirname(path) or ".")
    return "$ORIGIN" if relative == "." else f"$ORIGIN/{relative}"
