"""Damage a valid ELF file in one precise way, for the bad-input fixtures.

Each kind breaks exactly one thing a reader must check, so a test can tell which check fired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.craft import constants as c
from conformance.craft.layouts import ElfLayout, elf_layout

if TYPE_CHECKING:
    from conformance.craft.recipes import Breakage

BAD_MAGIC = b"\x7fELV"
BAD_CLASS = 7  # neither ELFCLASS32 nor ELFCLASS64
PAST_EOF = 0x10000  # how far beyond the end the moved offsets point


def _layout(data: bytes) -> ElfLayout:
    bits = 64 if data[4] == c.ELFCLASS64 else 32
    return elf_layout(bits, "<" if data[5] == c.ELFDATA2LSB else ">")


def _patch(data: bytearray, offset: int, record: bytes) -> None:
    data[offset : offset + len(record)] = record


def damage(valid: bytes, breakage: Breakage) -> bytes:
    """``valid`` with ``breakage`` applied."""
    data = bytearray(valid)
    layout = _layout(valid)
    header = dict(layout.Ehdr.unpack(valid))
    if breakage.kind == "truncate":
        return bytes(data[: breakage.size])
    if breakage.kind == "bad_magic":
        data[:4] = BAD_MAGIC
    elif breakage.kind == "bad_class":
        data[4] = BAD_CLASS
    elif breakage.kind == "shoff_past_eof":
        header["e_shoff"] = len(valid) + PAST_EOF
        _patch(data, 0, layout.Ehdr.pack(**header))
    elif breakage.kind == "dynamic_outside_file":
        beyond = len(valid) + PAST_EOF
        for i in range(int(header["e_phnum"])):
            at = int(header["e_phoff"]) + i * layout.Phdr.size
            phdr = dict(layout.Phdr.unpack(valid, at))
            if phdr["p_type"] == c.PT_DYNAMIC:
                phdr["p_offset"] = beyond
                _patch(data, at, layout.Phdr.pack(**phdr))
        for i in range(int(header["e_shnum"])):
            at = int(header["e_shoff"]) + i * layout.Shdr.size
            shdr = dict(layout.Shdr.unpack(valid, at))
            if shdr["sh_type"] == c.SHT_DYNAMIC:
                shdr["sh_offset"] = beyond
                _patch(data, at, layout.Shdr.pack(**shdr))
    else:
        raise ValueError(f"unknown breakage {breakage.kind!r}")
    return bytes(data)
