"""Which manylinux tags a wheel earns, and why not the others (spec/auditing.md).

Facts, then verdicts. :func:`reference_impl.audit_read.read_facts` reads what a wheel *is*
(``reference_impl.audit_facts``); :func:`judge` decides what that means under a policy set,
without opening the wheel again. ``perennial audit`` is :func:`audit_wheel`: ``judge`` of
the facts under the shipped policies, the one code path every verdict takes.

``judge`` is pure and keeps no state between calls except per-policy-set lookups (effective
policies, the forbidden vocabulary), so re-judging many wheels under one policy set costs
the rules only: no zip, no ELF, no decompression. :func:`judge_outcome` is the same
judgement stopped at the decisions (which tags are satisfied and earned, the earliest tag):
what a policy review compares over a census, without building the reasons it does not show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from reference_impl.audit_checks import (
    ERROR,
    NOTE,
    WARNING,
    FileView,
    Finding,
    architecture_findings,
    describe,
    file_blockers,
    soname_findings,
    stack_findings,
    tag_findings,
    view_of,
)
from reference_impl.audit_facts import FactsIncompleteError, FileFacts, WheelFacts
from reference_impl.audit_glibc import Earliest, Need, combined_needs, earliest, file_needs
from reference_impl.audit_policy import EffectivePolicy, effective_policy, grows, policy_memo
from reference_impl.audit_read import (
    read_facts,
    refuse_many_platform_tags,
    symbol_vocabulary,
)
from reference_impl.errors import TagError
from reference_impl.policy import Baseline, GlibcVersion, PolicySet, default_policies
from reference_impl.record import record, replace
from reference_impl.tags import parse_platform_tag
from reference_impl.wheelfile import installed_path

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any, BinaryIO

__all__ = [
    "ERROR",
    "FAIL",
    "NOTE",
    "NOT_JUDGED",
    "PASS",
    "WARNING",
    "BaselineVerdict",
    "ClaimVerdict",
    "FileVerdict",
    "Finding",
    "Outcome",
    "WheelAudit",
    "audit_wheel",
    "judge",
    "judge_outcome",
    "outcome",
    "outcome_from",
]

PASS = "pass"
FAIL = "fail"
NOT_JUDGED = "not-judged"


@record(slots=True)
class FileVerdict:
    """One ELF file: its facts, what it needs, and the earliest glibc it can be tagged with."""

    path: str
    facts: FileFacts
    architecture: str | None
    needs: tuple[Need, ...]
    minimal_glibc: GlibcVersion | None
    forced_by: Finding | None


@record(slots=True)
class BaselineVerdict:
    """Whether the wheel satisfies one maintained baseline, and what blocks it if not."""

    baseline: str
    tag: str
    satisfied: bool
    blockers: tuple[Finding, ...]
    proposed: bool = False
    """The baseline is proposed, not adopted (shown as such wherever it is reported)."""


@record(slots=True)
class ClaimVerdict:
    """One platform tag the wheel claims (filename or WHEEL) and whether it is earned."""

    tag: str
    source: str
    manylinux_tag: str | None
    """The tag as ``manylinux_X_Y_arch`` (legacy aliases resolved), None for other tags."""
    earned: bool | None
    """None for a tag outside PEP 600 (``musllinux_1_2_x86_64``, ``linux_x86_64``, ``any``):
    not judged."""
    blockers: tuple[Finding, ...] = ()
    """What keeps an unearned claim from being earned (a census counts what blocks most)."""
    proposed: bool = False
    """The tag was judged by a proposed baseline (its glibc's newest baseline is proposed)."""


@record
class WheelAudit:
    """The verdict on one wheel."""

    wheel: str
    architecture: str | None
    files: tuple[FileVerdict, ...]
    baselines: tuple[BaselineVerdict, ...]
    best_baseline: str | None
    needs: tuple[Need, ...]
    """The newest version of each family the ELF files need, GLIBC first (as written:
    ``2.2.5`` stays ``2.2.5``)."""
    minimal_glibc: GlibcVersion | None
    """The earliest glibc X.Y the wheel can be tagged with (audit.minimal-glibc)."""
    earliest_tag: str | None
    """``manylinux_X_Y_ARCH`` for :attr:`minimal_glibc`; None when nothing can be carried."""
    forced_by: Finding | None
    """What forces :attr:`minimal_glibc`."""
    earliest_proposed: bool
    """:attr:`earliest_tag` is judged by a proposed baseline."""
    unearnable: tuple[Finding, ...]
    """When the wheel has ELF files but no tag can be carried: why."""
    claims: tuple[ClaimVerdict, ...]
    findings: tuple[Finding, ...]
    facts: WheelFacts
    """What the verdict was judged from (a census stores them to judge again later)."""

    @property
    def glibc_needed(self) -> Need | None:
        """The newest ``GLIBC_`` version the ELF files need, with its symbol and file."""
        return next((n for n in self.needs if n.family == "GLIBC"), None)

    @property
    def judged(self) -> bool:
        """Whether the wheel claims a tag this spec judges (a manylinux tag, even a malformed
        one); a wheel claiming only tags outside PEP 600 is not judged."""
        return any(c.earned is not None for c in self.claims)

    @property
    def verdict(self) -> str:
        """``pass`` (earns every manylinux tag it claims, WHEEL agrees with the filename),
        ``fail``, or ``not-judged``."""
        if not self.judged:
            return NOT_JUDGED
        return FAIL if any(f.severity == ERROR for f in self.findings) else PASS

    @property
    def passed(self) -> bool:
        """The verdict is ``pass``."""
        return self.verdict == PASS


@record(slots=True)
class Outcome:
    """What a verdict decides, without why: what a policy review compares."""

    satisfied: frozenset[str]
    """The tags of the maintained baselines the wheel satisfies."""
    earned: frozenset[str]
    """The manylinux tags it claims and earns (legacy aliases resolved)."""
    unearned: frozenset[str]
    """The manylinux tags it claims and does not earn."""
    earliest: str | None
    minimal: GlibcVersion | None


def outcome(audit: WheelAudit) -> Outcome:
    """The decisions of a full verdict (:func:`judge_outcome` gives the same from facts)."""
    satisfied = frozenset(b.tag for b in audit.baselines if b.satisfied)
    claims = ((c.tag, c.manylinux_tag, c.earned) for c in audit.claims)
    return outcome_from(satisfied, claims, audit.earliest_tag, audit.minimal_glibc)


def outcome_from(
    satisfied: frozenset[str],
    claims: Iterable[tuple[str, str | None, bool | None]],
    earliest: str | None,
    minimal: GlibcVersion | None,
) -> Outcome:
    """An outcome from its parts, each claim as (tag, manylinux_tag, earned): what a verdict,
    a judgement and a census row each hold of it."""
    judged = [(manylinux or tag, earned) for tag, manylinux, earned in claims if earned is not None]
    return Outcome(
        satisfied=satisfied,
        earned=frozenset(tag for tag, earned in judged if earned),
        unearned=frozenset(tag for tag, earned in judged if not earned),
        earliest=earliest,
        minimal=minimal,
    )


def audit_wheel(
    source: str | Path | BinaryIO,
    filename: str | None = None,
    policies: PolicySet | None = None,
    keep: Iterable[str] = (),
) -> WheelAudit:
    """Audit one wheel given as a path or a binary file object (then ``filename`` is needed):
    :func:`judge` of its facts. ``keep`` names symbols the facts keep beyond those the
    policies forbid (:func:`~reference_impl.audit_read.read_facts`)."""
    policies = policies or default_policies()
    return judge(read_facts(source, filename, policies, keep), policies)


def judge(facts: WheelFacts, policies: PolicySet) -> WheelAudit:
    """The verdict on a wheel's facts under ``policies``; pure, and fast when called for
    many wheels with one policy set.

    Raises :class:`~reference_impl.audit_facts.FactsIncompleteError` when ``policies``
    forbids a symbol name the facts did not keep (they were read under another policy set):
    such a verdict needs the wheel read again."""
    _check_vocabulary(facts, policies)
    return _Judgement(facts, policies, reasons=True).audit()


def judge_outcome(
    facts: WheelFacts, policies: PolicySet, contents: Sequence[bytes] | None = None
) -> Outcome:
    """``outcome(judge(facts, policies))``, by the same judgement, which stops looking at a
    file once one thing blocks it and builds no per-file verdict, needs or report findings:
    about two thirds of the cost, for a review that judges a census twice. Raises as
    :func:`judge`.

    ``contents`` may name each file's facts but its path (equal names for equal facts, as
    :class:`reference_impl.census.rows.FactsReader` gives them): what a file decides on its
    own (how the policies read it, its earliest tag, what blocks it under each glibc) is then
    worked out once per name and policy set, not once per file. A mirror holds the same
    file facts many times over: one build for each Python version, bundled libraries."""
    _check_vocabulary(facts, policies)
    if contents is not None and len(contents) != len(facts.files):
        raise ValueError("one content name per file")
    return _Judgement(facts, policies, reasons=False, contents=contents).outcome()


def _check_vocabulary(facts: WheelFacts, policies: PolicySet) -> None:
    missing = symbol_vocabulary(policies) - facts.symbol_vocabulary
    if missing:
        shown = ", ".join(sorted(missing)[:5]) + (" ..." if len(missing) > 5 else "")
        raise FactsIncompleteError(
            facts.wheel,
            f"the policies forbid symbols the facts did not keep ({shown}): read the wheel "
            "again with these policies",
        )


@record(slots=True)
class _Decisions:
    """What :meth:`_Judgement.decide` finds, before a verdict or an outcome is made of it."""

    arch: str | None
    arch_findings: list[Finding]
    wheel_wide: list[Finding]
    baselines: list[BaselineVerdict]
    """Each baseline's verdict (left empty for an outcome, which reads ``satisfied``)."""
    satisfied: frozenset[str]
    first: Earliest
    claims: list[ClaimVerdict]
    claim_findings: list[Finding]


class _Judgement:
    """One call of :func:`judge` or :func:`judge_outcome`: the facts viewed under the
    policies, and a cache of each file's blockers per glibc version (baselines, claims and
    minimal glibc ask the same). Without ``reasons`` a file's blockers stop at the first
    (whether it is blocked is all an outcome needs), so only :meth:`outcome` may be asked."""

    def __init__(
        self,
        facts: WheelFacts,
        policies: PolicySet,
        reasons: bool,
        contents: Sequence[bytes] | None = None,
    ) -> None:
        self.facts = facts
        self.policies = policies
        self.reasons = reasons
        self.shared: list[_SharedFile] | None = None
        """With ``contents`` (outcomes only): what each file decides on its own, shared with
        every file of the same facts judged under these policies."""
        if contents is None:
            self.views = [view_of(f, policies) for f in facts.files]
        else:
            assert not reasons, "shared findings name another file: outcomes only"
            self.shared = [
                _shared(f, name, policies) for f, name in zip(facts.files, contents, strict=True)
            ]
            self.views = [s.view_of(f) for s, f in zip(self.shared, facts.files, strict=True)]
        self.cache: dict[Any, list[Finding]] = {}
        """Blockers by (file index, glibc); a shared file's are in its own, by glibc."""
        self.earliest_of: list[Earliest] = []
        """Each file's earliest tag, in the order of ``views``."""
        self.satisfied_from: list[GlibcVersion | None] = []
        """For each file whose earliest tag is known, the glibc from which it satisfies every
        version without looking (:meth:`_satisfied_from`), or None."""
        self.all_satisfied_from: GlibcVersion | None = None
        """Once every file's is known and none is None: the latest of them."""

    def audit(self) -> WheelAudit:
        facts, policies, views = self.facts, self.policies, self.views
        decided = self.decide()
        arch, first = decided.arch, decided.first
        needs_of = [file_needs(view, policies) for view in views]
        files = tuple(
            FileVerdict(
                view.facts.path,
                view.facts,
                view.arch,
                combined_needs([needs], policies),
                file_first.glibc,
                file_first.forced_by,
            )
            for view, needs, file_first in zip(views, needs_of, self.earliest_of, strict=True)
        )
        wheel_needs = combined_needs(needs_of, policies)
        findings = decided.arch_findings + decided.wheel_wide
        if not views:
            message = "no ELF files: nothing constrains the tag"
            findings.append(Finding("audit.no-elf-files", NOTE, None, message, None))
        findings.extend(decided.claim_findings)
        findings.extend(_not_judged(decided.claims, wheel_needs))
        findings.extend(tag_findings(facts))
        return WheelAudit(
            wheel=facts.wheel,
            architecture=arch,
            files=files,
            baselines=tuple(decided.baselines),
            best_baseline=next((v.baseline for v in decided.baselines if v.satisfied), None),
            needs=wheel_needs,
            minimal_glibc=first.glibc,
            earliest_tag=_earliest_tag(first, arch),
            forced_by=first.forced_by,
            earliest_proposed=_proposed(policies, arch, first.glibc),
            unearnable=first.unearnable,
            claims=tuple(dict.fromkeys(decided.claims)),
            findings=tuple(dict.fromkeys(findings)),
            facts=facts,
        )

    def outcome(self) -> Outcome:
        decided = self.decide()
        first = decided.first
        earliest = _earliest_tag(first, decided.arch)
        claims = ((c.tag, c.manylinux_tag, c.earned) for c in decided.claims)
        return outcome_from(decided.satisfied, claims, earliest, first.glibc)

    def decide(self) -> _Decisions:
        """Every decision of the verdict: the architecture, the baselines satisfied, each
        file's earliest tag and the wheel's, the claims earned."""
        facts, policies, views = self.facts, self.policies, self.views
        claimed = _claimed(facts, policies)
        claimed_arches = {arch for _, _, glibc, arch in claimed if arch and glibc}
        arches = {v.arch for v in views}
        known = sorted(a for a in arches if a)
        if views:
            arch = known[0] if len(known) == 1 else None
        else:
            arch = next(iter(claimed_arches)) if len(claimed_arches) == 1 else None
        arch_findings = architecture_findings(views, claimed_arches, policies)
        arch_ok = (
            arch is not None
            and None not in arches
            and len(arches) <= 1
            and (not views or claimed_arches <= {arch})
        )
        wheel_wide = stack_findings(views, policies) + soname_findings(views, policies)
        errors = [f for f in wheel_wide if f.severity == ERROR]

        all_files = self._blockers(range(len(views)), errors)
        for i in range(len(views)):
            self._file_earliest(i, arch if arch_ok else None, errors)
        if views and None not in self.satisfied_from:
            self.all_satisfied_from = max(g for g in self.satisfied_from if g is not None)
        baselines: list[BaselineVerdict] = []
        satisfied: set[str] = set()
        for baseline, tag, policy in _arch_baselines(policies, arch) if arch else ():
            blockers = (
                [f for f in arch_findings if f.severity == ERROR]
                if not arch_ok
                else all_files(policy)
                if policy
                else [Finding("audit.best-baseline", ERROR, None, "below the floor", arch)]
            )
            if not blockers:
                satisfied.add(tag)
            if self.reasons:  # an outcome needs only the tags satisfied
                verdict = BaselineVerdict(
                    baseline.name, tag, not blockers, tuple(blockers), baseline.proposed
                )
                baselines.append(verdict)

        if views and arch_ok and arch:
            first = self._earliest(arch, all_files)
        elif views:
            first = Earliest(None, None, tuple(f for f in arch_findings if f.severity == ERROR))
        else:
            first = Earliest(None, None)

        claims, claim_findings = self._claims(claimed, arch, arch_ok, all_files, arch_findings)
        return _Decisions(
            arch,
            arch_findings,
            wheel_wide,
            baselines,
            frozenset(satisfied),
            first,
            claims,
            claim_findings,
        )

    def _blockers(
        self, indexes: Sequence[int], errors: Sequence[Finding]
    ) -> Callable[[EffectivePolicy], list[Finding]]:
        """What keeps these files out of a policy: each file's own blockers (cached per file
        and glibc), then ``errors`` (wheel-wide, and findings of their own already)."""

        every_file = len(indexes) == len(self.views)

        def blockers(policy: EffectivePolicy) -> list[Finding]:
            glibc = policy.glibc
            if every_file and self.all_satisfied_from and glibc >= self.all_satisfied_from:
                return list(errors)
            out = []
            known, cache = self.satisfied_from, self.cache
            shared = self.shared
            for i in indexes:
                if i < len(known) and (first := known[i]) is not None and glibc >= first:
                    continue
                memo, key = (shared[i].blocked, glibc) if shared else (cache, (i, glibc))
                found = memo.get(key)
                if found is None:
                    found = memo[key] = file_blockers(
                        self.views[i], policy, self.policies, first_only=not self.reasons
                    )
                if found and not self.reasons:
                    return found  # one blocker decides, and the others are not shown
                out.extend(found)
            return out + list(errors)

        return blockers

    def _satisfied_from(self, index: int, first: Earliest) -> GlibcVersion | None:
        """The glibc from which file ``index`` is known to satisfy every version without
        looking: its earliest, when the baselines of its architecture only ever allow more
        (:func:`~reference_impl.audit_policy.grows`) and it uses no symbol a baseline forbids
        (whose lifting could be undone by a later baseline); else None."""
        view = self.views[index]
        if first.glibc is None or view.strong or not grows(self.policies, view.arch or ""):
            return None
        return first.glibc

    def _file_earliest(self, index: int, arch: str | None, errors: Sequence[Finding]) -> None:
        """File ``index``'s earliest tag, into :attr:`earliest_of` and :attr:`satisfied_from`."""
        view = self.views[index]
        own = [f for f in errors if f.file == view.facts.path]
        shared = self.shared[index] if self.shared and arch and not own else None
        if shared and shared.earliest:
            first, satisfied_from = shared.earliest
        else:
            first = (
                earliest([view], arch, self.policies, self._blockers([index], own))
                if arch
                else Earliest(None, None)
            )
            satisfied_from = self._satisfied_from(index, first)
            if shared:
                shared.earliest = (first, satisfied_from)
        self.earliest_of.append(first)
        self.satisfied_from.append(satisfied_from)

    def _earliest(
        self, arch: str, all_files: Callable[[EffectivePolicy], list[Finding]]
    ) -> Earliest:
        """The wheel's earliest tag from its files': none if a file can carry none (each
        error of the wheel belongs to a file), else the search starts at the latest file's."""
        if any(first.glibc is None for first in self.earliest_of):
            why = (f for first in self.earliest_of if first.glibc is None for f in first.unearnable)
            return Earliest(None, None, tuple(dict.fromkeys(why)))
        latest = max(self.earliest_of, key=lambda first: first.glibc or GlibcVersion(0, 0))
        return earliest(self.views, arch, self.policies, all_files, known=latest)

    def _claims(
        self,
        claimed: list[tuple[str, str, GlibcVersion | None, str | None]],
        arch: str | None,
        arch_ok: bool,
        all_files: Callable[[EffectivePolicy], list[Finding]],
        arch_findings: list[Finding],
    ) -> tuple[list[ClaimVerdict], list[Finding]]:
        """audit.claimed-vs-earned for each claimed tag."""
        claims: list[ClaimVerdict] = []
        findings: list[Finding] = []
        for tag, source, glibc, claim_arch in claimed:
            if glibc is None and claim_arch is not None:  # a malformed manylinux tag
                message = f"{source} claims {tag}: {claim_arch}"
                malformed = Finding("audit.claimed-vs-earned", ERROR, None, message, tag)
                claims.append(ClaimVerdict(tag, source, None, False, (malformed,)))
                findings.append(malformed)
                continue
            if glibc is None or claim_arch is None:
                claims.append(ClaimVerdict(tag, source, None, None))
                continue
            policy = effective_policy(self.policies, claim_arch, glibc)
            problems: list[Finding]
            if policy is None:
                why = f"no baseline covers {claim_arch} at glibc {glibc}"
                problems = [Finding("audit.claimed-vs-earned", ERROR, None, why, tag)]
            elif not self.views:
                problems = []
            elif not arch_ok or claim_arch != arch:
                problems = [f for f in arch_findings if f.severity == ERROR] or [
                    Finding(
                        "audit.arch-consistent", ERROR, None, "its architecture is not the wheel's"
                    )
                ]
            else:
                problems = all_files(policy)
            earned = not problems
            claims.append(
                ClaimVerdict(
                    tag,
                    source,
                    f"manylinux_{glibc.tag_part}_{claim_arch}",
                    earned,
                    tuple(problems),
                    policy is not None and policy.baseline.proposed,
                )
            )
            if not self.reasons or earned:
                continue
            if not any(c.tag == tag and c.earned is False for c in claims[:-1]):
                message = f"{source} claims {tag}, not earned: {describe(problems)}"
                findings.append(Finding("audit.claimed-vs-earned", ERROR, None, message, tag))
        return claims, findings


def _earliest_tag(first: Earliest, arch: str | None) -> str | None:
    return f"manylinux_{first.glibc.tag_part}_{arch}" if first.glibc else None


def _arch_baselines(
    policies: PolicySet, arch: str
) -> tuple[tuple[Baseline, str, EffectivePolicy | None], ...]:
    """Each baseline of ``arch`` with its tag and the policy that judges its glibc there,
    once per policy set (every wheel is judged against each)."""
    known = policy_memo(policies, "arch-baselines")
    found: tuple[tuple[Baseline, str, EffectivePolicy | None], ...] | None = known.get(arch)
    if found is None:
        found = known[arch] = tuple(
            (b, b.tag(arch), effective_policy(policies, arch, b.glibc))
            for b in policies.for_arch(arch)
        )
    return found


class _SharedFile:
    """What one file's facts decide on their own under one policy set, for every file of
    the same facts (:func:`judge_outcome`'s ``contents``): the view, the earliest tag (and
    the glibc it satisfies everything from), the first blocker under each glibc. Each is
    asked only under the file's own architecture (a judgement asks a file's earliest tag and
    blockers only when all the wheel's files agree on one). The findings name the first
    such file's path: only outcomes read them, and an outcome asks only whether there are
    any."""

    __slots__ = ("blocked", "earliest", "view")

    def __init__(self, view: FileView) -> None:
        self.view = view
        self.earliest: tuple[Earliest, GlibcVersion | None] | None = None
        self.blocked: dict[Any, list[Finding]] = {}
        """By glibc."""

    def view_of(self, file: FileFacts) -> FileView:
        """The view of ``file`` (the same facts at another path)."""
        if file is self.view.facts:
            return self.view
        return replace(self.view, facts=file, installed=installed_path(file.path))


SHARED_FILES = 4096
"""The most file contents whose judgements are kept per policy set: each holds a file's facts
(some kilobytes, a few hundred for a large library), so memory stays bounded however many
distinct files a census holds. A census's rows come in about the order of its wheels' paths
(found sorted, a few audited at a time), so the wheels of one release, which share most
files, come together."""


def _shared(file: FileFacts, content: bytes, policies: PolicySet) -> _SharedFile:
    known = policy_memo(policies, "shared-files")
    found: _SharedFile | None = known.get(content)
    if found is None:
        if len(known) >= SHARED_FILES:
            known.clear()
        found = known[content] = _SharedFile(view_of(file, policies))
    return found


def _proposed(policies: PolicySet, arch: str | None, glibc: GlibcVersion | None) -> bool:
    """Whether the policy that judges glibc X.Y on ``arch`` is a proposed baseline's."""
    policy = effective_policy(policies, arch, glibc) if arch and glibc else None
    return policy is not None and policy.baseline.proposed


def _claimed(
    facts: WheelFacts, policies: PolicySet
) -> list[tuple[str, str, GlibcVersion | None, str | None]]:
    """Each claimed platform tag with its glibc and architecture: (tag, source, glibc, arch);
    (tag, source, None, None) for a tag outside PEP 600; (tag, source, None, problem) for a
    tag that begins like a manylinux tag but breaks the grammar."""
    refuse_many_platform_tags(facts.wheel, facts.filename_tags, facts.wheel_tags)
    out: list[tuple[str, str, GlibcVersion | None, str | None]] = []
    seen: set[tuple[str, str]] = set()
    parsed = policy_memo(policies, "claimed-tag")
    for source, tags in (("filename", facts.filename_tags), ("WHEEL", facts.wheel_tags)):
        for full in tags:
            platform = full.split("-", 2)[-1]
            if (platform, source) in seen:
                continue
            seen.add((platform, source))
            if platform not in parsed:
                parsed[platform] = _claimed_tag(platform, policies)
            glibc, arch = parsed[platform]
            out.append((platform, source, glibc, arch))
    return out


def _claimed_tag(platform: str, policies: PolicySet) -> tuple[GlibcVersion | None, str | None]:
    """(glibc, arch) of a manylinux tag, (None, None) of a tag outside PEP 600, (None,
    problem) of a tag that breaks the grammar; remembered per policy set, as a census claims
    the same few dozen tags over and over."""
    try:
        tag = parse_platform_tag(platform, policies)
    except TagError as error:
        return None, error.problem
    return (tag.glibc, tag.arch) if tag.is_manylinux else (None, None)


def _not_judged(claims: Sequence[ClaimVerdict], wheel_needs: Sequence[Need]) -> list[Finding]:
    """audit.not-judged: name the claimed tags outside PEP 600 (and, for a wheel with no
    manylinux claim, the glibc its ELF files need all the same)."""
    outside = sorted({c.tag for c in claims if c.earned is None})
    if not outside:
        return []
    message = "not judged, outside PEP 600: " + ", ".join(outside)
    glibc = next((n for n in wheel_needs if n.family == "GLIBC"), None)
    if glibc and not any(c.earned is not None for c in claims):
        message += f"; its ELF files need glibc {glibc.version} ({glibc.symbol} in {glibc.file})"
    return [Finding("audit.not-judged", NOTE, None, message, None)]
