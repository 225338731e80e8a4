"""Shared pieces for adapters that pose as another system: the host probes and the override.

In-process adapters (packaging, distlib, dep-logic, the PEP sample) see the profile's facts
through the standard library's own probes, replaced while one request runs; and they get the
profile's ``_manylinux`` through an import hook, so ``import _manylinux`` behaves exactly as a
real module on ``sys.path`` would: it is found, its body runs (and may raise), or it is absent.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import sysconfig
import types
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from unittest import mock

from conformance.systems import Override, SystemProfile, override_source


@contextmanager
def host_probes(system: SystemProfile) -> Iterator[None]:
    """The standard library's host probes report ``system`` while the block runs.

    ``os.confstr("CS_GNU_LIBC_VERSION")`` gives the profile's raw text (and fails without
    glibc, as on musl), ``os.uname()`` and ``sysconfig.get_platform()`` name its machine, and
    ``sys.executable`` is its stand-in interpreter, whose ELF header some tools read.
    """
    real_confstr = os.confstr
    real_uname = os.uname

    def confstr(name: str | int) -> str | None:
        if name != "CS_GNU_LIBC_VERSION":
            return real_confstr(name)
        if system.libc != "glibc":
            raise ValueError("unrecognized configuration name")
        return system.confstr

    def uname() -> os.uname_result:
        return os.uname_result((*real_uname()[:4], system.machine))

    executable = str(system.interpreter_path or "/nonexistent/python")
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(os, "confstr", confstr))
        stack.enter_context(mock.patch.object(os, "uname", uname))
        stack.enter_context(mock.patch.object(sysconfig, "get_platform", lambda: system.platform))
        stack.enter_context(mock.patch.object(sys, "executable", executable))
        yield


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
