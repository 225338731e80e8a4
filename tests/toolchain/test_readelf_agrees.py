"""reference_impl.elf reads every real-toolchain binary exactly as binutils' readelf does.

The binaries in ``conformance/toolchain/built/`` were made by Debian's cross compilers (see
``conformance/toolchain/build.py``); readelf, the independent witness, is run on each one and
every fact it reports is compared with the reference reader's summary, one test per file and
fact. The summary must also be the same whichever way the file is read: whole, streamed, or
without section headers (then the symbols are counted from the hash tables, where 64-bit
s390x uses 8-byte ``DT_HASH`` words).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from pathlib import Path

import pytest

from reference_impl.elf import ElfSummary, Symbol, VersionNeed, summarize
from reference_impl.errors import ELFError
from reference_impl.policy import default_policies

from .readelf import READELF, Report, gnu_hashed_symbols, parse, run

ROOT = Path(__file__).resolve().parents[2]
TOOLCHAIN = ROOT / "conformance" / "toolchain"
MANIFEST = json.loads((TOOLCHAIN / "MANIFEST.json").read_text())
BINARIES = sorted(
    f"{arch}/{name}" for arch, entry in MANIFEST["architectures"].items() for name in entry["files"]
)
ARCHES = default_policies().architectures

pytestmark = pytest.mark.skipif(
    READELF is None, reason="binutils' readelf is not installed (it comes with gcc: binutils)"
)

READELF_MACHINES = {
    # readelf's machine name -> the ELF specification's name (gABI e_machine values)
    "Advanced Micro Devices X86-64": "EM_X86_64",
    "Intel 80386": "EM_386",
    "AArch64": "EM_AARCH64",
    "ARM": "EM_ARM",
    "PowerPC64": "EM_PPC64",
    "IBM S/390": "EM_S390",
    "RISC-V": "EM_RISCV",
}
X86_ISA_BITS = {"x86-64-baseline": 1, "x86-64-v2": 2, "x86-64-v3": 4, "x86-64-v4": 8}
"""GNU_PROPERTY_X86_ISA_1_NEEDED bits, from the x86-64 psABI."""


@functools.cache
def witness(binary: str) -> Report:
    return parse(run(TOOLCHAIN / "built" / binary))


@functools.cache
def reader(binary: str) -> ElfSummary:
    return summarize((TOOLCHAIN / "built" / binary).read_bytes(), binary, ARCHES)


def test_every_architecture_is_built_or_skipped_with_a_reason() -> None:
    from conformance.toolchain.build import TARGETS

    built, skipped = set(MANIFEST["architectures"]), MANIFEST["skipped"]
    assert built | set(skipped) == {t.arch for t in TARGETS}
    assert not built & set(skipped)
    assert all(reason for reason in skipped.values())
    # the six manylinux architectures PyPI serves, and more
    assert {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x"} <= built


@pytest.mark.parametrize("binary", BINARIES)
def test_committed_bytes_match_the_manifest(binary: str) -> None:
    arch, name = binary.split("/")
    facts = MANIFEST["architectures"][arch]["files"][name]
    data = (TOOLCHAIN / "built" / binary).read_bytes()
    assert (hashlib.sha256(data).hexdigest(), len(data)) == (facts["sha256"], facts["size"])


@pytest.mark.parametrize("binary", BINARIES)
def test_identity(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    assert seen.elf_class == f"ELF{read.bits}"
    assert seen.data == f"2's complement, {read.endianness} endian"
    assert READELF_MACHINES[seen.machine] == read.machine
    assert seen.flags == read.flags
    assert f"ET_{seen.type}" == read.elf_type


@pytest.mark.parametrize("binary", BINARIES)
def test_dynamic_section(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    assert seen.soname == read.soname
    assert tuple(seen.needed) == read.needed
    assert tuple(seen.rpath) == read.rpath
    assert tuple(seen.runpath) == read.runpath


@pytest.mark.parametrize("binary", BINARIES)
def test_version_needs(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    expected = tuple(
        VersionNeed(
            library,
            tuple(name for name, _, _ in versions),
            tuple(name for name, weak, _ in versions if weak),
        )
        for library, versions in seen.version_needs.items()
    )
    assert read.version_needs == expected


@pytest.mark.parametrize("binary", BINARIES)
def test_version_definitions(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    assert read.version_definitions == tuple(
        name for name, base, _ in seen.version_definitions if not base
    )


def _library_of_index(seen: Report) -> dict[int, str]:
    """Version index -> the library it is needed from (one name may come from two)."""
    return {
        index: library
        for library, versions in seen.version_needs.items()
        for _, _, index in versions
    }


@pytest.mark.parametrize("binary", BINARIES)
def test_undefined_symbols(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    library = _library_of_index(seen)
    expected = [
        Symbol(s.name, s.version, library.get(s.version_index), s.bind == "WEAK")
        for s in seen.symbols
        if s.section == "UND" and s.index > 0 and s.name and s.bind != "LOCAL"
    ]
    assert list(read.undefined) == expected


@pytest.mark.parametrize("binary", BINARIES)
def test_exported_symbols(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    expected = [
        Symbol(s.name, s.version, None, s.bind == "WEAK")
        for s in seen.symbols
        if s.section != "UND" and s.name and s.bind != "LOCAL"
    ]
    assert list(read.exported) == expected


@pytest.mark.parametrize("binary", BINARIES)
def test_stack_interpreter_and_isa_note(binary: str) -> None:
    seen, read = witness(binary), reader(binary)
    assert read.has_interpreter == seen.interpreter
    stack = None if seen.gnu_stack is None else "E" in seen.gnu_stack
    assert read.executable_stack == stack
    mask = sum(X86_ISA_BITS[name] for name in seen.isa_needed or [])
    assert (read.isa_needed or 0) == mask
    assert (read.isa_needed is None) == (seen.isa_needed is None)


def _without_section_headers(data: bytes, bits: int) -> bytes:
    """The file with e_shoff, e_shnum and e_shstrndx zeroed: no section headers at all."""
    out = bytearray(data)
    shoff, shnum = (0x28, 0x3C) if bits == 64 else (0x20, 0x30)
    out[shoff : shoff + bits // 8] = bytes(bits // 8)
    out[shnum : shnum + 4] = bytes(4)
    return bytes(out)


@pytest.mark.parametrize("binary", BINARIES)
def test_every_way_of_reading_gives_one_summary(binary: str) -> None:
    data = (TOOLCHAIN / "built" / binary).read_bytes()
    whole = reader(binary)
    assert summarize(io.BytesIO(data), binary, ARCHES, size=len(data)) == whole
    bare = _without_section_headers(data, whole.bits)
    seen = witness(binary)
    if "HASH" in seen.dynamic_tags or gnu_hashed_symbols(TOOLCHAIN / "built" / binary):
        assert summarize(bare, binary, ARCHES) == whole
        assert summarize(io.BytesIO(bare), binary, ARCHES, size=len(bare)) == whole
    else:
        # a GNU hash table that hashes nothing cannot count the undefined symbols: refused
        for source in (bare, io.BytesIO(bare)):
            with pytest.raises(ELFError, match="how many dynamic symbols"):
                summarize(source, binary, ARCHES, size=len(bare))


def test_the_family_covers_what_real_linkers_emit() -> None:
    """Guard against a build that silently lost a feature the comparisons rely on."""
    for arch in MANIFEST["architectures"]:
        dynamic = {
            name: run(TOOLCHAIN / "built" / arch / name)
            for name in ("libplain-sysv.so", "libplain-gnu.so", "libplain-both.so")
        }
        assert "(HASH)" in dynamic["libplain-sysv.so"]
        assert "(GNU_HASH)" not in dynamic["libplain-sysv.so"]
        assert "(GNU_HASH)" in dynamic["libplain-gnu.so"]
        assert "(HASH)" not in dynamic["libplain-gnu.so"]
        assert "(HASH)" in dynamic["libplain-both.so"]
        assert "(GNU_HASH)" in dynamic["libplain-both.so"]
        assert witness(f"{arch}/demo-runpath").runpath == ["$ORIGIN/../lib"]
        assert witness(f"{arch}/demo-rpath").rpath == ["$ORIGIN/../lib"]
        bare = witness(f"{arch}/demo-bare")
        assert bare.rpath == bare.runpath == []
        assert "libdemo.so.1" in bare.needed
        demo = witness(f"{arch}/libdemo.so.1")
        assert [n for n, base, _ in demo.version_definitions if not base] == [
            "LIBDEMO_1.0",
            "LIBDEMO_2.0",
        ]
        assert "libstdc++.so.6" in witness(f"{arch}/libcxx.so").version_needs
        assert any(s.type == "TLS" for s in witness(f"{arch}/libtls.so").symbols)
    assert witness("x86_64/libisa-v3.so").isa_needed == ["x86-64-v3"]


def test_s390x_hash_words_are_eight_bytes() -> None:
    """The fact behind the pydantic_core fix, as the real linker writes it."""
    import subprocess

    assert READELF is not None
    sections = subprocess.run(
        [READELF, "-W", "-S", str(TOOLCHAIN / "built" / "s390x" / "libplain-sysv.so")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    hash_line = next(line for line in sections.splitlines() if " .hash " in line)
    assert hash_line.split()[-5] == "08"  # the ES (entry size) column
