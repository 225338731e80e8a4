"""Helpers shared by the installer, override and index tests."""

from __future__ import annotations

from pathlib import Path

from reference_impl.system import ELF_HEADER_SIZE, TargetSystem
from reference_impl.tags import PlatformTag, parse_platform_tag

INTERPRETERS = Path(__file__).resolve().parents[2] / "conformance" / "fixtures" / "elf"
"""Stand-in interpreters written by the independent fixture crafter."""


def tag(text: str) -> PlatformTag:
    """Parse a tag the test knows to be valid."""
    return parse_platform_tag(text)


def glibc(version: str, arch: str = "x86_64") -> TargetSystem:
    """A described glibc system."""
    return TargetSystem.for_glibc(version, arch)


def interpreter(name: str) -> bytes:
    """The first bytes of a crafted stand-in interpreter, e.g. ``armv7l-softfloat``."""
    return (INTERPRETERS / f"{name}-interpreter").read_bytes()[:ELF_HEADER_SIZE]
