"""What an installer decides (``spec/installers.md``): compatibility, order and choice.

Three questions, one module: is this tag compatible with this system (:func:`check`), which
tags does the system accept and in which order (:func:`platform_tags`), and which of these
wheels is best (:func:`select`). Floors and the last minor of each glibc major come from the
policy data. The override is passed in; whoever builds a system for another machine simply
passes none (clause installer.override.cross-target).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from reference_impl.errors import TagError
from reference_impl.override import FUNCTION, Override, legacy_attributes
from reference_impl.policy import GlibcVersion, PolicySet, default_policies
from reference_impl.system import TargetSystem
from reference_impl.tags import (
    PlatformTag,
    WheelFilename,
    alias_tag,
    linux_tag,
    manylinux_tag,
    parse_wheel_filename,
)

ANY = "any"


@dataclass(frozen=True)
class Verdict:
    """Whether a tag is compatible, why, and the clause that decided."""

    compatible: bool
    reason: str
    clause: str


def floor(arch: str, policies: PolicySet | None = None) -> GlibcVersion:
    """The architecture's floor; for one the data lacks, the oldest baseline's glibc
    (clause installer.arch-floor)."""
    data = policies or default_policies()
    known = data.architectures.get(arch)
    return known.floor if known is not None else data.oldest.glibc


def last_minors(policies: PolicySet | None = None) -> Mapping[int, int]:
    """The highest minor of each glibc major the data names, in baselines or distributions
    (clause installer.glibc-3)."""
    data = policies or default_policies()
    versions = [b.glibc for b in data.baselines] + [d.glibc for d in data.distributions]
    highest: dict[int, int] = {}
    for version in versions:
        highest[version.major] = max(highest.get(version.major, 0), version.minor)
    return highest


def check(
    tag: PlatformTag,
    system: TargetSystem,
    *,
    policies: PolicySet | None = None,
    override: Override | None = None,
) -> Verdict:
    """Whether ``tag`` is compatible with ``system`` (clause installer.compatible).

    Libc, architecture, floor and version come first; ``override`` is asked only about a tag
    that passes them, so it can rule out but never in (installer.override.rule-out-only).
    """
    data = policies or default_policies()
    if tag.kind == "linux":
        return _check_linux(tag, system, data)
    if not tag.is_manylinux or tag.glibc is None or tag.arch is None:
        if tag.text == ANY:
            return Verdict(True, "'any' fits every system", "installer.order.any-last")
        return Verdict(False, f"{tag} is another platform's tag", "tag.grammar")
    twin = tag.twin
    version, arch = twin.glibc, twin.arch
    assert version is not None and arch is not None
    spelt = f"{tag} (= {twin})" if tag.alias else str(tag)
    static = _check_static(spelt, version, arch, system, data)
    if static is not None:
        return static
    if override is not None and not override.allows(version, arch, data):
        decider = _decider(override, version, data)
        return Verdict(False, f"{override.source} rules out {spelt} ({decider})", _clause(decider))
    return Verdict(
        True,
        f"{spelt} needs glibc {version}; the system has {system.describe()}",
        "installer.compatible",
    )


def _check_linux(tag: PlatformTag, system: TargetSystem, data: PolicySet) -> Verdict:
    if tag.arch != system.arch:
        return Verdict(
            False, f"{tag} is for {tag.arch}, the system is {system.arch}", "installer.linux-tag"
        )
    if tag.arch is None or not system.abi_agrees(tag.arch, data):
        return Verdict(False, f"the interpreter cannot load {tag.arch} code", "installer.arch-abi")
    return Verdict(True, f"{tag} matches the system's architecture", "installer.linux-tag")


def _check_static(
    spelt: str, version: GlibcVersion, arch: str, system: TargetSystem, data: PolicySet
) -> Verdict | None:
    """Conditions 1 to 4 of installer.compatible: the first one that fails, or None."""
    if system.libc != "glibc" or system.glibc is None:
        return Verdict(
            False,
            f"the system is {system.describe()}: no manylinux tag fits",
            "installer.glibc-unparseable",
        )
    if arch != system.arch:
        return Verdict(
            False, f"{spelt} is for {arch}, the system is {system.arch}", "installer.compatible"
        )
    if not system.abi_agrees(arch, data):
        return Verdict(
            False, f"the interpreter's ELF header is not {arch}'s ABI", "installer.arch-abi"
        )
    lowest = floor(arch, data)
    if version < lowest:
        return Verdict(
            False, f"{spelt} is below the {arch} floor, glibc {lowest}", "installer.arch-floor"
        )
    if version > system.glibc:
        return Verdict(
            False,
            f"{spelt} needs glibc {version}; the system has {system.describe()}",
            "installer.compatible",
        )
    if version.major < system.glibc.major:
        last = last_minors(data).get(version.major)
        if last is None or version.minor > last:
            known = f"glibc {version.major}.{last}" if last is not None else "none"
            return Verdict(
                False,
                f"{spelt} names a glibc {version.major}.x newer than the last one known ({known})",
                "installer.glibc-3",
            )
    return None


def _decider(override: Override, version: GlibcVersion, data: PolicySet) -> str:
    if hasattr(override.target, FUNCTION):
        return FUNCTION
    return legacy_attributes(data).get(version, FUNCTION)


def _clause(decider: str) -> str:
    if decider == FUNCTION:
        return "installer.override.per-tag"
    return "installer.override.legacy-attributes"


def platform_tags(
    system: TargetSystem,
    *,
    policies: PolicySet | None = None,
    override: Override | None = None,
) -> tuple[PlatformTag, ...]:
    """Every manylinux and linux tag the system accepts, most preferred first: highest glibc
    first, each alias right after its twin, ``linux_ARCH`` last (installer.order.*)."""
    data = policies or default_policies()
    if not system.abi_agrees(system.arch, data):
        return ()
    return (*_manylinux_tags(system, data, override), linux_tag(system.arch))


def _manylinux_tags(
    system: TargetSystem, data: PolicySet, override: Override | None
) -> Iterator[PlatformTag]:
    if system.libc != "glibc" or system.glibc is None:
        return
    arch = system.arch
    lowest = floor(arch, data)
    aliases: dict[GlibcVersion, list[PlatformTag]] = {}
    for alias in data.legacy_aliases.values():
        if alias.arch == arch:
            aliases.setdefault(alias.glibc, []).append(alias_tag(alias))
    for version in _versions(system.glibc, lowest, last_minors(data)):
        if override is not None and not override.allows(version, arch, data):
            continue
        yield manylinux_tag(version, arch)
        yield from aliases.get(version, ())


def _versions(
    top: GlibcVersion, lowest: GlibcVersion, last: Mapping[int, int]
) -> Iterator[GlibcVersion]:
    """glibc versions from ``top`` down to ``lowest``: the system's own major down to minor 0,
    earlier majors from their last known minor (clause installer.glibc-3)."""
    for major in range(top.major, lowest.major - 1, -1):
        high = top.minor if major == top.major else last.get(major)
        if high is None:
            continue
        low = lowest.minor if major == lowest.major else 0
        for minor in range(high, low - 1, -1):
            yield GlibcVersion(major, minor)


@dataclass(frozen=True)
class Candidate:
    """One candidate wheel: its place in the ranking (1 is best) or why it was refused."""

    filename: str
    rank: int | None
    best_tag: str | None
    reason: str


@dataclass(frozen=True)
class Selection:
    """The chosen wheel (None if nothing fits), every compatible wheel best first, and
    every refused one with its reason (clause installer.select)."""

    best: Candidate | None
    ranking: tuple[Candidate, ...]
    refused: tuple[Candidate, ...]


def select(
    filenames: Sequence[str],
    system: TargetSystem,
    *,
    supported: Sequence[tuple[str, str]] | None = None,
    policies: PolicySet | None = None,
    override: Override | None = None,
) -> Selection:
    """Rank candidate wheels of one release for ``system``.

    ``supported`` is the interpreter's (interpreter, ABI) pairs, most specific first; with it,
    the interpreter/ABI order comes before the platform order (installer.order.abi-first).
    Without it only platform tags are compared. Ties go to the higher build tag, then to the
    filename (installer.order.tie-break). A malformed filename is refused, not fatal.
    """
    data = policies or default_policies()
    order = [tag.text for tag in platform_tags(system, policies=data, override=override)]
    order.append(ANY)
    place = {text: index for index, text in enumerate(order)}
    pairs = list(supported) if supported is not None else None
    placed: list[tuple[int, WheelFilename, str]] = []
    refused: list[Candidate] = []
    for filename in filenames:
        try:
            wheel = parse_wheel_filename(filename, data)
        except TagError as error:
            refused.append(Candidate(filename, None, None, f"malformed: {error.problem}"))
            continue
        found = _best_place(wheel, place, pairs, len(order))
        if found is None:
            reason = _refusal(wheel, system, pairs, data, override)
            refused.append(Candidate(filename, None, None, reason))
        else:
            placed.append((found[0], wheel, found[1]))
    placed.sort(key=lambda item: item[1].filename)
    placed.sort(key=lambda item: item[1].build or (-1, ""), reverse=True)
    placed.sort(key=lambda item: item[0])
    ranking = tuple(
        Candidate(wheel.filename, rank, tag, f"best tag {tag} is #{position + 1} in the order")
        for rank, (position, wheel, tag) in enumerate(placed, start=1)
    )
    return Selection(ranking[0] if ranking else None, ranking, tuple(refused))


def _best_place(
    wheel: WheelFilename,
    place: Mapping[str, int],
    pairs: Sequence[tuple[str, str]] | None,
    width: int,
) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for interp, abi, platform in wheel.expanded():
        spot = place.get(platform.text)
        if spot is None:
            continue
        if pairs is not None:
            if (interp, abi) not in pairs:
                continue
            spot += pairs.index((interp, abi)) * width
            text = f"{interp}-{abi}-{platform}"
        else:
            text = platform.text
        if best is None or spot < best[0]:
            best = (spot, text)
    return best


def _refusal(
    wheel: WheelFilename,
    system: TargetSystem,
    pairs: Sequence[tuple[str, str]] | None,
    data: PolicySet,
    override: Override | None,
) -> str:
    verdicts = [
        (tag, check(tag, system, policies=data, override=override)) for tag in wheel.platforms
    ]
    if pairs is not None and any(v.compatible for _, v in verdicts):
        written = f"{'.'.join(wheel.interpreters)}-{'.'.join(wheel.abis)}"
        return f"interpreter/ABI tags {written} are not supported (installer.order.abi-first)"
    return "; ".join(f"{v.reason} ({v.clause})" for _, v in verdicts)
