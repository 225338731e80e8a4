"""Where mutations start from: real and crafted ELF files, wheels, the policy data, tags.

The slice of the test suite uses only what is committed, so it is the same on every
machine; the full campaign adds the compiled extension modules that the pinned development
environment installed (real binaries from real toolchains).
"""

from __future__ import annotations

import sysconfig
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ELF_MAGIC = b"\x7fELF"
MAX_SEED_BYTES = 1 << 20
"""Larger binaries make slow cases without reaching more of the reader."""

TAGS = (
    "manylinux_2_17_x86_64",
    "manylinux2014_aarch64",
    "manylinux1_i686",
    "manylinux_2_5_ppc64le",
    "linux_armv7l",
    "musllinux_1_2_x86_64",
    "manylinux_65535_65535_s390x",
    "any",
)
GLIBC_STRINGS = ("2.17", "2.28-centos", "2.36.9000", "2.5", "3.0")
ARCHES = ("x86_64", "aarch64", "armv7l", "i686", "s390x")
FILENAMES = (
    "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "demo-1.0-1-py3-none-any.whl",
    "demo-1.0-cp311-abi3-manylinux_2_28_aarch64.whl",
)


@dataclass(frozen=True)
class Seeds:
    """The inputs mutations start from, each as (name, bytes), sorted by name."""

    elf: tuple[tuple[str, bytes], ...]
    wheels: tuple[tuple[str, bytes], ...]
    policies: Path


def load(real_binaries: bool) -> Seeds:
    """The committed seeds, plus the environment's extension modules if ``real_binaries``."""
    roots = [ROOT / "conformance" / "fixtures", ROOT / "conformance" / "toolchain"]
    if real_binaries:
        roots.append(Path(sysconfig.get_paths()["platlib"]))
    elf: list[tuple[str, bytes]] = []
    wheels: list[tuple[str, bytes]] = []
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_SEED_BYTES:
                continue
            name = str(path.relative_to(root.parent))
            if path.suffix == ".whl":
                wheels.append((name, path.read_bytes()))
            elif _starts_with_elf_magic(path):
                elf.append((name, path.read_bytes()))
    return Seeds(tuple(elf), tuple(wheels), ROOT / "policies")


def _starts_with_elf_magic(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ELF_MAGIC
