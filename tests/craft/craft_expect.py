"""What each ELF fixture should look like to a reader, stated apart from the crafter's own tables.

The per-architecture facts below are written from the psABIs and binutils' names, not imported
from ``conformance.craft.arches``: if the crafter's table were wrong, these tests must notice.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.craft.elf import ElfSpec
from conformance.craft.generate import FIXTURES
from conformance.craft.recipes import load_all


@dataclass(frozen=True)
class ArchFacts:
    """How pyelftools, readelf and auditwheel name one architecture."""

    machine: str  # pyelftools' e_machine
    bits: int
    little: bool
    flags: int
    readelf_machine: str
    readelf_flags: str
    auditwheel: str | None  # auditwheel's baseline Architecture, None: it must refuse the file


def arch_facts(spec: ElfSpec) -> ArchFacts:
    """The facts for a spec's architecture, with its ``machine`` override (an unknown one)."""
    facts = ARCH_FACTS[spec.arch]
    if spec.machine is None:
        return facts
    return ArchFacts(
        spec.machine,  # type: ignore[arg-type]  # pyelftools gives unknown machines as ints
        facts.bits,
        facts.little,
        facts.flags,
        f"<unknown>: 0x{spec.machine:x}",
        facts.readelf_flags,
        None,
    )


ARCH_FACTS = {
    "x86_64": ArchFacts("EM_X86_64", 64, True, 0, "Advanced Micro Devices X86-64", "0x0", "x86_64"),
    "i686": ArchFacts("EM_386", 32, True, 0, "Intel 80386", "0x0", "i686"),
    "aarch64": ArchFacts("EM_AARCH64", 64, True, 0, "AArch64", "0x0", "aarch64"),
    "armv7l": ArchFacts(
        "EM_ARM", 32, True, 0x05000400, "ARM", "0x5000400, Version5 EABI, hard-float ABI", "armv7l"
    ),
    "armv7l-softfloat": ArchFacts(
        "EM_ARM", 32, True, 0x05000200, "ARM", "0x5000200, Version5 EABI, soft-float ABI", None
    ),
    "ppc64": ArchFacts("EM_PPC64", 64, False, 1, "PowerPC64", "0x1, abiv1", "ppc64"),
    "ppc64le": ArchFacts("EM_PPC64", 64, True, 2, "PowerPC64", "0x2, abiv2", "ppc64le"),
    "s390x": ArchFacts("EM_S390", 64, False, 0, "IBM S/390", "0x0", "s390x"),
    "riscv64": ArchFacts(
        "EM_RISCV", 64, True, 5, "RISC-V", "0x5, RVC, double-float ABI", "riscv64"
    ),
    "loongarch64": ArchFacts(
        "EM_LOONGARCH", 64, True, 0x43, "LoongArch", "0x43, DOUBLE-FLOAT, OBJ-v1", "loongarch64"
    ),
    "x32": ArchFacts("EM_X86_64", 32, True, 0, "Advanced Micro Devices X86-64", "0x0", None),
}

LOADERS = {
    "x86_64": "/lib64/ld-linux-x86-64.so.2",
    "i686": "/lib/ld-linux.so.2",
    "aarch64": "/lib/ld-linux-aarch64.so.1",
    "armv7l": "/lib/ld-linux-armhf.so.3",
    "armv7l-softfloat": "/lib/ld-linux.so.3",
    "ppc64": "/lib64/ld64.so.1",
    "ppc64le": "/lib64/ld64.so.2",
    "s390x": "/lib/ld64.so.1",
    "riscv64": "/lib/ld-linux-riscv64-lp64d.so.1",
    "loongarch64": "/lib64/ld-linux-loongarch-lp64d.so.1",
    "x32": "/libx32/ld-linux-x32.so.2",
}


@dataclass(frozen=True)
class Subject:
    """One valid ELF file on disk (a fixture, or a member extracted from a wheel fixture)."""

    id: str
    path: Path
    spec: ElfSpec


def subject_ids() -> list[str]:
    """The ids of :func:`elf_subjects`, known without extracting anything (for parametrize)."""
    elves, wheels = load_all()
    ids = [f"elf/{r.name}" for r in elves.values() if r.broken is None]
    ids += [f"wheel/{w.name}/{m}" for w in wheels.values() for m, _ in w.elf_specs]
    return ids


def elf_subjects(scratch: Path) -> list[Subject]:
    """Every valid ELF file the committed fixtures hold, with the spec it was made from."""
    elves, wheels = load_all()
    out = [
        Subject(f"elf/{r.name}", FIXTURES / r.output, r.spec)
        for r in elves.values()
        if r.broken is None
    ]
    for wheel in wheels.values():
        if not wheel.elf_specs:
            continue
        with zipfile.ZipFile(FIXTURES / wheel.output) as archive:
            for member, spec in wheel.elf_specs:
                target = scratch / wheel.name / member.lstrip("/").replace("../", "up/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
                out.append(Subject(f"wheel/{wheel.name}/{member}", target, spec))
    return out


def expected(spec: ElfSpec) -> dict[str, Any]:
    """The facts every reader must report for a file made from ``spec``."""
    arch = arch_facts(spec)
    return {
        "bits": arch.bits,
        "little": arch.little,
        "machine": arch.machine,
        "flags": arch.flags if spec.flags is None else spec.flags,
        "type": "ET_EXEC" if spec.kind == "exec" else "ET_DYN",
        "interp": (spec.interp or LOADERS[spec.arch]) if spec.kind != "shared" else None,
        "needed": list(spec.needed),
        "soname": spec.soname,
        "rpath": spec.rpath,
        "runpath": spec.runpath,
        "version_needs": {lib: list(v) for lib, v in spec.version_needs},
        "version_defs": [spec.soname or "a.out", *spec.version_defs] if spec.version_defs else [],
        "symbols": sorted(
            (
                s.name,
                s.version,
                "@@" if s.defined and s.version and s.default_version else "@",
                s.defined,
                s.binding.upper(),
                {"func": "FUNC", "object": "OBJECT", "notype": "NOTYPE", "tls": "TLS"}[s.type],
            )
            for s in spec.symbols
        ),
        "isa": sorted(spec.isa_needed),
        "stack": {None: None, False: "RW", True: "RWE"}[spec.execstack],
    }
