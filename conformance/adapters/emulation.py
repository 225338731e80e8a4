"""Shared pieces for adapters that pose as another system: installing the override module.

In-process adapters (packaging, the PEP sample) install the profile's ``_manylinux`` through
an import hook, so ``import _manylinux`` behaves exactly as a real module on ``sys.path``
would: it is found, its body runs (and may raise), or it is absent.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from conformance.systems import Override, override_source


class _OverrideFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``_manylinux`` as the override's source, or reports it missing."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "_manylinux":
            return None
        if self.source is None:
            raise ModuleNotFoundError("No module named '_manylinux'", name="_manylinux")
        return importlib.machinery.ModuleSpec(fullname, self, origin="<override>")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        assert self.source is not None
        exec(compile(self.source, "<_manylinux override>", "exec"), module.__dict__)


@contextmanager
def override_installed(behaviour: Override) -> Iterator[None]:
    """``import _manylinux`` behaves as ``behaviour`` says while the block runs."""
    finder = _OverrideFinder(override_source(behaviour))
    previous = sys.modules.pop("_manylinux", None)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        sys.modules.pop("_manylinux", None)
        if previous is not None:
            sys.modules["_manylinux"] = previous
