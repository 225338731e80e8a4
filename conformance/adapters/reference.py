"""The reference implementation (``reference_impl``), in process.

Systems are built with ``reference_impl.system.detect`` given the profile's probes (confstr
text, ``sysconfig`` platform, the stand-in interpreter, pointer size), so the reference's own
detection rules are exercised; a target is ``TargetSystem.from_tag``. The override is the
profile's ``_manylinux.py``, placed where the profile says and looked up by
``reference_impl.override.find_override`` as an interpreter started there would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.adapters.base import Adapter, Request, cpython_of
from conformance.systems import OVERRIDE_LOCATIONS, override_source
from conformance.systems import Override as OverrideBehaviour


def python_pairs(version: tuple[int, int]) -> tuple[tuple[str, str], ...]:
    """What a CPython supports, most specific first (abi3 and py3 included)."""
    cp = "cp{}{}".format(*version)
    return ((cp, cp), (cp, "abi3"), (cp, "none"), ("py3", "none"))


class ReferenceAdapter(Adapter):
    name = "reference"
    operations = frozenset(
        {
            "tag.parse",
            "installer.compatible",
            "installer.tags",
            "installer.select",
            "index.check",
            "audit.wheel",
        }
    )

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="perennial-reference-")
        self._overrides: dict[str, Path] = {}

    def close(self) -> None:
        self._tmp.cleanup()

    def version(self) -> str:
        from reference_impl import __version__

        return __version__

    def answer(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.errors import OverrideError

        handler = getattr(self, "_" + request.operation.replace(".", "_"))
        try:
            result: Mapping[str, Any] = handler(request)
        except OverrideError as error:
            result = {"error": "override", "message": str(error)}
        return self._without_scratch(result)

    def _without_scratch(self, value: Any) -> Any:
        """The output with this run's scratch directory named ``<scratch>``, so that the
        committed results do not change from one run to the next."""
        if isinstance(value, str):
            return value.replace(self._tmp.name, "<scratch>")
        if isinstance(value, Mapping):
            return {key: self._without_scratch(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._without_scratch(item) for item in value]
        return value

    # -- tags and indexes ------------------------------------------------------------------

    def _tag_parse(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.errors import TagError
        from reference_impl.tags import normalise, parse_platform_tag

        try:
            tag = parse_platform_tag(request.input["tag"])
        except TagError:
            return {"valid": False, "kind": None, "normal": None}
        kind = {"linux": "linux", "other": "other"}.get(tag.kind, "perennial")
        if tag.alias is not None:
            kind = "legacy"
        return {"valid": True, "kind": kind, "normal": normalise(tag).text}

    def _index_check(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.index import IndexPolicy, check_upload
        from reference_impl.policy import GlibcVersion

        options = dict(request.input.get("index", {}))
        for key in ("known_architectures", "linux_architectures"):
            if key in options:
                options[key] = frozenset(options[key])
        if "max_glibc" in options:
            options["max_glibc"] = GlibcVersion.parse(options["max_glibc"])
        subject = request.input.get("filename") or request.input["tag"]
        verdict = check_upload(subject, IndexPolicy(**options))
        reasons = sorted({rejection.clause for rejection in verdict.rejections})
        return {"accepted": verdict.accepted, "reasons": reasons}

    # -- installers ------------------------------------------------------------------------

    def _system(self, request: Request) -> Any:
        from reference_impl.system import TargetSystem, detect
        from reference_impl.tags import parse_platform_tag

        if "target" in request.input:
            return TargetSystem.from_tag(parse_platform_tag(request.input["target"]))
        profile = request.system
        assert profile is not None
        confstr = profile.confstr if profile.libc == "glibc" else None
        ctypes_text = profile.glibc_text
        return detect(
            confstr=lambda name: confstr,
            ctypes_probe=lambda: ctypes_text,
            platform=profile.platform,
            executable=str(profile.interpreter_path or "/nonexistent/python"),
            pointer_bits=profile.bits,
        )

    def _override(self, behaviour: OverrideBehaviour, system: Any) -> Any:
        """The override the reference finds for the profile; none for a target system.

        The profile's ``_manylinux.py`` is written into one of three directories standing in
        for the interpreter's working directory, ``PYTHONPATH`` and site-packages, and
        ``find_override`` searches them as that interpreter's ``sys.path`` (the working
        directory first, as ``python -c`` puts it there).
        """
        from reference_impl.override import find_override

        source = override_source(behaviour)
        if source is None or not system.native:
            return None
        if behaviour.name not in self._overrides:
            root = Path(self._tmp.name) / behaviour.name
            for location in OVERRIDE_LOCATIONS:
                (root / location).mkdir(parents=True)
            (root / behaviour.location / "_manylinux.py").write_text(source)
            self._overrides[behaviour.name] = root
        root = self._overrides[behaviour.name]
        search = [str(root / location) for location in ("cwd", "pythonpath", "site-packages")]
        return find_override(search, cwd=root / "cwd")

    def _installer_compatible(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.errors import TagError
        from reference_impl.installer import check
        from reference_impl.tags import parse_platform_tag

        system = self._system(request)
        override = self._override(request.override, system)
        try:
            tag = parse_platform_tag(request.input["tag"])
        except TagError as error:
            return {"compatible": False, "reason": error.problem}
        verdict = check(tag, system, override=override)
        return {"compatible": verdict.compatible, "reason": f"{verdict.reason} ({verdict.clause})"}

    def _installer_tags(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.installer import platform_tags

        system = self._system(request)
        override = self._override(request.override, system)
        return {"tags": [tag.text for tag in platform_tags(system, override=override)]}

    def _installer_select(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.installer import select

        system = self._system(request)
        override = self._override(request.override, system)
        pairs = python_pairs(cpython_of(request))
        chosen = select(list(request.input["wheels"]), system, supported=pairs, override=override)
        return {"selected": chosen.best.filename if chosen.best else None}

    # -- auditors --------------------------------------------------------------------------

    def _audit_wheel(self, request: Request) -> Mapping[str, Any]:
        from reference_impl.audit import audit_wheel
        from reference_impl.errors import PerennialError

        assert request.fixture is not None
        try:
            audit = audit_wheel(request.fixture)
        except PerennialError as error:
            return {
                "verdict": "refused",
                "baseline": None,
                "minimal_glibc": None,
                "glibc_needed": None,
                "findings": [],
                "message": error.problem,
            }
        baseline = None
        if audit.best_baseline is not None and audit.architecture is not None:
            baseline = f"{audit.best_baseline}_{audit.architecture}"
        return {
            "verdict": audit.verdict,
            "baseline": baseline,
            "minimal_glibc": str(audit.minimal_glibc) if audit.minimal_glibc else None,
            "glibc_needed": audit.glibc_needed.version if audit.glibc_needed else None,
            "findings": sorted(
                {finding.clause for finding in audit.findings}
                | {b.clause for verdict in audit.baselines for b in verdict.blockers}
            ),
        }
