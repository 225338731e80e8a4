"""packaging, in process, posing as each system profile.

packaging reads the system through ``os.confstr``, ctypes' ``gnu_get_libc_version``,
``sysconfig.get_platform()``, the ELF header of ``sys.executable``, the musl loader and
``import _manylinux``; each is replaced for the duration of one request, and packaging's
``lru_cache``\\ s are cleared before and after so no answer leaks into the next. The tags are
those of ``packaging.tags._linux_platforms``, the generator ``sys_tags`` uses on Linux.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from conformance.adapters.base import (
    Adapter,
    Request,
    Skip,
    cpython_of,
    is_linux_family,
    skip_if_only_in_working_directory,
)
from conformance.adapters.emulation import host_probes, override_installed
from conformance.pins import check_pinned
from conformance.systems import SystemProfile


def _clear_caches() -> None:
    from packaging import _manylinux, _musllinux

    _manylinux._get_glibc_version.cache_clear()
    _manylinux._get_manylinux_module.cache_clear()
    _musllinux._get_musl_version.cache_clear()


@contextmanager
def posing_as(system: SystemProfile) -> Iterator[None]:
    """packaging sees ``system`` instead of this machine while the block runs."""
    from packaging import _manylinux, _musllinux

    def musl_version(executable: str) -> Any:
        if system.libc != "musl" or not system.musl:
            return None
        major, minor = system.musl.split(".")[:2]
        return _musllinux._MuslVersion(int(major), int(minor))

    with ExitStack() as stack:
        _clear_caches()
        stack.callback(_clear_caches)
        stack.enter_context(host_probes(system))
        stack.enter_context(
            mock.patch.object(_manylinux, "_glibc_version_string_ctypes", lambda: system.glibc_text)
        )
        stack.enter_context(mock.patch.object(_musllinux, "_get_musl_version", musl_version))
        yield


def platforms(request: Request) -> list[str]:
    """packaging's platform tags for the request's system and override, in its order."""
    from packaging import tags

    assert request.system is not None
    with (
        posing_as(request.system),
        override_installed(request.override),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)  # packaging warns on "glibc 2"
        return list(tags._linux_platforms(is_32bit=request.system.bits == 32))


class PackagingAdapter(Adapter):
    name = "packaging"
    operations = frozenset({"installer.compatible", "installer.tags", "installer.select"})

    def version(self) -> str:
        return check_pinned("packaging")

    def answer(self, request: Request) -> Mapping[str, Any]:
        if request.system is None:
            raise Skip("packaging has no notion of a target platform other than the running one")
        skip_if_only_in_working_directory(request)
        try:
            accepted = platforms(request)
        except Exception as error:  # packaging lets the override's exception escape
            return {"error": "override", "message": f"{type(error).__name__}: {error}"}
        if request.operation == "installer.tags":
            return {"tags": [tag for tag in accepted if is_linux_family(tag)]}
        if request.operation == "installer.compatible":
            from packaging.tags import Tag

            return {"compatible": Tag("py3", "none", request.input["tag"]).platform in accepted}
        return {"selected": select(request.input["wheels"], accepted, cpython_of(request))}


def select(wheels: list[str], accepted: list[str], python: tuple[int, int]) -> str | None:
    """The wheel whose best tag comes first in ``sys_tags`` order, then the higher build."""
    from packaging import tags
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    supported = [
        *tags.cpython_tags(python, platforms=accepted),
        *tags.compatible_tags(python, "cp{}{}".format(*python), accepted),
    ]
    rank = {tag: index for index, tag in reversed(list(enumerate(supported)))}
    best: tuple[int, tuple[int], str] | None = None
    for wheel in wheels:
        try:
            _, _, build, wheel_tags = parse_wheel_filename(wheel)
        except InvalidWheelFilename:
            continue
        places = [rank[tag] for tag in wheel_tags if tag in rank]
        if not places:
            continue
        key = (min(places), (-build[0],) if build else (1,), wheel)
        if best is None or key < best:
            best = key
    return best[2] if best else None
