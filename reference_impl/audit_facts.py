"""What an auditor reads from a wheel, apart from any verdict: the audit facts.

A :class:`WheelFacts` record holds everything :func:`reference_impl.audit.judge` needs and
nothing that depends on a policy set, so a verdict under any policy set is computed from it
without opening the wheel again (``perennial audit`` is ``judge(read_facts(wheel),
shipped policies)``; a census stores facts and re-judges them under a proposed policy).

Raw strings are kept as the ELF file wrote them: ``GLIBC_2.25`` is not split into a family
and a number here, because a policy set with other families classifies it differently.

**What facts cannot answer.** Undefined symbols are kept only when their name is in
:attr:`WheelFacts.symbol_vocabulary`, the names some policy set may forbid (the union of the
forbidden lists of the policies the facts were read with). PyTorch's 136 files reference
35,000 undefined symbols; keeping them all would make a census hundreds of MB. A policy
that forbids a name outside the vocabulary cannot be judged from the facts: ``judge`` raises
:class:`FactsIncompleteError` naming the names, and the wheel must be read again with that
policy set. Everything else a policy can say (libraries, symbol versions of any family,
architectures, ISA levels, floors) is judged from the facts. So is a new family of symbol
versions or a new architecture, since versions and ELF identities are kept raw. What the
reader never reads (GNU property notes other than the x86 ISA level, relocations, defined
symbols) cannot be judged from facts either: a policy about them needs a new reader and a
new facts version.

The JSON form (:func:`facts_json`, :func:`facts_from_json`) follows
``reference_impl/schemas/audit-facts-v1.json``; fields are only added within version 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from reference_impl.audit_resolve import Resolved
from reference_impl.errors import PerennialError
from reference_impl.record import record

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")


FACTS_FORMAT = "perennial-audit-facts"
FACTS_VERSION = 1


class FactsError(PerennialError):
    """A facts document is malformed (exit code 3, like any bad input)."""


class FactsIncompleteError(PerennialError):
    """The policy set forbids symbol names the facts did not keep: read the wheel again."""


@record(slots=True)
class NeededVersion:
    """One symbol version a file needs (an entry of ``.gnu.version_r``)."""

    library: str
    """The library the version is needed from (``libc.so.6``)."""
    version: str
    """The version name as written: ``GLIBC_2.25``."""
    symbol: str | None
    """One undefined symbol bound to this version, to name in reports (None if none is)."""
    weak: bool
    """``VER_FLG_WEAK``: the loader only warns when the version is missing."""


@record(slots=True)
class UndefinedSymbol:
    """An undefined dynamic symbol whose name is in the facts' symbol vocabulary."""

    name: str
    version: str | None
    weak: bool

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name


@record(slots=True)
class FileFacts:
    """What one ELF member of a wheel says about itself and where its libraries are."""

    path: str
    """The member name inside the wheel."""
    bits: int
    endianness: str
    machine: str
    """``e_machine`` as the ELF specification spells it (``EM_X86_64``), or the number."""
    flags: int
    elf_type: str
    """``ET_DYN``, ``ET_EXEC``, ..."""
    interpreter: bool
    """Whether it has a ``PT_INTERP`` header: a program the kernel starts (an ``ET_EXEC``
    or a position-independent executable), not only a library a loader maps."""
    soname: str | None
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    libraries: tuple[Resolved, ...]
    """Each ``DT_NEEDED`` entry in order, resolved inside the wheel."""
    needed_versions: tuple[NeededVersion, ...]
    undefined: tuple[UndefinedSymbol, ...]
    """Only the undefined symbols whose names are in the symbol vocabulary."""
    isa_needed: int | None
    """The ``GNU_PROPERTY_X86_ISA_1_NEEDED`` bit mask, or None without the note."""
    executable_stack: bool | None
    """True if ``PT_GNU_STACK`` asks for an executable stack, None without the header."""

    @property
    def isa_level(self) -> int:
        """The highest x86 ISA level needed: 0 for the base level (or no note), 1 for v2..."""
        return self.isa_needed.bit_length() - 1 if self.isa_needed else 0


@record(slots=True)
class WheelFacts:
    """What one wheel is: its name and tags, and the facts of each of its ELF files."""

    wheel: str
    """The wheel as given to the auditor (a path), for reports."""
    filename: str
    dist_info: str
    """The ``{name}-{version}.dist-info`` directory holding WHEEL."""
    filename_tags: tuple[str, ...]
    """Every tag of the filename's compressed tag sets, ``py-abi-platform``, sorted."""
    wheel_tags: tuple[str, ...]
    """The WHEEL file's ``Tag:`` lines, in order."""
    files: tuple[FileFacts, ...]
    symbol_vocabulary: frozenset[str]
    """The symbol names whose undefined references were kept (see the module docstring)."""


def facts_json(facts: WheelFacts) -> dict[str, Any]:
    """The facts as JSON-ready data (schema ``audit-facts-v1.json``)."""
    return {
        "format": FACTS_FORMAT,
        "version": FACTS_VERSION,
        "wheel": facts.wheel,
        "filename": facts.filename,
        "dist_info": facts.dist_info,
        "filename_tags": list(facts.filename_tags),
        "wheel_tags": list(facts.wheel_tags),
        "symbol_vocabulary": sorted(facts.symbol_vocabulary),
        "files": [_file_json(f) for f in facts.files],
    }


def _file_json(file: FileFacts) -> dict[str, Any]:
    return {
        "path": file.path,
        "elf": {
            "bits": file.bits,
            "endianness": file.endianness,
            "machine": file.machine,
            "flags": file.flags,
            "type": file.elf_type,
            "interpreter": file.interpreter,
        },
        "soname": file.soname,
        "rpath": list(file.rpath),
        "runpath": list(file.runpath),
        "libraries": [
            {
                "name": r.name,
                "bundled_at": r.bundled_at,
                "via": r.via,
                "elsewhere": list(r.elsewhere),
            }
            for r in file.libraries
        ],
        "needed_versions": [
            {"library": n.library, "version": n.version, "symbol": n.symbol, "weak": n.weak}
            for n in file.needed_versions
        ],
        "undefined": [
            {"name": u.name, "version": u.version, "weak": u.weak} for u in file.undefined
        ],
        "isa_needed": file.isa_needed,
        "executable_stack": file.executable_stack,
    }


def facts_from_json(data: Any, source: str = "facts") -> WheelFacts:
    """Read facts back from :func:`facts_json`'s form; :class:`FactsError` naming the field
    on anything else (a facts file is input: every field is checked)."""
    try:
        return _quick_facts(data)
    except (_Unusual, KeyError, TypeError):
        return _checked_facts(data, source)  # names what is wrong (or reads what is unusual)


def _checked_facts(data: Any, source: str) -> WheelFacts:
    """:func:`facts_from_json`, every field checked and named."""
    top = _Obj(data, source)
    if top.get("format") != FACTS_FORMAT or top.get("version") != FACTS_VERSION:
        raise FactsError(source, f"not a {FACTS_FORMAT} document of version {FACTS_VERSION}")
    files = top.records("files", _file_from_json)
    return WheelFacts(
        wheel=top.text("wheel"),
        filename=top.text("filename"),
        dist_info=top.text("dist_info"),
        filename_tags=top.texts("filename_tags"),
        wheel_tags=top.texts("wheel_tags"),
        files=files,
        symbol_vocabulary=frozenset(top.texts("symbol_vocabulary")),
    )


def _file_from_json(obj: _Obj) -> FileFacts:
    elf = _Obj(obj.get("elf"), f"{obj.where}.elf")
    libraries = obj.records(
        "libraries",
        lambda e: Resolved(
            e.text("name"),
            e.text_or_none("bundled_at"),
            e.text_or_none("via"),
            e.texts("elsewhere"),
        ),
    )
    needs = obj.records(
        "needed_versions",
        lambda e: NeededVersion(
            e.text("library"), e.text("version"), e.text_or_none("symbol"), e.flag("weak")
        ),
    )
    undefined = obj.records(
        "undefined",
        lambda e: UndefinedSymbol(e.text("name"), e.text_or_none("version"), e.flag("weak")),
    )
    return FileFacts(
        path=obj.text("path"),
        bits=elf.number("bits"),
        endianness=elf.text("endianness"),
        machine=elf.text("machine"),
        flags=elf.number("flags"),
        elf_type=elf.text("type"),
        interpreter=elf.flag("interpreter"),
        soname=obj.text_or_none("soname"),
        rpath=obj.texts("rpath"),
        runpath=obj.texts("runpath"),
        libraries=libraries,
        needed_versions=needs,
        undefined=undefined,
        isa_needed=obj.number_or_none("isa_needed"),
        executable_stack=obj.flag_or_none("executable_stack"),
    )


class _Unusual(Exception):
    """Something :func:`_quick_facts` does not check itself: the checking reader decides."""


def _texts(value: Any) -> tuple[str, ...]:
    if type(value) is not list or any(type(item) is not str for item in value):
        raise _Unusual
    return tuple(value)


def _optional_text(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise _Unusual
    return value


def _quick_facts(data: Any) -> WheelFacts:
    """:func:`facts_from_json` for a well-formed document, without naming where a problem
    is: a census re-judged under a new policy set decodes thousands of these, and the
    field-by-field reader costs more than judging them. Raises :class:`_Unusual`,
    ``KeyError`` or ``TypeError`` on anything it does not accept (exact built-in types only),
    so the checking reader runs then and gives the same record or the same error."""
    if type(data) is not dict or data["format"] != FACTS_FORMAT or data["version"] != FACTS_VERSION:
        raise _Unusual
    wheel, filename, dist_info = data["wheel"], data["filename"], data["dist_info"]
    if type(wheel) is not str or type(filename) is not str or type(dist_info) is not str:
        raise _Unusual
    files = data["files"]
    if type(files) is not list:
        raise _Unusual
    return WheelFacts(
        wheel=wheel,
        filename=filename,
        dist_info=dist_info,
        filename_tags=_texts(data["filename_tags"]),
        wheel_tags=_texts(data["wheel_tags"]),
        files=tuple(_quick_file(file) for file in files),
        symbol_vocabulary=frozenset(_texts(data["symbol_vocabulary"])),
    )


def _quick_file(file: Any) -> FileFacts:
    """One file of :func:`_quick_facts`."""
    if type(file) is not dict or type(file["elf"]) is not dict:
        raise _Unusual
    elf = file["elf"]
    path, endianness, machine, elf_type = (
        file["path"],
        elf["endianness"],
        elf["machine"],
        elf["type"],
    )
    bits, flags, isa = elf["bits"], elf["flags"], file["isa_needed"]
    interpreter, stack = elf["interpreter"], file["executable_stack"]
    if (
        type(path) is not str
        or type(endianness) is not str
        or type(machine) is not str
        or type(elf_type) is not str
        or type(bits) is not int
        or type(flags) is not int
        or bits < 0
        or flags < 0
        or (isa is not None and (type(isa) is not int or isa < 0))
        or type(interpreter) is not bool
        or (stack is not None and type(stack) is not bool)
        or type(file["libraries"]) is not list
        or type(file["needed_versions"]) is not list
        or type(file["undefined"]) is not list
    ):
        raise _Unusual
    libraries = []
    for entry in file["libraries"]:
        name = entry["name"]
        if type(name) is not str:
            raise _Unusual
        libraries.append(
            Resolved(
                name,
                _optional_text(entry["bundled_at"]),
                _optional_text(entry["via"]),
                _texts(entry["elsewhere"]),
            )
        )
    needs = []
    for entry in file["needed_versions"]:
        library, version, weak = entry["library"], entry["version"], entry["weak"]
        if type(library) is not str or type(version) is not str or type(weak) is not bool:
            raise _Unusual
        needs.append(NeededVersion(library, version, _optional_text(entry["symbol"]), weak))
    undefined = []
    for entry in file["undefined"]:
        name, weak = entry["name"], entry["weak"]
        if type(name) is not str or type(weak) is not bool:
            raise _Unusual
        undefined.append(UndefinedSymbol(name, _optional_text(entry["version"]), weak))
    return FileFacts(
        path=path,
        bits=bits,
        endianness=endianness,
        machine=machine,
        flags=flags,
        elf_type=elf_type,
        interpreter=interpreter,
        soname=_optional_text(file["soname"]),
        rpath=_texts(file["rpath"]),
        runpath=_texts(file["runpath"]),
        libraries=tuple(libraries),
        needed_versions=tuple(needs),
        undefined=tuple(undefined),
        isa_needed=isa,
        executable_stack=stack,
    )


class _Obj:
    """A JSON object read field by field, each wrong type named by its path."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            raise FactsError(where, "expected an object")
        self.value = value
        self.where = where

    def get(self, key: str) -> Any:
        if key not in self.value:
            raise FactsError(f"{self.where}.{key}", "missing")
        return self.value[key]

    def _typed(self, key: str, kinds: tuple[type, ...], what: str) -> Any:
        value = self.get(key)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise FactsError(f"{self.where}.{key}", f"expected {what}")
        return value

    def text(self, key: str) -> str:
        value: str = self._typed(key, (str,), "a string")
        return value

    def text_or_none(self, key: str) -> str | None:
        value: str | None = self._typed(key, (str, type(None)), "a string or null")
        return value

    def number(self, key: str) -> int:
        value: int = self._typed(key, (int,), "an integer")
        if value < 0:
            raise FactsError(f"{self.where}.{key}", "expected a non-negative integer")
        return value

    def number_or_none(self, key: str) -> int | None:
        return None if self.get(key) is None else self.number(key)

    def flag(self, key: str) -> bool:
        value: bool = self._typed(key, (bool,), "true or false")
        return value

    def flag_or_none(self, key: str) -> bool | None:
        value: bool | None = self._typed(key, (bool, type(None)), "true, false or null")
        return value

    def items(self, key: str) -> list[tuple[Any, str]]:
        value: Sequence[Any] = self._typed(key, (list,), "an array")
        return [(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(value)]

    def records(self, key: str, build: Callable[[_Obj], T]) -> tuple[T, ...]:
        """Each object of an array field, built by ``build``."""
        return tuple(build(_Obj(item, where)) for item, where in self.items(key))

    def texts(self, key: str) -> tuple[str, ...]:
        out = []
        for item, where in self.items(key):
            if not isinstance(item, str):
                raise FactsError(where, "expected a string")
            out.append(item)
        return tuple(out)
