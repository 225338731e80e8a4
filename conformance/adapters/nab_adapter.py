"""nab's tag ladder (``nab_provider.tags``), in process, for the targets nab can be told about.

nab never probes a system for its own tag logic: a lock target is declared as a platform id
(``linux_x86_64``, ``linux_aarch64``, ``linux_i686``, ``linux_armv7l``), a libc family and the
libc version it must run on (``runs-on-libc``), and ``TagSet.for_spec`` gives what that target
accepts, in order; ``accepts`` and ``pick`` answer for wheel filenames. So this adapter answers
for what a user can declare as it stands: a target tag ``manylinux_X_Y_ARCH``, or a profile
whose facts are such a declaration (a ``glibc X.Y`` or musl version, its machine's own
interpreter, no ``_manylinux`` to read since nab never runs on the target). Everything else
is skipped with the reason, never guessed: version strings that need detection, legacy
aliases, machines nab has no platform id for, another interpreter on the machine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.adapters.base import (
    Adapter,
    Request,
    Skip,
    cpython_of,
    is_linux_family,
    probe_wheel,
)
from conformance.pins import check_pinned
from conformance.systems import SystemProfile

_TARGET = re.compile(r"manylinux_([0-9]+)_([0-9]+)_(.+)")
_GLIBC = re.compile(r"glibc ([0-9]+)\.([0-9]+)")
_MUSL = re.compile(r"([0-9]+)\.([0-9]+)")


@dataclass(frozen=True)
class Declaration:
    """What a nab user writes for one Linux target."""

    platform_id: str
    libc: str
    runs_on_libc: tuple[int, int]


def declaration(request: Request) -> Declaration:
    """The request's target as nab takes it; :class:`Skip` when nab cannot be told it."""
    if "target" in request.input:
        found = _TARGET.fullmatch(request.input["target"])
        if found is None:
            raise Skip("nab declares a target by glibc version, not by a legacy alias name")
        return _declared(f"linux_{found[3]}", "glibc", (int(found[1]), int(found[2])))
    system = request.system
    assert system is not None
    if not request.override.absent:
        raise Skip("nab resolves for a declared target it never runs on: no _manylinux to read")
    return _declared(f"linux_{system.machine}", system.libc, _libc_version(system))


def _libc_version(system: SystemProfile) -> tuple[int, int]:
    text = system.musl if system.libc == "musl" else system.confstr
    pattern = _MUSL if system.libc == "musl" else _GLIBC
    found = pattern.fullmatch(text or "") if system.libc != "none" else None
    if found is None or system.libc_version is not None:
        raise Skip(
            f"nab takes a declared libc X.Y; {system.libc} {text!r} needs detection, which nab "
            "leaves to packaging's sys_tags on the running host"
        )
    if system.interpreter != f"{system.machine}-interpreter":
        raise Skip(
            f"the interpreter ({system.interpreter}) is not the {system.machine} machine's own: "
            "which platform id to declare is the user's judgement, not nab's"
        )
    return int(found[1]), int(found[2])


def _declared(platform_id: str, libc: str, version: tuple[int, int]) -> Declaration:
    from nab_provider.tags import platform_kind

    if platform_kind(platform_id) != "linux":
        raise Skip(f"nab has no platform id {platform_id}")
    return Declaration(platform_id, libc, version)


class _Named:
    """What ``TagSet.pick`` orders: anything with a ``filename``."""

    def __init__(self, filename: str) -> None:
        self.filename = filename


class NabAdapter(Adapter):
    name = "nab"
    operations = frozenset({"installer.compatible", "installer.tags", "installer.select"})

    def version(self) -> str:
        return check_pinned("nab-provider")

    def answer(self, request: Request) -> Mapping[str, Any]:
        from nab_provider.tags import PlatformSpec, TagSet

        declared = declaration(request)
        spec = PlatformSpec(
            declared.platform_id, libc=declared.libc, runs_on_libc=declared.runs_on_libc
        )
        python = cpython_of(request)
        tags = TagSet.for_spec(python_version="{}.{}".format(*python), spec=spec)
        if request.operation == "installer.tags":
            platforms = dict.fromkeys(tag.platform for tag in tags.ordered)
            return {"tags": [tag for tag in platforms if is_linux_family(tag)]}
        if request.operation == "installer.compatible":
            return {"compatible": tags.accepts(probe_wheel(request.input["tag"], python))}
        chosen = tags.pick(_Named(wheel) for wheel in request.input["wheels"])
        return {"selected": chosen.filename if chosen is not None else None}
