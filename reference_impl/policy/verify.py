"""Check the policy data against observations of real distributions.

The promise of a baseline is that every symbol version it allows exists on every mainstream
distribution with at least its glibc. For each baseline and architecture, every allowed
version must be defined by every observed distribution of that architecture whose glibc is
at least the baseline's. The evidence layout is ``distros/ARCH/DISTRO-RELEASE.json``.

A version that one baseline allows, every newer one allows too (``validate.py``), so it is
checked once, against the oldest baseline that allows it: a distribution lacking it breaks
that baseline and every newer one whose glibc it still has. The work grows with the number
of versions times the number of observations, not with the number of baselines as well, and
mismatches are grouped, so a policy of 50,000 entries is checked in seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.errors import PerennialError, PolicyError, os_cause
from reference_impl.files import read_regular
from reference_impl.policy.diff import version_order
from reference_impl.policy.model import Baseline, GlibcVersion, PolicySet

MAX_OBSERVATION_FILE = 16 << 20
"""An observation lists a few hundred version names: 16 MiB is far more than one needs."""
_SHOWN_VERSIONS = 5


@dataclass(frozen=True)
class Observation:
    """What one distribution image of one architecture defines."""

    distribution: str
    arch: str
    glibc: GlibcVersion
    versions: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Mismatch:
    """Allowed symbol versions of one family that the same covered distributions lack.

    ``baseline`` is the oldest baseline that allows them on ``arch``; every newer baseline
    allows them too and is broken on those distributions whose glibc it does not exceed."""

    baseline: str
    arch: str
    family: str
    versions: tuple[str, ...]
    distributions: tuple[str, ...]

    def __str__(self) -> str:
        names = [f"{self.family}_{v}" for v in self.versions[:_SHOWN_VERSIONS]]
        more = len(self.versions) - len(names)
        allowed = ", ".join(names) + (f" and {more} more" if more else "")
        lacking = ", ".join(self.distributions)
        verb = "does" if len(self.distributions) == 1 else "do"
        it = "it" if len(self.versions) == 1 else "them"
        return (
            f"{self.baseline} allows {allowed} on {self.arch}, but {lacking} {verb} not define {it}"
        )


@dataclass(frozen=True)
class Coverage:
    """The observed distributions a baseline covers on one architecture."""

    baseline: str
    arch: str
    distributions: tuple[str, ...]


def load_observations(evidence: Path, policies: PolicySet) -> list[Observation]:
    """Read ``distros/*/*.json``; unreadable files are one-line errors naming the file."""
    root = evidence / "distros"
    if not root.is_dir():
        raise PerennialError(str(evidence), "no distros/ folder of observations")
    found = []
    for path in sorted(root.glob("*/*.json")):
        arch = path.parent.name
        if arch not in policies.architectures:
            continue
        found.append(_observation(path, arch))
    return found


def _observation(path: Path, arch: str) -> Observation:
    try:
        data = json.loads(read_regular(path, MAX_OBSERVATION_FILE))
    except OSError as error:
        raise PerennialError(str(path), f"cannot be read: {os_cause(error)}") from None
    except RecursionError:
        raise PerennialError(str(path), "not a readable observation (nested too deeply)") from None
    except ValueError as error:  # not UTF-8, not JSON
        raise PerennialError(str(path), f"not a readable observation ({error})") from None
    versions = _versions(data.get("symbols")) if isinstance(data, dict) else None
    glibc = data.get("glibc_version") if isinstance(data, dict) else None
    if not isinstance(glibc, str) or versions is None:
        raise PerennialError(
            str(path),
            "not a readable observation: expected an object with a glibc_version string and "
            "symbols, a list of version names per family",
        )
    try:
        version = GlibcVersion.parse(glibc, str(path))
    except PolicyError as error:  # an observation is input, not policy data
        raise PerennialError(error.source, error.problem) from None
    return Observation(path.stem, arch, version, versions)


def _versions(symbols: Any) -> dict[str, frozenset[str]] | None:
    """The version names per family, or None unless each family holds a list of strings."""
    if not isinstance(symbols, dict):
        return None
    found = {}
    for family, names in symbols.items():
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            return None
        found[family] = frozenset(names)
    return found


def verify(
    policies: PolicySet, observations: list[Observation]
) -> tuple[list[Mismatch], list[Coverage]]:
    """Every mismatch between the data and the observations, and each baseline's coverage."""
    coverage = [
        Coverage(
            baseline.name,
            arch,
            tuple(
                o.distribution for o in observations if o.arch == arch and o.glibc >= baseline.glibc
            ),
        )
        for baseline in policies.baselines
        for arch in baseline.architectures
    ]
    mismatches: list[Mismatch] = []
    for arch in policies.architectures:
        on_arch = [b for b in policies.baselines if arch in b.architectures]
        observed = [o for o in observations if o.arch == arch]
        mismatches.extend(_check(arch, on_arch, observed))
    return mismatches, coverage


def _check(arch: str, baselines: list[Baseline], observed: list[Observation]) -> list[Mismatch]:
    """The mismatches on one architecture. ``baselines`` is oldest first."""
    allowed: dict[str, frozenset[str]] = {}
    found: list[Mismatch] = []
    for baseline in baselines:
        covered = [o for o in observed if o.glibc >= baseline.glibc]
        for family, versions in baseline.symbol_versions[arch].items():
            new = versions - allowed.get(family, frozenset())
            allowed[family] = allowed.get(family, frozenset()) | new
            for lacking, distributions in _split(new, family, covered):
                ordered = tuple(sorted(lacking, key=version_order))
                found.append(Mismatch(baseline.name, arch, family, ordered, distributions))
    return found


def _split(
    versions: frozenset[str], family: str, covered: list[Observation]
) -> list[tuple[frozenset[str], tuple[str, ...]]]:
    """``versions`` split into groups by the distributions that lack them (a partition
    refined once per distribution with set operations); only groups that some lack."""
    parts: list[tuple[frozenset[str], tuple[str, ...]]] = [(versions, ())] if versions else []
    for observation in covered:
        present = observation.versions.get(family, frozenset())
        refined = []
        for part, lacking in parts:
            missing = part - present
            if missing:
                refined.append((missing, (*lacking, observation.distribution)))
            if len(missing) < len(part):
                refined.append((part - missing, lacking))
        parts = refined
    return sorted(((part, lacking) for part, lacking in parts if lacking), key=lambda item: item[1])
