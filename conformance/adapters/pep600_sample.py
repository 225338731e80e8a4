"""PEP 600's published sample logic, as an implementation of its own.

Written from the behaviour described in research/implementations.md section 1.1 (not copied):
normalise a legacy alias; ``re.match`` the perennial pattern and read the numbers with
``int()`` (so leading zeros pass); refuse without glibc, when the system's (major, minor) is
lower, or when the architecture differs; only then ask ``_manylinux``. A non-None
``manylinux_compatible`` result goes through ``bool()``; None means True *without* reading the
legacy attributes; without the function only ``manylinux1_compatible`` (2.5) and
``manylinux2010_compatible`` (2.12) are read -- the sample never reads
``manylinux2014_compatible``, although the PEP's prose requires it. The index check uses the
PEP's four recommended expressions.

The alias table is the policy data's (the spec says they are exactly PEP 600's eleven), read
through ``reference_impl.policy``, the data API; none of the reference's logic is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from conformance.adapters.base import Adapter, Request, Skip, skip_if_only_in_working_directory
from conformance.systems import override_module

_PERENNIAL = re.compile("manylinux_([0-9]+)_([0-9]+)_(.*)")
_INDEX_PATTERNS = (
    re.compile("manylinux1_(x86_64|i686)"),
    re.compile("manylinux2010_(x86_64|i686)"),
    re.compile("manylinux2014_(x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x)"),
    re.compile("manylinux_[0-9]+_[0-9]+_(.*)"),
)
_GLIBC_PREFIX = re.compile(r"(?P<major>[0-9]+)\.(?P<minor>[0-9]+)")


@cache
def _aliases() -> Mapping[str, str]:
    from reference_impl.policy import default_policies

    return {
        tag: f"manylinux_{alias.glibc.major}_{alias.glibc.minor}_{alias.arch}"
        for tag, alias in default_policies().legacy_aliases.items()
    }


class PEP600SampleAdapter(Adapter):
    name = "pep600-sample"
    operations = frozenset({"tag.parse", "installer.compatible", "index.check"})
    unsupported_fields = frozenset({"reasons"})

    def version(self) -> str:
        return "final (python/peps ba4deeb)"

    def answer(self, request: Request) -> Mapping[str, Any]:
        if request.operation == "tag.parse":
            return self._parse(request.input["tag"])
        if request.operation == "index.check":
            return self._index(request.input)
        return self._compatible(request)

    def _parse(self, tag: str) -> Mapping[str, Any]:
        if not tag.startswith("manylinux"):
            raise Skip("the PEP's sample only reads tags that start with 'manylinux'")
        normal = _aliases().get(tag, tag)
        match = _PERENNIAL.match(normal)
        if not match:
            return {"valid": False, "kind": None, "normal": None}
        major, minor, arch = int(match[1]), int(match[2]), match[3]
        kind = "legacy" if tag in _aliases() else "perennial"
        return {"valid": True, "kind": kind, "normal": f"manylinux_{major}_{minor}_{arch}"}

    def _index(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        if data.get("index"):
            raise Skip("the PEP's recommended expressions take no index policy")
        if "filename" in data:
            stem = data["filename"].removesuffix(".whl")
            tags = stem.rsplit("-", 1)[-1].split(".")
        else:
            tags = [data["tag"]]
        if not all(tag.startswith("manylinux") for tag in tags):
            raise Skip("the PEP's expressions judge only tags that start with 'manylinux'")
        accepted = all(any(p.fullmatch(tag) for p in _INDEX_PATTERNS) for tag in tags)
        return {"accepted": accepted}

    def _compatible(self, request: Request) -> Mapping[str, Any]:
        system = request.system
        if system is None:
            raise Skip("the sample function only describes the running system")
        skip_if_only_in_working_directory(request)
        if not request.input["tag"].lower().startswith("manylinux"):
            raise Skip("the sample function only answers for manylinux tags")
        tag = _aliases().get(request.input["tag"], request.input["tag"])
        match = _PERENNIAL.match(tag)
        if not match:
            return {"compatible": False}
        tag_major, tag_minor, tag_arch = int(match[1]), int(match[2]), match[3]
        glibc = _GLIBC_PREFIX.match(system.glibc_text or "")
        if system.libc != "glibc" or glibc is None:
            return {"compatible": False}
        if (int(glibc["major"]), int(glibc["minor"])) < (tag_major, tag_minor):
            return {"compatible": False}
        if system.machine != tag_arch:
            return {"compatible": False}
        try:
            module = override_module(request.override)
            if module is None:
                return {"compatible": True}
            if hasattr(module, "manylinux_compatible"):
                result = module.manylinux_compatible(tag_major, tag_minor, tag_arch)
                if result is not None:
                    return {"compatible": bool(result)}
            else:
                legacy = {(2, 5): "manylinux1_compatible", (2, 12): "manylinux2010_compatible"}
                attribute = legacy.get((tag_major, tag_minor))
                if attribute and hasattr(module, attribute):
                    return {"compatible": bool(getattr(module, attribute))}
        except Exception as error:  # the sample lets the override's exception escape
            return {"error": "override", "message": f"{type(error).__name__}: {error}"}
        return {"compatible": True}
