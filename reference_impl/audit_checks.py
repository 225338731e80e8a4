"""The rules of spec/auditing.md, applied to audit facts: what blocks a glibc version, and
what is wrong with a wheel whatever the version.

Every function here is pure: facts and a policy set in, findings out. ``reference_impl.audit``
assembles them into a verdict.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from reference_impl.audit_facts import FileFacts, NeededVersion, UndefinedSymbol, WheelFacts
from reference_impl.audit_policy import (
    EffectivePolicy,
    family_of,
    glibc_release,
    policy_memo,
    version_class,
)
from reference_impl.audit_resolve import Resolved, reaching_runpath
from reference_impl.elf import identify_architecture
from reference_impl.policy import Architecture, PolicySet
from reference_impl.record import record
from reference_impl.wheelfile import installed_path

ERROR = "error"
WARNING = "warning"
NOTE = "note"

_DIGEST = re.compile(r"(?:^|[-._])[0-9a-f]{8,}(?=[-._]|$)")
"""A content digest in a library name, as repair tools add it (``libfoo-1a2b3c4d.so.1``)."""
_VERSIONED_SONAME = re.compile(r"\.so\.[0-9]")
"""A library's published name carries its ABI version after ``.so`` (``libfoo.so.1``)."""


@record(slots=True)
class Finding:
    """One thing the auditor found: the clause it concerns, how bad, where, and what."""

    clause: str
    severity: str
    file: str | None
    message: str
    subject: str | None = None
    """The library, symbol version, symbol or tag concerned, to count and group by."""


@record(slots=True)
class FileView:
    """One file's facts as a policy set reads them: its architecture, its system libraries
    and its needs sorted by library and family. Built once per judged wheel, so judging it
    against many glibc versions is set arithmetic."""

    facts: FileFacts
    installed: str
    arch: str | None
    system: tuple[Resolved, ...]
    """Needed libraries that are not in the wheel."""
    system_names: frozenset[str]
    glibc: tuple[tuple[tuple[int, ...], NeededVersion], ...]
    """GLIBC versions needed from system libraries whose release is known, with it."""
    families: tuple[tuple[str, str, NeededVersion, tuple[int, ...] | None], ...]
    """Every version needed from a system library: (family, bare version, need, order key)
    as :func:`~reference_impl.audit_policy.version_class` reads it; the family is "" for a
    version of no known family."""
    by_library: tuple[tuple[str, str, frozenset[str]], ...]
    """(library, family, bare versions) for each family needed from each system library."""
    strong: frozenset[str]
    """The names of the undefined non-weak symbols kept in the facts."""


def view_of(file: FileFacts, policies: PolicySet) -> FileView:
    """Classify one file's facts under ``policies``."""
    system = tuple(r for r in file.libraries if r.bundled_at is None)
    system_names = frozenset(r.name for r in system)
    classes = policy_memo(policies, "version-class")
    families: list[tuple[str, str, NeededVersion, tuple[int, ...] | None]] = []
    glibc: list[tuple[tuple[int, ...], NeededVersion]] = []
    grouped: dict[tuple[str, str], set[str]] = {}
    for need in file.needed_versions:
        if need.library not in system_names:
            continue  # satisfied by a bundled library
        family, bare, key = classes.get(need.version) or version_class(policies, need.version)
        families.append((family, bare, need, key))
        grouped.setdefault((need.library, family), set()).add(bare)
        if family == "GLIBC" and key is not None:
            glibc.append((key, need))
    return FileView(
        facts=file,
        installed=installed_path(file.path),
        arch=_architecture(file, policies),
        system=system,
        system_names=system_names,
        glibc=tuple(glibc),
        families=tuple(families),
        by_library=tuple((lib, fam, frozenset(bares)) for (lib, fam), bares in grouped.items()),
        strong=frozenset(u.name for u in file.undefined if not u.weak),
    )


def _architecture(file: FileFacts, policies: PolicySet) -> str | None:
    """:func:`~reference_impl.elf.identify_architecture`, remembered per policy set: a wheel's
    files share a handful of ELF identities."""
    known = policy_memo(policies, "architecture")
    identity = (file.bits, file.endianness, file.machine, file.flags)
    if identity not in known:
        known[identity] = identify_architecture(*identity, policies.architectures)
    arch: str | None = known[identity]
    return arch


def need_text(need: NeededVersion) -> str:
    """``getrandom@GLIBC_2.25``, or the version alone when no symbol is bound to it."""
    return f"{need.symbol}@{need.version}" if need.symbol else need.version


_NOTHING: frozenset[str] = frozenset()


def file_blockers(
    view: FileView, policy: EffectivePolicy, policies: PolicySet, first_only: bool = False
) -> list[Finding]:
    """Everything in one file that keeps it out of ``policy`` (empty when it satisfies it):
    audit.external-libraries, audit.symbol-versions, audit.forbidden-symbols, audit.isa-level.
    With ``first_only``, the first of them alone: whether the file is blocked, for an outcome
    that shows no reason."""
    arch = view.arch or ""
    baseline = policy.baseline
    loader = policies.architectures[arch].loader if arch in policies.architectures else None
    blocked = view.system_names - baseline.libraries - {loader}
    out = [_library_blocker(view, lib) for lib in view.system if lib.name in blocked]
    if first_only and out:
        return out[:1]
    sets = baseline.symbol_versions.get(arch, {})
    missing: set[tuple[str, str]] = set()
    for library, family, bares in view.by_library:
        if library in blocked:
            continue  # the library itself blocks
        if not family:
            lacking = bares
        elif family == "GLIBC":
            lacking = bares - policy.glibc_versions
        else:
            lacking = bares - sets.get(family, _NOTHING)
        if lacking:
            missing.update((library, bare) for bare in lacking)
    if missing:
        out.extend(_version_blockers(view, missing, first_only))
    if view.strong and not (first_only and out):
        out.extend(_forbidden(view, policy, view.system_names - blocked, policies))
    if view.facts.isa_needed and not (first_only and out):
        out.extend(_isa(view, policy, policies))
    return out


def _version_blockers(
    view: FileView, missing: set[tuple[str, str]], first_only: bool
) -> list[Finding]:
    """audit.symbol-versions findings for the (library, bare version) pairs ``missing``, in
    the file's order (the first alone with ``first_only``)."""
    out = []
    for family, bare, need, _ in view.families:
        if (need.library, bare) not in missing:
            continue
        if not family:
            message = f"{need.version} from {need.library} (a version of no known family)"
        else:
            message = f"{need_text(need)} (from {need.library})"
        out.append(Finding("audit.symbol-versions", ERROR, view.facts.path, message, need.version))
        if first_only:
            break
    return out


def _library_blocker(view: FileView, lib: Resolved) -> Finding:
    path = view.facts.path
    if not lib.elsewhere:
        message = f"{lib.name} (needed; neither bundled nor an allowed system library)"
    else:
        at = lib.elsewhere[0]
        runpath = reaching_runpath(view.installed, installed_path(at))
        message = (
            f"{lib.name} (needed; the wheel has it at {at}, which no RPATH/RUNPATH entry of "
            f"this file reaches: a RUNPATH of {runpath} would)"
        )
    return Finding("audit.external-libraries", ERROR, path, message, lib.name)


def _forbidden(
    view: FileView, policy: EffectivePolicy, allowed: frozenset[str], policies: PolicySet
) -> list[Finding]:
    out = []
    for library, names in policy.baseline.forbidden_symbols.items():
        if library not in allowed or not names & view.strong:
            continue
        for sym in view.facts.undefined:
            if sym.weak or sym.name not in names or policy.lifts(_release(sym, policies)):
                continue
            message = f"{sym} from {library} is forbidden"
            out.append(
                Finding("audit.forbidden-symbols", ERROR, view.facts.path, message, sym.name)
            )
    return out


def _release(sym: UndefinedSymbol, policies: PolicySet) -> tuple[int, ...] | None:
    """The glibc release a symbol's ``GLIBC_`` version names; None for any other version."""
    fam = family_of(policies, sym.version) if sym.version else None
    glibc = policies.families.get("GLIBC")
    if fam is None or fam[0] != "GLIBC" or glibc is None:
        return None
    return glibc_release(fam[1], glibc.introduced_in)


def _isa(view: FileView, policy: EffectivePolicy, policies: PolicySet) -> list[Finding]:
    arch = view.arch or ""
    levels = policies.architectures[arch].isa_levels if arch in policies.architectures else ()
    limit = policy.baseline.isa.get(arch)
    level = view.facts.isa_level
    if not levels or limit not in levels or level <= levels.index(limit):
        return []
    needed = levels[level] if level < len(levels) else f"level {level}"
    message = f"needs ISA {needed}, above {limit}"
    return [Finding("audit.isa-level", ERROR, view.facts.path, message, needed)]


def architecture_findings(
    views: list[FileView], claimed: set[str], policies: PolicySet
) -> list[Finding]:
    """audit.elf.unknown-architecture and audit.arch-consistent."""
    out = []
    for view in views:
        if view.arch is None:
            f = view.facts
            what = f"ELF{f.bits} {f.endianness}-endian {f.machine} flags {f.flags:#x}"
            message = f"{what} is no architecture of the policies"
            out.append(Finding("audit.elf.unknown-architecture", ERROR, f.path, message, what))
    known = sorted({v.arch for v in views if v.arch})
    if len(known) > 1:
        message = "ELF files of several architectures: " + ", ".join(known)
        out.append(Finding("audit.arch-consistent", ERROR, None, message, None))
    for tag_arch in sorted(claimed):
        if known and tag_arch not in known:
            message = f"the tag names {tag_arch} but the ELF files are {', '.join(known)}"
            out.append(Finding("audit.arch-consistent", ERROR, None, message, tag_arch))
    return out


def stack_findings(views: list[FileView], policies: PolicySet) -> list[Finding]:
    """audit.executable-stack: a library whose stack would be executable is an error (glibc
    2.41 and newer refuse to dlopen it), whether its PT_GNU_STACK asks for one or it has no
    such header on an architecture whose default stack is executable (``default_stack`` in
    policies/architectures.toml); a program, or a missing header elsewhere, warns."""
    out = []
    for view in views:
        f = view.facts
        arch = policies.architectures.get(view.arch or "")
        severity, message = _stack_verdict(f.executable_stack, bool(f.interpreter), arch)
        if message:
            out.append(Finding("audit.executable-stack", severity, f.path, message, "PT_GNU_STACK"))
    return out


_REFUSED = "which glibc 2.41 and newer refuse to dlopen"


def _stack_verdict(
    header: bool | None, program: bool, arch: Architecture | None
) -> tuple[str, str | None]:
    """The severity and message for one file's stack: ``header`` is what its PT_GNU_STACK
    asks (None without one), ``arch`` its architecture if known."""
    if header:
        if program:
            return WARNING, "a program whose PT_GNU_STACK asks for an executable stack"
        return ERROR, f"PT_GNU_STACK asks for an executable stack, {_REFUSED}"
    if header is not None:
        return NOTE, None
    if arch is None or arch.executable_stack_default is None:
        return WARNING, (
            "no PT_GNU_STACK header: the loader applies the architecture's default, an "
            f"executable stack on several architectures, {_REFUSED}"
        )
    if not arch.executable_stack_default:
        return WARNING, (
            f"no PT_GNU_STACK header: the default stack on {arch.name} is not executable, "
            "so glibc loads it"
        )
    if program:
        return WARNING, (
            f"a program without a PT_GNU_STACK header: the default stack on {arch.name} is "
            "executable"
        )
    return ERROR, (
        f"no PT_GNU_STACK header: the default stack on {arch.name} is executable, {_REFUSED}"
    )


def soname_findings(views: list[FileView], policies: PolicySet) -> list[Finding]:
    """audit.bundled-soname-unique: a bundled library's name is its own (see the clause)."""
    system_names = system_library_names(policies)
    sonames = {v.facts.path: v.facts.soname for v in views}
    bundled = sorted({r.bundled_at for v in views for r in v.facts.libraries if r.bundled_at})
    by_name: dict[str, list[str]] = {}
    out = []
    for member in bundled:
        name = sonames.get(member) or posixpath.basename(member)
        by_name.setdefault(name, []).append(member)
        digest = _DIGEST.search(name) is not None
        if name in system_names:
            message = (
                f"bundled as {name}, a system library's name: whichever copy a process loads "
                "first serves both"
            )
            out.append(Finding("audit.bundled-soname-unique", ERROR, member, message, name))
        elif _VERSIONED_SONAME.search(name) and not digest:
            message = (
                f"bundled as {name}, a library's published name, with no digest (repair tools "
                "rename it libfoo-1a2b3c4d.so.1): another build of it loaded first serves both"
            )
            out.append(Finding("audit.bundled-soname-unique", ERROR, member, message, name))
        elif not digest:
            message = (
                "bundled under an unversioned name with no digest: unique only if no other "
                "wheel bundles a library of that name"
            )
            out.append(Finding("audit.bundled-soname-unique", WARNING, member, message, name))
    for name, members in sorted(by_name.items()):
        if len(members) > 1:
            message = f"SONAME {name} is shared by bundled libraries {', '.join(members)}"
            out.append(Finding("audit.bundled-soname-unique", ERROR, members[1], message, name))
    return out


def system_library_names(policies: PolicySet) -> frozenset[str]:
    """Every library a baseline allows or once allowed: names systems ship their own builds
    under."""
    known = policy_memo(policies, "system-library-names")
    if not known:
        names = set().union(*(b.libraries for b in policies.baselines))
        for baseline in policies.baselines:
            for amendment in baseline.amendments:
                names.update(amendment.removes.get("libraries", ()))
        known[None] = frozenset(names)
    found: frozenset[str] = known[None]
    return found


def tag_findings(facts: WheelFacts) -> list[Finding]:
    """audit.wheel-tag-matches-filename: WHEEL's Tag lines are the filename's tags."""
    filename, wheel = set(facts.filename_tags), set(facts.wheel_tags)
    if filename == wheel:
        return []
    parts = []
    if filename - wheel:
        parts.append("the filename has " + ", ".join(sorted(filename - wheel)[:4]))
    if wheel - filename:
        parts.append("WHEEL has " + ", ".join(sorted(wheel - filename)[:4]))
    message = "the Tag lines disagree with the filename: " + "; ".join(parts) + " only"
    where = f"{facts.dist_info}/WHEEL"
    return [Finding("audit.wheel-tag-matches-filename", ERROR, where, message, None)]


def describe(findings: Sequence[Finding], limit: int = 3) -> str:
    """Findings in one line for a reader, the same message in several files said once with a
    count: ``libfoo.so.1 (needed; ...) in bin/a and 15 more files; ...``."""
    files: dict[str, list[str]] = {}
    for finding in findings:
        files.setdefault(finding.message, []).extend([finding.file] if finding.file else [])
    parts = []
    for message, where in list(files.items())[:limit]:
        if not where:
            parts.append(message)
        elif len(where) == 1:
            parts.append(f"{message} in {where[0]}")
        else:
            parts.append(f"{message} in {where[0]} and {len(where) - 1} more files")
    if len(files) > limit:
        parts.append(f"and {len(files) - limit} more")
    return "; ".join(parts)
