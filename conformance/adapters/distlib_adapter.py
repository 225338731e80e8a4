"""distlib, in process: ``Wheel(filename).is_compatible()`` on a system posing as each profile.

distlib settles what the running interpreter accepts once, when ``distlib.wheel`` is imported
(its module-level ``COMPATIBLE_TAGS``, built from ``platform.libc_ver()`` and
``get_platform()``). So for each request a fresh copy of that module is executed while the
host probes it reads answer as the profile does (``os.confstr`` behind ``platform.libc_ver``,
``os.uname`` behind ``get_platform``, ``sys.executable``) and the profile's ``_manylinux`` is
importable; then its ``Wheel`` is asked about a wheel whose only question is the platform tag.
Systems without glibc are skipped: there ``platform.libc_ver`` scans ``sys.executable`` for
glibc strings, and the crafted stand-in interpreters are glibc-linked, unlike a musl system's.
distlib's tags are an unordered set and it never chooses among wheels, so it answers
``installer.compatible`` only.
"""

from __future__ import annotations

import importlib.util
import types
from collections.abc import Mapping
from typing import Any

from conformance.adapters.base import (
    Adapter,
    AdapterError,
    Request,
    Skip,
    probe_wheel,
    running_cpython,
    skip_if_only_in_working_directory,
)
from conformance.adapters.emulation import host_probes, override_installed
from conformance.pins import check_pinned


def fresh_wheel_module() -> types.ModuleType:
    """A new copy of ``distlib.wheel`` whose import-time probing runs now (not cached in
    ``sys.modules``, so the real module is untouched)."""
    import distlib.wheel  # the package and the modules it imports relatively

    spec = importlib.util.find_spec(distlib.wheel.__name__)
    if spec is None or spec.loader is None:
        raise AdapterError("distlib: cannot find distlib.wheel to load it afresh")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DistlibAdapter(Adapter):
    name = "distlib"
    operations = frozenset({"installer.compatible"})

    def version(self) -> str:
        return check_pinned("distlib")

    def answer(self, request: Request) -> Mapping[str, Any]:
        if request.system is None:
            raise Skip("distlib only describes the running system")
        if request.system.libc != "glibc":
            raise Skip(
                "without glibc's confstr distlib scans the interpreter binary for glibc strings; "
                "the profiles' stand-in interpreters are glibc-linked headers, not the system's"
            )
        skip_if_only_in_working_directory(request)
        python = running_cpython(request)
        with host_probes(request.system), override_installed(request.override):
            wheel = fresh_wheel_module()
        filename = probe_wheel(request.input["tag"], python)
        try:
            candidate = wheel.Wheel(filename)
        except wheel.DistlibException as error:  # not a wheel name to distlib: never installed
            return {"compatible": False, "reason": str(error)}
        return {"compatible": bool(candidate.is_compatible())}
