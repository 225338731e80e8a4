"""Cross-checks against real toolchains: gcc's output and glibc's own dynamic loader.

gcc: a tiny shared object compiled here has the same structural facts as the crafter's
x86_64 output (readelf's view, not bytes). glibc: the crafted x86_64 files really load; the
loader checks the GNU hash table, the version records and their hashes, which no reader above
does.
"""

from __future__ import annotations

import ctypes
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.craft.elf import ElfSpec, Symbol, build_elf
from conformance.craft.generate import FIXTURES

from .test_readelf_reads import parse, run_readelf

GCC = shutil.which("gcc")
LOADER = Path("/lib64/ld-linux-x86-64.so.2")
on_x86_64_glibc = pytest.mark.skipif(
    platform.machine() != "x86_64" or not LOADER.exists(),
    reason="needs an x86_64 glibc system to load x86_64 files",
)
SOURCE = """
#include <stdlib.h>
#include <sys/random.h>
void *PyInit__getrandom(void) {
    char buffer[8];
    getrandom(buffer, sizeof buffer, 0);
    return malloc(1);
}
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GCC is None or shutil.which("readelf") is None:
        pytest.skip("gcc or readelf is not installed")
    where = tmp_path_factory.mktemp("gcc")
    (where / "ext.c").write_text(SOURCE)
    output = where / "_getrandom.so"
    subprocess.run(
        [GCC, "-shared", "-fPIC", "-O1", "-Wl,-soname,_getrandom.so", "-o", str(output), "ext.c"],
        cwd=where,
        check=True,
        capture_output=True,
    )
    return output


def _header(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["readelf", "-W", "-h", str(path)], capture_output=True, text=True, check=True
    ).stdout
    wanted = ("Class", "Data", "Version", "OS/ABI", "ABI Version", "Type", "Machine", "Flags")
    fields = {}
    for line in out.splitlines():
        key, _, value = line.strip().partition(":")
        if key in wanted:
            fields[key] = value.strip()
    return fields


@on_x86_64_glibc
def test_gcc_and_the_crafter_agree_on_the_header(compiled: Path) -> None:
    crafted = FIXTURES / "elf" / "x86_64-getrandom.so"
    assert _header(compiled) == _header(crafted)


@on_x86_64_glibc
def test_gcc_and_the_crafter_agree_on_the_dynamic_facts(compiled: Path) -> None:
    real = parse(run_readelf(compiled))
    crafted = parse(run_readelf(FIXTURES / "elf" / "x86_64-getrandom.so"))
    assert real["soname"] == crafted["soname"] == "_getrandom.so"
    assert real["needed"] == crafted["needed"] == ["libc.so.6"]
    assert set(real["version_needs"]["libc.so.6"]) == set(crafted["version_needs"]["libc.so.6"])
    for symbol in crafted["symbols"]:
        assert symbol in real["symbols"]
    assert real["stack"] == crafted["stack"] == "RW"


@on_x86_64_glibc
def test_gcc_sections_cover_the_crafted_ones(compiled: Path) -> None:
    def sections(path: Path) -> set[str]:
        out = subprocess.run(
            ["readelf", "-W", "-S", str(path)], capture_output=True, text=True, check=True
        ).stdout
        return {line.split("]")[1].split()[0] for line in out.splitlines() if "] ." in line}

    assert sections(FIXTURES / "elf" / "x86_64-getrandom.so") <= sections(compiled)


@on_x86_64_glibc
@pytest.mark.parametrize("name", ["x86_64-minimal", "x86_64-getrandom", "x86_64-versioned-library"])
def test_glibc_loads_crafted_shared_objects(name: str) -> None:
    library = ctypes.CDLL(str(FIXTURES / "elf" / f"{name}.so"))
    if name == "x86_64-versioned-library":
        for symbol in ("demo_open", "demo_table", "demo_hook"):
            assert getattr(library, symbol) is not None  # found through .gnu.hash


@on_x86_64_glibc
@pytest.mark.parametrize("name", ["x86_64-interpreter", "x86_64-exec"])
def test_glibc_lists_the_crafted_executable_dependencies(name: str) -> None:
    result = subprocess.run(
        [str(LOADER), "--list", str(FIXTURES / "elf" / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "libc.so.6 =>" in result.stdout


@on_x86_64_glibc
def test_glibc_refuses_a_version_it_does_not_have(tmp_path: Path) -> None:
    """Proof that the loader reads the crafted .gnu.version_r (and its hashes) for real."""
    spec = ElfSpec(
        arch="x86_64",
        soname="libfuture.so",
        needed=("libc.so.6",),
        version_needs=(("libc.so.6", ("GLIBC_99.0",)),),
        symbols=(Symbol("malloc", "GLIBC_99.0"),),
    )
    path = tmp_path / "libfuture.so"
    path.write_bytes(build_elf(spec))
    with pytest.raises(OSError, match=r"GLIBC_99\.0' not found"):
        ctypes.CDLL(str(path))
