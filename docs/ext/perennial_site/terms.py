"""The builder's vocabulary: what a column means, and what a symbol version means in compiler
terms. Shared by the baseline pages and the target guide so both explain things the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from docutils import nodes

from perennial_site import build

COLUMNS = {
    "architecture": "the architecture as a tag spells it (x86_64, aarch64, ...).",
    "tag": "the perennial tag of the baseline on that architecture, as a wheel file name "
    "carries it.",
    "legacy alias": "the older spelling of the same tag (PEP 513, 571, 599), which pip "
    "releases before 20.3 read; only manylinux_2_5, 2_12 and 2_17 have one.",
    "word": "the word size (32 or 64 bits) and byte order (endianness) of the "
    "architecture's machine code.",
    "ELF machine": "the e_machine value of an ELF header, the number by which a binary says "
    "which processor it is for; an auditor reads it to tell a file's architecture.",
    "highest ISA level": "for x86_64 only, the newest micro-architecture level (x86-64 is "
    "the original AMD64 set; x86-64-v2 adds SSE4.2 and POPCNT, among others) a wheel's "
    "code may require; every CPU that runs the architecture has it.",
    "UBI": "Red Hat's Universal Base Image: the freely redistributable container image of Red "
    "Hat Enterprise Linux, which is where RHEL was observed.",
    "LTS": "long-term support: security fixes after the end of standard support, free of "
    "charge or paid for, depending on the column.",
}
"""Column name -> what it means, for the legends under the tables."""

FAMILY_MEANING = {
    "GLIBC": "glibc {version} or newer",
    "GLIBCXX": "the libstdc++ of GCC {gcc} or newer",
    "CXXABI": "the C++ ABI support of GCC {gcc}'s libstdc++ or newer",
    "GCC": "the libgcc_s of GCC {gcc} or newer",
}
"""Family -> the sentence saying what needing its newest version means."""

CXX_FAMILIES = ("GLIBCXX", "CXXABI")


def legend(columns: Iterable[str]) -> nodes.definition_list:
    """A small definition list explaining ``columns`` (each a key of COLUMNS)."""
    node = nodes.definition_list(classes=["column-legend"])
    for name in columns:
        item = nodes.definition_list_item()
        item += nodes.term(name, name)
        definition = nodes.definition()
        definition += build.para(COLUMNS[name])
        item += definition
        node += item
    return node


def numbered(version: str) -> bool:
    return all(part.isdigit() for part in version.split("."))


def meaning(targets: Any, family: str, version: str) -> tuple[str, str]:
    """(what needing ``FAMILY_VERSION`` means, the default C++ dialect of that GCC or "")."""
    template = FAMILY_MEANING.get(family)
    if template is None:
        return "", ""
    runtime = targets.runtime(family, version) if targets is not None else None
    if family == "GLIBC":
        return template.format(version=version), ""
    if runtime is None:
        return "", ""
    dialect = runtime.dialect if family in CXX_FAMILIES and runtime.dialect else ""
    return template.format(gcc=runtime.gcc), dialect


def compiler_table(
    targets: Any, rows: Sequence[tuple[str, Sequence[str], str]], all_arches: Sequence[str]
) -> nodes.table:
    """Rows of (family, architectures, newest version) as a table in compiler terms."""
    body = []
    for family, arches, version in rows:
        means, dialect = meaning(targets, family, version)
        where = "all" if list(arches) == list(all_arches) else ", ".join(arches)
        body.append(
            [
                build.literal(f"{family}_{version}"),
                where,
                means or "—",
                build.literal(dialect) if dialect else "—",
            ]
        )
    return build.table(
        ["newest version", "architectures", "a wheel may need", "default C++ dialect then"],
        body,
        classes=["compiler-terms"],
    )


FLOOR_NOT_CAP = (
    "These are floors on the runtime libraries a wheel may need, not caps on the compiler. "
    "A newer GCC (a build image's toolchain is usually much newer) builds a conforming "
    "wheel as long as the finished binary needs no newer version node, which an auditor "
    "checks; C++ code "
    "may use a newer standard than the dialect shown if the library features it calls "
    "exist in that libstdc++."
)
