"""dep-logic (PDM's tag logic), in process.

For a system profile the environment is ``EnvSpec.current()``: dep-logic reads the platform
from ``sysconfig.get_platform()`` and the glibc or musl version through packaging's probes,
which are made to report the profile (the packaging adapter's ``posing_as``; dep-logic
depends on that packaging). For a target it is ``EnvSpec.from_spec(">=3.11", TARGET,
"cpython")``, the form ``pdm lock --platform`` declares, with the target tag passed through
untouched. A wheel is compatible when ``wheel_compatibility(filename)`` is not None; the
chosen wheel is the one with the highest compatibility (dep-logic's own tests sort by it);
the tags are ``Platform.compatible_tags`` in dep-logic's order. Wheels it ranks equal are
not chosen between here: dep-logic has no tie-break of its own (build tags are its caller's).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from conformance.adapters.base import (
    Adapter,
    Request,
    Skip,
    cpython_of,
    is_linux_family,
    probe_wheel,
    running_cpython,
    skip_if_only_in_working_directory,
)
from conformance.adapters.emulation import override_installed
from conformance.adapters.packaging_adapter import posing_as
from conformance.pins import check_pinned


def environment(request: Request) -> tuple[Any, tuple[int, int]]:
    """dep-logic's ``EnvSpec`` for the request's target or emulated running system, and the
    CPython it describes."""
    from dep_logic.tags import EnvSpec

    if "target" in request.input:
        python = cpython_of(request)
        spec = EnvSpec.from_spec(">={}.{}".format(*python), request.input["target"], "cpython")
        return spec, python
    assert request.system is not None
    skip_if_only_in_working_directory(request)
    python = running_cpython(request)
    with (
        posing_as(request.system),
        override_installed(request.override),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)  # packaging warns on "glibc 2"
        return EnvSpec.current(), python


class DepLogicAdapter(Adapter):
    name = "dep-logic"
    operations = frozenset({"installer.compatible", "installer.tags", "installer.select"})

    def version(self) -> str:
        return check_pinned("dep-logic")

    def answer(self, request: Request) -> Mapping[str, Any]:
        env, python = environment(request)
        if request.operation == "installer.tags":
            tags = env.platform.compatible_tags if env.platform is not None else []
            return {"tags": [tag for tag in tags if is_linux_family(tag)]}
        if request.operation == "installer.compatible":
            rank = _compatibility(env, probe_wheel(request.input["tag"], python))
            return {"compatible": rank is not None}
        ranks = {wheel: _compatibility(env, wheel) for wheel in request.input["wheels"]}
        best = max((rank for rank in ranks.values() if rank is not None), default=None)
        chosen = [wheel for wheel, rank in ranks.items() if best is not None and rank == best]
        if len(chosen) > 1:
            raise Skip("dep-logic ranks these wheels equal; breaking the tie is its caller's")
        return {"selected": chosen[0] if chosen else None}


def _compatibility(env: Any, filename: str) -> Any:
    """``wheel_compatibility``, with a filename dep-logic cannot read counted as incompatible."""
    from dep_logic.tags.tags import InvalidWheelFilename

    try:
        return env.wheel_compatibility(filename)
    except InvalidWheelFilename:
        return None
