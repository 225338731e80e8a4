"""binutils' readelf reads every valid ELF fixture without a warning and reports its recipe.

readelf is written independently of both the crafter and pyelftools, and it warns loudly about
inconsistent headers, segments and version records. It comes with binutils (Debian: apt-get
install binutils); without it these tests are skipped, saying so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .craft_expect import Subject, arch_facts, expected, subject_ids

READELF = shutil.which("readelf")
pytestmark = pytest.mark.skipif(
    READELF is None, reason="binutils' readelf is not installed (apt-get install binutils)"
)


def _readelf(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    assert READELF is not None
    return subprocess.run(
        [READELF, "-W", "-h", "-d", "-V", "--dyn-syms", "-l", *options, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )


def run_readelf(path: Path) -> str:
    """readelf's report; any output on stderr or any 'Warning' fails the test."""
    result = _readelf(path, "-n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert "warning" not in result.stdout.lower()
    return result.stdout


def parse(report: str) -> dict[str, Any]:
    """The facts, from readelf's text (its layout is stable across binutils releases)."""
    header = dict(re.findall(r"^  ([A-Za-z ]+):\s+(.*?)\s*$", report, re.M))
    facts: dict[str, Any] = {
        "class": header["Class"],
        "data": header["Data"],
        "machine_name": header["Machine"],
        "flags_text": header["Flags"],
        "type": "ET_EXEC" if header["Type"].startswith("EXEC") else "ET_DYN",
        "interp": None,
        "needed": re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", report),
        "version_needs": {},
        "version_defs": [],
        "symbols": [],
        "isa": [],
        "stack": None,
    }
    interp = re.search(r"\[Requesting program interpreter: (.*)\]", report)
    facts["interp"] = interp.group(1) if interp else None
    for key in ("soname", "rpath", "runpath"):
        hit = re.search(rf"Library {key}: \[(.*)\]", report)
        facts[key] = hit.group(1) if hit else None
    current = None
    for line in report.splitlines():
        # readelf prints the first record's offset as 000000, the others as 0x0020.
        if m := re.match(r"\s+(?:0x[0-9a-f]+|0+): Version: 1\s+File: (\S+)\s+Cnt:", line):
            current = m.group(1)
            facts["version_needs"][current] = []
        elif (
            m := re.match(r"\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags: \S+\s+Version: \d+", line)
        ) and current:
            facts["version_needs"][current].append(m.group(1))
        elif m := re.search(r"Rev: 1\s+Flags: \S+\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)", line):
            facts["version_defs"].append(m.group(1))
        elif m := re.match(
            r"\s+\d+: [0-9a-f]+\s+\d+ (\w+)\s+(\w+)\s+\w+\s+(\w+) (\S+?)(?: \(\d+\))?$", line
        ):
            kind, bind, ndx, full = m.groups()
            name, sign, version = full, "@", None
            if "@@" in full:
                name, version = full.split("@@")
                sign = "@@"
            elif "@" in full:
                name, version = full.split("@")
            facts["symbols"].append((name, version, sign, ndx != "UND", bind, kind))
        elif m := re.search(r"x86 ISA needed: (.*)$", line):
            facts["isa"] = sorted(part.strip() for part in m.group(1).split(","))
        elif m := re.match(r"\s+GNU_STACK\s+(?:\S+\s+){5}(R?W?E?)\s+0x", line):
            facts["stack"] = m.group(1)
    facts["symbols"].sort()
    return facts


@pytest.mark.parametrize("subject_id", subject_ids())
def test_readelf_reads_what_the_recipe_says(subject_id: str, subjects: dict[str, Subject]) -> None:
    subject = subjects[subject_id]
    want = expected(subject.spec)
    arch = arch_facts(subject.spec)
    got = parse(run_readelf(subject.path))
    assert got.pop("class") == f"ELF{arch.bits}"
    assert got.pop("data") == f"2's complement, {'little' if arch.little else 'big'} endian"
    assert got.pop("machine_name") == arch.readelf_machine
    assert got.pop("flags_text") == arch.readelf_flags
    for key in ("bits", "little", "machine", "flags"):
        want.pop(key)
    assert got == want


def test_the_parser_sees_versions_and_notes(subjects: dict[str, Subject]) -> None:
    """Guard against a parser that silently finds nothing: these fixtures have it all."""
    library = parse(run_readelf(subjects["elf/x86_64-versioned-library"].path))
    assert ("demo_open", "LIBDEMO_1.0", "@", True, "GLOBAL", "FUNC") in library["symbols"]
    assert library["version_defs"] == ["libdemo.so.2", "LIBDEMO_1.0", "LIBDEMO_2.0"]
    assert library["stack"] is None
    isa = parse(run_readelf(subjects["elf/x86_64-isa-v3"].path))
    assert isa["isa"] == ["x86-64-v3"]
    cxx = parse(run_readelf(subjects["elf/aarch64-glibcxx"].path))
    assert cxx["version_needs"]["libstdc++.so.6"][-1] == "GLIBCXX_3.4.26"


def test_readelf_reports_an_error_for_every_broken_fixture() -> None:
    """The second, independent reader agrees that the bad-input fixtures are bad."""
    from conformance.craft.generate import FIXTURES
    from conformance.craft.recipes import load_all

    elves, _ = load_all()
    broken = [r for r in elves.values() if r.broken is not None]
    assert len(broken) == 5
    for recipe in broken:
        result = _readelf(FIXTURES / recipe.output)
        assert re.search(r"(Error|Warning):", result.stderr), recipe.name
