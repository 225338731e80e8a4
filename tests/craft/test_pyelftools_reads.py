"""pyelftools reads every valid ELF fixture, of every architecture, exactly as its recipe says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import NoteSection, SymbolTableSection

from .craft_expect import Subject, expected, subject_ids

ISA_BITS = {1: "x86-64-baseline", 2: "x86-64-v2", 4: "x86-64-v3", 8: "x86-64-v4"}


def _of_type(elf: ELFFile, kind: type) -> Any:
    return next((s for s in elf.iter_sections() if isinstance(s, kind)), None)


def read_facts(path: Path) -> dict[str, Any]:
    """The facts the expectation lists, as pyelftools reports them."""
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        dynamic = _of_type(elf, DynamicSection)
        tags = list(dynamic.iter_tags())

        def one(tag: str, attribute: str) -> str | None:
            hits = [getattr(t, attribute) for t in tags if t.entry.d_tag == tag]
            assert len(hits) <= 1
            return hits[0] if hits else None

        names: dict[int, str] = {}
        needs: dict[str, list[str]] = {}
        verneed = _of_type(elf, GNUVerNeedSection)
        for need, auxes in verneed.iter_versions() if verneed else ():
            for aux in auxes:
                names[aux.entry.vna_other] = aux.name
                needs.setdefault(need.name, []).append(aux.name)
        defs = []
        verdef = _of_type(elf, GNUVerDefSection)
        for definition, auxes in verdef.iter_versions() if verdef else ():
            name = next(iter(auxes)).name
            names[definition.entry.vd_ndx] = name
            defs.append(name)
        versym = _of_type(elf, GNUVerSymSection)
        symbols = []
        dynsym = _of_type(elf, SymbolTableSection)
        for index, sym in enumerate(dynsym.iter_symbols()):
            if index == 0:
                continue
            ndx = versym.get_symbol(index).entry.ndx if versym else "VER_NDX_GLOBAL"
            version, sign = None, "@"
            if isinstance(ndx, int):
                version = names[ndx & 0x7FFF]
                defined = sym.entry.st_shndx != "SHN_UNDEF"
                sign = "@@" if defined and not ndx & 0x8000 else "@"
            symbols.append(
                (
                    sym.name,
                    version,
                    sign,
                    sym.entry.st_shndx != "SHN_UNDEF",
                    sym.entry.st_info.bind.removeprefix("STB_"),
                    sym.entry.st_info.type.removeprefix("STT_"),
                )
            )
        isa = []
        for section in elf.iter_sections():
            if isinstance(section, NoteSection):
                for note in section.iter_notes():
                    for prop in note.n_desc:
                        if prop.pr_type == "GNU_PROPERTY_X86_ISA_1_NEEDED":
                            isa += [n for bit, n in ISA_BITS.items() if prop.pr_data & bit]
        stack = None
        interp = None
        for segment in elf.iter_segments():
            if segment.header.p_type == "PT_GNU_STACK":
                stack = "RWE" if segment.header.p_flags & 1 else "RW"
            if segment.header.p_type == "PT_INTERP":
                interp = segment.get_interp_name()
        return {
            "bits": elf.elfclass,
            "little": elf.little_endian,
            "machine": elf.header.e_machine,
            "flags": elf.header.e_flags,
            "type": elf.header.e_type,
            "interp": interp,
            "needed": [t.needed for t in tags if t.entry.d_tag == "DT_NEEDED"],
            "soname": one("DT_SONAME", "soname"),
            "rpath": one("DT_RPATH", "rpath"),
            "runpath": one("DT_RUNPATH", "runpath"),
            "version_needs": needs,
            "version_defs": defs,
            "symbols": sorted(symbols),
            "isa": sorted(isa),
            "stack": stack,
        }


@pytest.mark.parametrize("subject_id", subject_ids())
def test_pyelftools_reads_what_the_recipe_says(
    subject_id: str, subjects: dict[str, Subject]
) -> None:
    subject = subjects[subject_id]
    assert read_facts(subject.path) == expected(subject.spec)


def test_every_architecture_has_a_minimal_fixture(subjects: dict[str, Subject]) -> None:
    from .craft_expect import ARCH_FACTS

    minimal = {s.spec.arch for s in subjects.values() if s.id.endswith("-minimal")}
    assert minimal == set(ARCH_FACTS)
