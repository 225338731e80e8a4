"""Derive a proposed baseline from observations of real distributions.

The rule is the promise itself (clause policy.derivation): a baseline for glibc X.Y may allow,
on each architecture, exactly the symbol versions that every observed distribution of that
architecture with glibc X.Y or newer defines. It extends the newest baseline below X.Y, keeps
that baseline's architectures where at least one such distribution is observed, and drops
the others (nothing could check them).

Rolling releases (Debian testing, Fedora rawhide, Slackware current, ...) are part of the
intersection, because users run them; but they move, so the result is only *proposed*: the
derivation says which versions the rolling releases alone hold back, which is what a
reviewer waits on before adopting it (pypa/auditwheel#731).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from reference_impl.audit_policy import glibc_release
from reference_impl.errors import ExitCode, PerennialError
from reference_impl.policy.diff import version_order
from reference_impl.policy.model import Baseline, Distribution, GlibcVersion, PolicySet
from reference_impl.policy.verify import Observation


class NotDerivable(PerennialError):
    """The evidence supports no baseline for that glibc yet (a definite no, exit 1)."""

    exit_code = ExitCode.NO


Versions = dict[str, tuple[str, ...]]
"""Family -> bare versions, sorted."""

EVIDENCE_SOURCE = "pep600-compliance"
"""The source (sources.toml) of the observations a derivation reads."""


@dataclass(frozen=True)
class HeldBack:
    """A version that every released covering distribution defines but some rolling one lacks."""

    arch: str
    family: str
    version: str
    lacking: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.family}_{self.version} on {self.arch} (lacked by {', '.join(self.lacking)})"


@dataclass(frozen=True)
class Derivation:
    """What the evidence supports for glibc X.Y, relative to the baseline it extends."""

    glibc: GlibcVersion
    extends: Baseline
    based_on: Distribution
    architectures: tuple[str, ...]
    dropped: tuple[str, ...]
    """Architectures of ``extends`` with no observation at glibc X.Y or newer."""
    additions: dict[str, Versions]
    """Architecture -> what it allows beyond ``extends``."""
    covering: dict[str, tuple[str, ...]]
    """Architecture -> the observed distributions the intersection runs over."""
    rolling: tuple[str, ...]
    """The rolling releases among them (on any architecture)."""
    held_back: tuple[HeldBack, ...]
    rolling_only: tuple[str, ...]
    """Architectures on which every covering distribution is a rolling release."""

    @property
    def name(self) -> str:
        return f"manylinux_{self.glibc.tag_part}"


def derive(policies: PolicySet, observations: list[Observation], glibc: GlibcVersion) -> Derivation:
    """The baseline the evidence supports for ``glibc``; PerennialError when it supports none
    (no baseline below it, no released distribution of that glibc, or an observation that
    lacks what the baseline it extends allows)."""
    older = [b for b in policies.baselines if b.glibc < glibc]
    if not older:
        raise NotDerivable(str(glibc), "no baseline below it to extend")
    parent = older[-1]
    known = {d.id: d for d in policies.distributions}
    for observation in observations:
        if observation.glibc >= glibc and observation.distribution not in known:
            raise PerennialError(
                observation.distribution,
                "observed but not in policies/distributions.toml (add its row first)",
            )
    covering = {
        arch: tuple(
            sorted(
                (o for o in observations if o.arch == arch and o.glibc >= glibc),
                key=lambda o: o.distribution,
            )
        )
        for arch in parent.architectures
    }
    kept = tuple(arch for arch in parent.architectures if covering[arch])
    additions: dict[str, Versions] = {}
    held: list[HeldBack] = []
    rolling_only = []
    for arch in kept:
        everywhere = _within(_intersection(covering[arch], policies), glibc, policies)
        _check_extends(parent, arch, everywhere, covering[arch])
        inherited = parent.symbol_versions[arch]
        additions[arch] = _sorted(
            {f: v - inherited.get(f, frozenset()) for f, v in everywhere.items()}
        )
        released = [o for o in covering[arch] if not known[o.distribution].rolling]
        if released:
            held.extend(_held_back(arch, everywhere, _intersection(released, policies), covering))
        else:
            rolling_only.append(arch)
    rolling = sorted(
        {o.distribution for arch in kept for o in covering[arch] if known[o.distribution].rolling}
    )
    return Derivation(
        glibc=glibc,
        extends=parent,
        based_on=_based_on(
            policies, glibc, {o.distribution for arch in kept for o in covering[arch]}
        ),
        architectures=kept,
        dropped=tuple(arch for arch in parent.architectures if arch not in kept),
        additions=additions,
        covering={arch: tuple(o.distribution for o in covering[arch]) for arch in kept},
        rolling=tuple(rolling),
        held_back=tuple(held),
        rolling_only=tuple(rolling_only),
    )


def _intersection(
    observed: list[Observation] | tuple[Observation, ...], policies: PolicySet
) -> dict[str, frozenset[str]]:
    """Per known family, the versions every one of ``observed`` defines."""
    return {
        family: frozenset.intersection(*(o.versions.get(family, frozenset()) for o in observed))
        for family in policies.families
    }


def _within(
    versions: dict[str, frozenset[str]], glibc: GlibcVersion, policies: PolicySet
) -> dict[str, frozenset[str]]:
    """Without GLIBC versions of a release newer than ``glibc`` (where no distribution of
    exactly that glibc is observed, the newer ones all define them, yet a glibc X.Y system
    cannot); a named node's release is the family's ``introduced_in``."""
    family = policies.families.get("GLIBC")
    introduced = family.introduced_in if family else {}
    kept = {
        v
        for v in versions.get("GLIBC", frozenset())
        if (glibc_release(v, introduced) or ()) <= tuple(glibc)
    }
    return {**versions, "GLIBC": frozenset(kept)} if "GLIBC" in versions else versions


def _check_extends(
    parent: Baseline,
    arch: str,
    everywhere: dict[str, frozenset[str]],
    covering: tuple[Observation, ...],
) -> None:
    """A derived baseline must be a superset of its parent; an observation that lacks what the
    parent allows is a mismatch for ``policy verify``, not something to derive around."""
    for family, versions in sorted(parent.symbol_versions[arch].items()):
        missing = sorted(versions - everywhere.get(family, frozenset()), key=version_order)
        if missing:
            lacking = [o.distribution for o in covering if missing[0] not in o.versions[family]]
            raise NotDerivable(
                f"{family}_{missing[0]}",
                f"{parent.name} allows it on {arch} but {', '.join(lacking)} do not define it "
                "(run `perennial policy verify`)",
            )


def _held_back(
    arch: str,
    everywhere: dict[str, frozenset[str]],
    released: dict[str, frozenset[str]],
    covering: dict[str, tuple[Observation, ...]],
) -> list[HeldBack]:
    """Versions the released distributions all define that some rolling one lacks."""
    found = []
    for family in sorted(released):
        for version in sorted(released[family] - everywhere[family], key=version_order):
            lacking = tuple(
                o.distribution
                for o in covering[arch]
                if version not in o.versions.get(family, frozenset())
            )
            found.append(HeldBack(arch, family, version, lacking))
    return found


def _based_on(policies: PolicySet, glibc: GlibcVersion, observed: set[str]) -> Distribution:
    """The observed released (not rolling) distribution of exactly this glibc supported
    longest: the one a builder would pick to build wheels for the baseline."""
    known = [d for d in policies.distributions if d.id in observed]
    candidates = [d for d in known if d.glibc == glibc and not d.rolling and not d.build_image]
    if not candidates:
        rolling = [d.id for d in known if d.rolling]
        raise NotDerivable(
            f"manylinux_{glibc.tag_part}",
            f"no released distribution with glibc {glibc} is observed, only rolling releases "
            f"({', '.join(rolling) or 'none'}): the evidence does not cover it yet",
        )
    return max(candidates, key=lambda d: (_day(d.end_of_life), d.id))


def _day(value: str | None) -> str:
    """An ISO date, or "" for none or ``unknown`` (which sorts first)."""
    return value if value and value[:1].isdigit() else ""


def _sorted(versions: dict[str, frozenset[str]]) -> Versions:
    return {f: tuple(sorted(v, key=version_order)) for f, v in sorted(versions.items()) if v}


def render(derivation: Derivation, policies: PolicySet, date: str) -> str:
    """The baseline file of a derivation, as committed under ``policies/baselines/``."""
    d = derivation
    source = policies.sources[EVIDENCE_SOURCE]
    lines = [
        f"# {d.name}: PROPOSED baseline for glibc {d.glibc}, derived from the evidence by",
        f"#   perennial policy derive --evidence ../shared/evidence --glibc {d.glibc} "
        f"--date {date}",
        f"# from {source.title}.",
        "# Regenerate it rather than edit it (tests/policy/test_derive.py compares).",
        "",
        f'name = "{d.name}"',
        f'glibc = "{d.glibc}"',
        f'extends = "{d.extends.name}"',
        f"based_on = {json.dumps(d.based_on.title)}",
        'status = "proposed"',
        "",
        "[provenance]",
        'glibc = "pep600"',
    ]
    if d.dropped:
        lines.append(f'architectures = "{EVIDENCE_SOURCE}"')
    lines += [f'symbol_versions = "{EVIDENCE_SOURCE}"', f'based_on = "{EVIDENCE_SOURCE}"']
    if d.dropped:
        lines += ["", "[remove]", f"architectures = {_array(d.dropped)}"]
    for arch in d.architectures:
        if d.additions[arch]:
            lines += ["", f"[add.symbol_versions.{arch}]"]
            lines += [f"{family} = {_array(v)}" for family, v in d.additions[arch].items()]
    lines += [
        "",
        "[[amendment]]",
        f'date = "{date}"',
        f"change = {json.dumps('Proposed, derived from the evidence: ' + _change(d))}",
        f"reason = {json.dumps(_reason(d))}",
        'link = "https://github.com/pypa/auditwheel/pull/731"',
    ]
    if d.dropped:
        lines.append(f"removes = {{ architectures = {_array(d.dropped)} }}")
    return "\n".join(lines) + "\n"


def _change(d: Derivation) -> str:
    text = (
        f"on each architecture, the symbol versions that every observed distribution with "
        f"glibc {d.glibc} or newer defines."
    )
    if d.dropped:
        text += (
            f" No longer covers {_words(d.dropped)}: no distribution with glibc {d.glibc} or "
            "newer is observed there, so nothing could check it."
        )
    return text


def _reason(d: Derivation) -> str:
    return (
        f"{d.based_on.title} ships glibc {d.glibc}. The intersection runs over rolling "
        f"releases too ({', '.join(d.rolling) or 'none'}), which move, so it stays proposed. "
        + " ".join(why_proposed(d))
    )


def why_proposed(d: Derivation) -> list[str]:
    """Sentences saying what the rolling releases decide in a derivation."""
    found = []
    if d.held_back:
        found.append(
            "Rolling releases alone hold back " + "; ".join(str(h) for h in d.held_back) + "."
        )
    if d.rolling_only:
        found.append(
            f"On {_words(d.rolling_only)} every distribution observed with glibc {d.glibc} or "
            "newer is a rolling release."
        )
    return found or ["Nothing is held back by them today."]


def _array(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _words(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def review_proposed(
    policies: PolicySet, observations: list[Observation]
) -> tuple[list[str], list[str]]:
    """For each proposed baseline, what keeps it proposed (notes) and where it departs from
    what the evidence derives (problems: a proposed baseline is the derivation's output)."""
    notes: list[str] = []
    problems: list[str] = []
    for baseline in policies.baselines:
        if not baseline.proposed:
            continue
        try:
            derived = derive(policies, observations, baseline.glibc)
        except NotDerivable as error:
            problems.append(f"{baseline.name} cannot be derived from the evidence: {error}")
            continue
        notes.append(f"{baseline.name} is proposed: " + " ".join(why_proposed(derived)))
        problems.extend(_departures(baseline, derived))
    return notes, problems


def _departures(baseline: Baseline, derived: Derivation) -> list[str]:
    """How a proposed baseline differs from its derivation, one sentence per difference."""
    found = []
    if baseline.architectures != derived.architectures:
        found.append(
            f"{baseline.name} covers {', '.join(baseline.architectures)}, but the evidence "
            f"supports {', '.join(derived.architectures)}"
        )
    for arch in set(baseline.architectures) & set(derived.architectures):
        inherited = derived.extends.symbol_versions[arch]
        for family in sorted(set(inherited) | set(baseline.symbol_versions[arch])):
            expected = inherited.get(family, frozenset()) | set(
                derived.additions[arch].get(family, ())
            )
            actual = baseline.symbol_versions[arch].get(family, frozenset())
            for verb, versions in (("lacks", expected - actual), ("adds", actual - expected)):
                if versions:
                    names = ", ".join(f"{family}_{v}" for v in sorted(versions, key=version_order))
                    found.append(f"{baseline.name} {verb} {names} on {arch}, unlike its derivation")
    return found
