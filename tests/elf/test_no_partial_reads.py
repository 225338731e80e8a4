"""Hostile ELF files are refused in one line; never judged from a partial read, never costly.

Each file starts from a valid crafted library (libm's GLIBC_2.2.5 need first, libc's
GLIBC_2.14 need second, an x86 ISA note) and has one field changed. Where a field sits is
found with pyelftools, a reader independent of ``reference_impl.elf``. The memory test runs
``perennial audit`` on every hostile wheel in one child process and asserts, from the child's
own ``getrusage``, that its peak RSS grew by at most 64 MB from start-up.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from conformance.craft import build_elf, build_wheel
from conformance.craft.elf import ElfSpec, Symbol
from conformance.craft.wheel import Member, WheelSpec
from reference_impl.elf import summarize
from reference_impl.errors import ELFError
from reference_impl.policy import default_policies

ARCHES = default_policies().architectures
MEMBER = "demo/_hostile.so"
PEAK_GROWTH_LIMIT_KB = 64 * 1024

BASE = build_elf(
    ElfSpec(
        arch="x86_64",
        soname="_hostile.so",
        needed=("libm.so.6", "libc.so.6"),
        version_needs=(
            ("libm.so.6", ("GLIBC_2.2.5",)),
            ("libc.so.6", ("GLIBC_2.2.5", "GLIBC_2.14")),
        ),
        symbols=(
            Symbol("sin", "GLIBC_2.2.5", library="libm.so.6"),
            Symbol("malloc", "GLIBC_2.2.5", library="libc.so.6"),
            Symbol("memcpy", "GLIBC_2.14", library="libc.so.6"),
            Symbol("PyInit__hostile", defined=True),
        ),
        isa_needed=("x86-64-v2",),
    )
)


def _elf() -> ELFFile:
    return ELFFile(io.BytesIO(BASE))


def _segment_field(ptype: str, field: str) -> int:
    """File offset of one field of the first program header of type ``ptype`` (ELF64)."""
    elf = _elf()
    index = next(i for i, seg in enumerate(elf.iter_segments()) if seg["p_type"] == ptype)
    at = {"p_offset": 8, "p_filesz": 32}[field]
    return int(elf["e_phoff"]) + index * int(elf["e_phentsize"]) + at


def _dynamic_value(tag: str) -> int:
    """File offset of the value of the dynamic entry ``tag``."""
    dynamic = _elf().get_section_by_name(".dynamic")
    index = next(i for i, entry in enumerate(dynamic.iter_tags()) if entry["d_tag"] == tag)
    return int(dynamic["sh_offset"]) + index * 16 + 8


def _section(name: str) -> int:
    return int(_elf().get_section_by_name(name)["sh_offset"])


def _second_need() -> int:
    """Offset of the second Verneed record (libc's), from the first one's vn_next."""
    first = _section(".gnu.version_r")
    (vn_next,) = struct.unpack_from("<I", BASE, first + 12)
    return first + vn_next


def _patch(*edits: tuple[int, str, int]) -> bytes:
    data = bytearray(BASE)
    for offset, fmt, value in edits:
        struct.pack_into("<" + fmt, data, offset, value)
    return bytes(data)


GiB = 1 << 30
E_SHOFF = 0x28
"""Where ``e_shoff`` sits in an ELF64 header."""
Edit = Callable[[], bytes]
HOSTILE: dict[str, tuple[Edit, str]] = {
    # (how to make it, what the one-line error must say)
    "first need ends the chain, VERNEEDNUM 2^32-1": (
        lambda: _patch(
            (_section(".gnu.version_r") + 12, "I", 0),
            (_dynamic_value("DT_VERNEEDNUM"), "Q", 2**32 - 1),
        ),
        "version need chain ends after 1 of 4294967295 entries",
    ),
    "first need ends the chain, VERNEEDNUM 2": (
        lambda: _patch((_section(".gnu.version_r") + 12, "I", 0)),
        "version need chain ends after 1 of 2 entries",
    ),
    "the chain goes on past VERNEEDNUM": (
        lambda: _patch((_dynamic_value("DT_VERNEEDNUM"), "Q", 1)),
        "version need chain goes on past its 1 entries",
    ),
    "an aux chain ends before vn_cnt": (
        lambda: _patch((_second_need() + 16 + 12, "I", 0)),
        "libc.so.6 version chain ends after 1 of 2 entries",
    ),
    "an aux entry points out of its segment": (
        lambda: _patch((_second_need() + 16 + 12, "I", 0x7FFFFFF0)),
        "version need chain leaves its segment",
    ),
    "a need's aux is the need itself": (
        lambda: _patch((_second_need() + 8, "I", 0)),
        "version need chain revisits its entries",
    ),
    "a need the tables lost: memcpy's version index has no entry": (
        lambda: _patch(
            (_dynamic_value("DT_VERNEEDNUM"), "Q", 1), (_section(".gnu.version_r") + 12, "I", 0)
        ),
        "needs version index",
    ),
    "DT_VERNEED without DT_VERNEEDNUM": (
        lambda: _patch((_dynamic_value("DT_VERNEEDNUM") - 8, "q", 0x6FFFFF00)),
        "DT_VERNEED but no DT_VERNEEDNUM",
    ),
    "PT_DYNAMIC p_filesz of 3 GiB": (
        lambda: _patch((_segment_field("PT_DYNAMIC", "p_filesz"), "Q", 3 * GiB)),
        "runs past the end",
    ),
    "PT_NOTE p_filesz of 2 GiB": (
        lambda: _patch((_segment_field("PT_NOTE", "p_filesz"), "Q", 2 * GiB)),
        "runs past the end",
    ),
    "PT_GNU_PROPERTY p_filesz of 4 GiB": (
        lambda: _patch((_segment_field("PT_GNU_PROPERTY", "p_filesz"), "Q", 4 * GiB - 1)),
        "runs past the end",
    ),
    "DT_STRSZ of 2^40": (
        lambda: _patch((_dynamic_value("DT_STRSZ"), "Q", 1 << 40)),
        "lies outside the file",
    ),
    ".dynsym sh_size of 2^40": (
        lambda: _patch((_dynsym_header() + 32, "Q", 1 << 40)),
        "lies outside the file",
    ),
    ".gnu.hash nbuckets of 2^31": (
        # without section headers (e_shoff 0) the symbols are counted from .gnu.hash
        lambda: _patch((_section(".gnu.hash"), "I", 1 << 31), (E_SHOFF, "Q", 0)),
        "lies outside the file",
    ),
}


def _dynsym_header() -> int:
    elf = _elf()
    index = next(i for i, s in enumerate(elf.iter_sections()) if s.name == ".dynsym")
    return int(elf["e_shoff"]) + index * int(elf["e_shentsize"])


def test_the_base_file_is_read_whole() -> None:
    """The unharmed file: both of libc's needs, memcpy at GLIBC_2.14."""
    summary = summarize(BASE, MEMBER, ARCHES)
    needs = {need.library: need.versions for need in summary.version_needs}
    assert needs == {"libm.so.6": ("GLIBC_2.2.5",), "libc.so.6": ("GLIBC_2.2.5", "GLIBC_2.14")}
    assert {str(s) for s in summary.undefined} == {
        "sin@GLIBC_2.2.5",
        "malloc@GLIBC_2.2.5",
        "memcpy@GLIBC_2.14",
    }
    assert summary.isa_needed is not None


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("form", ["bytes", "stream"])
def test_hostile_file_is_a_one_line_error(name: str, form: str) -> None:
    make, words = HOSTILE[name]
    data = make()
    source = data if form == "bytes" else io.BytesIO(data)
    with pytest.raises(ELFError) as caught:
        summarize(source, MEMBER, ARCHES, size=len(data))
    assert caught.value.source == MEMBER
    assert words in caught.value.problem
    assert "\n" not in caught.value.problem


def _wheel(elf: bytes, tag: str = "manylinux_2_5_x86_64") -> bytes:
    return build_wheel(
        WheelSpec(
            name="demo",
            version="1.0",
            tags=f"cp311-cp311-{tag}",
            members=(Member(MEMBER, elf), Member("demo/__init__.py", b"")),
        )
    )


CHILD = """
import contextlib, io, json, resource, sys
from reference_impl.cli import main

def audit(path):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["audit", path])
    return {"path": path, "code": code, "stderr": err.getvalue()}

audit(sys.argv[1])  # start-up: imports and the policy data, on the unharmed wheel
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
runs = [audit(path) for path in sys.argv[2:]]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"start_kb": start, "peak_kb": peak, "runs": runs}))
"""


def test_hostile_wheels_exit_3_naming_the_member_within_64_mb(tmp_path: Path) -> None:
    base = tmp_path / "demo-1.0-cp311-cp311-manylinux_2_5_x86_64.whl"
    base.write_bytes(_wheel(BASE))
    paths = []
    for number, name in enumerate(sorted(HOSTILE)):
        folder = tmp_path / str(number)
        folder.mkdir()
        path = folder / base.name
        path.write_bytes(_wheel(HOSTILE[name][0]()))
        assert path.stat().st_size < 4096  # a few KB that declare gigabytes
        paths.append(str(path))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(base), *paths],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    for run in report["runs"]:
        assert run["code"] == 3, run
        line = run["stderr"].strip()
        assert "\n" not in line and f"member {MEMBER}: truncated or corrupt ELF file" in line
    growth = report["peak_kb"] - report["start_kb"]
    print(f"peak RSS growth over {len(paths)} hostile wheels: {growth} KB")
    assert growth <= PEAK_GROWTH_LIMIT_KB
