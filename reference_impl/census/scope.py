"""Which wheels a policy change can touch, so a review re-judges only those.

Most changes only change what some baselines allow: a library, a symbol version, a
forbidden symbol, an ISA level. The verdict on a wheel reads such a value only through what
the wheel's ELF files name (spec/auditing.md, applied in
:func:`reference_impl.audit_checks.file_blockers` and ``soname_findings``): a library they
need or bundle, a version they need, an undefined symbol they use, an ISA level they need.
A wheel that names none of the changed values has the same verdict under both policy sets,
without judging it. Any other change (baselines added, removed or moved; architectures,
families or legacy aliases) has no such scope: every wheel is judged again. The tests
check that the scoped delta equals the full one for each kind of change.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_impl.audit_checks import system_library_names
from reference_impl.policy import Baseline, PolicySet


@dataclass(frozen=True)
class Scope:
    """The values a change adds or removes; a wheel naming none of them keeps its verdict."""

    libraries: frozenset[str]
    """Library names (SONAMEs) allowed, no longer allowed, or no longer a system library."""
    versions: frozenset[str]
    """Full symbol-version names (``GLIBCXX_3.4.99``) allowed or no longer allowed."""
    symbols: frozenset[str]
    """Symbol names forbidden or no longer forbidden."""
    isa: bool
    """Whether some baseline's highest ISA level changes."""


def scope_of(base: PolicySet, head: PolicySet) -> Scope | None:
    """The scope of the change from ``base`` to ``head``, or None when it has none."""
    if (
        [_identity(b) for b in base.baselines] != [_identity(b) for b in head.baselines]
        or base.architectures != head.architectures
        or base.families != head.families
        or base.legacy_aliases != head.legacy_aliases
    ):
        return None
    libraries = system_library_names(base) ^ system_library_names(head)
    versions: set[str] = set()
    symbols: set[str] = set()
    isa = False
    for old, new in zip(base.baselines, head.baselines, strict=True):
        libraries |= old.libraries ^ new.libraries
        for arch in new.architectures:
            before, after = old.symbol_versions.get(arch, {}), new.symbol_versions.get(arch, {})
            for family in set(before) | set(after):
                prefix = head.families[family].prefix if family in head.families else ""
                changed = before.get(family, frozenset()) ^ after.get(family, frozenset())
                versions.update(prefix + bare for bare in changed)
        for library in set(old.forbidden_symbols) | set(new.forbidden_symbols):
            symbols |= old.forbidden_symbols.get(library, frozenset()) ^ new.forbidden_symbols.get(
                library, frozenset()
            )
        isa = isa or old.isa != new.isa
    return Scope(frozenset(libraries), frozenset(versions), frozenset(symbols), isa)


def _identity(baseline: Baseline) -> tuple[object, ...]:
    """What places a baseline: a change to any of it reaches every wheel."""
    return (baseline.name, baseline.glibc, baseline.architectures, dict(baseline.aliases))
