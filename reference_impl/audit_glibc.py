"""The two glibc answers of clause audit.minimal-glibc, each with what forces it.

- :func:`combined_needs` of each file's :func:`file_needs`: the newest version of each
  family the ELF files need from the system, as written (``GLIBC_2.2.5`` needs glibc
  2.2.5, whatever the architecture's floor).
- :func:`earliest`: the lowest X.Y whose effective policy the files satisfy, so the
  earliest ``manylinux_X_Y`` tag they can carry: the glibc need plus the architecture's
  floor, the baselines' libraries, other families, forbidden symbols and ISA levels.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence

from reference_impl.audit_checks import NOTE, FileView, Finding, need_text
from reference_impl.audit_policy import (
    EffectivePolicy,
    effective_policy,
    policy_memo,
    tag_glibc,
)
from reference_impl.policy import GlibcVersion, PolicySet
from reference_impl.record import record, replace


@record(slots=True)
class Need:
    """The newest version of one family that the files need, and the symbol that needs it."""

    family: str
    version: str
    """The bare version as written: ``2.2.5`` for ``GLIBC_2.2.5``."""
    symbol: str
    """``name@VERSION`` (the version alone when no symbol is bound to it)."""
    library: str
    file: str


FileNeeds = dict[str, tuple[tuple[int, ...], Need]]
"""One file's newest need of each family, with its order key (see :func:`file_needs`)."""


def file_needs(view: FileView, policies: PolicySet) -> FileNeeds:
    """One file's newest need of each family with the key it is ordered by, the first of
    equals kept: computed once per file, then :func:`combined_needs` gives the file's and
    the wheel's needs without walking its versions again."""
    best: FileNeeds = {}
    for family, bare, need, key in view.families:
        if not family or key is None:
            continue
        if family not in best or key > best[family][0]:
            text = need_text(need)
            best[family] = (key, Need(family, bare, text, need.library, view.facts.path))
    return best


def combined_needs(per_file: Sequence[FileNeeds], policies: PolicySet) -> tuple[Need, ...]:
    """The newest needed version of each family over files given by their
    :func:`file_needs`, GLIBC first then in the order of the policies' families; the
    earliest file's on a tie. Versions that name no release (``GLIBC_PRIVATE``,
    ``CXXABI_TM_1``) have no order and are left out; they block baselines all the same."""
    best: FileNeeds = {}
    for found in per_file:
        for family, (key, need) in found.items():
            if family not in best or key > best[family][0]:
                best[family] = (key, need)
    order = list(policies.families)
    return tuple(best[f][1] for f in sorted(best, key=lambda f: (f != "GLIBC", order.index(f))))


Blockers = Callable[[EffectivePolicy], list[Finding]]


@record(slots=True)
class Earliest:
    """The lowest glibc X.Y the files can be tagged with, or why there is none."""

    glibc: GlibcVersion | None
    forced_by: Finding | None
    """What forces ``glibc``: what blocks the candidate version just below it, or else the
    needed symbol version whose release is ``glibc``, or else the architecture's floor."""
    unearnable: tuple[Finding, ...] = ()
    """When ``glibc`` is None: what keeps the files out of every glibc version."""


def earliest(
    views: Sequence[FileView],
    arch: str,
    policies: PolicySet,
    blockers: Blockers,
    known: Earliest | None = None,
) -> Earliest:
    """The lowest X.Y whose effective policy the files satisfy (``blockers(policy)`` empty).

    Only X.Y where something changes can be the answer: the floor of ``arch``, each baseline
    of ``arch``, and the release each needed GLIBC version names (rounded up to X.Y).
    ``known`` is the answer for one of the files: nothing below it can be the answer for all
    of them, so the search starts there (a wheel's answer from its files' answers)."""
    floor, ladder = _arch_candidates(policies, arch)
    start = floor
    if known is not None and known.glibc is not None:
        start = max(start, known.glibc)
    releases = [(release, need, v.facts.path) for v in views for release, need in v.glibc]
    extra = {_tag_glibc(release) for release, _, _ in releases}
    extra.add(start)
    previous: tuple[GlibcVersion, list[Finding]] | None = None
    for glibc in _ascending(ladder[bisect.bisect_left(ladder, start) :], extra, start):
        policy = effective_policy(policies, arch, glibc)
        if policy is None:
            continue
        found = blockers(policy)
        if found:
            previous = (glibc, found)
            continue
        if known is not None and glibc == known.glibc:
            return known
        if previous:  # what kept the files out of the version just below
            return Earliest(glibc, replace(previous[1][0], severity=NOTE))
        exact = [
            (release, need, path)
            for release, need, path in releases
            if _tag_glibc(release) == glibc
        ]
        if exact:
            _, need, path = max(exact, key=lambda t: t[0])
            why = f"{need_text(need)} (from {need.library})"
            return Earliest(glibc, Finding("audit.symbol-versions", NOTE, path, why, need.version))
        why = (
            f"the floor of {arch}"
            if glibc == floor
            else f"the oldest baseline for {arch}: none covers {arch} below glibc {glibc}"
        )
        return Earliest(glibc, Finding("audit.minimal-glibc", NOTE, None, why, arch))
    return Earliest(None, None, tuple(dict.fromkeys(previous[1])) if previous else ())


def _ascending(
    ladder: Sequence[GlibcVersion], extra: set[GlibcVersion], start: GlibcVersion
) -> list[GlibcVersion]:
    """The candidates of :func:`earliest` from ``start`` up, each once: the baseline versions
    ``ladder`` (from ``start``) and ``extra``, sorted (a dozen at most: sorting them costs
    less than merging lazily, though most searches stop at the first)."""
    return sorted(set(ladder).union(c for c in extra if c >= start))


def _arch_candidates(policies: PolicySet, arch: str) -> tuple[GlibcVersion, list[GlibcVersion]]:
    """The floor of ``arch`` and the glibc of each of its baselines, ascending, once per policy
    set (:func:`earliest` asks for every file of every wheel)."""
    known = policy_memo(policies, "arch-candidates")
    if arch not in known:
        known[arch] = (policies.floor(arch), sorted({b.glibc for b in policies.for_arch(arch)}))
    found: tuple[GlibcVersion, list[GlibcVersion]] = known[arch]
    return found


@functools.lru_cache(maxsize=1024)
def _tag_glibc(release: tuple[int, ...]) -> GlibcVersion:
    """:func:`~reference_impl.audit_policy.tag_glibc`, remembered: a census asks about the
    same few dozen releases for every file."""
    return tag_glibc(release)
