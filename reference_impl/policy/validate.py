"""Cross-baseline rules: a newer baseline allows everything an older one does.

PEP 600 promises that a system with glibc >= X.Y runs manylinux_X_Y wheels, so a wheel valid
for an old baseline must stay valid for every newer one. Exceptions are explicit amendments
(``[remove]`` entries, checked in ``load.py``) and are reported here only if unexplained.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

from reference_impl.display import quoted
from reference_impl.errors import PolicyError
from reference_impl.policy.model import Baseline


def check_supersets(
    baselines: tuple[Baseline, ...], raw_removals: Mapping[str, Mapping[str, tuple[str, ...]]]
) -> None:
    """Each baseline must allow at least what the one before it allows, per architecture."""
    for older, newer in pairwise(baselines):
        where = str(newer.file)
        removed = raw_removals.get(newer.name, {})
        for arch in older.architectures:
            if arch not in newer.architectures and arch not in removed.get("architectures", ()):
                raise PolicyError(
                    where,
                    f"key architectures: drops {arch} (covered by {older.name}) "
                    "without an amendment",
                )
        for lib in sorted(older.libraries - newer.libraries):
            if lib not in removed.get("libraries", ()):
                raise PolicyError(
                    where,
                    f"key libraries: drops {lib} (allowed by {older.name}) without an amendment",
                )
        for arch in older.architectures:
            if arch not in newer.architectures:
                continue
            for family, versions in older.symbol_versions[arch].items():
                missing = versions - newer.symbol_versions[arch].get(family, frozenset())
                if missing:
                    raise PolicyError(
                        where,
                        f"key symbol_versions.{arch}.{family}: lacks {quoted(sorted(missing)[0])}, "
                        f"which {older.name} allows (newer baselines must be supersets)",
                    )
            older_isa, newer_isa = older.isa.get(arch), newer.isa.get(arch)
            if older_isa != newer_isa and older_isa is not None and newer_isa is None:
                raise PolicyError(where, f"key isa.{arch}: drops the ISA level {older_isa}")
        for lib, symbols in newer.forbidden_symbols.items():
            extra = symbols - older.forbidden_symbols.get(lib, frozenset())
            if extra:
                raise PolicyError(
                    where,
                    f"key forbidden_symbols.{lib}: forbids {quoted(sorted(extra)[0])}, which "
                    f"{older.name} allows (newer baselines may not forbid more)",
                )
