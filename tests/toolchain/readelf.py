"""What binutils' readelf reports about one ELF file, parsed from its text.

readelf is the independent witness for the real-toolchain binaries: it was written by other
people, from the ELF specification, and reads every architecture. This module only parses its
report (``readelf -W -h -l -d -V -n --dyn-syms``); it interprets nothing. Its layout is stable
across binutils releases (checked on 2.40).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

READELF = shutil.which("readelf")


@dataclass(frozen=True)
class DynSymbol:
    """One ``.dynsym`` line joined with its ``.gnu.version`` entry."""

    index: int
    type: str
    bind: str
    section: str
    """``UND``, ``ABS`` or a section number."""
    name: str
    version: str | None
    """The version name from ``.gnu.version`` (None for ``*local*`` and ``*global*``)."""
    version_index: int
    """The ``.gnu.version`` index (0 and 1 are ``*local*`` and ``*global*``)."""


@dataclass
class Report:
    """The facts of one readelf report."""

    elf_class: str
    data: str
    machine: str
    flags: int
    type: str
    dynamic_tags: set[str] = field(default_factory=set)
    """The tags of the dynamic section, as readelf names them (``HASH``, ``GNU_HASH``...)."""
    soname: str | None = None
    needed: list[str] = field(default_factory=list)
    rpath: list[str] = field(default_factory=list)
    runpath: list[str] = field(default_factory=list)
    version_needs: dict[str, list[tuple[str, bool, int]]] = field(default_factory=dict)
    """Library -> (version name, weak, version index) in table order."""
    version_definitions: list[tuple[str, bool, int]] = field(default_factory=list)
    """(name, is the BASE definition, version index) in table order."""
    symbols: list[DynSymbol] = field(default_factory=list)
    gnu_stack: str | None = None
    """The GNU_STACK flags (``RW``, ``RWE``), or None without that program header."""
    isa_needed: list[str] | None = None
    interpreter: bool = False
    """Whether the program headers include INTERP (a program, not a library)."""


def run(path: Path) -> str:
    """readelf's report on ``path``; it must print no warning or error."""
    assert READELF is not None
    done = subprocess.run(
        [READELF, "-W", "-h", "-l", "-d", "-V", "-n", "--dyn-syms", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def gnu_hashed_symbols(path: Path) -> int:
    """How many symbols ``.gnu.hash`` holds, from readelf's bucket histogram (``-I``)."""
    assert READELF is not None
    text = subprocess.run(
        [READELF, "-W", "-I", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    ).stdout
    _, _, histogram = text.partition("Histogram for `.gnu.hash'")
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+\(", histogram, re.M)
    return sum(int(length) * int(number) for length, number in rows)


_HEADER = re.compile(r"^  ([A-Za-z/ ]+):\s+(.*?)\s*$", re.M)
_DYNAMIC = re.compile(r"\((NEEDED|SONAME|RPATH|RUNPATH)\)\s+Library \w+: \[(.*)\]$|"
                      r"\(NEEDED\)\s+Shared library: \[(.*)\]$")  # fmt: skip
_DYNAMIC_TAG = re.compile(r"^ 0x[0-9a-f]+ \((\w+)\)")
_SYMBOL = re.compile(
    r"^\s+(\d+): [0-9a-f]+\s+\S+ (\w+)\s+(\w+)\s+\w+(?: \[[^\]]*\])?\s+(\w+) ?(.*)$"
)
_VERSYM = re.compile(r"(\d+)h?\s*\(([^)]*)\)")
_NEED_FILE = re.compile(r"^\s+(?:0x[0-9a-f]+|0+): Version: \d+\s+File: (\S+)\s+Cnt: \d+$")
_NEED_NAME = re.compile(r"^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags: (.*?)\s+Version: (\d+)$")
_DEFINITION = re.compile(r"Rev: \d+\s+Flags: (.*?)\s+Index: (\d+)\s+Cnt: \d+\s+Name: (\S+)$")
_STACK = re.compile(r"^\s+GNU_STACK\s+(?:\S+\s+){5}(R?\s?W?\s?E?)\s+0x", re.M)
_INTERP = re.compile(r"^\s+INTERP\s+0x", re.M)
_ISA = re.compile(r"x86 ISA needed: (.*)$", re.M)


def parse(text: str) -> Report:
    """The facts of a report made by :func:`run`."""
    header = dict(_HEADER.findall(text))
    report = Report(
        elf_class=header["Class"],
        data=header["Data"],
        machine=header["Machine"],
        flags=int(header["Flags"].split(",")[0], 16),
        type=header["Type"].split()[0],
    )
    section = ""
    need_file = ""
    versyms: list[tuple[int, str]] = []
    for line in text.splitlines():
        if line.startswith(("Symbol table", "Version symbols", "Version needs", "Version def")):
            section = line.split()[0] + line.split()[1]
        if m := _DYNAMIC_TAG.match(line):
            report.dynamic_tags.add(m.group(1))
        if m := _DYNAMIC.search(line):
            kind, value, needed = m.groups()
            if needed is not None:
                report.needed.append(needed)
            elif kind == "SONAME":
                report.soname = value
            else:
                getattr(report, kind.lower()).extend(p for p in value.split(":") if p)
        elif section == "Symboltable" and (m := _SYMBOL.match(line)):
            index, kind, bind, ndx, name = m.groups()
            plain = re.split(r"@@?", name)[0].removesuffix(" ")
            report.symbols.append(DynSymbol(int(index), kind, bind, ndx, plain, None, 1))
        elif section == "Versionsymbols" and re.match(r"^\s+[0-9a-f]{3,}:", line):
            versyms.extend((int(i), v) for i, v in _VERSYM.findall(line.split(":", 1)[1]))
        elif section == "Versionneeds" and (m := _NEED_FILE.match(line)):
            need_file = m.group(1)
            report.version_needs[need_file] = []
        elif section == "Versionneeds" and (m := _NEED_NAME.match(line)):
            name, flags, index = m.groups()
            report.version_needs[need_file].append((name, "WEAK" in flags, int(index)))
        elif section == "Versiondefinition" and (m := _DEFINITION.search(line)):
            flags, index, name = m.groups()
            report.version_definitions.append((name, "BASE" in flags, int(index)))
    if versyms:
        assert len(versyms) == len(report.symbols), "readelf's two symbol tables disagree"
        report.symbols = [
            DynSymbol(s.index, s.type, s.bind, s.section, s.name, None if i <= 1 else version, i)
            for s, (i, version) in zip(report.symbols, versyms, strict=True)
        ]
    if m := _STACK.search(text):
        report.gnu_stack = m.group(1).replace(" ", "")
    report.interpreter = _INTERP.search(text) is not None
    if m := _ISA.search(text):
        report.isa_needed = sorted(part.strip() for part in m.group(1).split(","))
    return report
