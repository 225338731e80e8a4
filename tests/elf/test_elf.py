"""reference_impl.elf on objects gcc builds here, on the crafter's fixtures, and on broken ones."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from elftools.elf.enums import ENUM_E_MACHINE

from reference_impl.elf import ElfSummary, summarize
from reference_impl.errors import ELFError
from reference_impl.policy import default_policies
from reference_impl.record import replace

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "conformance" / "fixtures" / "elf"
ARCHES = default_policies().architectures

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

Build = Callable[..., Path]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Compile a C (or C++) source into a shared object with the given extra flags."""
    where = tmp_path_factory.mktemp("elf")
    counter = iter(range(1000))

    def _build(source: str, *flags: str, cxx: bool = False, name: str | None = None) -> Path:
        n = next(counter)
        src = where / f"src{n}.{'cc' if cxx else 'c'}"
        src.write_text(source)
        out = where / (name or f"lib{n}.so")
        compiler = "g++" if cxx else "gcc"
        subprocess.run(
            [compiler, "-shared", "-fPIC", "-O1", "-o", str(out), str(src), *flags],
            check=True,
            capture_output=True,
        )
        return out

    return _build


def summary_of(path: Path) -> ElfSummary:
    return summarize(path.read_bytes(), path.name, ARCHES)


GETRANDOM = """
#include <sys/random.h>
int take(void) { char b[4]; return (int)getrandom(b, 4, 0); }
"""


@needs_gcc
def test_gcc_object_says_what_it_needs(build: Build) -> None:
    lib = build(GETRANDOM, "-Wl,-soname,libtake.so.1", "-Wl,-rpath,$ORIGIN/../x.libs")
    s = summary_of(lib)
    assert (s.bits, s.endianness, s.machine, s.architecture) == (
        64,
        "little",
        "EM_X86_64",
        "x86_64",
    )
    assert s.soname == "libtake.so.1"
    assert s.needed == ("libc.so.6",)
    assert s.runpath == ("$ORIGIN/../x.libs",) and s.rpath == ()
    libc = {n.library: n.versions for n in s.version_needs}["libc.so.6"]
    assert "GLIBC_2.25" in libc
    getrandom = next(sym for sym in s.undefined if sym.name == "getrandom")
    assert (getrandom.version, getrandom.library, getrandom.weak) == (
        "GLIBC_2.25",
        "libc.so.6",
        False,
    )
    assert str(getrandom) == "getrandom@GLIBC_2.25"
    assert [sym.name for sym in s.exported] == ["take"]
    assert s.executable_stack is False
    assert s.isa_needed is None and s.isa_level == 0
    assert s.architecture is not None
    assert default_policies().architectures[s.architecture].loader == "ld-linux-x86-64.so.2"


@needs_gcc
def test_old_style_rpath_is_read_as_rpath(build: Build) -> None:
    lib = build(GETRANDOM, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/a:$ORIGIN/b")
    s = summary_of(lib)
    assert s.rpath == ("$ORIGIN/a", "$ORIGIN/b") and s.runpath == ()


@needs_gcc
def test_stream_and_bytes_give_the_same_summary(build: Build) -> None:
    lib = build(GETRANDOM)
    data = lib.read_bytes()
    full = summarize(data, "x", ARCHES)
    assert summarize(io.BytesIO(data), "x", ARCHES, size=len(data)) == full
    assert summarize(io.BytesIO(data), "x", ARCHES) == full
    # what the auditor asks for: everything but the defined symbols
    without = summarize(io.BytesIO(data), "x", ARCHES, size=len(data), exported=False)
    assert full.exported and without == replace(full, exported=())


class _CountingStream(io.BytesIO):
    """A stream that counts how often it is rewound (each rewind is one more pass)."""

    rewinds = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) == (0, 0):
            self.rewinds += 1
        return super().seek(offset, whence)


@needs_gcc
@pytest.mark.parametrize("cut", ["before the hash table", "after the hash table"])
def test_tables_beyond_the_first_pass_are_read_in_a_second(
    build: Build, cut: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first pass keeps too little; the second reads each table again, sized exactly when
    the hash table was kept, else up to the next table, and gives the same summary."""
    from elftools.elf.elffile import ELFFile

    import reference_impl.elf as elf_module

    lib = build(CXX_MANY, cxx=True)
    data = lib.read_bytes()
    sections = {s.name: s["sh_offset"] for s in ELFFile(io.BytesIO(data)).iter_sections()}
    limit = sections[".gnu.hash"] - 8 if cut == "before the hash table" else sections[".dynsym"]
    monkeypatch.setattr(elf_module, "_FIRST_SEGMENT_LIMIT", limit)
    monkeypatch.setattr(elf_module, "_HEAD_LIMIT", limit)
    monkeypatch.setattr(elf_module, "_SMALL_SEGMENT", 0)
    stream = _CountingStream(data)
    streamed = summarize(stream, "x", ARCHES, size=len(data))
    assert stream.rewinds == 1
    assert streamed == summarize(data, "x", ARCHES)
    assert len(streamed.undefined) > 3


@needs_gcc
@pytest.mark.parametrize(
    ("slacks", "rewinds"),
    [((8, 1 << 16), 2), ((8, 16), 3)],
    ids=["the larger slack holds the version table", "neither does: the missing range is followed"],
)
def test_a_version_table_of_unknown_size_is_retried_then_followed(
    build: Build, slacks: tuple[int, int], rewinds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last table (``.gnu.version_r``) has no size in the dynamic section: a second pass
    keeps a little of it, a third more, and a layout that defeats both is read again for the
    range found missing (never the whole file, whose size may be anything)."""
    from elftools.elf.elffile import ELFFile

    import reference_impl.elf as elf_module

    lib = build(CXX_MANY, cxx=True)
    data = lib.read_bytes()
    sections = {s.name: s["sh_offset"] for s in ELFFile(io.BytesIO(data)).iter_sections()}
    monkeypatch.setattr(elf_module, "_FIRST_SEGMENT_LIMIT", sections[".gnu.hash"])
    monkeypatch.setattr(elf_module, "_HEAD_LIMIT", sections[".gnu.hash"])
    monkeypatch.setattr(elf_module, "_SMALL_SEGMENT", 0)
    monkeypatch.setattr(elf_module, "_SLACKS", slacks)
    stream = _CountingStream(data)
    streamed = summarize(stream, "x", ARCHES, size=len(data))
    assert stream.rewinds == rewinds
    assert streamed == summarize(data, "x", ARCHES)
    assert "GLIBCXX_3.4" in {v for need in streamed.version_needs for v in need.versions}


CXX_MANY = """
#include <string>
#include <vector>
#include <stdexcept>
std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s;
    if (out.empty()) throw std::runtime_error("empty");
    return out;
}
"""


@needs_gcc
def test_executable_stack_is_seen(build: Build) -> None:
    assert summary_of(build(GETRANDOM, "-Wl,-z,execstack")).executable_stack is True


@needs_gcc
def test_cxx_object_needs_libstdcxx_versions(build: Build) -> None:
    lib = build("#include <string>\nstd::string f() { return std::string(40, 'x'); }\n", cxx=True)
    s = summary_of(lib)
    assert "libstdc++.so.6" in s.needed
    needs = {n.library: n.versions for n in s.version_needs}
    assert any(v.startswith("GLIBCXX_") for v in needs["libstdc++.so.6"])


@needs_gcc
def test_version_definitions_and_exported_versions(build: Build, tmp_path: Path) -> None:
    script = tmp_path / "v.map"
    script.write_text("FOO_1.0 { global: foo; local: *; };\nFOO_2.0 { global: bar; } FOO_1.0;\n")
    lib = build(
        "int foo(void){return 1;}\nint bar(void){return 2;}\n", f"-Wl,--version-script={script}"
    )
    s = summary_of(lib)
    assert s.version_definitions == ("FOO_1.0", "FOO_2.0")
    assert {str(sym) for sym in s.exported} >= {"foo@FOO_1.0", "bar@FOO_2.0"}


def _linker_knows_isa_levels() -> bool:
    if shutil.which("gcc") is None:
        return False
    done = subprocess.run(
        ["gcc", "-shared", "-x", "c", "-", "-o", "/dev/null", "-Wl,-z,x86-64-v3"],
        input="int x;",
        text=True,
        capture_output=True,
    )
    return done.returncode == 0 and "warning" not in done.stderr


@pytest.mark.skipif(not _linker_knows_isa_levels(), reason="linker lacks -z x86-64-v3")
def test_isa_level_note_from_the_linker(build: Build) -> None:
    s = summary_of(build("int f(int x){return x*3;}", "-march=x86-64-v3", "-Wl,-z,x86-64-v3"))
    assert s.isa_needed is not None
    assert ARCHES["x86_64"].isa_levels[s.isa_level] == "x86-64-v3"


# --- the crafter's fixtures: every architecture the policies name, and the near misses ---


def _manifest() -> dict[str, dict[str, object]]:
    path = FIXTURES.parent / "MANIFEST.json"
    if not path.exists():
        return {}
    files: dict[str, dict[str, object]] = json.loads(path.read_text())["files"]
    return files


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="crafted fixtures not generated")
@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_every_policy_architecture_is_recognised_in_crafted_files(arch: str) -> None:
    path = FIXTURES / f"{arch}-minimal.so"
    assert path.exists(), f"no crafted fixture for {arch}"
    s = summary_of(path)
    assert s.architecture == arch
    assert default_policies().architectures[arch].loader.startswith("ld")


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="crafted fixtures not generated")
@pytest.mark.parametrize(
    "name", ["x32-minimal.so", "armv7l-softfloat-minimal.so", "unknown-machine.so"]
)
def test_near_miss_identities_are_no_architecture(name: str) -> None:
    assert summary_of(FIXTURES / name).architecture is None


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="crafted fixtures not generated")
@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("x86_64-isa-v2.so", "x86-64-v2"),
        ("x86_64-isa-v3.so", "x86-64-v3"),
        ("x86_64-isa-v4.so", "x86-64-v4"),
    ],
)
def test_crafted_isa_notes(name: str, level: str) -> None:
    s = summary_of(FIXTURES / name)
    assert ARCHES["x86_64"].isa_levels[s.isa_level] == level


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="crafted fixtures not generated")
@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in FIXTURES.glob("broken-*")) if FIXTURES.is_dir() else [],
)
def test_broken_fixtures_are_one_line_errors(name: str) -> None:
    with pytest.raises(ELFError) as caught:
        summary_of(FIXTURES / name)
    assert caught.value.source == name
    assert "\n" not in str(caught.value)


# --- hand-made headers: the mapping from (class, byte order, machine, flags) ---


def _header(bits: int, endianness: str, machine: int, flags: int = 0) -> bytes:
    """A 64-byte ELF header with no program or section headers."""
    end = "<" if endianness == "little" else ">"
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if end == "<" else 2, 1]) + bytes(9)
    if bits == 64:
        rest = struct.pack(
            end + "HHIQQQIHHHHHH", 3, machine, 1, 0, 0, 0, flags, 64, 56, 0, 64, 0, 0
        )
    else:
        rest = struct.pack(
            end + "HHIIIIIHHHHHH", 3, machine, 1, 0, 0, 0, flags, 52, 32, 0, 40, 0, 0
        )
    return ident + rest


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_header_identity_maps_to_policy_architecture(arch: str) -> None:
    a = ARCHES[arch]
    flags = 0
    if a.arm_eabi_version is not None:
        flags |= a.arm_eabi_version << 24
    if a.arm_float_abi == "hard":
        flags |= 0x400
    data = _header(a.bits, a.endianness, ENUM_E_MACHINE[a.elf_machine], flags)
    s = summarize(data, "h", ARCHES)
    assert s.architecture == arch
    assert s.needed == () and s.executable_stack is None


def test_x32_is_not_x86_64() -> None:
    assert (
        summarize(_header(32, "little", ENUM_E_MACHINE["EM_X86_64"]), "h", ARCHES).architecture
        is None
    )


def test_ppc64_byte_order_decides() -> None:
    machine = ENUM_E_MACHINE["EM_PPC64"]
    assert summarize(_header(64, "big", machine), "h", ARCHES).architecture == "ppc64"
    assert summarize(_header(64, "little", machine), "h", ARCHES).architecture == "ppc64le"


def test_soft_float_arm_is_not_armv7l() -> None:
    soft = _header(32, "little", ENUM_E_MACHINE["EM_ARM"], (5 << 24) | 0x200)
    assert summarize(soft, "h", ARCHES).architecture is None


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x7fELF", "truncated header"),
        (b"\x7fELF\x07\x01\x01" + bytes(60), "bad class"),
        (_header(64, "little", 62)[:40], "header cut short"),
    ],
)
def test_broken_headers_raise_elf_error(data: bytes, why: str) -> None:
    with pytest.raises(ELFError) as caught:
        summarize(data, "pkg/_x.so", ARCHES)
    assert caught.value.source == "pkg/_x.so", why
    assert "\n" not in caught.value.problem


@needs_gcc
def test_truncated_real_object_is_an_elf_error(build: Build) -> None:
    data = build(GETRANDOM).read_bytes()
    for cut in (100, len(data) // 3, len(data) - 200):
        with pytest.raises(ELFError):
            summarize(data[:cut], "cut.so", ARCHES)


def test_an_unknown_class_names_its_bytes_in_hex_not_as_a_repr_escaped_twice() -> None:
    """Bytes from input are named as hex digits, which no printer escapes again."""
    architectures = default_policies().architectures
    with pytest.raises(ELFError) as caught:
        summarize(b"\x7fELF\x00\x1b" + bytes(58), "odd.so", architectures)
    assert "unknown ELF class or byte order 0x001b" in str(caught.value)


def test_the_machine_names_read_without_pyelftools_are_pyelftools_names() -> None:
    from elftools.elf.enums import ENUM_E_TYPE

    from reference_impl.elf import _MACHINE_NAMES, _TYPE_NAMES

    assert {ENUM_E_MACHINE[name]: name for name in _MACHINE_NAMES.values()} == _MACHINE_NAMES
    assert {ENUM_E_TYPE[name]: name for name in _TYPE_NAMES.values()} == _TYPE_NAMES
    assert {a.elf_machine for a in ARCHES.values()} <= set(_MACHINE_NAMES.values())


@pytest.mark.parametrize(
    ("number", "name"), [(43, "EM_SPARCV9"), (8, "EM_MIPS"), (0x7777, "30583")]
)
def test_a_machine_no_baseline_knows_is_named_as_pyelftools_names_it(
    number: int, name: str
) -> None:
    assert summarize(_header(64, "little", number), "h", ARCHES).machine == name


def test_a_header_cut_short_is_refused() -> None:
    with pytest.raises(ELFError, match="cut short"):
        summarize(_header(64, "little", 62)[:40], "h", ARCHES)
