"""What one ELF file says about itself: a plain, frozen summary an auditor can judge.

This module reads; it does not decide. It turns the bytes of one ELF file (or a stream of
them, such as a wheel member being decompressed) into an :class:`ElfSummary`: identity and
architecture, needed libraries and search paths, symbol versions needed and defined, dynamic
symbols, the x86 ISA-level note and the stack flags. ``reference_impl.audit`` judges it.

pyelftools parses the ELF header; the bulk tables (dynamic section, symbols, versions, notes)
are read with :mod:`struct` straight from the loaded ranges, because a large C++ library has
hundreds of thousands of dynamic symbols. A stream is read front to back once, keeping only
the byte ranges the dynamic tables live in, so memory stays far below the file's size.
"""

from __future__ import annotations

import contextlib
import itertools
import struct
from collections.abc import Iterator, Mapping

from reference_impl.errors import ELFError
from reference_impl.policy import Architecture
from reference_impl.record import record

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import IO

ELF_MAGIC = b"\x7fELF"

# Program header types and flags (System V gABI, GNU extensions).
PT_LOAD = 1
PT_DYNAMIC = 2
PT_INTERP = 3
PT_NOTE = 4
PT_GNU_STACK = 0x6474E551
PT_GNU_PROPERTY = 0x6474E553
PF_X = 1

# Section header type of the dynamic symbol table.
SHT_DYNSYM = 11

# Dynamic section tags.
DT_NULL = 0
DT_NEEDED = 1
DT_HASH = 4
DT_STRTAB = 5
DT_SYMTAB = 6
DT_STRSZ = 10
DT_SONAME = 14
DT_RPATH = 15
DT_RUNPATH = 29
DT_GNU_HASH = 0x6FFFFEF5
DT_VERSYM = 0x6FFFFFF0
DT_VERDEF = 0x6FFFFFFC
DT_VERDEFNUM = 0x6FFFFFFD
DT_VERNEED = 0x6FFFFFFE
DT_VERNEEDNUM = 0x6FFFFFFF

# Symbol binding and section index.
STB_WEAK = 2
SHN_UNDEF = 0
VER_NDX_GLOBAL = 1
VER_FLG_BASE = 1
VER_FLG_WEAK = 2

# GNU property note (x86 ISA level), from the x86-64 psABI.
NT_GNU_PROPERTY_TYPE_0 = 5
GNU_PROPERTY_X86_ISA_1_NEEDED = 0xC0008002

# ARM EABI flags (ARM ELF ABI): the EABI version in the top byte, and the float ABI bits.
EF_ARM_EABIMASK = 0xFF000000
EF_ARM_ABI_FLOAT_SOFT = 0x200
EF_ARM_ABI_FLOAT_HARD = 0x400

_CHUNK = 1 << 18
_HEAD_LIMIT = 64 << 10
"""Bytes kept from the start of a stream to parse the ELF header and program headers."""
_FIRST_SEGMENT_LIMIT = 1 << 20
"""Most of the first loaded segment that a streamed read keeps in its first pass; tables
beyond it are read in a second pass that stops as soon as they are in (they come early)."""
_SMALL_SEGMENT = 4 << 20
"""A non-executable loaded segment up to this size is kept whole in the first pass."""
_SLACKS = (256 << 10, 4 << 20)
"""Bytes a second pass keeps of a dynamic table whose size it does not know (and that is
followed by no other table), first try and second: version tables take a few KiB."""
_FIRST_PASS_BUDGET = 16 << 20
"""Most bytes the first pass keeps of small loaded segments together: a file that declares
thousands of them costs a second pass, not gigabytes."""
_FOLLOW_SLACK = 64 << 10
_FOLLOW_PASSES = 8
"""Passes a streamed read makes after the second, each keeping one more range it found
missing (and ``_FOLLOW_SLACK`` beyond it); tables scattered wider are refused, not guessed."""
_SEGMENT_TABLE_LIMIT = 1 << 20
"""Most bytes read of a dynamic or note segment: real ones take a few hundred bytes, and a
declared size of gigabytes must cost nothing. A segment whose content lies beyond is refused."""
_HASH_WORD_8 = frozenset({("EM_S390", 64), ("EM_ALPHA", 64)})
"""Machines whose ``DT_HASH`` words are 8 bytes, not 4: glibc's ``Elf_Symndx`` is
``uint64_t`` on 64-bit s390x and Alpha, and binutils writes ``.hash`` with 8-byte entries
there (``sh_entsize`` 8). ``DT_GNU_HASH`` uses 4-byte words everywhere."""


@record(slots=True)
class VersionNeed:
    """The symbol versions a file needs from one library (one ``.gnu.version_r`` entry)."""

    library: str
    versions: tuple[str, ...]
    weak: tuple[str, ...] = ()
    """The versions marked weak (``VER_FLG_WEAK``): a missing one only warns at load time."""


@record(slots=True)
class Symbol:
    """A dynamic symbol: its name, version (None if unversioned) and, for an undefined one,
    the library the version is needed from (None when unknown)."""

    name: str
    version: str | None
    library: str | None
    weak: bool

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name


@record
class ElfSummary:
    """Everything the auditor needs to know about one ELF file, and nothing it decides."""

    bits: int
    endianness: str
    """``"little"`` or ``"big"``."""
    machine: str
    """The ``e_machine`` name as the ELF specification spells it (``EM_X86_64``), or a number."""
    flags: int
    elf_type: str
    architecture: str | None
    """The policy architecture whose identity the header matches, or None when none does."""
    soname: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    version_needs: tuple[VersionNeed, ...]
    version_definitions: tuple[str, ...]
    """Versions this file defines (its ``.gnu.version_d``), without the file's own name node."""
    undefined: tuple[Symbol, ...]
    exported: tuple[Symbol, ...]
    isa_needed: int | None
    """The ``GNU_PROPERTY_X86_ISA_1_NEEDED`` bit mask, or None without the note."""
    executable_stack: bool | None
    """True if ``PT_GNU_STACK`` asks for an executable stack, None if there is no such header."""
    has_interpreter: bool = False
    """Whether a ``PT_INTERP`` header names a program interpreter: a program, not a library."""

    @property
    def isa_level(self) -> int:
        """The highest x86 ISA level the note needs: 0 for the baseline (no note), 1 for v2..."""
        if not self.isa_needed:
            return 0
        return self.isa_needed.bit_length() - 1


def is_elf(head: bytes) -> bool:
    """Whether these first bytes start an ELF file."""
    return head[:4] == ELF_MAGIC


@record
class ElfIdentity:
    """What an ELF file header says about the ABI: class, byte order, machine, flags."""

    bits: int
    endianness: str
    machine: str
    """The ``e_machine`` name (``EM_X86_64``), or the number as text when it has no name."""
    flags: int


def read_identity(head: bytes) -> ElfIdentity | None:
    """The ABI identity in the first bytes of an ELF file; None if they are not a complete
    ELF file header (an installer probing its interpreter treats that as unknown)."""
    try:
        header = _parse_header(head)
    except _READ_ERRORS:
        return None
    endianness = "little" if header.little else "big"
    return ElfIdentity(header.bits, endianness, header.machine, header.flags)


def identify_architecture(
    bits: int, endianness: str, machine: str, flags: int, architectures: Mapping[str, Architecture]
) -> str | None:
    """The architecture of ``policies/architectures.toml`` whose identity this header matches."""
    for arch in architectures.values():
        if (arch.bits, arch.endianness, arch.elf_machine) != (bits, endianness, machine):
            continue
        eabi = (flags & EF_ARM_EABIMASK) >> 24
        if arch.arm_eabi_version is not None and eabi != arch.arm_eabi_version:
            continue
        if arch.arm_float_abi is not None:
            wanted = (
                EF_ARM_ABI_FLOAT_HARD if arch.arm_float_abi == "hard" else EF_ARM_ABI_FLOAT_SOFT
            )
            if not flags & wanted:
                continue
        return arch.name
    return None


class _Image:
    """The byte ranges of one ELF file that were kept, readable by file offset."""

    def __init__(self, ranges: Mapping[int, bytes | bytearray], size: int) -> None:
        self._ranges = sorted(ranges.items())
        self.size = size

    def covers(self, offset: int, length: int) -> bool:
        return any(
            start <= offset and offset + length <= start + len(data) for start, data in self._ranges
        )

    def locate(self, offset: int, length: int) -> tuple[bytes | bytearray, int]:
        """The kept buffer holding a range and the range's start in it (no copy)."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise _Corrupt(
                f"range {offset:#x}+{length:#x} lies outside the file ({self.size:#x} bytes)"
            )
        for start, data in self._ranges:
            if start <= offset and offset + length <= start + len(data):
                return data, offset - start
        raise _NotKept(offset, length)

    def read(self, offset: int, length: int) -> memoryview:
        data, at = self.locate(offset, length)
        return memoryview(data)[at : at + length]

    def strings(self, offset: int, length: int) -> _Strings:
        """The string table at ``offset``, ``length`` bytes long (``DT_STRSZ``)."""
        data, base = self.locate(offset, length)
        return _Strings(data, base, length)


class _Strings:
    """A string table inside a kept buffer: names are found without copying the table."""

    def __init__(self, data: bytes | bytearray, base: int, length: int) -> None:
        self._data = data
        self._base = base
        self._limit = base + length

    def get(self, offset: int, what: str) -> str:
        """The NUL-terminated string at ``offset``; ``what`` names its user in an error."""
        start = self._base + offset
        stop = self._data.find(b"\0", start, self._limit) if start < self._limit else -1
        if stop < 0:
            raise _Corrupt(f"{what} has a name outside the string table")
        return self._data[start:stop].decode("utf-8", "surrogateescape")


class _Corrupt(Exception):
    """The file contradicts itself; becomes an ELFError naming the file."""


class _OverLimit(Exception):
    """The file declares more than an auditor reads; becomes an ELFError naming the file."""


class _NotKept(Exception):
    """A streamed read did not keep a range it turned out to need (a second pass fixes it)."""

    def __init__(self, offset: int, length: int) -> None:
        super().__init__(f"{offset:#x}+{length:#x}")
        self.offset = offset
        self.length = length


@record
class _Header:
    bits: int
    little: bool
    machine: str
    flags: int
    elf_type: str
    phoff: int
    phnum: int
    phentsize: int
    shoff: int
    shnum: int
    shentsize: int
    entry: int = 0


@record
class _Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int
    align: int


_MACHINE_NAMES = {
    3: "EM_386",
    20: "EM_PPC",
    21: "EM_PPC64",
    22: "EM_S390",
    40: "EM_ARM",
    62: "EM_X86_64",
    183: "EM_AARCH64",
    243: "EM_RISCV",
    258: "EM_LOONGARCH",
}
"""``e_machine`` numbers of the System V gABI (glibc's ``elf.h``) for the machines manylinux
has baselines for, named as pyelftools names them; a test holds the two tables equal. Any
other machine is named from pyelftools' full table, imported only then (it costs 25 ms)."""
_TYPE_NAMES = {0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"}
"""``e_type`` values of the gABI; others are named by pyelftools, as machines are."""

# After e_ident: e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags, e_ehsize,
# e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx.
_HEADER_LAYOUT = {32: "HHIIIIIHHHHHH", 64: "HHIQQQIHHHHHH"}
_IDENT_SIZE = 16


def _enum_name(value: int, known: Mapping[int, str], table: str) -> str:
    """The gABI name of an ``e_machine`` or ``e_type`` value, or the number as text."""
    if value in known:
        return known[value]
    from elftools.elf import enums  # rare: a machine or type no baseline knows

    pairs: dict[str, object] = getattr(enums, table)
    names = {number: name for name, number in pairs.items() if name[0] != "_"}
    return names.get(value, str(value))


def _parse_header(head: bytes) -> _Header:
    if head[:4] != ELF_MAGIC:
        raise _Corrupt("no ELF magic number")
    if len(head) < 6 or head[4] not in (1, 2) or head[5] not in (1, 2):
        raise _Corrupt(f"unknown ELF class or byte order 0x{bytes(head[4:6]).hex()}")
    bits, little = (32 if head[4] == 1 else 64), head[5] == 1
    layout = struct.Struct(("<" if little else ">") + _HEADER_LAYOUT[bits])
    if len(head) < _IDENT_SIZE + layout.size:
        raise _Corrupt(f"the ELF header is cut short ({len(head)} bytes)")
    (e_type, e_machine, _, entry, phoff, shoff, flags, _, phentsize, phnum, shentsize, shnum, _) = (
        layout.unpack_from(head, _IDENT_SIZE)
    )
    return _Header(
        bits=bits,
        little=little,
        machine=_enum_name(e_machine, _MACHINE_NAMES, "ENUM_E_MACHINE"),
        flags=flags,
        elf_type=_enum_name(e_type, _TYPE_NAMES, "ENUM_E_TYPE"),
        phoff=phoff,
        phnum=phnum,
        phentsize=phentsize,
        shoff=shoff,
        shnum=shnum,
        shentsize=shentsize,
        entry=entry,
    )


def _segments(header: _Header, image: _Image) -> list[_Segment]:
    """The program headers, each segment the reader uses checked to lie inside the file (so
    no size it declares is ever allocated or read past the member's real size)."""
    end = "<" if header.little else ">"
    if header.bits == 64:
        fmt, order = (
            end + "IIQQQQQQ",
            ("type", "flags", "offset", "vaddr", "paddr", "filesz", "memsz", "align"),
        )
    else:
        fmt, order = (
            end + "IIIIIIII",
            ("type", "offset", "vaddr", "paddr", "filesz", "memsz", "flags", "align"),
        )
    size = struct.calcsize(fmt)
    if header.phnum and header.phentsize < size:
        raise _Corrupt(f"program header entries of {header.phentsize} bytes are too small")
    table = image.read(header.phoff, header.phnum * header.phentsize)
    found = []
    for i in range(header.phnum):
        values = dict(zip(order, struct.unpack_from(fmt, table, i * header.phentsize), strict=True))
        found.append(
            _Segment(
                values["type"],
                values["flags"],
                values["offset"],
                values["vaddr"],
                values["filesz"],
                values["memsz"],
                values["align"],
            )
        )
    _check_extents(header, found, image.size)
    return found


def _check_extents(header: _Header, segments: list[_Segment], size: int) -> None:
    """Every header table and segment the reader uses lies inside the file (else it is cut
    short or lies about its sizes); checked before anything is kept or allocated."""
    if header.shoff and header.shoff + header.shnum * header.shentsize > size:
        raise _Corrupt(f"section headers at {header.shoff:#x} lie past the end ({size:#x} bytes)")
    for seg in segments:
        if seg.type in _READ_SEGMENTS and seg.offset + seg.filesz > size:
            raise _Corrupt(
                f"a segment at {seg.offset:#x} of {seg.filesz:#x} bytes runs past the end"
                f" ({size:#x} bytes)"
            )


_READ_SEGMENTS = (PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_PROPERTY)


def _plan_ranges(header: _Header, segments: list[_Segment], size: int) -> dict[int, int]:
    """The ranges a first streamed pass keeps: headers, dynamic, notes and the start of the
    first loaded segment (where linkers put the dynamic tables). The pass stops at the end of
    the last of these, so the non-loaded tail (symbol tables, debug data) is never inflated."""
    keep = _small_ranges(segments, size)
    loads = [s for s in segments if s.type == PT_LOAD]
    if loads:
        first = min(loads, key=lambda s: s.offset)
        length = min(first.filesz, _FIRST_SEGMENT_LIMIT)
        # Linkers put the dynamic tables before the code: when the entry point (the start of
        # .text in a shared library) lies in this segment, nothing after it is needed.
        if first.vaddr < header.entry < first.vaddr + first.filesz:
            length = min(length, header.entry - first.vaddr)
        keep[first.offset] = max(keep.get(first.offset, 0), length)
    budget = _FIRST_PASS_BUDGET
    for seg in segments:
        if seg.type == PT_LOAD and not seg.flags & PF_X and 0 < seg.filesz <= _SMALL_SEGMENT:
            # patchelf moves the dynamic tables it rewrites into a small segment at the end
            if seg.filesz > budget:
                break
            budget -= seg.filesz
            keep[seg.offset] = max(keep.get(seg.offset, 0), seg.filesz)
    return keep


def _stream_ranges(
    stream: IO[bytes], wanted: dict[int, int], prefix: bytes = b""
) -> dict[int, bytearray]:
    """Read ``prefix`` and then ``stream`` front to back, keeping the wanted (offset, length)
    ranges; ``prefix`` holds the bytes already read from the stream's start. Buffers grow as
    bytes arrive, so a stream shorter than its declared size costs only what it holds."""
    intervals = sorted((off, off + length) for off, length in wanted.items() if length > 0)
    buffers = {off: bytearray() for off, _ in intervals}
    last = max((end for _, end in intervals), default=0)
    position = 0
    chunk = prefix or stream.read(_CHUNK)
    while chunk and position < last:
        chunk_end = position + len(chunk)
        view = memoryview(chunk)
        for off, end in intervals:
            lo, hi = max(off, position), min(end, chunk_end)
            if lo < hi:
                buffers[off] += view[lo - position : hi - position]
        position = chunk_end
        if position < last:
            chunk = stream.read(_CHUNK)
    return buffers


def _table_at(segments: list[_Segment], vaddr: int) -> tuple[int, int]:
    """The file offset of a dynamic table's address, and the end of the loaded segment that
    holds it: the loader reads the table through that mapping, so it cannot run past it."""
    for seg in segments:
        if seg.type == PT_LOAD and seg.vaddr <= vaddr < seg.vaddr + seg.filesz:
            return vaddr - seg.vaddr + seg.offset, seg.offset + seg.filesz
    raise _Corrupt(f"address {vaddr:#x} lies in no loaded segment")


def _vaddr_to_offset(segments: list[_Segment], vaddr: int) -> int:
    return _table_at(segments, vaddr)[0]


def _dynamic(header: _Header, segments: list[_Segment], image: _Image) -> dict[int, list[int]]:
    """The dynamic section's values by tag, in file order, up to ``DT_NULL``."""
    dyn_segments = [s for s in segments if s.type == PT_DYNAMIC]
    dyn: dict[int, list[int]] = {}
    if not dyn_segments:
        return dyn
    segment = dyn_segments[0]
    end = "<" if header.little else ">"
    fmt = end + ("qQ" if header.bits == 64 else "iI")
    data = image.read(segment.offset, min(segment.filesz, _SEGMENT_TABLE_LIMIT))
    for tag, value in struct.iter_unpack(fmt, data[: len(data) - len(data) % struct.calcsize(fmt)]):
        if tag == DT_NULL:
            return dyn
        dyn.setdefault(tag, []).append(value)
    if segment.filesz > _SEGMENT_TABLE_LIMIT:
        raise _Corrupt(
            f"the dynamic segment declares {segment.filesz:#x} bytes and has no DT_NULL"
            f" in its first {_SEGMENT_TABLE_LIMIT:#x}"
        )
    return dyn


MAX_DYNAMIC_SYMBOLS = 1 << 21
"""The most entries a ``.dynsym`` may declare (2,097,152). Each symbol read costs some 190
bytes in memory; the largest real table seen holds 75,413 (torch's ``libtorch_cpu.so``,
414 MiB), and a 4 GiB member could declare 178 million."""


def _symbol_count(
    header: _Header, segments: list[_Segment], image: _Image, dyn: dict[int, list[int]]
) -> int:
    """How many entries ``.dynsym`` has; _OverLimit past :data:`MAX_DYNAMIC_SYMBOLS`."""
    count = _declared_symbol_count(header, segments, image, dyn)
    if count > MAX_DYNAMIC_SYMBOLS and count * _symbol_size(header) <= image.size:
        # a table larger than the file is corrupt, and said so where it is read
        raise _OverLimit(
            f"its .dynsym declares {count} symbols, more than the {MAX_DYNAMIC_SYMBOLS} an "
            "auditor reads"
        )
    return count


def _declared_symbol_count(
    header: _Header, segments: list[_Segment], image: _Image, dyn: dict[int, list[int]]
) -> int:
    """How many entries ``.dynsym`` has: from its section header, else from a hash table."""
    end = "<" if header.little else ">"
    entsize = _symbol_size(header)
    if (
        header.shoff
        and header.shnum
        and image.covers(header.shoff, header.shnum * header.shentsize)
    ):
        fmt = end + ("IIQQQQIIQQ" if header.bits == 64 else "IIIIIIIIII")
        table = image.read(header.shoff, header.shnum * header.shentsize)
        for i in range(header.shnum):
            fields = struct.unpack_from(fmt, table, i * header.shentsize)
            if fields[1] == SHT_DYNSYM:
                sh_size, sh_entsize = fields[5], fields[9]
                if sh_entsize != entsize:
                    raise _Corrupt(f".dynsym declares {sh_entsize}-byte entries, not {entsize}")
                return int(sh_size // entsize)
    if DT_HASH in dyn:
        word = _hash_word(header)
        _nbucket, nchain = struct.unpack(
            end + ("QQ" if word == 8 else "II"),
            image.read(_vaddr_to_offset(segments, dyn[DT_HASH][0]), 2 * word),
        )
        return int(nchain)
    if DT_GNU_HASH in dyn:
        count = _gnu_hash_count(header, image, _vaddr_to_offset(segments, dyn[DT_GNU_HASH][0]))
        if count is not None:
            return count
    # Only the section header can tell: a GNU hash table that hashes no symbol (an executable
    # exports none) says nothing of the undefined ones before it, and without any hash table
    # nothing does. Read the section headers if they are not kept; refuse to guess if none.
    if header.shoff and header.shnum:
        if not image.covers(header.shoff, header.shnum * header.shentsize):
            raise _NotKept(header.shoff, header.shnum * header.shentsize)
        raise _Corrupt("the section headers have no .dynsym to count the dynamic symbols")
    raise _Corrupt("no section header or hash table tells how many dynamic symbols there are")


def _symbol_size(header: _Header) -> int:
    """Bytes of one ``Elf32_Sym`` or ``Elf64_Sym``."""
    return 24 if header.bits == 64 else 16


def _hash_word(header: _Header) -> int:
    """Bytes of one ``DT_HASH`` word (nbucket, nchain, buckets, chains) on this machine."""
    return 8 if (header.machine, header.bits) in _HASH_WORD_8 else 4


def _gnu_hash_count(header: _Header, image: _Image, offset: int) -> int | None:
    """The symbol count a GNU hash table implies: one past its last chain's end; None when
    it hashes no symbol at all (then the count is not in it)."""
    end = "<" if header.little else ">"
    nbuckets, symoffset, bloom_size, _shift = struct.unpack(end + "IIII", image.read(offset, 16))
    buckets_at = offset + 16 + bloom_size * (header.bits // 8)
    buckets = struct.unpack(end + f"{nbuckets}I", image.read(buckets_at, 4 * nbuckets))
    last = max(buckets, default=0)
    if last == 0:
        return None
    if last < symoffset:
        raise _Corrupt(f"a GNU hash bucket points at symbol {last}, below its first ({symoffset})")
    chains_at = buckets_at + 4 * nbuckets
    index = last
    while True:
        (value,) = struct.unpack(end + "I", image.read(chains_at + 4 * (index - symoffset), 4))
        if value & 1:
            return index + 1
        index += 1


class _Chain:
    """The records of one version table (``.gnu.version_r`` or ``.gnu.version_d``), read by
    following their ``next`` offsets: each record must lie inside the loaded segment that
    holds the table and overlap no other, so a chain that loops back or wanders off is an
    error, never a silently shorter list."""

    def __init__(self, image: _Image, table: tuple[int, int], what: str) -> None:
        self._image = image
        self._start, self._end = table
        self._what = what
        self._taken: list[tuple[int, int]] = []
        self._room = self._end - self._start

    def record(self, offset: int, length: int) -> memoryview:
        """The ``length`` bytes of one record at ``offset``."""
        if not self._start <= offset <= self._end - length:
            raise _Corrupt(f"the {self._what} chain leaves its segment at {offset:#x}")
        self._room -= length
        if self._room < 0:  # more record bytes than the table has: some overlap
            raise _Corrupt(f"the {self._what} chain revisits its entries")
        self._taken.append((offset, offset + length))
        return self._image.read(offset, length)

    @contextlib.contextmanager
    def walking(self) -> Iterator[None]:
        """Around the walk: when it ends, or fails, check that no two records share bytes (a
        revisit is the cause to name when a chain also ends early or wanders off)."""
        try:
            yield
        except _Corrupt:
            self._check_no_overlap()
            raise
        self._check_no_overlap()

    def _check_no_overlap(self) -> None:
        ordered = sorted(self._taken)
        for (_, first_end), (second_start, _) in itertools.pairwise(ordered):
            if second_start < first_end:
                raise _Corrupt(f"the {self._what} chain revisits its entries")


def _next_in_chain(chain: str, position: int, count: int, step: int) -> None:
    """A chain has exactly its declared count of entries: ``next`` is 0 on the last alone."""
    if position + 1 < count and not step:
        raise _Corrupt(f"the {chain} chain ends after {position + 1} of {count} entries")
    if position + 1 == count and step:
        raise _Corrupt(f"the {chain} chain goes on past its {count} entries")


def _version_needs(
    header: _Header, image: _Image, strings: _Strings, table: tuple[int, int], count: int
) -> tuple[list[VersionNeed], dict[int, tuple[str, str]]]:
    end = "<" if header.little else ">"
    needs: list[VersionNeed] = []
    by_index: dict[int, tuple[str, str]] = {}
    chain = _Chain(image, table, "version need")
    with chain.walking():
        offset = table[0]
        for position in range(count):
            _ver, cnt, file_off, aux, nxt = struct.unpack(end + "HHIII", chain.record(offset, 16))
            library = strings.get(file_off, f"version need {position}")
            versions: list[str] = []
            weak: list[str] = []
            aux_at = offset + aux
            for aux_position in range(cnt):
                _hash, flags, other, name, aux_next = struct.unpack(
                    end + "IHHII", chain.record(aux_at, 16)
                )
                version = strings.get(name, f"a version needed from {library}")
                versions.append(version)
                if flags & VER_FLG_WEAK:
                    weak.append(version)
                by_index[other & 0x7FFF] = (version, library)
                _next_in_chain(f"{library} version", aux_position, cnt, aux_next)
                aux_at += aux_next
            needs.append(VersionNeed(library, tuple(versions), tuple(weak)))
            _next_in_chain("version need", position, count, nxt)
            offset += nxt
    return needs, by_index


def _version_definitions(
    header: _Header, image: _Image, strings: _Strings, table: tuple[int, int], count: int
) -> tuple[list[str], dict[int, str]]:
    end = "<" if header.little else ">"
    names: list[str] = []
    by_index: dict[int, str] = {}
    chain = _Chain(image, table, "version definition")
    with chain.walking():
        offset = table[0]
        for position in range(count):
            _ver, flags, ndx, cnt, _hash, aux, nxt = struct.unpack(
                end + "HHHHIII", chain.record(offset, 20)
            )
            aux_at = offset + aux
            for aux_position in range(cnt):  # the name, then the names of parent versions
                name_off, aux_next = struct.unpack(end + "II", chain.record(aux_at, 8))
                if aux_position == 0:
                    name = strings.get(name_off, f"version definition {position}")
                    by_index[ndx & 0x7FFF] = name
                    if not flags & VER_FLG_BASE:
                        names.append(name)
                _next_in_chain("version definition aux", aux_position, cnt, aux_next)
                aux_at += aux_next
            _next_in_chain("version definition", position, count, nxt)
            offset += nxt
    return names, by_index


def _symbols(
    header: _Header,
    image: _Image,
    strings: _Strings,
    symtab_at: int,
    count: int,
    versym_at: int | None,
    needed_versions: dict[int, tuple[str, str]],
    defined_versions: dict[int, str],
    want_exported: bool = True,
) -> tuple[list[Symbol], list[Symbol]]:
    end = "<" if header.little else ">"
    if header.bits == 64:
        fmt, name_i, info_i, shndx_i = end + "IBBHQQ", 0, 1, 3
    else:
        fmt, name_i, info_i, shndx_i = end + "IIIBBH", 0, 3, 5
    table = image.read(symtab_at, count * _symbol_size(header))
    versyms: tuple[int, ...] = ()
    if versym_at is not None:
        versyms = struct.unpack(end + f"{count}H", image.read(versym_at, 2 * count))
    undefined: list[Symbol] = []
    exported: list[Symbol] = []
    for i, fields in enumerate(struct.iter_unpack(fmt, table)):
        info, shndx = fields[info_i], fields[shndx_i]
        if i == 0 or (shndx != SHN_UNDEF and (not want_exported or info >> 4 == 0)):
            continue  # STB_LOCAL never belongs to the dynamic interface
        name = strings.get(fields[name_i], f"symbol {i}")
        if not name:
            continue
        weak = info >> 4 == STB_WEAK
        index = versyms[i] & 0x7FFF if versyms else VER_NDX_GLOBAL
        if shndx == SHN_UNDEF:
            version, library = needed_versions.get(index, (None, None))
            if version is None and index > VER_NDX_GLOBAL:
                # a need the version tables do not hold: reading on would drop it
                raise _Corrupt(f"symbol {i} needs version index {index}, which no entry defines")
            undefined.append(Symbol(name, version, library, weak))
        else:
            exported.append(
                Symbol(
                    name,
                    defined_versions.get(index) if index > VER_NDX_GLOBAL else None,
                    None,
                    weak,
                )
            )
    return undefined, exported


def _isa_needed(header: _Header, segments: list[_Segment], image: _Image) -> int | None:
    end = "<" if header.little else ">"
    notes = [s for s in segments if s.type == PT_GNU_PROPERTY] or [
        s for s in segments if s.type == PT_NOTE
    ]
    for seg in notes:
        if seg.filesz > _SEGMENT_TABLE_LIMIT:
            raise _Corrupt(
                f"a note segment declares {seg.filesz:#x} bytes, more than the"
                f" {_SEGMENT_TABLE_LIMIT:#x} a reader accepts"
            )
        data = image.read(seg.offset, seg.filesz)
        align = 8 if seg.align == 8 else 4
        for note_type, name, desc in _iter_notes(data, end, align):
            if note_type != NT_GNU_PROPERTY_TYPE_0 or name != b"GNU\0":
                continue
            pad = 8 if header.bits == 64 else 4
            at = 0
            while at + 8 <= len(desc):
                pr_type, pr_size = struct.unpack_from(end + "II", desc, at)
                if pr_type == GNU_PROPERTY_X86_ISA_1_NEEDED and pr_size >= 4:
                    (mask,) = struct.unpack_from(end + "I", desc, at + 8)
                    return int(mask)
                at += 8 + ((pr_size + pad - 1) // pad) * pad
    return None


def _iter_notes(data: memoryview, end: str, align: int) -> Iterator[tuple[int, bytes, memoryview]]:
    """(type, name, descriptor) of each note; padding is to ``align`` from the segment start."""
    at = 0
    while at + 12 <= len(data):
        namesz, descsz, note_type = struct.unpack_from(end + "III", data, at)
        name = bytes(data[at + 12 : at + 12 + namesz])
        desc_at = _align(at + 12 + namesz, align)
        desc = data[desc_at : desc_at + descsz]
        if len(desc) < descsz:
            return  # a malformed note (patchelf leaves some) says nothing we rely on
        yield note_type, name, desc
        at = _align(desc_at + descsz, align)


def _align(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def _version_count(dyn: dict[int, list[int]], table: int, count: int) -> int:
    """The entry count of a version table: a table without its count cannot be read whole."""
    if count not in dyn:
        raise _Corrupt(f"the dynamic section has {_TAG_NAMES[table]} but no {_TAG_NAMES[count]}")
    return dyn[count][0]


_TAG_NAMES = {
    DT_VERNEED: "DT_VERNEED",
    DT_VERNEEDNUM: "DT_VERNEEDNUM",
    DT_VERDEF: "DT_VERDEF",
    DT_VERDEFNUM: "DT_VERDEFNUM",
}


def _summarise(
    header: _Header,
    segments: list[_Segment],
    image: _Image,
    arches: Mapping[str, Architecture],
    want_exported: bool = True,
) -> ElfSummary:
    dyn = _dynamic(header, segments, image)
    needs: list[VersionNeed] = []
    definitions: list[str] = []
    undefined: list[Symbol] = []
    exported: list[Symbol] = []
    needed: list[str] = []
    soname = None
    rpath: list[str] = []
    runpath: list[str] = []
    if DT_STRTAB in dyn:
        strsz = dyn.get(DT_STRSZ, [0])[0]
        strings = image.strings(_vaddr_to_offset(segments, dyn[DT_STRTAB][0]), strsz)
        needed = [strings.get(v, "DT_NEEDED") for v in dyn.get(DT_NEEDED, [])]
        soname = strings.get(dyn[DT_SONAME][0], "DT_SONAME") if DT_SONAME in dyn else None
        for value in dyn.get(DT_RPATH, []):
            rpath.extend(p for p in strings.get(value, "DT_RPATH").split(":") if p)
        for value in dyn.get(DT_RUNPATH, []):
            runpath.extend(p for p in strings.get(value, "DT_RUNPATH").split(":") if p)
        need_index: dict[int, tuple[str, str]] = {}
        def_index: dict[int, str] = {}
        if DT_VERNEED in dyn:
            needs, need_index = _version_needs(
                header,
                image,
                strings,
                _table_at(segments, dyn[DT_VERNEED][0]),
                _version_count(dyn, DT_VERNEED, DT_VERNEEDNUM),
            )
        if DT_VERDEF in dyn:
            definitions, def_index = _version_definitions(
                header,
                image,
                strings,
                _table_at(segments, dyn[DT_VERDEF][0]),
                _version_count(dyn, DT_VERDEF, DT_VERDEFNUM),
            )
        if DT_SYMTAB in dyn:
            count = _symbol_count(header, segments, image, dyn)
            versym_at = _vaddr_to_offset(segments, dyn[DT_VERSYM][0]) if DT_VERSYM in dyn else None
            undefined, exported = _symbols(
                header,
                image,
                strings,
                _vaddr_to_offset(segments, dyn[DT_SYMTAB][0]),
                count,
                versym_at,
                need_index,
                def_index,
                want_exported,
            )
    stack = [s for s in segments if s.type == PT_GNU_STACK]
    endianness = "little" if header.little else "big"
    return ElfSummary(
        bits=header.bits,
        endianness=endianness,
        machine=header.machine,
        flags=header.flags,
        elf_type=header.elf_type,
        architecture=identify_architecture(
            header.bits, endianness, header.machine, header.flags, arches
        ),
        soname=soname,
        needed=tuple(needed),
        rpath=tuple(rpath),
        runpath=tuple(runpath),
        version_needs=tuple(needs),
        version_definitions=tuple(definitions),
        undefined=tuple(undefined),
        exported=tuple(exported),
        isa_needed=_isa_needed(header, segments, image),
        executable_stack=bool(stack[0].flags & PF_X) if stack else None,
        has_interpreter=any(s.type == PT_INTERP for s in segments),
    )


_READ_ERRORS = (
    struct.error,
    _Corrupt,
    ValueError,
    IndexError,
    OverflowError,
    MemoryError,
)


def summarize(
    data: bytes | IO[bytes],
    source: str,
    architectures: Mapping[str, Architecture],
    size: int | None = None,
    exported: bool = True,
) -> ElfSummary:
    """Summarise one ELF file given as bytes or as a readable binary stream.

    A stream is read front to back, keeping only the ranges that hold the dynamic tables; if
    an unusual layout puts them elsewhere, the stream is rewound (``seek(0)``) and read again
    for exactly those ranges. ``size`` is the stream's length when known (a zip member's
    declared size); every size the file declares is checked against it before anything is
    kept. ``exported=False`` skips decoding defined symbols (``exported`` is then empty),
    which an auditor does not need. Any inconsistency raises :class:`ELFError` naming
    ``source``: a file that cannot be read whole is refused, never summarised in part.
    """
    try:
        if isinstance(data, (bytes, bytearray, memoryview)):
            return _summarise_whole(bytes(data), architectures, exported)
        return _summarise_stream(data, size, architectures, exported)
    except _NotKept as missing:
        raise ELFError(
            source, f"truncated or corrupt ELF file: range {missing} not found"
        ) from None
    except _OverLimit as error:
        raise ELFError(source, f"refused: {error}") from None
    except _READ_ERRORS as error:
        raise ELFError(source, f"truncated or corrupt ELF file: {_one_line(error)}") from None


def _summarise_whole(
    blob: bytes, architectures: Mapping[str, Architecture], want_exported: bool
) -> ElfSummary:
    header = _parse_header(blob[:_HEAD_LIMIT])
    image = _Image({0: blob}, len(blob))
    return _summarise(header, _segments(header, image), image, architectures, want_exported)


def _summarise_stream(
    stream: IO[bytes],
    size: int | None,
    architectures: Mapping[str, Architecture],
    want_exported: bool = True,
) -> ElfSummary:
    if size is None:  # without a length, truncation cannot be told apart: read it whole
        return _summarise_whole(stream.read(), architectures, want_exported)
    head = stream.read(_HEAD_LIMIT)
    header = _parse_header(head)
    if header.phoff + header.phnum * header.phentsize > len(head):
        raise _Corrupt("program headers lie beyond the first 64 KiB")
    segments = _segments(header, _Image({0: head}, max(size, len(head))))
    kept = _stream_ranges(stream, _plan_ranges(header, segments, size), prefix=head)
    image = _Image(kept, size)
    try:
        return _summarise(header, segments, image, architectures, want_exported)
    except _NotKept:
        pass
    # The tables lie past the kept prefix: the dynamic section says where they start; read
    # the stream again for them, tables of unknown size first with a little slack, then with
    # more, then following each range found missing, a few times at most.
    try:
        regions = [_exact_tables(header, segments, image, size, s) for s in _SLACKS]
        # Keep of the first pass only the headers, dynamic section and notes (the dynamic
        # section may lie far into the file): one copy of the big ranges at a time.
        small: dict[int, bytes | bytearray] = {
            offset: bytes(image.read(offset, length))
            for offset, length in _small_ranges(segments, size).items()
        }
    except _NotKept:
        regions, small = [], {}
    del kept, image
    wanted = regions[-1] if regions else _small_ranges(segments, size)
    for region in [*regions[:-1], *[wanted] * _FOLLOW_PASSES]:
        stream.seek(0)
        try:
            image = _Image({**_stream_ranges(stream, region), **small}, size)
            return _summarise(header, segments, image, architectures, want_exported)
        except _NotKept as missing:
            del image
            length = min(max(missing.length, _FOLLOW_SLACK), size - missing.offset)
            wanted[missing.offset] = max(wanted.get(missing.offset, 0), length)
    raise _Corrupt(f"its dynamic tables are scattered over more than {_FOLLOW_PASSES} places")


def _exact_tables(
    header: _Header, segments: list[_Segment], image: _Image, size: int, slack: int
) -> dict[int, int]:
    """The ranges a second pass needs: each dynamic table at its own size when known (the
    string table; the symbol and version-symbol tables once the first pass kept what counts
    the symbols), else up to the next table's start (tables do not overlap; at most 4 MiB),
    or ``slack`` bytes for the last table."""
    dyn = _dynamic(header, segments, image)
    tags = (DT_STRTAB, DT_SYMTAB, DT_VERSYM, DT_VERNEED, DT_VERDEF, DT_HASH, DT_GNU_HASH)
    at = {tag: _vaddr_to_offset(segments, dyn[tag][0]) for tag in tags if tag in dyn}
    lengths: dict[int, int] = {}
    if DT_STRTAB in at and DT_STRSZ in dyn:
        lengths[DT_STRTAB] = dyn[DT_STRSZ][0]
    if DT_SYMTAB in at:
        try:
            count = _symbol_count(header, segments, image, dyn)
        except _NotKept:
            pass
        else:
            lengths[DT_SYMTAB] = count * _symbol_size(header)
            lengths[DT_VERSYM] = 2 * count
    starts = sorted(set(at.values()))
    wanted: dict[int, int] = {}
    for tag, offset in at.items():
        later = [s for s in starts if s > offset]
        bound = min(later[0] - offset, _SLACKS[-1]) if later else slack
        length = min(lengths.get(tag, bound), max(size - offset, 0))
        wanted[offset] = max(wanted.get(offset, 0), length)
    return wanted


def _small_ranges(segments: list[_Segment], size: int) -> dict[int, int]:
    """The ELF and program headers, the dynamic section and the notes (each at most
    ``_SEGMENT_TABLE_LIMIT``: a longer one is refused when it is read)."""
    wanted = {0: min(size, _HEAD_LIMIT)}
    for seg in segments:
        if seg.type in (PT_DYNAMIC, PT_NOTE, PT_GNU_PROPERTY):
            length = min(seg.filesz, _SEGMENT_TABLE_LIMIT)
            wanted[seg.offset] = max(wanted.get(seg.offset, 0), length)
    return wanted


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:200]
