"""Which code a census row's verdict comes from, so a review trusts a stored verdict only
from the code that would judge it now.

A row's outcome is what :func:`reference_impl.audit.judge_outcome` makes of its facts, read
back by :mod:`reference_impl.census.rows`. Those two modules and every module of this
package they import (at any depth, inside functions too) are all the code that runs to
judge facts: they are found by reading their ``import`` statements, so a module added to
the judgement is covered without a list kept by hand. A change to any other module (the
command line, the census's scheduling, the installer's tag logic) leaves stored verdicts
valid; a change to any of these, even one that changes no verdict, makes them judged again.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "reference_impl"
ROOTS = ("reference_impl.audit", "reference_impl.census.rows")
"""The modules whose functions judge facts and read them back from census rows."""
_CODE = Path(__file__).resolve().parent.parent
"""The package folder."""


@functools.cache
def judge_digest() -> str:
    """The digest of the judging modules (:func:`judge_modules`)."""
    return files_digest(judge_modules(), _CODE)


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """SHA-256 of ``paths`` in the order given, each its name relative to ``root`` and its
    bytes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def judge_modules() -> list[Path]:
    """The source files of :data:`ROOTS` and of every package module they import, with the
    packages they sit in (whose ``__init__`` runs on import), sorted."""
    found: dict[str, Path] = {}
    waiting = list(ROOTS)
    while waiting:
        name = waiting.pop()
        path = _source(name)
        if name in found or path is None:
            continue  # a name imported from a module, not a module
        found[name] = path
        parts = name.split(".")
        waiting.extend(".".join(parts[:end]) for end in range(1, len(parts)))
        waiting.extend(_imported(name, path))
    return sorted(found.values())


def _source(name: str) -> Path | None:
    """The file of the package module ``name``, or None if it names no module."""
    relative = _CODE.joinpath(*name.split(".")[1:])
    for path in (relative / "__init__.py", relative.with_suffix(".py")):
        if path.is_file():
            return path
    return None


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
    r"|import[ \t]+([^\n]*))",
    re.MULTILINE,
)
"""An import statement: ``from`` its module (dots for a relative one) and its names, or
``import`` its modules. A line of a docstring that reads like one adds a module: the digest
then covers more, never less. (Parsing each module with :mod:`ast` took a tenth of a
second, for every review.)"""


def _imported(name: str, path: Path) -> list[str]:
    """The package names that module ``name`` (at ``path``) imports, and for ``from X import
    Y`` also ``X.Y`` (Y may be a module)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    names: list[str] = []
    for found in _IMPORT.finditer(path.read_text(encoding="utf-8")):
        source, listed, plain = found.groups()
        if plain is not None:
            modules = [part.split()[0] for part in plain.split("#")[0].split(",") if part.strip()]
            names.extend(m for m in modules if m.split(".")[0] == PACKAGE)
            continue
        dots = len(source) - len(source.lstrip("."))
        parent = package[: len(package) - dots + 1] if dots else []
        module = ".".join([*parent, *([source[dots:]] if source[dots:] else [])])
        if module.split(".")[0] == PACKAGE:
            names.append(module)
            listed = listed.split("#")[0] if not listed.startswith("(") else listed
            for part in listed.strip("()").replace("\n", ",").split(","):
                words = part.split("#")[0].split()
                if words:
                    names.append(f"{module}.{words[0]}")
    return names
