"""Mutations of bytes that know where the fields of an ELF file and a zip archive are.

Blind bit flips mostly break a checksum or a magic number and stop a reader at the door;
writing an interesting value (0, -1, 2^31, 2^63, the file's size, one past it) into an
offset, a size or a count is what reaches the code that trusts them. The field tables here
are written from the ELF and zip specifications, not taken from the reader under test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

Field = tuple[int, int]
"""(offset, width in bytes) of one integer field."""

_ELF32_HEADER = ((16, 2), (18, 2), (20, 4), (24, 4), (28, 4), (32, 4), (36, 4), (40, 2))
_ELF32_HEADER += ((42, 2), (44, 2), (46, 2), (48, 2), (50, 2))
_ELF64_HEADER = ((16, 2), (18, 2), (20, 4), (24, 8), (32, 8), (40, 8), (48, 4), (52, 2))
_ELF64_HEADER += ((54, 2), (56, 2), (58, 2), (60, 2), (62, 2))
_ELF32_PHDR = tuple((at, 4) for at in range(0, 32, 4))
_ELF64_PHDR = ((0, 4), (4, 4), *((at, 8) for at in range(8, 56, 8)))
_ELF32_SHDR = tuple((at, 4) for at in range(0, 40, 4))
_ELF64_SHDR = ((0, 4), (4, 4), (8, 8), (16, 8), (24, 8), (32, 8), (40, 4), (44, 4), (48, 8))
_ELF64_SHDR += ((56, 8),)
_TABLE_SECTIONS = {2, 3, 5, 6, 7, 11, 0x6FFFFFF6, 0x6FFFFFFD, 0x6FFFFFFE, 0x6FFFFFFF}
"""symtab, strtab, hash, dynamic, note, dynsym, gnu_hash, verdef, verneed, versym."""

_LOCAL = (4, 6, 8, 14, 18, 22, 26, 28)
_CENTRAL = (6, 8, 10, 16, 20, 24, 28, 30, 32, 34, 42)
_END = (4, 6, 8, 10, 12, 16, 20)
_WIDTH = {14: 4, 16: 4, 18: 4, 20: 4, 22: 4, 24: 4, 42: 4, 12: 4}
_ZIP_SIGNATURES = {b"PK\x03\x04": _LOCAL, b"PK\x01\x02": _CENTRAL, b"PK\x05\x06": _END}
_ZIP64_END = ((12, 8), (24, 4), (28, 4), (32, 8), (40, 8), (48, 8), (56, 8))
_ZIP64_LOCATOR = ((4, 4), (8, 8), (16, 4))


def interesting(rng: random.Random, width: int, old: int, size: int) -> int:
    """A value that tends to break a reader that trusts the field, for ``width`` bytes."""
    top = (1 << (8 * width)) - 1
    choices = [0, 1, 2, top, top >> 1, (top >> 1) + 1, size, size + 1, size - 1, old + 1]
    choices += [old - 1, old * 2, old + 4096, old ^ (1 << rng.randrange(8 * width))]
    choices += [rng.randrange(top + 1), rng.randrange(256), 0x7FFFFFFF, 0xFFFFFFFF, 1 << 31]
    return rng.choice(choices) & top


def write_int(data: bytearray, field: Field, value: int, little: bool) -> None:
    offset, width = field
    if offset >= 0 and offset + width <= len(data):
        data[offset : offset + width] = value.to_bytes(width, "little" if little else "big")


def read_int(data: bytes | bytearray, field: Field, little: bool) -> int:
    offset, width = field
    return int.from_bytes(data[offset : offset + width], "little" if little else "big")


def elf_fields(data: bytes | bytearray) -> list[Field]:
    """Header, program header and section header fields, and words inside the sections
    that hold the dynamic tables."""
    if len(data) < 64 or data[4] not in (1, 2):
        return []
    wide, little = data[4] == 2, data[5] != 2
    header = _ELF64_HEADER if wide else _ELF32_HEADER
    fields: list[Field] = list(header)
    phoff, shoff = (read_int(data, f, little) for f in (header[4], header[5]))
    phentsize, phnum, shentsize, shnum = (read_int(data, f, little) for f in header[8:12])
    for index in range(min(phnum, 64)):
        base = phoff + index * phentsize
        fields += [(base + at, w) for at, w in (_ELF64_PHDR if wide else _ELF32_PHDR)]
    shdr = _ELF64_SHDR if wide else _ELF32_SHDR
    for index in range(min(shnum, 256)):
        base = shoff + index * shentsize
        if base + shentsize > len(data):
            break
        fields += [(base + at, w) for at, w in shdr]
        kind = read_int(data, (base + 4, 4), little)
        offset = read_int(data, (base + shdr[4][0], shdr[4][1]), little)
        size = read_int(data, (base + shdr[5][0], shdr[5][1]), little)
        if kind in _TABLE_SECTIONS and offset + size <= len(data):
            fields += [(at, 4) for at in range(offset - offset % 4, offset + size, 4)]
    return [f for f in fields if f[0] + f[1] <= len(data)]


def zip_fields(data: bytes | bytearray) -> list[Field]:
    """The integer fields of every local header, central directory entry and end record."""
    fields: list[Field] = []
    for signature, offsets in _ZIP_SIGNATURES.items():
        for at in _find_all(data, signature):
            fields += [(at + o, _WIDTH.get(o, 2)) for o in offsets]
    for at in _find_all(data, b"PK\x06\x06"):
        fields += [(at + o, w) for o, w in _ZIP64_END]
    for at in _find_all(data, b"PK\x06\x07"):
        fields += [(at + o, w) for o, w in _ZIP64_LOCATOR]
    return [f for f in fields if f[0] + f[1] <= len(data)]


def _find_all(data: bytes | bytearray, needle: bytes) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def mutate_fields(
    rng: random.Random, data: bytearray, fields: list[Field], little: bool, count: int
) -> None:
    for _ in range(count if fields else 0):
        field = rng.choice(fields)
        write_int(
            data,
            field,
            interesting(rng, field[1], read_int(data, field, little), len(data)),
            little,
        )


def flip_bits(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)


def truncate(rng: random.Random, data: bytearray) -> None:
    del data[rng.randrange(len(data) + 1) :]


def splice(rng: random.Random, data: bytearray) -> None:
    """Copy a chunk of the data over another place (tables pointing into tables)."""
    if len(data) > 16:
        start, length = rng.randrange(len(data)), rng.randint(1, 64)
        target = rng.randrange(len(data))
        data[target : target + length] = data[start : start + length]


Mutation = Callable[[random.Random, bytearray], None]


def _apply(
    rng: random.Random, blob: bytes, most: int, table: list[tuple[float, Mutation]]
) -> bytes:
    """One to ``most`` mutations, each drawn from ``table`` by its weight."""
    data = bytearray(blob)
    for _ in range(rng.randint(1, most)):
        weights = [weight for weight, _ in table]
        rng.choices([m for _, m in table], weights)[0](rng, data)
    return bytes(data)


def _elf_field(rng: random.Random, data: bytearray) -> None:
    mutate_fields(rng, data, elf_fields(data), len(data) > 5 and data[5] != 2, 1)


def _zip_field(rng: random.Random, data: bytearray) -> None:
    mutate_fields(rng, data, zip_fields(data), True, 1)


def elf_mutation(rng: random.Random, blob: bytes) -> bytes:
    """One to four structure-aware or blind mutations of an ELF file."""
    table = [(0.7, _elf_field), (0.15, flip_bits), (0.1, splice), (0.05, truncate)]
    return _apply(rng, blob, 4, table)


def zip_mutation(rng: random.Random, blob: bytes) -> bytes:
    """One to three mutations of a zip archive's fields, names, flags or bytes."""
    table = [(0.6, _zip_field), (0.1, _rename), (0.1, flip_bits), (0.1, truncate), (0.1, splice)]
    return _apply(rng, blob, 3, table)


_HOSTILE_NAMES = (b"../evil.so", b"/abs.so", b"a\\b.so", b"x\x00y", b"\n\x1b[31m\xe2\x80\xae.so")


def _rename(rng: random.Random, data: bytearray) -> None:
    """Overwrite the start of one member's name, in its local and central headers alike."""
    centrals = list(_find_all(data, b"PK\x01\x02"))
    if not centrals:
        return
    at = rng.choice(centrals)
    length = read_int(data, (at + 28, 2), True)
    name = bytes(data[at + 46 : at + 46 + length])
    new = rng.choice(_HOSTILE_NAMES)[:length]
    for where in _find_all(data, name):
        data[where : where + len(new)] = new


StringMutation = Callable[[random.Random, str], str]
MAX_ARGUMENT = 128 << 10
"""Linux refuses a longer command-line argument (MAX_ARG_STRLEN), so none is generated."""
_PALETTE = "0123456789_.-aZ٢\n\x1b\u202e\u200b\t \\'\"é\udcff"


def _insert(rng: random.Random, text: str) -> str:
    at = rng.randint(0, len(text))
    return text[:at] + rng.choice(_PALETTE) + text[at:]


def _delete(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text)) if text else 0
    return text[:at] + text[at + 1 :]


def _big_number(rng: random.Random, text: str) -> str:
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    at = rng.choice(digits) if digits else rng.randint(0, len(text))
    number = rng.choice(["65535", "65536", "4294967296", "9" * rng.randint(5, 40), "0" * 20 + "1"])
    return text[:at] + number + text[at + 1 :]


def _repeat(rng: random.Random, text: str) -> str:
    text = text or "x"
    return text * min(rng.choice([2, 10, 100, 1000]), MAX_ARGUMENT // len(text) + 1)


def _swap_case(rng: random.Random, text: str) -> str:
    return text.swapcase() if rng.random() < 0.5 else text.upper()


def _separator(rng: random.Random, text: str) -> str:
    return text.replace(rng.choice("_.-"), rng.choice(["_", ".", "-", "__", "", "/"]), 1)


STRING_MUTATIONS: tuple[StringMutation, ...] = (
    _insert,
    _delete,
    _big_number,
    _repeat,
    _swap_case,
    _separator,
)


def string_mutation(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(STRING_MUTATIONS)(rng, text)[:MAX_ARGUMENT]
    return text
