"""Read a wheel into audit facts (``reference_impl.audit_facts``), once, without a verdict.

The wheel is read without extracting it (``reference_impl.wheelfile``); each member that
starts with the ELF magic is summarised (``reference_impl.elf``) and its needed libraries are
resolved inside the wheel (``reference_impl.audit_resolve``). What is kept is what any
policy set could need, and no more: see :mod:`reference_impl.audit_facts`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from reference_impl.audit_facts import FileFacts, NeededVersion, UndefinedSymbol, WheelFacts
from reference_impl.audit_policy import policy_memo
from reference_impl.audit_resolve import Searchable, resolve_needed, searchable
from reference_impl.elf import ELF_MAGIC, ElfSummary, is_elf, summarize
from reference_impl.errors import ELFError, WheelError
from reference_impl.policy import PolicySet, default_policies
from reference_impl.record import replace
from reference_impl.wheelfile import SafeWheel, installed_path

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import BinaryIO

_HEAD = 64 << 10
"""Bytes read from the start of an ELF member to find its program headers."""

MAX_PLATFORM_TAGS = 64
"""The most distinct platform tags a wheel may declare (filename and WHEEL together;
spec/auditing.md, ``audit.bad-input.tag-count``). Each claimed tag is judged against every
ELF file, so their product is the work: a 1.6 MB wheel of 1,000 files declaring 5,000 tags
took 84 s and 2.2 GB to judge. Real wheels declare a handful."""


def refuse_many_platform_tags(wheel: str, *tag_sets: Iterable[str]) -> None:
    """Refuse a wheel whose tag sets (python-abi-platform) together declare more than
    :data:`MAX_PLATFORM_TAGS` distinct platform tags. The reader refuses it, so a refused wheel
    has no facts (a census stores none, a review never judges it); the judge checks again
    for facts made elsewhere."""
    platforms = len({tag.split("-", 2)[-1] for tags in tag_sets for tag in tags})
    if platforms > MAX_PLATFORM_TAGS:
        raise WheelError(
            wheel,
            f"declares {platforms} distinct platform tags, more than the {MAX_PLATFORM_TAGS} "
            "a wheel is judged with (each is judged against every file)",
        )


def symbol_vocabulary(policies: PolicySet) -> frozenset[str]:
    """Every symbol name some baseline of ``policies`` forbids: the undefined symbols facts
    keep. Computed once per policy set, and shared by every wheel read with it."""
    known = policy_memo(policies, "symbol-vocabulary")
    if not known:
        known[None] = frozenset().union(
            *(names for b in policies.baselines for names in b.forbidden_symbols.values())
        )
    found: frozenset[str] = known[None]
    return found


def read_facts(
    source: str | Path | BinaryIO,
    filename: str | None = None,
    policies: PolicySet | None = None,
    keep: Iterable[str] = (),
) -> WheelFacts:
    """The facts of one wheel given as a path or a binary file object (then ``filename`` is
    needed). ``policies`` decides which undefined symbols are kept (its forbidden names, and
    the names in ``keep``: a census that means to try forbidding more names keeps them too)
    and which ELF headers name an architecture while reading; the facts hold no verdict."""
    policies = policies or default_policies()
    display = str(source) if isinstance(source, (str, Path)) else (filename or "<wheel>")
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "<wheel>")
    vocabulary = symbol_vocabulary(policies)
    if keep:
        vocabulary = vocabulary | frozenset(keep)
    with SafeWheel(source, display) as wheel:
        meta = wheel.metadata(name)
        refuse_many_platform_tags(display, meta.filename_tags, meta.wheel_tags)
        read = []
        entries = 0
        for member, summary, program in _read_elf_files(wheel, policies, vocabulary):
            entries += _entries(summary)
            if entries > MAX_WHEEL_ENTRIES:
                raise ELFError(
                    display,
                    f"refused: its ELF files need more than {MAX_WHEEL_ENTRIES} libraries, "
                    "versions and symbols together",
                )
            read.append((member, summary, program))
    installed = {installed_path(member): member for member, _, _ in read}
    where = searchable(installed)
    files = tuple(
        _file_facts(member, summary, program, vocabulary, where)
        for member, summary, program in read
    )
    return WheelFacts(
        wheel=display,
        filename=meta.filename,
        dist_info=meta.dist_info,
        filename_tags=meta.filename_tags,
        wheel_tags=meta.wheel_tags,
        files=files,
        symbol_vocabulary=vocabulary,
    )


def _read_elf_files(
    wheel: SafeWheel, policies: PolicySet, vocabulary: frozenset[str]
) -> Iterable[tuple[str, ElfSummary, bool]]:
    """(member, summary, has PT_INTERP) for every member that starts with the ELF magic, in
    archive order, each summary holding only the undefined symbols the facts use
    (:func:`_kept`). Members of at least :data:`PARALLEL_BYTES` are read by two threads at
    once (zlib-ng and zlib inflate without the GIL: 1.8x on two cores for a wheel of many
    libraries), where Python can start threads; an error is still the first damaged
    member's in archive order."""
    members = [m for m in wheel.files() if wheel.size(m) >= len(ELF_MAGIC)]
    large = [m for m in members if wheel.size(m) >= PARALLEL_BYTES]
    # Every member must read at explicit offsets: an LZMA or bzip2 one, read by zipfile in
    # this thread, would move the position a caller's file object shares with the threads.
    if (
        len(large) < 2
        or sys.platform in NO_THREADS
        or not all(wheel.reads_in_threads(m) for m in members)
    ):
        for member in members:
            found = _read_member(wheel, member, policies, vocabulary)
            if found is not None:
                yield found
        return
    from concurrent.futures import ThreadPoolExecutor  # 5 ms to import: only for big wheels

    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            pending = {m: pool.submit(_read_member, wheel, m, policies, vocabulary) for m in large}
            for member in members:
                future = pending.get(member)
                found = (
                    future.result() if future else _read_member(wheel, member, policies, vocabulary)
                )
                if found is not None:
                    yield found
        finally:
            pool.shutdown(cancel_futures=True)


NO_THREADS = frozenset({"emscripten", "wasi"})
"""Platforms whose Python cannot start a thread: Pyodide, which runs the site's wheel check
in the reader's browser, is ``emscripten`` (a thread there fails with "can't start new
thread")."""

PARALLEL_BYTES = 1 << 20
"""Members smaller than this (inflated) are read in the calling thread: a thread's hand-off
costs more than they take."""


def _read_member(
    wheel: SafeWheel, member: str, policies: PolicySet, vocabulary: frozenset[str]
) -> tuple[str, ElfSummary, bool] | None:
    """(member, summary, has PT_INTERP) if the member is an ELF file, else None."""
    with wheel.stream(member) as stream:
        try:
            head = stream.read(_HEAD)
            if not is_elf(head):
                return None
            stream.seek(0)
            summary = summarize(
                stream, member, policies.architectures, size=wheel.size(member), exported=False
            )
        except ELFError as error:
            raise ELFError(wheel.display, f"member {member}: {error.problem}") from None
        except OSError as error:  # zipfile's CRC and stream errors
            raise ELFError(wheel.display, f"member {member}: cannot be read ({error})") from None
    return member, _kept(summary, vocabulary), summary.has_interpreter


MAX_WHEEL_ENTRIES = 1 << 21
"""The most libraries needed, versions needed and undefined symbols kept that a wheel's ELF
files may hold together (2,097,152), each file's kept until the wheel's facts are made: the
most in a real wheel seen is 38,488 (torch 2.13's x86_64 wheel, 136 ELF files)."""


def _kept(summary: ElfSummary, vocabulary: frozenset[str]) -> ElfSummary:
    """``summary`` with only the undefined symbols the facts use: those named in
    ``vocabulary`` and the first bound to each version (:func:`_first_symbol_per_version`)."""
    first = set(_first_symbol_per_version(summary).values())
    kept = tuple(s for s in summary.undefined if s.name in vocabulary or s.name in first)
    return summary if len(kept) == len(summary.undefined) else replace(summary, undefined=kept)


def _entries(summary: ElfSummary) -> int:
    return (
        len(summary.needed)
        + sum(len(need.versions) for need in summary.version_needs)
        + len(summary.undefined)
    )


def _file_facts(
    member: str,
    summary: ElfSummary,
    program: bool,
    vocabulary: frozenset[str],
    where: Searchable,
) -> FileFacts:
    first_symbol = _first_symbol_per_version(summary)
    return FileFacts(
        path=member,
        bits=summary.bits,
        endianness=summary.endianness,
        machine=summary.machine,
        flags=summary.flags,
        elf_type=summary.elf_type,
        interpreter=program,
        soname=summary.soname,
        rpath=summary.rpath,
        runpath=summary.runpath,
        libraries=resolve_needed(
            installed_path(member), summary.needed, summary.rpath, summary.runpath, where
        ),
        needed_versions=tuple(
            NeededVersion(
                need.library,
                version,
                first_symbol.get((version, need.library)) or first_symbol.get((version, None)),
                version in need.weak,
            )
            for need in summary.version_needs
            for version in need.versions
        ),
        undefined=tuple(
            UndefinedSymbol(s.name, s.version, s.weak)
            for s in summary.undefined
            if s.name in vocabulary
        ),
        isa_needed=summary.isa_needed,
        executable_stack=summary.executable_stack,
    )


def _first_symbol_per_version(summary: ElfSummary) -> Mapping[tuple[str, str | None], str]:
    """(version, library) -> the first undefined symbol bound to it; (version, None) too, for
    a symbol whose library the version index did not name."""
    first: dict[tuple[str, str | None], str] = {}
    for sym in summary.undefined:
        if sym.version is not None:
            first.setdefault((sym.version, sym.library), sym.name)
            first.setdefault((sym.version, None), sym.name)
    return first
