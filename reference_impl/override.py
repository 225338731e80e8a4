"""The ``_manylinux`` override (``spec/overrides.md``) as an object the installer is given.

Any object with optional attributes will do (a module, a ``SimpleNamespace``), so each rule
is testable without installing a module. :func:`load_override` and :func:`find_override`
import a real module and turn whatever it raises into an :class:`OverrideError` naming it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reference_impl.errors import OverrideError
from reference_impl.policy import GlibcVersion, PolicySet, default_policies

MODULE_NAME = "_manylinux"
FUNCTION = "manylinux_compatible"


def legacy_attributes(policies: PolicySet | None = None) -> Mapping[GlibcVersion, str]:
    """glibc version -> legacy attribute name, from the data's alias names
    (``manylinux2014`` at 2.17 -> ``manylinux2014_compatible``)."""
    aliases = (policies or default_policies()).legacy_aliases.values()
    return {alias.glibc: f"{alias.name}_compatible" for alias in aliases}


@dataclass(frozen=True)
class Override:
    """An override object and the name errors call it by."""

    target: object
    source: str = MODULE_NAME

    def allows(self, glibc: GlibcVersion, arch: str, policies: PolicySet | None = None) -> bool:
        """Whether the override keeps a tag the system already accepts.

        Clauses installer.override.call, .truthy, .none-means-default, .precedence,
        .legacy-attributes, .legacy-exact; any failure is an :class:`OverrideError`
        (installer.override.error).
        """
        if hasattr(self.target, FUNCTION):
            function = getattr(self.target, FUNCTION)
            if not callable(function):
                raise OverrideError(self.source, f"{FUNCTION} is not callable")
            call = f"{FUNCTION}({glibc.major}, {glibc.minor}, {arch!r})"
            try:
                answer = function(glibc.major, glibc.minor, arch)
            except Exception as error:  # the override's own bug, reported as its failure
                raise OverrideError(self.source, f"{call} raised {_describe(error)}") from None
            return True if answer is None else self._truth(answer, call)
        attribute = legacy_attributes(policies).get(glibc)
        if attribute is None or not hasattr(self.target, attribute):
            return True
        return self._truth(getattr(self.target, attribute), attribute)

    def _truth(self, value: object, what: str) -> bool:
        try:
            return bool(value)
        except Exception as error:  # a __bool__ that raises is the override misbehaving
            raise OverrideError(
                self.source, f"the truth value of {what} raised {_describe(error)}"
            ) from None


def load_override(path: Path) -> Override:
    """Import ``_manylinux`` from a file (or a directory holding ``_manylinux.py``)."""
    file = path / f"{MODULE_NAME}.py" if path.is_dir() else path
    source = f"{MODULE_NAME} ({file})"
    if not file.is_file():
        raise OverrideError(source, "no such file")
    spec = importlib.util.spec_from_file_location(MODULE_NAME, file)
    if spec is None or spec.loader is None:
        raise OverrideError(source, "cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # whatever the module raises on import is its failure
        raise OverrideError(source, f"raised {_describe(error)} on import") from None
    return Override(module, source)


def find_override(
    search_path: Sequence[str] | None = None, cwd: Path | None = None
) -> Override | None:
    """The ``_manylinux`` an interpreter would import, or None if there is none.

    The search is ``search_path`` (the running interpreter's ``sys.path`` by default) without
    the working directory ``cwd`` (the current one by default) or the empty entry meaning it
    (clause installer.override.module), so the answer does not depend on where a command is
    typed. Both are parameters so that a caller, such as the conformance suite, can ask for
    an interpreter laid out elsewhere.
    """
    here = (cwd or Path.cwd()).resolve()
    entries = sys.path if search_path is None else search_path
    paths = [entry for entry in entries if entry and Path(entry).resolve() != here]
    try:
        spec = importlib.machinery.PathFinder.find_spec(MODULE_NAME, paths)
    except Exception as error:  # a broken path entry is reported, not ignored
        raise OverrideError(MODULE_NAME, f"cannot be looked up: {_describe(error)}") from None
    if spec is None or spec.origin is None:
        return None
    return load_override(Path(spec.origin))


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if len(text) > 120:
        text = text[:120] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
