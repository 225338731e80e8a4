"""Which manylinux tags a wheel earns, and why not the others (spec/auditing.md).

The auditor reads a wheel without extracting it (``reference_impl.wheelfile``), summarises
each ELF member (``reference_impl.elf``), resolves every needed library inside the wheel, and
then judges the summaries against each baseline of ``policies/``. Each verdict names the
clause, the file and the symbol or library behind it.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from reference_impl.audit_policy import (
    EffectivePolicy,
    effective_policy,
    family_of,
    glibc_release,
    release_within,
)
from reference_impl.audit_resolve import Resolved, resolve_needed
from reference_impl.elf import ELF_MAGIC, ElfSummary, is_elf, summarize
from reference_impl.errors import ELFError, TagError
from reference_impl.policy import GlibcVersion, PolicySet, default_policies
from reference_impl.tags import parse_platform_tag
from reference_impl.wheelfile import SafeWheel, WheelMetadata, installed_path

ERROR = "error"
WARNING = "warning"
NOTE = "note"

_HASHED_SONAME = re.compile(r"-[0-9a-f]{8}\.so")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the auditor found: the clause it concerns, how bad, where, and what."""

    clause: str
    severity: str
    file: str | None
    message: str


@dataclass(frozen=True)
class FileVerdict:
    """One ELF file: what it is, what it needs, and the exact glibc it needs."""

    path: str
    summary: ElfSummary
    """The file's summary, its ``undefined`` symbols cut to those a verdict can name: the
    first one of each symbol version and every one some baseline forbids."""
    needed: tuple[Resolved, ...]
    minimal_glibc: GlibcVersion | None
    forced_by: str | None
    """``name@version`` (or the version, or the library) that forces ``minimal_glibc``."""


@dataclass(frozen=True)
class BaselineVerdict:
    """Whether the wheel satisfies one maintained baseline, and what blocks it if not."""

    baseline: str
    tag: str
    satisfied: bool
    blockers: tuple[Finding, ...]


@dataclass(frozen=True)
class ClaimVerdict:
    """One platform tag the wheel claims (filename or WHEEL) and whether it is earned."""

    tag: str
    source: str
    manylinux_tag: str | None
    """The tag as ``manylinux_X_Y_arch`` (legacy aliases resolved), None for other tags."""
    earned: bool | None
    """None for tags an auditor does not judge (``linux_x86_64``, ``any``)."""


@dataclass(frozen=True)
class WheelAudit:
    """The verdict on one wheel."""

    wheel: str
    architecture: str | None
    files: tuple[FileVerdict, ...]
    baselines: tuple[BaselineVerdict, ...]
    best_baseline: str | None
    minimal_glibc: GlibcVersion | None
    forced_by: str | None
    forced_in: str | None
    earned_tag: str | None
    claims: tuple[ClaimVerdict, ...]
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        """Earns every tag it claims, and its WHEEL file agrees with its filename."""
        return not any(f.severity == ERROR for f in self.findings)


@dataclass
class _Context:
    policies: PolicySet
    arch: str | None
    loader: str | None
    files: list[tuple[str, ElfSummary, tuple[Resolved, ...]]] = field(default_factory=list)
    families: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    symbols: dict[tuple[str, str], str] = field(default_factory=dict)
    strong_undefined: dict[str, frozenset[str]] = field(default_factory=dict)
    file_blockers: dict[tuple[str, GlibcVersion], list[Finding]] = field(default_factory=dict)

    def family_of(self, version: str) -> tuple[str, str] | None:
        if version not in self.families:
            self.families[version] = family_of(self.policies, version)
        return self.families[version]

    def symbol_for(self, path: str, summary: ElfSummary, version: str) -> str:
        key = (path, version)
        if key not in self.symbols:
            self.symbols[key] = _symbol_for(summary, version)
        return self.symbols[key]

    def strong(self, path: str, summary: ElfSummary) -> frozenset[str]:
        """The names of the file's undefined non-weak symbols."""
        if path not in self.strong_undefined:
            self.strong_undefined[path] = frozenset(s.name for s in summary.undefined if not s.weak)
        return self.strong_undefined[path]


def audit_wheel(
    source: str | Path | BinaryIO, filename: str | None = None, policies: PolicySet | None = None
) -> WheelAudit:
    """Audit one wheel given as a path or a binary file object (then ``filename`` is needed)."""
    policies = policies or default_policies()
    display = str(source) if isinstance(source, (str, Path)) else (filename or "<wheel>")
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "<wheel>")
    with SafeWheel(source, display) as wheel:
        meta = wheel.metadata(name)
        summaries = _read_elf_files(wheel, policies)
        return judge(display, meta, summaries, set(wheel.files()), policies)


def _read_elf_files(wheel: SafeWheel, policies: PolicySet) -> list[tuple[str, ElfSummary]]:
    found: list[tuple[str, ElfSummary]] = []
    forbidden = frozenset().union(
        *(names for b in policies.baselines for names in b.forbidden_symbols.values())
    )
    for member in wheel.files():
        if wheel.size(member) < len(ELF_MAGIC):
            continue
        with wheel.stream(member) as stream:
            if not is_elf(stream.read(len(ELF_MAGIC))):
                continue
            stream.seek(0)
            try:
                summary = summarize(
                    stream, member, policies.architectures, size=wheel.size(member), exported=False
                )
            except ELFError as error:
                raise ELFError(wheel.display, f"member {member}: {error.problem}") from None
            except OSError as error:  # zipfile's CRC and stream errors
                raise ELFError(
                    wheel.display, f"member {member}: cannot be read ({error})"
                ) from None
        found.append((member, _slim(summary, forbidden)))
    return found


def _slim(summary: ElfSummary, forbidden: frozenset[str]) -> ElfSummary:
    """The summary with only the undefined symbols a verdict can name: the first of each
    version (:func:`_symbol_for`) and the forbidden ones. PyTorch's 136 files have 35,000
    undefined symbols, 8 MB kept for nothing."""
    versions: set[str] = set()
    kept = []
    for sym in summary.undefined:
        if sym.name in forbidden:
            kept.append(sym)
        elif sym.version is not None and sym.version not in versions:
            versions.add(sym.version)
            kept.append(sym)
    if len(kept) == len(summary.undefined):
        return summary
    return dataclasses.replace(summary, undefined=tuple(kept))


def judge(
    display: str,
    meta: WheelMetadata,
    summaries: Sequence[tuple[str, ElfSummary]],
    members: set[str],
    policies: PolicySet,
) -> WheelAudit:
    """The verdict on a wheel, from its metadata and its ELF summaries."""
    findings: list[Finding] = []
    claims_raw = _claimed(meta, policies)
    arches = {s.architecture for _, s in summaries}
    claimed_arches = {arch for _, _, glibc, arch in claims_raw if arch and glibc}
    arch: str | None
    if summaries:
        known = {a for a in arches if a}
        arch = known.pop() if len(known) == 1 else None
    else:
        arch = next(iter(claimed_arches)) if len(claimed_arches) == 1 else None
    findings.extend(_architecture_findings(summaries, claimed_arches, arches))
    known_arch = policies.architectures.get(arch) if arch else None
    ctx = _Context(policies, arch, known_arch.loader if known_arch else None)
    installed = {installed_path(m): m for m in members}
    elf_paths = {installed_path(p) for p, _ in summaries}
    for path, summary in summaries:
        ctx.files.append(
            (path, summary, resolve_needed(installed_path(path), summary, installed, elf_paths))
        )
    findings.extend(_warnings(ctx, summaries, policies))
    if not summaries:
        findings.append(
            Finding("audit.no-elf-files", NOTE, None, "no ELF files: nothing constrains the tag")
        )

    # audit.arch-consistent: every file and every claimed manylinux tag name one architecture.
    arch_ok = (
        arch is not None
        and None not in arches
        and len(arches) <= 1
        and (not summaries or claimed_arches <= {arch})
    )
    baselines = policies.for_arch(arch) if arch else ()
    verdicts = []
    for baseline in baselines:
        blockers = (
            _blockers(ctx, effective_policy(policies, arch or "", baseline.glibc))
            if arch_ok
            else []
        )
        verdicts.append(
            BaselineVerdict(
                baseline.name, baseline.tag(arch or ""), arch_ok and not blockers, tuple(blockers)
            )
        )
    best = next((v.baseline for v in verdicts if v.satisfied), None)

    minimal, forced_by, forced_in = (None, None, None)
    file_verdicts: list[FileVerdict] = []
    if arch_ok and arch:
        minimal, forced_by, forced_in = _minimal(ctx, ctx.files)
        for entry in ctx.files:
            m, why, _ = _minimal(ctx, [entry])
            file_verdicts.append(FileVerdict(entry[0], entry[1], entry[2], m, why))
    else:
        file_verdicts = [FileVerdict(p, s, r, None, None) for p, s, r in ctx.files]
    earned_tag = f"manylinux_{minimal.tag_part}_{arch}" if minimal and arch else None
    if not summaries and arch:
        minimal = None
        earned_tag = None

    claims: list[ClaimVerdict] = []
    for tag, source, glibc, claim_arch in claims_raw:
        if glibc is None and claim_arch is not None:  # a malformed manylinux tag
            claims.append(ClaimVerdict(tag, source, None, False))
            findings.append(
                Finding(
                    "audit.claimed-vs-earned", ERROR, None, f"{source} claims {tag}: {claim_arch}"
                )
            )
            continue
        if glibc is None or claim_arch is None:
            claims.append(ClaimVerdict(tag, source, None, None))
            continue
        mtag = f"manylinux_{glibc.tag_part}_{claim_arch}"
        if not summaries:
            earned = True
            problems: list[Finding] = []
        elif not arch_ok or claim_arch != arch:
            earned = False
            problems = []
        else:
            policy = effective_policy(policies, arch, glibc) if arch else None
            problems = _blockers(ctx, policy) if policy else []
            earned = policy is not None and not problems
            if policy is None:
                problems = [
                    Finding(
                        "audit.claimed-vs-earned",
                        ERROR,
                        None,
                        f"no baseline covers {claim_arch} at glibc {glibc}",
                    )
                ]
        claims.append(ClaimVerdict(tag, source, mtag, earned))
        if not earned and not any(c.tag == tag and c.earned is False for c in claims[:-1]):
            why = (
                "; ".join(_explain(p) for p in problems[:3])
                or "its architecture is not the wheel's"
            )
            findings.append(
                Finding(
                    "audit.claimed-vs-earned",
                    ERROR,
                    None,
                    f"{source} claims {tag}, not earned: {why}",
                )
            )
    findings.extend(_tag_agreement(meta))
    return WheelAudit(
        wheel=display,
        architecture=arch,
        files=tuple(file_verdicts),
        baselines=tuple(verdicts),
        best_baseline=best,
        minimal_glibc=minimal,
        forced_by=forced_by,
        forced_in=forced_in,
        earned_tag=earned_tag,
        claims=tuple(dict.fromkeys(claims)),
        findings=tuple(dict.fromkeys(findings)),
    )


def _claimed(
    meta: WheelMetadata, policies: PolicySet
) -> list[tuple[str, str, GlibcVersion | None, str | None]]:
    """Each claimed platform tag with its glibc and architecture (None when not manylinux)."""
    out: list[tuple[str, str, GlibcVersion | None, str | None]] = []
    seen: set[tuple[str, str]] = set()
    for source, tags in (
        ("filename", sorted(meta.filename_tags, key=str)),
        ("WHEEL", meta.wheel_tags),
    ):
        for tag in tags:
            if (tag.platform, source) in seen:
                continue
            seen.add((tag.platform, source))
            try:
                glibc, arch = _parse_platform(tag.platform, policies)
            except TagError as error:
                out.append((tag.platform, source, None, error.problem))
                continue
            out.append((tag.platform, source, glibc, arch))
    return out


def _parse_platform(platform: str, policies: PolicySet) -> tuple[GlibcVersion | None, str | None]:
    """``manylinux_2_17_x86_64`` or a legacy alias -> (glibc, arch); other tags -> (None, None).

    A tag that starts like a manylinux tag but breaks the grammar raises :class:`TagError`.
    """
    tag = parse_platform_tag(platform, policies)
    if not tag.is_manylinux:
        return None, None
    return tag.glibc, tag.arch


def _tag_agreement(meta: WheelMetadata) -> list[Finding]:
    wheel_tags = frozenset(meta.wheel_tags)
    if wheel_tags == meta.filename_tags:
        return []
    extra = sorted(str(t) for t in wheel_tags - meta.filename_tags)
    missing = sorted(str(t) for t in meta.filename_tags - wheel_tags)
    parts = []
    if missing:
        parts.append("the filename has " + ", ".join(missing[:4]))
    if extra:
        parts.append("WHEEL has " + ", ".join(extra[:4]))
    return [
        Finding(
            "audit.wheel-tag-matches-filename",
            ERROR,
            f"{meta.dist_info}/WHEEL",
            "the Tag lines disagree with the filename: " + "; ".join(parts) + " only",
        )
    ]


def _architecture_findings(
    summaries: Sequence[tuple[str, ElfSummary]], claimed: set[str], arches: set[str | None]
) -> list[Finding]:
    out = []
    for path, s in summaries:
        if s.architecture is None:
            what = f"ELF{s.bits} {s.endianness}-endian {s.machine} flags {s.flags:#x}"
            out.append(
                Finding(
                    "audit.elf.unknown-architecture",
                    ERROR,
                    path,
                    f"{what} is no architecture of the policies",
                )
            )
    known = sorted(a for a in arches if a)
    if len(known) > 1:
        out.append(
            Finding(
                "audit.arch-consistent",
                ERROR,
                None,
                "ELF files of several architectures: " + ", ".join(known),
            )
        )
    for tag_arch in sorted(claimed):
        if known and tag_arch not in known:
            out.append(
                Finding(
                    "audit.arch-consistent",
                    ERROR,
                    None,
                    f"the tag names {tag_arch} but the ELF files are {', '.join(known)}",
                )
            )
    return out


def _warnings(
    ctx: _Context, summaries: Sequence[tuple[str, ElfSummary]], policies: PolicySet
) -> list[Finding]:
    out = []
    for path, s in summaries:
        if s.executable_stack is None:
            out.append(
                Finding(
                    "audit.executable-stack",
                    WARNING,
                    path,
                    "no PT_GNU_STACK header: the stack defaults to executable",
                )
            )
        elif s.executable_stack:
            out.append(
                Finding(
                    "audit.executable-stack",
                    WARNING,
                    path,
                    "PT_GNU_STACK asks for an executable stack",
                )
            )
    system_names = frozenset().union(*(b.libraries for b in policies.baselines))
    bundled = {r.bundled_at for _, _, rs in ctx.files for r in rs if r.bundled_at}
    by_soname: dict[str, list[str]] = {}
    summaries_by_path = dict(summaries)
    for member in sorted(bundled):
        soname = summaries_by_path[member].soname or posixpath.basename(member)
        by_soname.setdefault(soname, []).append(member)
        if soname in system_names and not _HASHED_SONAME.search(soname):
            out.append(
                Finding(
                    "audit.bundled-soname-unique",
                    WARNING,
                    member,
                    f"bundled library has SONAME {soname}, the name of a system library",
                )
            )
    for soname, paths in sorted(by_soname.items()):
        if len(paths) > 1:
            out.append(
                Finding(
                    "audit.bundled-soname-unique",
                    WARNING,
                    paths[1],
                    f"SONAME {soname} is shared by bundled libraries {', '.join(paths)}",
                )
            )
    return out


def _blockers(ctx: _Context, policy: EffectivePolicy | None) -> list[Finding]:
    """Everything that keeps the wheel's files out of ``policy`` (empty when it satisfies it)."""
    if policy is None or ctx.arch is None:
        return [Finding("audit.best-baseline", ERROR, None, "no baseline covers the architecture")]
    out: list[Finding] = []
    for path, summary, resolved in ctx.files:
        key = (path, policy.glibc)
        if key not in ctx.file_blockers:
            ctx.file_blockers[key] = _file_blockers(ctx, policy, path, summary, resolved)
        out.extend(ctx.file_blockers[key])
    return out


def _file_blockers(
    ctx: _Context,
    policy: EffectivePolicy,
    path: str,
    summary: ElfSummary,
    resolved: Iterable[Resolved],
) -> list[Finding]:
    arch = ctx.arch or ""
    baseline = policy.baseline
    out: list[Finding] = []
    system = {r.name for r in resolved if r.bundled_at is None}
    allowed = {n for n in system if n in baseline.libraries or n == ctx.loader}
    for name in sorted(system - allowed):
        out.append(
            Finding(
                "audit.external-libraries",
                ERROR,
                path,
                f"{name} (needed; neither bundled nor an allowed system library)",
            )
        )
    sets = baseline.symbol_versions.get(arch, {})
    for need in summary.version_needs:
        if need.library not in allowed:
            continue
        for version in need.versions:
            fam = ctx.family_of(version)
            if fam is None:
                out.append(
                    Finding(
                        "audit.symbol-versions",
                        ERROR,
                        path,
                        f"{version} from {need.library} (a version of no known family)",
                    )
                )
                continue
            family, bare = fam
            ok = (
                bare in policy.glibc_versions
                if family == "GLIBC"
                else bare in sets.get(family, frozenset())
            )
            if not ok:
                out.append(
                    Finding(
                        "audit.symbol-versions",
                        ERROR,
                        path,
                        f"{ctx.symbol_for(path, summary, version)} (from {need.library})",
                    )
                )
    for library, symbols in baseline.forbidden_symbols.items():
        if library not in allowed:
            continue
        hits = symbols & ctx.strong(path, summary)
        if not hits:
            continue
        for shown in sorted(str(x) for x in summary.undefined if x.name in hits and not x.weak):
            message = f"{shown} from {library} is forbidden"
            out.append(Finding("audit.forbidden-symbols", ERROR, path, message))
    levels = ctx.policies.architectures[arch].isa_levels
    limit = baseline.isa.get(arch)
    if levels and limit in levels and summary.isa_level > levels.index(limit):
        needed = (
            levels[summary.isa_level]
            if summary.isa_level < len(levels)
            else f"level {summary.isa_level}"
        )
        out.append(Finding("audit.isa-level", ERROR, path, f"needs ISA {needed}, above {limit}"))
    return out


def _symbol_for(summary: ElfSummary, version: str) -> str:
    """``name@version`` for a symbol that needs ``version`` (the version alone if none does)."""
    for sym in summary.undefined:
        if sym.version == version:
            return str(sym)
    return version


def _minimal(
    ctx: _Context, files: list[tuple[str, ElfSummary, tuple[Resolved, ...]]]
) -> tuple[GlibcVersion | None, str | None, str | None]:
    """The lowest glibc whose effective policy these files satisfy, and what forces it."""
    arch = ctx.arch or ""
    family = ctx.policies.families.get("GLIBC")
    introduced = family.introduced_in if family else {}
    candidates = {b.glibc for b in ctx.policies.for_arch(arch)}
    glibc_needs: list[tuple[tuple[int, ...], str, str]] = []
    for path, summary, resolved in files:
        system = {r.name for r in resolved if r.bundled_at is None}
        for need in summary.version_needs:
            if need.library not in system:
                continue
            for version in need.versions:
                fam = ctx.family_of(version)
                if fam and fam[0] == "GLIBC":
                    release = glibc_release(fam[1], introduced)
                    if release is not None:
                        glibc_needs.append((release, _symbol_for(summary, version), path))
                        major, minor = release[0], release[1] if len(release) > 1 else 0
                        bump = 1 if len(release) > 2 and any(release[2:]) else 0
                        candidates.add(GlibcVersion(major, minor + bump))
    sub = dataclasses.replace(ctx, files=list(files))  # the same caches, fewer files
    previous_blockers: list[Finding] = []
    for glibc in sorted(candidates):
        policy = effective_policy(ctx.policies, arch, glibc)
        if policy is None:
            continue
        blockers = _blockers(sub, policy)
        if not blockers:
            top = [
                n
                for n in glibc_needs
                if release_within(n[0], glibc) and not release_within(n[0], _prev(glibc))
            ]
            if top:
                _, symbol, path = max(top)
                return glibc, symbol, path
            if previous_blockers:
                return glibc, previous_blockers[0].message, previous_blockers[0].file
            if glibc_needs:  # the oldest baseline: name the newest GLIBC version used
                _, symbol, path = max(glibc_needs)
                return glibc, symbol, path
            return glibc, None, None
        previous_blockers = blockers
    return None, None, None


def _prev(glibc: GlibcVersion) -> GlibcVersion:
    return (
        GlibcVersion(glibc.major, glibc.minor - 1)
        if glibc.minor
        else GlibcVersion(glibc.major - 1, 999)
    )


def _explain(finding: Finding) -> str:
    return f"{finding.message} in {finding.file}" if finding.file else finding.message
