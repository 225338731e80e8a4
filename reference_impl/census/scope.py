"""Which wheels a policy change can touch, so a review re-judges only those.

Most changes only change what some baselines allow: a library, a symbol version, a
forbidden symbol, an ISA level. The verdict on a wheel reads such a value only through what
the wheel's ELF files name (spec/auditing.md, applied in
:func:`reference_impl.audit_checks.file_blockers` and ``soname_findings``): a library they
need or bundle, a version they need, an undefined symbol they use, an ISA level they need.
A wheel that names none of the changed values has the same verdict under both policy sets,
without judging it. An architecture whose record changes in anything but how ELF files are
identified as it (its floor, loader, ISA levels, default stack) is read only for the wheels
with a file of that architecture or a tag naming it. A family's record is read only for
its name, its prefix and the releases of its named versions (``introduced_in``): a release
moved touches the wheels that need that version; its description, sources and libraries
touch none. Any other change (baselines added, removed or moved; an ELF identity, the list
of architectures, families added, removed, renamed, reordered or given another prefix,
legacy aliases) has no such scope: every wheel is judged again. The tests check that the
scoped delta equals the full one for each kind of change.
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
    architectures: frozenset[str] = frozenset()
    """Architectures whose record changes (not their ELF identity): a wheel with a tag naming
    one is touched."""
    elf_identities: frozenset[tuple[int, str, str]] = frozenset()
    """Their (bits, endianness, e_machine): a wheel with a file of one is touched (flags are
    not compared, so an ARM file of another ABI is touched too: judged, never missed)."""


def scope_of(base: PolicySet, head: PolicySet) -> Scope | None:
    """The scope of the change from ``base`` to ``head``, or None when it has none."""
    moved = _moved_architectures(base, head)
    if (
        [_identity(b) for b in base.baselines] != [_identity(b) for b in head.baselines]
        or moved is None
        or _family_names(base) != _family_names(head)
        or base.legacy_aliases != head.legacy_aliases
    ):
        return None
    libraries = system_library_names(base) ^ system_library_names(head)
    versions = _moved_releases(base, head)
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
    return Scope(
        frozenset(libraries),
        frozenset(versions),
        frozenset(symbols),
        isa,
        moved,
        frozenset(
            (arch.bits, arch.endianness, arch.elf_machine)
            for name, arch in head.architectures.items()
            if name in moved
        ),
    )


_ELF_IDENTITY = ("name", "bits", "endianness", "elf_machine", "arm_eabi_version", "arm_float_abi")
"""What identifies an ELF file as an architecture (reference_impl.elf.identify_architecture)."""


def _moved_architectures(base: PolicySet, head: PolicySet) -> frozenset[str] | None:
    """The architectures whose record changes while every ELF file is identified alike; None
    when the architectures, their order or an ELF identity change."""
    if list(base.architectures) != list(head.architectures):
        return None
    moved = set()
    for name, old in base.architectures.items():
        new = head.architectures[name]
        if old == new:
            continue
        if any(getattr(old, field) != getattr(new, field) for field in _ELF_IDENTITY):
            return None
        moved.add(name)
    return frozenset(moved)


def _family_names(policies: PolicySet) -> list[tuple[str, str]]:
    """What classifies a version name into a family, in the order families are tried."""
    return [(family.name, family.prefix) for family in policies.families.values()]


def _moved_releases(base: PolicySet, head: PolicySet) -> set[str]:
    """Full names of the named versions (``GLIBC_ABI_DT_RELR``) whose release is added,
    removed or moved: the judge reads a family's ``introduced_in`` for nothing else."""
    moved = set()
    for name, new in head.families.items():
        old = base.families[name].introduced_in
        for version in set(old) | set(new.introduced_in):
            if old.get(version) != new.introduced_in.get(version):
                moved.add(new.prefix + version)
    return moved


def _identity(baseline: Baseline) -> tuple[object, ...]:
    """What places a baseline: a change to any of it reaches every wheel."""
    return (baseline.name, baseline.glibc, baseline.architectures, dict(baseline.aliases))
