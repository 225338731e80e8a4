"""The effective policy of any glibc version: a baseline, without quantisation for GLIBC.

A tag may name any glibc (``manylinux_2_25``), not only a maintained baseline. For glibc X.Y
on an architecture, the newest baseline at or below X.Y decides libraries, forbidden symbols
and the non-glibc families; the GLIBC versions allowed are every one up to X.Y; and a symbol
the baseline forbids because its glibc predates it is allowed from the release that added
it (clause audit.forbidden-symbols).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping

from reference_impl.policy import Baseline, GlibcVersion, PolicySet
from reference_impl.record import record

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any


MEMO_ENTRIES = 1 << 16
"""The most answers one memo keeps: a census meets a few hundred version names, tags and ELF
identities, but a hostile mirror may hold millions."""


class _Memo(dict):  # type: ignore[type-arg]
    """A dict that forgets everything once it holds :data:`MEMO_ENTRIES` answers: its keys
    come from input (version names, tags, ELF flags), and memory stays bounded whatever a
    census reads. Reads are the dict's own; only storing an answer costs a check."""

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= MEMO_ENTRIES:
            self.clear()
        super().__setitem__(key, value)


_MEMOS: dict[tuple[int, str], tuple[PolicySet, dict[Any, Any]]] = {}


def policy_memo(policies: PolicySet, name: str) -> dict[Any, Any]:
    """A dict kept for one policy set under ``name``: every lookup that the reader and the
    judge repeat for each wheel or file is remembered in one (a policy set is immutable, so
    its answers never go stale; the set is held, so its ``id`` is not reused while the memo
    lives). It forgets past :data:`MEMO_ENTRIES` answers."""
    key = (id(policies), name)
    cached = _MEMOS.get(key)
    if cached is None or cached[0] is not policies:
        cached = _MEMOS[key] = (policies, _Memo())
    return cached[1]


@record
class EffectivePolicy:
    """What one glibc version allows on one architecture: a baseline, unquantised for GLIBC."""

    name: str
    glibc: GlibcVersion
    baseline: Baseline
    glibc_versions: frozenset[str]

    def lifts(self, release: tuple[int, ...] | None) -> bool:
        """Whether a forbidden symbol of the baseline that is bound to a GLIBC version of this
        release is allowed here: glibc X.Y has every symbol of the releases up to X.Y, so a
        symbol forbidden because the baseline's glibc predates it is allowed from its release
        on (``pthread_getattr_default_np@GLIBC_2.18`` from glibc 2.18)."""
        return (
            release is not None
            and not release_within(release, self.baseline.glibc)
            and release_within(release, self.glibc)
        )


def effective_policy(policies: PolicySet, arch: str, glibc: GlibcVersion) -> EffectivePolicy | None:
    """:func:`_compute`, remembered per policy set, architecture and glibc."""
    known = policy_memo(policies, "effective-policy")
    key = (arch, glibc)
    if key not in known:
        known[key] = _compute(policies, arch, glibc)
    found: EffectivePolicy | None = known[key]
    return found


def _compute(policies: PolicySet, arch: str, glibc: GlibcVersion) -> EffectivePolicy | None:
    """The effective policy of glibc X.Y on ``arch``: the newest baseline at or below it, with
    every GLIBC version up to X.Y that any baseline knows on ``arch`` (no quantisation).
    None below the architecture's floor or its oldest baseline."""
    covering = [b for b in policies.for_arch(arch) if b.glibc <= glibc]
    floor = policies.architectures[arch].floor if arch in policies.architectures else None
    if not covering or floor is None or glibc < floor:
        return None
    baseline = covering[-1]
    known = policies.for_arch(arch)[-1].symbol_versions.get(arch, {}).get("GLIBC", frozenset())
    own = baseline.symbol_versions.get(arch, {}).get("GLIBC", frozenset())
    family = policies.families.get("GLIBC")
    extra = set()
    for version in known:
        needs = glibc_release(version, family.introduced_in if family else {})
        if needs is not None and release_within(needs, glibc):
            extra.add(version)
    return EffectivePolicy(f"manylinux_{glibc.tag_part}", glibc, baseline, frozenset(own | extra))


def grows(policies: PolicySet, arch: str) -> bool:
    """Whether each baseline of ``arch`` allows everything the one before it allows (the
    libraries, every family's versions, the ISA level) and forbids nothing new: then a file
    that uses no forbidden symbol and satisfies glibc X.Y satisfies every later version.
    The loader's superset check (clause policy.superset) makes this true of valid data;
    ``judge`` asks rather than assumes, so a proposed policy that breaks it is judged in full."""
    known = policy_memo(policies, "grows")
    if arch not in known:
        known[arch] = _grows(policies, arch)
    return bool(known[arch])


def _grows(policies: PolicySet, arch: str) -> bool:
    if arch not in policies.architectures:
        return False
    levels = policies.architectures[arch].isa_levels
    baselines = policies.for_arch(arch)
    for old, new in itertools.pairwise(baselines):
        old_sets, new_sets = old.symbol_versions.get(arch, {}), new.symbol_versions.get(arch, {})
        if not old.libraries <= new.libraries:
            return False
        if any(not v <= new_sets.get(f, frozenset()) for f, v in old_sets.items()):
            return False
        if any(
            not n <= old.forbidden_symbols.get(lib, frozenset())
            for lib, n in new.forbidden_symbols.items()
        ):
            return False
        old_isa, new_isa = old.isa.get(arch), new.isa.get(arch)
        if old_isa in levels and (
            new_isa not in levels or levels.index(new_isa) < levels.index(old_isa)
        ):
            return False
    return True


def glibc_release(version: str, introduced: Mapping[str, GlibcVersion]) -> tuple[int, ...] | None:
    """The glibc release a bare GLIBC version needs: ``2.25`` -> (2, 25), ``2.3.4`` -> (2, 3, 4);
    a named node (``ABI_DT_RELR``) by the family's ``introduced_in``; None when unknown
    (``PRIVATE``)."""
    if version in introduced:
        return tuple(introduced[version])
    return numeric(version)


@functools.lru_cache(maxsize=4096)
def numeric(version: str) -> tuple[int, ...] | None:
    """``3.4.19`` -> (3, 4, 19); None for a version that is not dotted ASCII numbers."""
    parts = version.split(".")
    if all(p.isdigit() and p.isascii() for p in parts):
        return tuple(int(p) for p in parts)
    return None


def release_within(needs: tuple[int, ...], glibc: GlibcVersion) -> bool:
    """Whether a glibc release such as (2, 3, 4) is at or below ``glibc``."""
    return needs <= tuple(glibc)


def tag_glibc(release: tuple[int, ...]) -> GlibcVersion:
    """The lowest X.Y whose promise covers a release: (2, 25) -> 2.25; (2, 3, 4) -> 2.4,
    because a glibc 2.3 system may be 2.3.0, which lacks 2.3.4's symbols."""
    major = release[0]
    minor = release[1] if len(release) > 1 else 0
    return GlibcVersion(major, minor + (1 if any(release[2:]) else 0))


def family_of(policies: PolicySet, version: str) -> tuple[str, str] | None:
    """``GLIBCXX_3.4.19`` -> ("GLIBCXX", "3.4.19"); None for a version of no known family.
    Remembered per policy set: a census asks about the same few hundred names again and
    again."""
    known = policy_memo(policies, "family")
    if version not in known:
        known[version] = next(
            (
                (family.name, bare)
                for family in policies.families.values()
                if (bare := family.split(version)) is not None
            ),
            None,
        )
    found: tuple[str, str] | None = known[version]
    return found


VersionClass = tuple[str, str, tuple[int, ...] | None]
"""A needed version as a policy set reads it: (family, bare version, order key). The key is
the glibc release for GLIBC (None when unknown, as ``PRIVATE``) and the version's numbers for
any other family (None when not dotted numbers); ("", the version, None) for a version of no
known family."""


def version_class(policies: PolicySet, version: str) -> VersionClass:
    """How ``policies`` reads the version name ``version`` (remembered: a census meets the
    same few hundred names in every wheel)."""
    classes = policy_memo(policies, "version-class")
    found: VersionClass | None = classes.get(version)
    if found is None:
        found = classes[version] = _classify(policies, version)
    return found


def _classify(policies: PolicySet, version: str) -> VersionClass:
    fam = family_of(policies, version)
    if fam is None:
        return ("", version, None)
    family, bare = fam
    if family == "GLIBC":
        return (family, bare, glibc_release(bare, policies.families[family].introduced_in))
    return (family, bare, numeric(bare))
