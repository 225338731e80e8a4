"""The effective policy of any glibc version: a baseline, without quantisation for GLIBC.

A tag may name any glibc (``manylinux_2_25``), not only a maintained baseline. For glibc X.Y
on an architecture, the newest baseline at or below X.Y decides libraries, forbidden symbols
and the non-glibc families; the GLIBC versions allowed are every one up to X.Y.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reference_impl.policy import Baseline, GlibcVersion, PolicySet


@dataclass(frozen=True)
class EffectivePolicy:
    """What one glibc version allows on one architecture: a baseline, unquantised for GLIBC."""

    name: str
    glibc: GlibcVersion
    baseline: Baseline
    glibc_versions: frozenset[str]


_POLICY_CACHE: dict[tuple[int, str, GlibcVersion], tuple[PolicySet, EffectivePolicy | None]] = {}


def effective_policy(policies: PolicySet, arch: str, glibc: GlibcVersion) -> EffectivePolicy | None:
    """:func:`_compute`, remembered per policy set, architecture and glibc."""
    key = (id(policies), arch, glibc)
    cached = _POLICY_CACHE.get(key)
    if cached is None or cached[0] is not policies:
        cached = (policies, _compute(policies, arch, glibc))
        _POLICY_CACHE[key] = cached
    return cached[1]


def _compute(policies: PolicySet, arch: str, glibc: GlibcVersion) -> EffectivePolicy | None:
    """The effective policy of glibc X.Y on ``arch``: the newest baseline at or below it, with
    every GLIBC version up to X.Y that any baseline knows on ``arch`` (no quantisation)."""
    covering = [b for b in policies.for_arch(arch) if b.glibc <= glibc]
    if not covering:
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


def glibc_release(version: str, introduced: Mapping[str, GlibcVersion]) -> tuple[int, ...] | None:
    """The glibc release a bare GLIBC version needs: ``2.25`` -> (2, 25), ``2.3.4`` -> (2, 3, 4)."""
    if version in introduced:
        return tuple(introduced[version])
    parts = version.split(".")
    if all(p.isdigit() and p.isascii() for p in parts) and parts:
        return tuple(int(p) for p in parts)
    return None


def release_within(needs: tuple[int, ...], glibc: GlibcVersion) -> bool:
    """Whether a glibc release such as (2, 3, 4) is at or below ``glibc``."""
    return needs <= tuple(glibc)


def family_of(policies: PolicySet, version: str) -> tuple[str, str] | None:
    """``GLIBCXX_3.4.19`` -> ("GLIBCXX", "3.4.19"); None for a version of no known family."""
    for family in policies.families.values():
        bare = family.split(version)
        if bare is not None:
            return family.name, bare
    return None
