"""What one baseline adds and removes relative to another, as sentences a reviewer reads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reference_impl.policy.model import Baseline


def version_order(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for bare symbol versions: numeric parts numerically, names after numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[._]", version)
    )


@dataclass(frozen=True)
class BaselineDiff:
    """The differences between two baselines, grouped the way a review reads them."""

    old: Baseline
    new: Baseline
    architectures_added: tuple[str, ...]
    architectures_removed: tuple[str, ...]
    libraries_added: tuple[str, ...]
    libraries_removed: tuple[str, ...]
    versions_added: dict[str, dict[str, tuple[str, ...]]]
    versions_removed: dict[str, dict[str, tuple[str, ...]]]
    forbidden_added: dict[str, tuple[str, ...]]
    forbidden_lifted: dict[str, tuple[str, ...]]
    isa_changed: dict[str, tuple[str | None, str | None]]

    @property
    def is_empty(self) -> bool:
        """True when the two baselines allow exactly the same things (whatever their status)."""
        return not any(
            (
                self.architectures_added,
                self.architectures_removed,
                self.libraries_added,
                self.libraries_removed,
                self.versions_added,
                self.versions_removed,
                self.forbidden_added,
                self.forbidden_lifted,
                self.isa_changed,
            )
        )


def diff_baselines(old: Baseline, new: Baseline) -> BaselineDiff:
    """Compare two flattened baselines."""
    added: dict[str, dict[str, tuple[str, ...]]] = {}
    removed: dict[str, dict[str, tuple[str, ...]]] = {}
    for arch in new.architectures:
        if arch not in old.architectures:
            continue
        for family in sorted(set(old.symbol_versions[arch]) | set(new.symbol_versions[arch])):
            before = old.symbol_versions[arch].get(family, frozenset())
            after = new.symbol_versions[arch].get(family, frozenset())
            if after - before:
                added.setdefault(arch, {})[family] = _sorted_versions(after - before)
            if before - after:
                removed.setdefault(arch, {})[family] = _sorted_versions(before - after)
    forbidden_added, forbidden_lifted = {}, {}
    for lib in sorted(set(old.forbidden_symbols) | set(new.forbidden_symbols)):
        before = old.forbidden_symbols.get(lib, frozenset())
        after = new.forbidden_symbols.get(lib, frozenset())
        if after - before:
            forbidden_added[lib] = tuple(sorted(after - before))
        if before - after:
            forbidden_lifted[lib] = tuple(sorted(before - after))
    isa_changed = {
        arch: (old.isa.get(arch), new.isa.get(arch))
        for arch in sorted(set(old.isa) | set(new.isa))
        if old.isa.get(arch) != new.isa.get(arch) and arch in old.architectures
    }
    return BaselineDiff(
        old=old,
        new=new,
        architectures_added=tuple(a for a in new.architectures if a not in old.architectures),
        architectures_removed=tuple(a for a in old.architectures if a not in new.architectures),
        libraries_added=tuple(sorted(new.libraries - old.libraries)),
        libraries_removed=tuple(sorted(old.libraries - new.libraries)),
        versions_added=added,
        versions_removed=removed,
        forbidden_added=forbidden_added,
        forbidden_lifted=forbidden_lifted,
        isa_changed=isa_changed,
    )


def describe(diff: BaselineDiff) -> list[str]:
    """The diff as sentences, most important first."""
    old, new = diff.old, diff.new
    lines = [f"{new.name} (glibc {new.glibc}) compared with {old.name} (glibc {old.glibc}):"]
    if new.status != old.status:
        lines.append(f"- Is {new.status}, where {old.name} is {old.status}.")
    if diff.is_empty:
        return [*lines, "- They allow exactly the same architectures, libraries and symbols."]
    if diff.architectures_added:
        lines.append(f"- Covers {_words(diff.architectures_added)} in addition.")
    if diff.architectures_removed:
        lines.append(f"- No longer covers {_words(diff.architectures_removed)}.")
    if diff.libraries_added:
        lines.append(f"- Allows linking to {_words(diff.libraries_added)}.")
    if diff.libraries_removed:
        lines.append(f"- No longer allows linking to {_words(diff.libraries_removed)}.")
    for arch, families in diff.versions_added.items():
        parts = [f"{family} {_words(versions)}" for family, versions in families.items()]
        lines.append(f"- On {arch}, allows the symbol versions {'; '.join(parts)}.")
    for arch, families in diff.versions_removed.items():
        parts = [f"{family} {_words(versions)}" for family, versions in families.items()]
        lines.append(f"- On {arch}, no longer allows {'; '.join(parts)}.")
    for lib, symbols in diff.forbidden_added.items():
        lines.append(f"- Forbids using {_words(symbols)} from {lib}.")
    for lib, symbols in diff.forbidden_lifted.items():
        lines.append(f"- No longer forbids {_words(symbols)} from {lib}.")
    for arch, (before, after) in diff.isa_changed.items():
        lines.append(f"- On {arch}, the highest ISA level changes from {before} to {after}.")
    for arch in diff.architectures_added:
        newest = [
            f"{family} {_highest_release(versions)}"
            for family, versions in new.symbol_versions[arch].items()
            if _highest_release(versions)
        ]
        lines.append(f"- {arch} starts with symbol versions up to {', '.join(newest)}.")
    return lines


def _sorted_versions(versions: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(versions, key=version_order))


def _highest_release(versions: Iterable[str]) -> str | None:
    numbered = [v for v in versions if v[:1].isdigit()]
    return _sorted_versions(numbered)[-1] if numbered else None


def _words(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
