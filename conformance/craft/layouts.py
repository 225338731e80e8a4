"""Binary layouts of the ELF and zip structures the crafter writes, declared apart from their use.

Each :class:`Struct` names its fields in file order with a :mod:`struct` code; the ELF ones
come in a 32-bit and a 64-bit variant (the program header even reorders its fields), picked by
:func:`elf_layout`. Field names follow the ELF gABI and the zip APPNOTE so that a reader can
hold this file next to the standards. Nothing here knows what a value means.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Struct:
    """A fixed-size record: field names in file order, each with a :mod:`struct` code."""

    name: str
    fields: tuple[tuple[str, str], ...]
    endian: str = "<"

    @cached_property
    def _codec(self) -> struct.Struct:
        return struct.Struct(self.endian + "".join(code for _, code in self.fields))

    @property
    def size(self) -> int:
        """Bytes one record takes."""
        return self._codec.size

    def pack(self, **values: int | bytes) -> bytes:
        """Pack by field name; a missing field is zero, an unknown one is a bug."""
        names = [name for name, _ in self.fields]
        unknown = set(values) - set(names)
        if unknown:
            raise TypeError(f"{self.name}: unknown fields {sorted(unknown)}")
        ordered = [values.get(name, b"" if code.endswith("s") else 0) for name, code in self.fields]
        return self._codec.pack(*ordered)

    def unpack(self, data: bytes, offset: int = 0) -> Mapping[str, int | bytes]:
        """Read one record back (the crafter's tests and mutations use this)."""
        values = self._codec.unpack_from(data, offset)
        return dict(zip((name for name, _ in self.fields), values, strict=True))


def _fields(spec: str) -> tuple[tuple[str, str], ...]:
    """``"e_type:H e_machine:H"`` -> field tuples; keeps the declarations below readable."""
    return tuple((item.split(":")[0], item.split(":")[1]) for item in spec.split())


_ELF64 = {
    "Ehdr": "e_ident:16s e_type:H e_machine:H e_version:I e_entry:Q e_phoff:Q e_shoff:Q "
    "e_flags:I e_ehsize:H e_phentsize:H e_phnum:H e_shentsize:H e_shnum:H e_shstrndx:H",
    "Phdr": "p_type:I p_flags:I p_offset:Q p_vaddr:Q p_paddr:Q p_filesz:Q p_memsz:Q p_align:Q",
    "Shdr": "sh_name:I sh_type:I sh_flags:Q sh_addr:Q sh_offset:Q sh_size:Q sh_link:I "
    "sh_info:I sh_addralign:Q sh_entsize:Q",
    "Sym": "st_name:I st_info:B st_other:B st_shndx:H st_value:Q st_size:Q",
    "Dyn": "d_tag:q d_val:Q",
    "Addr": "value:Q",
}
_ELF32 = {
    "Ehdr": "e_ident:16s e_type:H e_machine:H e_version:I e_entry:I e_phoff:I e_shoff:I "
    "e_flags:I e_ehsize:H e_phentsize:H e_phnum:H e_shentsize:H e_shnum:H e_shstrndx:H",
    "Phdr": "p_type:I p_offset:I p_vaddr:I p_paddr:I p_filesz:I p_memsz:I p_flags:I p_align:I",
    "Shdr": "sh_name:I sh_type:I sh_flags:I sh_addr:I sh_offset:I sh_size:I sh_link:I "
    "sh_info:I sh_addralign:I sh_entsize:I",
    "Sym": "st_name:I st_value:I st_size:I st_info:B st_other:B st_shndx:H",
    "Dyn": "d_tag:i d_val:I",
    "Addr": "value:I",
}
# The same size in both classes (the GNU symbol-versioning and note records).
_ELF_COMMON = {
    "Verdef": "vd_version:H vd_flags:H vd_ndx:H vd_cnt:H vd_hash:I vd_aux:I vd_next:I",
    "Verdaux": "vda_name:I vda_next:I",
    "Verneed": "vn_version:H vn_cnt:H vn_file:I vn_aux:I vn_next:I",
    "Vernaux": "vna_hash:I vna_flags:H vna_other:H vna_name:I vna_next:I",
    "Versym": "vs_index:H",
    "Nhdr": "n_namesz:I n_descsz:I n_type:I",
    "GnuProperty": "pr_type:I pr_datasz:I",
    "Word": "value:I",
    "GnuHashHeader": "nbuckets:I symoffset:I bloom_size:I bloom_shift:I",
}


@dataclass(frozen=True)
class ElfLayout:
    """Every ELF record for one class (32/64) and byte order ("<" little, ">" big)."""

    bits: int
    endian: str
    structs: Mapping[str, Struct]

    def __getattr__(self, name: str) -> Struct:
        try:
            return self.structs[name]
        except KeyError:
            raise AttributeError(name) from None


def elf_layout(bits: int, endian: str) -> ElfLayout:
    """The records of ELFCLASS32 or ELFCLASS64 in the given byte order."""
    per_class = _ELF64 if bits == 64 else _ELF32
    specs = {**per_class, **_ELF_COMMON}
    return ElfLayout(
        bits, endian, {name: Struct(name, _fields(spec), endian) for name, spec in specs.items()}
    )


# Zip records (APPNOTE.TXT 4.3), always little-endian.
ZIP_LOCAL = Struct(
    "LocalFileHeader",
    _fields(
        "signature:I version_needed:H flags:H method:H mtime:H mdate:H crc32:I "
        "compressed_size:I uncompressed_size:I name_length:H extra_length:H"
    ),
)
ZIP_CENTRAL = Struct(
    "CentralDirectoryHeader",
    _fields(
        "signature:I version_made_by:H version_needed:H flags:H method:H mtime:H mdate:H "
        "crc32:I compressed_size:I uncompressed_size:I name_length:H extra_length:H "
        "comment_length:H disk_start:H internal_attr:H external_attr:I local_header_offset:I"
    ),
)
ZIP_END = Struct(
    "EndOfCentralDirectory",
    _fields(
        "signature:I disk:H cd_disk:H disk_entries:H total_entries:H cd_size:I cd_offset:I "
        "comment_length:H"
    ),
)
ZIP64_EXTRA = Struct(
    "Zip64ExtendedInformation",
    _fields("header_id:H data_size:H uncompressed_size:Q compressed_size:Q"),
)
