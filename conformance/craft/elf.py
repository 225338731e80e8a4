"""Write minimal, valid ELF shared objects and executables from an :class:`ElfSpec`.

The file holds only what a dynamic loader and an auditor look at: program headers, a dynamic
section (DT_NEEDED, DT_SONAME, DT_RPATH/DT_RUNPATH), a GNU hash table, ``.dynsym`` and
``.dynstr``, the three GNU symbol-versioning sections, an optional x86 ISA-level property note,
PT_GNU_STACK, and section headers. There is no code and no relocation, so an x86_64 file
without undefined symbols can even be ``dlopen``-ed. Layout: one read-only/executable PT_LOAD
from offset 0 holding everything up to ``.text``, and one read-write PT_LOAD for ``.dynamic``
and ``.data``, placed a page further in memory as linkers do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from conformance.craft import constants as c
from conformance.craft.arches import ARCHES, Arch
from conformance.craft.layouts import ElfLayout, elf_layout

KINDS = ("shared", "exec", "pie")
BINDINGS = {"global": c.STB_GLOBAL, "weak": c.STB_WEAK}
TYPES = {"func": c.STT_FUNC, "object": c.STT_OBJECT, "notype": c.STT_NOTYPE, "tls": c.STT_TLS}
ISA_LEVELS = {
    "x86-64-baseline": c.GNU_PROPERTY_X86_ISA_1_BASELINE,
    "x86-64-v2": c.GNU_PROPERTY_X86_ISA_1_V2,
    "x86-64-v3": c.GNU_PROPERTY_X86_ISA_1_V3,
    "x86-64-v4": c.GNU_PROPERTY_X86_ISA_1_V4,
}
EXEC_BASE = 0x400000


class ElfSpecError(ValueError):
    """An :class:`ElfSpec` that cannot be written (the recipe reader adds the file name)."""


@dataclass(frozen=True)
class Symbol:
    """A dynamic symbol: undefined (imported) unless ``defined``; ``version`` as in ``GLIBC_2.25``.

    ``library`` says which DT_NEEDED library provides an undefined symbol's version when more
    than one could; ``default_version=False`` makes a defined symbol ``name@V`` rather than
    ``name@@V`` (the hidden bit of ``.gnu.version``).
    """

    name: str
    version: str | None = None
    defined: bool = False
    binding: str = "global"
    type: str = "func"
    library: str | None = None
    default_version: bool = True


@dataclass(frozen=True)
class ElfSpec:
    """Everything the crafter needs to write one ELF file; the recipe format mirrors it."""

    arch: str
    kind: str = "shared"
    soname: str | None = None
    needed: tuple[str, ...] = ()
    rpath: str | None = None
    runpath: str | None = None
    version_needs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    version_defs: tuple[str, ...] = ()
    symbols: tuple[Symbol, ...] = ()
    isa_needed: tuple[str, ...] = ()
    execstack: bool | None = False
    interp: str | None = None
    machine: int | None = None
    flags: int | None = None

    def arch_info(self) -> Arch:
        """The architecture entry, with this spec's machine/flags overrides applied."""
        try:
            base = ARCHES[self.arch]
        except KeyError:
            raise ElfSpecError(f"unknown arch {self.arch!r}; known: {sorted(ARCHES)}") from None
        return replace(
            base,
            machine=base.machine if self.machine is None else self.machine,
            flags=base.flags if self.flags is None else self.flags,
            interp=base.interp if self.interp is None else self.interp,
        )


def elf_hash(name: str) -> int:
    """The SysV ELF hash, used by the version records (vd_hash, vna_hash)."""
    h = 0
    for byte in name.encode():
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


def gnu_hash(name: str) -> int:
    """The GNU hash (DJB's h*33+c), used by .gnu.hash."""
    h = 5381
    for byte in name.encode():
        h = (h * 33 + byte) & 0xFFFFFFFF
    return h


@dataclass
class _StringTable:
    """A string table that starts with the empty string and stores each string once."""

    data: bytearray = field(default_factory=lambda: bytearray(b"\0"))
    offsets: dict[str, int] = field(default_factory=lambda: {"": 0})

    def add(self, text: str) -> int:
        if text not in self.offsets:
            self.offsets[text] = len(self.data)
            self.data += text.encode() + b"\0"
        return self.offsets[text]


@dataclass
class _Section:
    name: str
    type: int
    flags: int
    align: int
    data: bytes = b""
    size: int = 0
    entsize: int = 0
    link: str | None = None
    info: int = 0
    offset: int = 0
    addr: int = 0
    writable_segment: bool = False


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


@dataclass(frozen=True)
class _Versions:
    """Version indices: 1 is the base definition, then definitions, then needs per library."""

    defs: tuple[tuple[int, str], ...]
    needs: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]

    def index_of_def(self, version: str) -> int:
        for index, name in self.defs:
            if name == version:
                return index
        raise ElfSpecError(f"defined symbol version {version!r} is not in version_defs")

    def index_of_need(self, version: str, library: str | None) -> int:
        hits = [
            index
            for lib, versions in self.needs
            if library is None or lib == library
            for index, name in versions
            if name == version
        ]
        if len(hits) != 1:
            where = f" of {library}" if library else ""
            problem = "is not in" if not hits else "is ambiguous in (give library)"
            raise ElfSpecError(f"symbol version {version!r}{where} {problem} version_needs")
        return hits[0]


def _versions(spec: ElfSpec) -> _Versions:
    index = 2
    defs: list[tuple[int, str]] = []
    for name in spec.version_defs:
        defs.append((index, name))
        index += 1
    needs: list[tuple[str, tuple[tuple[int, str], ...]]] = []
    for lib, names in spec.version_needs:
        entries = []
        for name in names:
            entries.append((index, name))
            index += 1
        needs.append((lib, tuple(entries)))
    return _Versions(tuple(defs), tuple(needs))


def _validate(spec: ElfSpec) -> None:
    if spec.kind not in KINDS:
        raise ElfSpecError(f"kind must be one of {KINDS}, not {spec.kind!r}")
    for sym in spec.symbols:
        if sym.binding not in BINDINGS:
            raise ElfSpecError(f"symbol {sym.name}: binding must be one of {sorted(BINDINGS)}")
        if sym.type not in TYPES:
            raise ElfSpecError(f"symbol {sym.name}: type must be one of {sorted(TYPES)}")
    for level in spec.isa_needed:
        if level not in ISA_LEVELS:
            raise ElfSpecError(f"isa_needed {level!r} is not one of {sorted(ISA_LEVELS)}")
    libs = [lib for lib, _ in spec.version_needs]
    if len(set(libs)) != len(libs):
        raise ElfSpecError("version_needs names a library twice")
    for lib in libs:
        if lib not in spec.needed:
            raise ElfSpecError(f"version_needs names {lib!r}, which is not in needed")


def _ordered_symbols(spec: ElfSpec, nbuckets: int) -> list[Symbol]:
    """Undefined symbols first, then defined ones by GNU hash bucket, as .gnu.hash needs."""
    undefined = [s for s in spec.symbols if not s.defined]
    defined = sorted(
        (s for s in spec.symbols if s.defined), key=lambda s: gnu_hash(s.name) % nbuckets
    )
    return undefined + defined


def _gnu_hash_section(
    layout: ElfLayout, symbols: list[Symbol], symoffset: int, nbuckets: int
) -> bytes:
    """``.gnu.hash`` for the defined symbols at the end of ``.dynsym``."""
    bits = layout.bits
    shift = 6 if bits == 64 else 5
    bloom = 0
    hashed = [gnu_hash(s.name) for s in symbols[symoffset - 1 :]]
    for h in hashed:
        bloom |= (1 << (h % bits)) | (1 << ((h >> shift) % bits))
    buckets = [0] * nbuckets
    chain = []
    for i, h in enumerate(hashed):
        bucket = h % nbuckets
        if buckets[bucket] == 0:
            buckets[bucket] = symoffset + i
        last = i + 1 == len(hashed) or hashed[i + 1] % nbuckets != bucket
        chain.append((h & ~1) | int(last))
    out = layout.GnuHashHeader.pack(
        nbuckets=nbuckets, symoffset=symoffset, bloom_size=1, bloom_shift=shift
    )
    out += layout.Addr.pack(value=bloom)
    out += b"".join(layout.Word.pack(value=v) for v in buckets + chain)
    return out


def _verdef_section(
    layout: ElfLayout, dynstr: _StringTable, base: str, versions: _Versions
) -> bytes:
    entries = [(1, c.VER_FLG_BASE, base), *((i, 0, n) for i, n in versions.defs)]
    out = b""
    for position, (index, flags, name) in enumerate(entries):
        last = position + 1 == len(entries)
        step = layout.Verdef.size + layout.Verdaux.size
        out += layout.Verdef.pack(
            vd_version=c.VER_DEF_CURRENT,
            vd_flags=flags,
            vd_ndx=index,
            vd_cnt=1,
            vd_hash=elf_hash(name),
            vd_aux=layout.Verdef.size,
            vd_next=0 if last else step,
        )
        out += layout.Verdaux.pack(vda_name=dynstr.add(name), vda_next=0)
    return out


def _verneed_section(layout: ElfLayout, dynstr: _StringTable, versions: _Versions) -> bytes:
    out = b""
    for position, (lib, entries) in enumerate(versions.needs):
        last = position + 1 == len(versions.needs)
        size = layout.Verneed.size + layout.Vernaux.size * len(entries)
        out += layout.Verneed.pack(
            vn_version=c.VER_NEED_CURRENT,
            vn_cnt=len(entries),
            vn_file=dynstr.add(lib),
            vn_aux=layout.Verneed.size,
            vn_next=0 if last else size,
        )
        for aux_position, (index, name) in enumerate(entries):
            out += layout.Vernaux.pack(
                vna_hash=elf_hash(name),
                vna_flags=0,
                vna_other=index,
                vna_name=dynstr.add(name),
                vna_next=0 if aux_position + 1 == len(entries) else layout.Vernaux.size,
            )
    return out


def _property_note(layout: ElfLayout, isa_needed: tuple[str, ...]) -> bytes:
    """NT_GNU_PROPERTY_TYPE_0 holding GNU_PROPERTY_X86_ISA_1_NEEDED, padded to the class size."""
    word = layout.bits // 8
    bitmask = 0
    for level in isa_needed:
        bitmask |= ISA_LEVELS[level]
    prop = layout.GnuProperty.pack(pr_type=c.GNU_PROPERTY_X86_ISA_1_NEEDED, pr_datasz=4)
    prop += layout.Word.pack(value=bitmask)
    prop += b"\0" * (_align(len(prop), word) - len(prop))
    return layout.Nhdr.pack(n_namesz=4, n_descsz=len(prop), n_type=c.NT_GNU_PROPERTY_TYPE_0) + (
        b"GNU\0" + prop
    )


def build_elf(spec: ElfSpec) -> bytes:
    """The bytes of the ELF file ``spec`` describes. Raises :class:`ElfSpecError` if it cannot."""
    _validate(spec)
    arch = spec.arch_info()
    layout = elf_layout(arch.bits, arch.endian)
    word = arch.bits // 8
    versions = _versions(spec)
    versioned = bool(spec.version_defs or spec.version_needs)

    dynstr = _StringTable()
    for lib in spec.needed:
        dynstr.add(lib)
    n_defined = sum(s.defined for s in spec.symbols)
    nbuckets = max(1, n_defined)
    symbols = _ordered_symbols(spec, nbuckets)
    for sym in symbols:
        dynstr.add(sym.name)
    for value in (spec.soname, spec.rpath, spec.runpath):
        if value is not None:
            dynstr.add(value)
    base_name = spec.soname or "a.out"
    verdef = _verdef_section(layout, dynstr, base_name, versions) if spec.version_defs else b""
    verneed = _verneed_section(layout, dynstr, versions) if spec.version_needs else b""

    # Sections in file order. Sizes are known now; addresses and contents that depend on
    # addresses (symbols, dynamic entries) are filled in once the layout is fixed.
    sections: list[_Section] = [_Section("", c.SHT_NULL, 0, 0)]
    executable = spec.kind in ("exec", "pie")
    if executable:
        interp = (arch.interp.encode() + b"\0") if arch.interp else b"\0"
        sections.append(_Section(".interp", c.SHT_PROGBITS, c.SHF_ALLOC, 1, interp))
    if spec.isa_needed:
        note = _property_note(layout, spec.isa_needed)
        sections.append(_Section(".note.gnu.property", c.SHT_NOTE, c.SHF_ALLOC, word, note))
    symoffset = 1 + len(symbols) - n_defined
    gnu_hash_data = _gnu_hash_section(layout, symbols, symoffset, nbuckets)
    sections.append(
        _Section(".gnu.hash", c.SHT_GNU_HASH, c.SHF_ALLOC, word, gnu_hash_data, link=".dynsym")
    )
    dynsym = _Section(
        ".dynsym",
        c.SHT_DYNSYM,
        c.SHF_ALLOC,
        word,
        size=layout.Sym.size * (1 + len(symbols)),
        entsize=layout.Sym.size,
        link=".dynstr",
        info=1,
    )
    sections.append(dynsym)
    dynstr_section = _Section(".dynstr", c.SHT_STRTAB, c.SHF_ALLOC, 1)
    sections.append(dynstr_section)
    versym = _Section(
        ".gnu.version",
        c.SHT_GNU_VERSYM,
        c.SHF_ALLOC,
        2,
        size=2 * (1 + len(symbols)),
        entsize=2,
        link=".dynsym",
    )
    if versioned:
        sections.append(versym)
    if verdef:
        sections.append(
            _Section(
                ".gnu.version_d",
                c.SHT_GNU_VERDEF,
                c.SHF_ALLOC,
                word,
                verdef,
                link=".dynstr",
                info=1 + len(spec.version_defs),
            )
        )
    if verneed:
        sections.append(
            _Section(
                ".gnu.version_r",
                c.SHT_GNU_VERNEED,
                c.SHF_ALLOC,
                word,
                verneed,
                link=".dynstr",
                info=len(spec.version_needs),
            )
        )
    funcs = [s for s in symbols if s.defined and s.type != "object"]
    objects = [s for s in symbols if s.defined and s.type == "object"]
    text = _Section(
        ".text",
        c.SHT_PROGBITS,
        c.SHF_ALLOC | c.SHF_EXECINSTR,
        16,
        b"\0" * (16 * max(1, len(funcs))),
    )
    sections.append(text)

    dyn_entries: list[tuple[int, int | str]] = [(c.DT_NEEDED, lib) for lib in spec.needed]
    if spec.soname is not None:
        dyn_entries.append((c.DT_SONAME, spec.soname))
    if spec.rpath is not None:
        dyn_entries.append((c.DT_RPATH, spec.rpath))
    if spec.runpath is not None:
        dyn_entries.append((c.DT_RUNPATH, spec.runpath))
    dyn_entries += [
        (c.DT_GNU_HASH, ".gnu.hash"),
        (c.DT_STRTAB, ".dynstr"),
        (c.DT_SYMTAB, ".dynsym"),
        (c.DT_STRSZ, len(dynstr.data)),  # every string is in .dynstr by now
        (c.DT_SYMENT, layout.Sym.size),
    ]
    if versioned:
        dyn_entries.append((c.DT_VERSYM, ".gnu.version"))
    if verdef:
        dyn_entries += [(c.DT_VERDEF, ".gnu.version_d"), (c.DT_VERDEFNUM, 1 + len(versions.defs))]
    if verneed:
        dyn_entries += [
            (c.DT_VERNEED, ".gnu.version_r"),
            (c.DT_VERNEEDNUM, len(versions.needs)),
        ]
    if spec.kind == "pie":
        dyn_entries.append((c.DT_FLAGS_1, c.DF_1_PIE))
    dyn_entries.append((c.DT_NULL, 0))
    dynamic = _Section(
        ".dynamic",
        c.SHT_DYNAMIC,
        c.SHF_ALLOC | c.SHF_WRITE,
        word,
        size=layout.Dyn.size * len(dyn_entries),
        entsize=layout.Dyn.size,
        link=".dynstr",
        writable_segment=True,
    )
    sections.append(dynamic)
    if objects:
        sections.append(
            _Section(
                ".data",
                c.SHT_PROGBITS,
                c.SHF_ALLOC | c.SHF_WRITE,
                word,
                b"\0" * (8 * len(objects)),
                writable_segment=True,
            )
        )
    shstrtab = _StringTable()
    for section in sections:
        shstrtab.add(section.name)
    shstrtab.add(".shstrtab")
    sections.append(_Section(".shstrtab", c.SHT_STRTAB, 0, 1, bytes(shstrtab.data)))
    dynstr_section.data = bytes(dynstr.data)

    # Program headers: their number is known before any offset is.
    has_note = bool(spec.isa_needed)
    ph_types = ([c.PT_PHDR, c.PT_INTERP] if executable else []) + [c.PT_LOAD, c.PT_LOAD]
    ph_types.append(c.PT_DYNAMIC)
    if has_note:
        ph_types += [c.PT_NOTE, c.PT_GNU_PROPERTY]
    if spec.execstack is not None:
        ph_types.append(c.PT_GNU_STACK)
    phoff = layout.Ehdr.size
    phsize = layout.Phdr.size * len(ph_types)

    base = EXEC_BASE if spec.kind == "exec" else 0
    rw_shift = arch.page  # the RW segment sits one page further in memory than in the file
    offset = phoff + phsize
    for section in sections[1:]:
        section.size = section.size or len(section.data)
        offset = _align(offset, max(section.align, 1))
        section.offset = offset
        if section.flags & c.SHF_ALLOC:
            section.addr = base + offset + (rw_shift if section.writable_segment else 0)
        offset += section.size
    shoff = _align(offset, word)
    by_name = {s.name: s for s in sections}
    index_of = {s.name: i for i, s in enumerate(sections)}

    dynsym.data, versym.data = _symbol_records(layout, symbols, versions, dynstr, by_name)
    dynamic.data = _dynamic_records(layout, dyn_entries, dynstr, by_name)
    assert len(dynamic.data) == dynamic.size and len(dynsym.data) == dynsym.size
    phdrs = _program_headers(spec, arch, ph_types, sections, base, phoff, phsize)
    ph_bytes = b"".join(
        layout.Phdr.pack(
            p_type=t,
            p_flags=f,
            p_offset=o,
            p_vaddr=v,
            p_paddr=v,
            p_filesz=s,
            p_memsz=s,
            p_align=a,
        )
        for t, f, o, v, s, a in phdrs
    )

    ident = elf_ident(arch)
    entry = text.addr if executable else 0
    header = layout.Ehdr.pack(
        e_ident=ident,
        e_type=c.ET_EXEC if spec.kind == "exec" else c.ET_DYN,
        e_machine=arch.machine,
        e_version=c.EV_CURRENT,
        e_entry=entry,
        e_phoff=phoff,
        e_shoff=shoff,
        e_flags=arch.flags,
        e_ehsize=layout.Ehdr.size,
        e_phentsize=layout.Phdr.size,
        e_phnum=len(phdrs),
        e_shentsize=layout.Shdr.size,
        e_shnum=len(sections),
        e_shstrndx=len(sections) - 1,
    )
    image = bytearray(header + ph_bytes)
    for section in sections[1:]:
        image += b"\0" * (section.offset - len(image))
        image += section.data
    image += b"\0" * (shoff - len(image))
    for section in sections:
        image += layout.Shdr.pack(
            sh_name=shstrtab.add(section.name),
            sh_type=section.type,
            sh_flags=section.flags,
            sh_addr=section.addr,
            sh_offset=section.offset,
            sh_size=section.size,
            sh_link=index_of[section.link] if section.link else 0,
            sh_info=section.info,
            sh_addralign=section.align,
            sh_entsize=section.entsize,
        )
    return bytes(image)


def elf_ident(arch: Arch) -> bytes:
    """The 16 identification bytes: magic, class, data encoding, version, OS ABI, padding."""
    elf_class = c.ELFCLASS64 if arch.bits == 64 else c.ELFCLASS32
    data = c.ELFDATA2LSB if arch.endian == "<" else c.ELFDATA2MSB
    return c.ELFMAG + bytes([elf_class, data, c.EV_CURRENT, c.ELFOSABI_SYSV]) + b"\0" * 8


def _symbol_records(
    layout: ElfLayout,
    symbols: list[Symbol],
    versions: _Versions,
    dynstr: _StringTable,
    by_name: dict[str, _Section],
) -> tuple[bytes, bytes]:
    """``.dynsym`` and ``.gnu.version``: defined functions get 16-byte slots in ``.text``,
    defined objects 8-byte slots in ``.data``."""
    index_of = {name: i for i, name in enumerate(by_name)}
    sym_records = [layout.Sym.pack()]
    versym_records = [layout.Versym.pack(vs_index=c.VER_NDX_LOCAL)]
    slots = {".text": 0, ".data": 0}
    for sym in symbols:
        value = size = shndx = 0
        if sym.defined:
            home = ".data" if sym.type == "object" else ".text"
            size = 8 if home == ".data" else 16
            shndx, value = index_of[home], by_name[home].addr + size * slots[home]
            slots[home] += 1
        sym_records.append(
            layout.Sym.pack(
                st_name=dynstr.add(sym.name),
                st_info=(BINDINGS[sym.binding] << 4) | TYPES[sym.type],
                st_other=c.STV_DEFAULT,
                st_shndx=shndx,
                st_value=value,
                st_size=size,
            )
        )
        if sym.version is None:
            vs_index = c.VER_NDX_GLOBAL
        elif sym.defined:
            vs_index = versions.index_of_def(sym.version)
            if not sym.default_version:
                vs_index |= c.VERSYM_HIDDEN
        else:
            vs_index = versions.index_of_need(sym.version, sym.library)
        versym_records.append(layout.Versym.pack(vs_index=vs_index))
    return b"".join(sym_records), b"".join(versym_records)


def _dynamic_records(
    layout: ElfLayout,
    entries: list[tuple[int, int | str]],
    dynstr: _StringTable,
    by_name: dict[str, _Section],
) -> bytes:
    """``.dynamic``: string values become ``.dynstr`` offsets, section names addresses."""
    records = []
    for tag, value in entries:
        if isinstance(value, str) and tag in (c.DT_NEEDED, c.DT_SONAME, c.DT_RPATH, c.DT_RUNPATH):
            number = dynstr.add(value)
        elif isinstance(value, str):
            number = by_name[value].addr
        else:
            number = value
        records.append(layout.Dyn.pack(d_tag=tag, d_val=number))
    return b"".join(records)


def _program_headers(
    spec: ElfSpec,
    arch: Arch,
    ph_types: list[int],
    sections: list[_Section],
    base: int,
    phoff: int,
    phsize: int,
) -> list[tuple[int, int, int, int, int, int]]:
    """(type, flags, offset, vaddr, size, align) for each program header, in order."""
    word = arch.bits // 8
    by_name = {s.name: s for s in sections}
    writable = [s for s in sections if s.writable_segment]
    first_rw = min(s.offset for s in writable)
    rw_size = max(s.offset + s.size for s in writable) - first_rw
    text, dynamic = by_name[".text"], by_name[".dynamic"]
    phdrs: list[tuple[int, int, int, int, int, int]] = []
    for ptype in ph_types:
        if ptype == c.PT_PHDR:
            ph = (c.PF_R, phoff, base + phoff, phsize, word)
        elif ptype == c.PT_INTERP:
            s = by_name[".interp"]
            ph = (c.PF_R, s.offset, s.addr, s.size, 1)
        elif ptype == c.PT_LOAD and not any(p[0] == c.PT_LOAD for p in phdrs):
            ph = (c.PF_R | c.PF_X, 0, base, text.offset + text.size, arch.page)
        elif ptype == c.PT_LOAD:
            rw_addr = base + first_rw + arch.page
            ph = (c.PF_R | c.PF_W, first_rw, rw_addr, rw_size, arch.page)
        elif ptype == c.PT_DYNAMIC:
            ph = (c.PF_R | c.PF_W, dynamic.offset, dynamic.addr, dynamic.size, word)
        elif ptype in (c.PT_NOTE, c.PT_GNU_PROPERTY):
            s = by_name[".note.gnu.property"]
            ph = (c.PF_R, s.offset, s.addr, s.size, word)
        else:  # PT_GNU_STACK
            flags = c.PF_R | c.PF_W | (c.PF_X if spec.execstack else 0)
            ph = (flags, 0, 0, 0, 16)
        phdrs.append((ptype, *ph))
    return phdrs
