"""The system an installer installs for: libc, glibc version, architecture, interpreter.

A :class:`TargetSystem` can be built for any target, so every installer rule is testable
without that machine; :func:`detect` builds one for the running interpreter. Probes that fail
(no ``confstr``, no ``ctypes``, an unreadable interpreter) turn into "unknown" here, at the
edge, and never reach the rules in ``installer``.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import sysconfig
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reference_impl.elf import identify_architecture, read_identity
from reference_impl.errors import SystemProbeError
from reference_impl.policy import Architecture, GlibcVersion, PolicySet, default_policies
from reference_impl.policy.model import MAX_NUMBER
from reference_impl.tags import PlatformTag, fold_case, shown

Libc = Literal["glibc", "musl", "unknown"]

_VERSION_PREFIX = re.compile(r"([0-9]+)\.([0-9]+)")
ELF_HEADER_SIZE = 64
"""Bytes of an ELF file that hold the whole file header of either class."""


def parse_glibc_version(text: str) -> GlibcVersion | None:
    """The leading ``MAJOR.MINOR`` of a glibc version string, vendor suffix ignored
    (clause installer.glibc-vendor-suffix); None when there is none
    (clause installer.glibc-unparseable).

    A number above :data:`~reference_impl.policy.model.MAX_NUMBER` is :class:`SystemProbeError`:
    no tag can name such a glibc (clause tag.number-range), and enumerating the tags down
    from it would never end.
    """
    match = _VERSION_PREFIX.match(text)
    if match is None:
        return None
    major, minor = (part.lstrip("0") or "0" for part in match.groups())
    if len(major) > len(str(MAX_NUMBER)) or len(minor) > len(str(MAX_NUMBER)):
        raise _beyond_tags(text)
    version = GlibcVersion(int(major), int(minor))
    if max(version) > MAX_NUMBER:
        raise _beyond_tags(text)
    return version


def _beyond_tags(text: str) -> SystemProbeError:
    return SystemProbeError(
        shown(text),
        f"a glibc version number above {MAX_NUMBER}, more than any tag can name (tag.number-range)",
    )


def identify_interpreter(header: bytes, architectures: Mapping[str, Architecture]) -> str | None:
    """The architecture of the policy data whose ELF identity the header matches, or None."""
    identity = read_identity(header)
    if identity is None:
        return None
    return identify_architecture(
        identity.bits, identity.endianness, identity.machine, identity.flags, architectures
    )


@dataclass(frozen=True)
class TargetSystem:
    """A system to install for, detected or described.

    ``glibc`` is derived from ``libc_version`` (None when the libc is not glibc or the string
    has no version). ``native`` marks the running machine: only then is its ``_manylinux``
    override consulted (clause installer.override.cross-target).
    """

    arch: str
    libc: Libc = "glibc"
    libc_version: str | None = None
    """The version string exactly as reported (``2.17-centos``)."""
    interpreter_bits: int | None = None
    interpreter_elf: bytes | None = None
    """The first bytes of the interpreter's ELF file, when known."""
    native: bool = False
    glibc: GlibcVersion | None = field(init=False)

    def __post_init__(self) -> None:
        if not self.arch or fold_case(self.arch) != self.arch:
            raise SystemProbeError(shown(self.arch), "architecture must be lowercase, non-empty")
        if self.interpreter_elf is not None and read_identity(self.interpreter_elf) is None:
            raise SystemProbeError("interpreter ELF header", "not a complete ELF file header")
        version = None
        if self.libc == "glibc" and self.libc_version is not None:
            version = parse_glibc_version(self.libc_version)
        object.__setattr__(self, "glibc", version)

    @classmethod
    def for_glibc(
        cls, version: str, arch: str, interpreter_elf: bytes | None = None
    ) -> TargetSystem:
        """A described glibc system: ``TargetSystem.for_glibc("2.28", "aarch64")``."""
        return cls(arch=arch, libc="glibc", libc_version=version, interpreter_elf=interpreter_elf)

    @classmethod
    def from_tag(cls, tag: PlatformTag) -> TargetSystem:
        """The system a target tag describes (clause installer.target-platform-expansion)."""
        if not tag.is_manylinux or tag.glibc is None or tag.arch is None:
            raise SystemProbeError(str(tag), "a target must be a manylinux tag")
        return cls.for_glibc(str(tag.glibc), tag.arch)

    def abi_agrees(self, arch: str, policies: PolicySet | None = None) -> bool:
        """Whether the interpreter can load code of ``arch`` (clause installer.arch-abi).

        True when the header is unknown or the data does not describe ``arch``: nothing
        contradicts it then (clause installer.arch-unknown).
        """
        data = (policies or default_policies()).architectures
        if self.interpreter_elf is None or arch not in data:
            return True
        return identify_interpreter(self.interpreter_elf, {arch: data[arch]}) == arch

    def describe(self) -> str:
        """One line for messages: ``glibc 2.17-centos (2.17) on x86_64``."""
        libc: str
        if self.libc != "glibc":
            libc = self.libc
        elif self.glibc is None:
            libc = f"glibc of unknown version ({shown(self.libc_version or '')})"
        elif self.libc_version == str(self.glibc):
            libc = f"glibc {self.glibc}"
        else:
            libc = f"glibc {self.libc_version} ({self.glibc})"
        return f"{libc} on {self.arch}"


# Probes of the running interpreter: each returns None instead of raising.

ConfStr = Callable[[str], "str | None"]
CtypesProbe = Callable[[], "str | None"]


def _confstr(name: str) -> str | None:
    try:
        return os.confstr(name)
    except (AttributeError, OSError, ValueError):
        return None


def _ctypes_glibc_version() -> str | None:
    try:
        import ctypes
    except ImportError:
        return None
    try:
        process = ctypes.CDLL(None)
        probe = process.gnu_get_libc_version
    except (OSError, AttributeError):
        return None
    probe.restype = ctypes.c_char_p
    value = probe()
    return value.decode("ascii", "replace") if isinstance(value, bytes) else None


def glibc_version_string(
    confstr: ConfStr = _confstr, ctypes_probe: CtypesProbe = _ctypes_glibc_version
) -> str | None:
    """The running glibc's version string, or None (clause installer.glibc-detect)."""
    value = confstr("CS_GNU_LIBC_VERSION")
    if value:
        fields = value.split()
        if len(fields) == 2:
            return fields[1]
    return ctypes_probe()


def _platform_arch(platform: str) -> str:
    """``linux-x86_64`` -> ``x86_64`` (clause installer.arch)."""
    name = platform.split("-", 1)[1] if platform.startswith("linux-") else platform
    return fold_case(name.replace("-", "_").replace(".", "_"))


def _read_header(executable: str) -> bytes | None:
    try:
        with Path(executable).open("rb") as handle:
            header = handle.read(ELF_HEADER_SIZE)
    except OSError:
        return None
    return header if read_identity(header) is not None else None


def detect(
    *,
    confstr: ConfStr = _confstr,
    ctypes_probe: CtypesProbe = _ctypes_glibc_version,
    platform: str | None = None,
    executable: str | None = None,
    pointer_bits: int | None = None,
    policies: PolicySet | None = None,
) -> TargetSystem:
    """The running interpreter's system; every probe can be replaced for tests.

    The architecture is the interpreter's, from ``sysconfig``, unless its ELF header matches
    exactly one architecture in the data (an i686 interpreter on an x86_64 kernel, an armhf
    one on aarch64: clauses installer.arch, installer.arch-32bit-on-64bit, installer.armhf).
    Without a readable header, a 32-bit interpreter on a 64-bit kernel takes the data's
    ``compat32`` architecture.
    """
    data = (policies or default_policies()).architectures
    arch = _platform_arch(platform if platform is not None else sysconfig.get_platform())
    bits = pointer_bits if pointer_bits is not None else struct.calcsize("P") * 8
    header = _read_header(executable if executable is not None else sys.executable)
    matched = identify_interpreter(header, data) if header is not None else None
    if matched is not None:
        arch = matched
    elif header is None and bits == 32 and arch in data and data[arch].bits == 64:
        arch = data[arch].compat32 or arch
    version = glibc_version_string(confstr, ctypes_probe)
    return TargetSystem(
        arch=arch or "unknown",
        libc="glibc" if version is not None else "unknown",
        libc_version=version,
        interpreter_bits=bits,
        interpreter_elf=header,
        native=True,
    )
