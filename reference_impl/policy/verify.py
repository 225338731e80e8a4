"""Check the policy data against observations of real distributions.

The promise of a baseline is that every symbol version it allows exists on every mainstream
distribution with at least its glibc. For each baseline and architecture, every allowed
version must be defined by every observed distribution of that architecture whose glibc is
at least the baseline's. The evidence layout is ``distros/ARCH/DISTRO-RELEASE.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reference_impl.errors import PerennialError
from reference_impl.policy.model import Baseline, GlibcVersion, PolicySet


@dataclass(frozen=True)
class Observation:
    """What one distribution image of one architecture defines."""

    distribution: str
    arch: str
    glibc: GlibcVersion
    versions: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Mismatch:
    """An allowed symbol version that an observed, covered distribution lacks."""

    baseline: str
    arch: str
    family: str
    version: str
    distribution: str

    def __str__(self) -> str:
        return (
            f"{self.baseline} allows {self.family}_{self.version} on {self.arch}, "
            f"but {self.distribution} does not define it"
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
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            glibc = GlibcVersion.parse(data["glibc_version"], str(path))
            versions = {family: frozenset(names) for family, names in data["symbols"].items()}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise PerennialError(str(path), f"not a readable observation ({error})") from None
        found.append(Observation(path.stem, arch, glibc, versions))
    return found


def verify(
    policies: PolicySet, observations: list[Observation]
) -> tuple[list[Mismatch], list[Coverage]]:
    """Every mismatch between the data and the observations, and each baseline's coverage."""
    mismatches: list[Mismatch] = []
    coverage: list[Coverage] = []
    for baseline in policies.baselines:
        for arch in baseline.architectures:
            covered = [o for o in observations if o.arch == arch and o.glibc >= baseline.glibc]
            coverage.append(Coverage(baseline.name, arch, tuple(o.distribution for o in covered)))
            mismatches.extend(_check(baseline, arch, covered))
    return mismatches, coverage


def _check(baseline: Baseline, arch: str, covered: list[Observation]) -> list[Mismatch]:
    found = []
    for family, versions in baseline.symbol_versions[arch].items():
        for observation in covered:
            for version in sorted(versions - observation.versions.get(family, frozenset())):
                found.append(
                    Mismatch(baseline.name, arch, family, version, observation.distribution)
                )
    return found
