"""System profiles and ``_manylinux`` override behaviours, read from ``conformance/profiles/``.

A :class:`SystemProfile` records what probes on a machine report (the raw glibc string, the
machine, the interpreter's pointer size and ELF header); an :class:`Override` describes a
``_manylinux`` module, and :func:`override_source` writes it as real Python source so every
adapter installs the same module where its tool looks for it.
"""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


class ProfileError(Exception):
    """A profile or override is malformed or unknown (names the file and the entry)."""


@dataclass(frozen=True)
class SystemProfile:
    """The observable facts of one system."""

    name: str
    description: str
    libc: str
    machine: str
    bits: int
    confstr: str | None = None
    musl: str | None = None
    interpreter: str | None = None
    libc_version: str | None = None
    """What ``gnu_get_libc_version()`` returns, when it differs from the confstr text."""
    python: str | None = None
    """The interpreter as a PEP 425 interpreter tag (``cp311``: CPython 3.11), when a case's
    answer depends on it; a case whose wheels carry interpreter-specific tags names a profile
    that says. It reaches protocol servers as part of the request's ``system``."""

    @property
    def cpython(self) -> tuple[int, int] | None:
        """The CPython version the profile names (``cp311`` -> (3, 11)), or None."""
        match = _CPYTHON_TAG.fullmatch(self.python or "")
        return (int(match[1]), int(match[2])) if match else None

    @property
    def interpreter_path(self) -> Path | None:
        """The crafted stand-in for ``sys.executable``, if the profile names one."""
        return FIXTURES_DIR / "elf" / self.interpreter if self.interpreter else None

    @property
    def glibc_text(self) -> str | None:
        """The version part of the confstr text ("2.17-centos"), or None without glibc."""
        if self.libc != "glibc":
            return None
        if self.libc_version is not None:
            return self.libc_version
        if self.confstr is None:
            return None
        parts = self.confstr.split(" ", 1)
        return parts[1] if len(parts) == 2 else None

    @property
    def platform(self) -> str:
        """What ``sysconfig.get_platform()`` returns on this system."""
        return f"linux-{self.machine}"


@dataclass(frozen=True)
class Override:
    """A ``_manylinux`` module's behaviour (see ``profiles/overrides.toml``)."""

    name: str
    description: str = ""
    absent: bool = False
    location: str = "site-packages"
    import_raises: str | None = None
    legacy: Mapping[str, bool] = field(default_factory=dict)
    function: Mapping[str, Any] | None = None


OVERRIDE_LOCATIONS = ("site-packages", "pythonpath", "cwd")
"""Where a profile's ``_manylinux.py`` sits: the interpreter's site-packages, a directory
only on ``PYTHONPATH``, or only the working directory the tool is started in."""

ABSENT = Override("absent", "No _manylinux module at all", absent=True)
_LEGACY_ATTRIBUTES = (
    "manylinux1_compatible",
    "manylinux2010_compatible",
    "manylinux2014_compatible",
)
_SYSTEM_KEYS = {
    "description", "libc", "confstr", "musl", "machine", "bits", "interpreter", "libc_version",
    "python",
}  # fmt: skip
_CPYTHON_TAG = re.compile(r"cp(3)([0-9]{1,2})")
_OVERRIDE_KEYS = {"description", "absent", "location", "import_raises", "manylinux_compatible"}
_FUNCTION_KEYS = {"returns", "at_most", "false_for", "false_for_arch", "otherwise", "raises"}


def _read(path: Path, table: str) -> Mapping[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(f"{path}: cannot read: {error}") from None
    entries: Mapping[str, Any] = data.get(table, {})
    return entries


@cache
def load_systems(directory: Path = PROFILES_DIR) -> Mapping[str, SystemProfile]:
    """Every system profile by name."""
    path = directory / "systems.toml"
    systems = {}
    for name, entry in _read(path, "systems").items():
        unknown = set(entry) - _SYSTEM_KEYS
        if unknown:
            raise ProfileError(f"{path}: system {name}: unknown keys {sorted(unknown)}")
        if entry.get("libc") not in ("glibc", "musl", "none"):
            raise ProfileError(f"{path}: system {name}: libc must be glibc, musl or none")
        if "python" in entry and not _CPYTHON_TAG.fullmatch(str(entry["python"])):
            raise ProfileError(f"{path}: system {name}: python must be a CPython 3 tag (cp311)")
        try:
            systems[name] = SystemProfile(name=name, **entry)
        except TypeError as error:
            raise ProfileError(f"{path}: system {name}: {error}") from None
    return systems


@cache
def load_overrides(directory: Path = PROFILES_DIR) -> Mapping[str, Override]:
    """Every override behaviour by name (``absent`` is always there)."""
    path = directory / "overrides.toml"
    overrides = {"absent": ABSENT}
    for name, entry in _read(path, "overrides").items():
        unknown = set(entry) - _OVERRIDE_KEYS - set(_LEGACY_ATTRIBUTES)
        function = entry.get("manylinux_compatible")
        if function is not None:
            unknown |= {f"manylinux_compatible.{k}" for k in set(function) - _FUNCTION_KEYS}
        if unknown:
            raise ProfileError(f"{path}: override {name}: unknown keys {sorted(unknown)}")
        if entry.get("location", "site-packages") not in OVERRIDE_LOCATIONS:
            raise ProfileError(
                f"{path}: override {name}: location must be one of {', '.join(OVERRIDE_LOCATIONS)}"
            )
        overrides[name] = Override(
            name=name,
            description=entry.get("description", ""),
            absent=entry.get("absent", False),
            location=entry.get("location", "site-packages"),
            import_raises=entry.get("import_raises"),
            legacy={k: entry[k] for k in _LEGACY_ATTRIBUTES if k in entry},
            function=function,
        )
    return overrides


def system(name: str) -> SystemProfile:
    """One system profile by name; :class:`ProfileError` when unknown."""
    try:
        return load_systems()[name]
    except KeyError:
        raise ProfileError(f"conformance/profiles/systems.toml: no system named {name!r}") from None


def override(name: str | None) -> Override:
    """One override by name (None means absent); :class:`ProfileError` when unknown."""
    try:
        return load_overrides()[name or "absent"]
    except KeyError:
        raise ProfileError(
            f"conformance/profiles/overrides.toml: no override named {name!r}"
        ) from None


def _literal(value: Any) -> str:
    if value == "none":
        return "None"
    if value == "truthy-string":
        return "'no'"
    return repr(bool(value))


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def override_source(behaviour: Override) -> str | None:
    """The ``_manylinux.py`` that behaves as described, or None when the module is absent."""
    if behaviour.absent:
        return None
    lines = [f'"""_manylinux override: {behaviour.description}"""', ""]
    if behaviour.import_raises:
        lines.append(f"raise {behaviour.import_raises}('_manylinux refuses to be imported')")
    for attribute, value in behaviour.legacy.items():
        lines.append(f"{attribute} = {bool(value)!r}")
    function = behaviour.function
    if function is not None:
        lines += ["", "", "def manylinux_compatible(major, minor, arch):"]
        otherwise = _literal(function.get("otherwise", "none"))
        if "raises" in function:
            lines.append(f"    raise {function['raises']}('manylinux_compatible failed')")
        elif "returns" in function:
            lines.append(f"    return {_literal(function['returns'])}")
        elif "at_most" in function:
            lines.append(f"    return (major, minor) <= {_version(function['at_most'])!r}")
        elif "false_for" in function:
            versions = sorted(_version(v) for v in function["false_for"])
            lines += [f"    if (major, minor) in {versions!r}:", "        return False"]
            lines.append(f"    return {otherwise}")
        elif "false_for_arch" in function:
            lines += [f"    if arch == {function['false_for_arch']!r}:", "        return False"]
            lines.append(f"    return {otherwise}")
        else:
            raise ProfileError(f"override {behaviour.name}: manylinux_compatible says nothing")
    return "\n".join(lines) + "\n"


def override_module(behaviour: Override) -> types.ModuleType | None:
    """The override as a live module object (None when absent); raises what its import raises."""
    source = override_source(behaviour)
    if source is None:
        return None
    module = types.ModuleType("_manylinux")
    module.__file__ = f"<override {behaviour.name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
