"""What an ELF file of each architecture looks like: class, byte order, machine, flags, loader.

These are facts of each psABI (and of glibc's loader names), not manylinux policy: the crafter
must be able to write files that no policy knows about, and it must not learn them from the
reference implementation it is meant to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.craft import constants as c


@dataclass(frozen=True)
class Arch:
    """How to write an ELF file for one architecture (and ABI variant)."""

    key: str
    bits: int
    endian: str  # "<" little, ">" big
    machine: int
    flags: int
    interp: str
    page: int  # the largest page size the psABI allows; segments are aligned to it


ARCHES: dict[str, Arch] = {
    a.key: a
    for a in (
        Arch("x86_64", 64, "<", c.EM_X86_64, 0, "/lib64/ld-linux-x86-64.so.2", 0x1000),
        Arch("i686", 32, "<", c.EM_386, 0, "/lib/ld-linux.so.2", 0x1000),
        Arch("aarch64", 64, "<", c.EM_AARCH64, 0, "/lib/ld-linux-aarch64.so.1", 0x10000),
        Arch(
            "armv7l",
            32,
            "<",
            c.EM_ARM,
            c.EF_ARM_ABI_VER5 | c.EF_ARM_ABI_FLOAT_HARD,
            "/lib/ld-linux-armhf.so.3",
            0x10000,
        ),
        Arch(
            "armv7l-softfloat",
            32,
            "<",
            c.EM_ARM,
            c.EF_ARM_ABI_VER5 | c.EF_ARM_ABI_FLOAT_SOFT,
            "/lib/ld-linux.so.3",
            0x10000,
        ),
        Arch("ppc64", 64, ">", c.EM_PPC64, c.EF_PPC64_ABI_V1, "/lib64/ld64.so.1", 0x10000),
        Arch("ppc64le", 64, "<", c.EM_PPC64, c.EF_PPC64_ABI_V2, "/lib64/ld64.so.2", 0x10000),
        Arch("s390x", 64, ">", c.EM_S390, 0, "/lib/ld64.so.1", 0x1000),
        Arch(
            "riscv64",
            64,
            "<",
            c.EM_RISCV,
            c.EF_RISCV_RVC | c.EF_RISCV_FLOAT_ABI_DOUBLE,
            "/lib/ld-linux-riscv64-lp64d.so.1",
            0x1000,
        ),
        Arch(
            "loongarch64",
            64,
            "<",
            c.EM_LOONGARCH,
            c.EF_LOONGARCH_ABI_DOUBLE_FLOAT | c.EF_LOONGARCH_OBJABI_V1,
            "/lib64/ld-linux-loongarch-lp64d.so.1",
            0x10000,
        ),
        Arch("x32", 32, "<", c.EM_X86_64, 0, "/libx32/ld-linux-x32.so.2", 0x1000),
    )
}
