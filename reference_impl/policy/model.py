"""The typed, frozen view of the policy data that every other module reads.

Nothing here knows about TOML: ``load.py`` reads the files and flattens the baselines; these
classes are what remains once the data is known to be consistent.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Mapping
from pathlib import Path

from reference_impl.display import quoted
from reference_impl.errors import PolicyError, UnknownNameError
from reference_impl.record import field, record

STATUSES = ("adopted", "proposed")
"""A baseline's status: ``adopted`` (the default) or ``proposed``, derived from evidence that
still moves (a rolling distribution constrains it). Installers ignore it: PEP 600 tags are
enumerated by glibc alone."""

MAX_NUMBER = 65535
"""Largest glibc MAJOR or MINOR a platform tag can name (clause tag.number-range)."""
_PART = r"(0|[1-9][0-9]{0,4})"
_GLIBC_TEXT = re.compile(rf"{_PART}\.{_PART}")


TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import NamedTuple

    class _MajorMinor(NamedTuple):
        major: int
        minor: int
else:
    _MajorMinor = namedtuple("_MajorMinor", ["major", "minor"])


class GlibcVersion(_MajorMinor):
    """A glibc release as (major, minor); tuples compare the way PEP 600 compares versions."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def tag_part(self) -> str:
        """The form used inside a platform tag: ``2_17``."""
        return f"{self.major}_{self.minor}"

    @classmethod
    def parse(cls, text: str, source: str = "glibc version") -> GlibcVersion:
        """Parse ``"2.17"`` strictly (ASCII digits, no padding, each number at most
        :data:`MAX_NUMBER`); PolicyError otherwise."""
        match = _GLIBC_TEXT.fullmatch(text) if text.isascii() else None
        if not match or max(int(match[1]), int(match[2])) > MAX_NUMBER:
            raise PolicyError(
                source,
                f"{quoted(text)} is not a glibc version of the form MAJOR.MINOR "
                f"(each at most {MAX_NUMBER})",
            )
        return cls(int(match[1]), int(match[2]))


@record
class Source:
    """Where facts come from: a PEP, a tool's data file, observations, a decision."""

    id: str
    title: str
    url: str
    what: str


@record
class Architecture:
    """An architecture a manylinux tag can name, with how ELF files and systems identify it."""

    name: str
    description: str
    floor: GlibcVersion
    """The lowest glibc an installer enumerates down to for this architecture."""
    bits: int
    endianness: str
    elf_machine: str
    loader: str
    """The SONAME of glibc's dynamic loader for this architecture's ABI."""
    compat32: str | None = None
    """What a 32-bit interpreter on this 64-bit kernel runs as (x86_64 -> i686)."""
    isa_levels: tuple[str, ...] = ()
    arm_eabi_version: int | None = None
    arm_float_abi: str | None = None
    executable_stack_default: bool | None = None
    """Whether glibc's loader gives a file without a PT_GNU_STACK header an executable
    stack on this architecture (so glibc 2.41+ refuses to dlopen such a library); None when
    the data does not say (policy data older than the field, which the auditor only warns
    about)."""
    provenance: Mapping[str, str] = field(default_factory=dict)


@record
class Family:
    """A family of symbol versions (``GLIBC_2.17`` is version ``2.17`` of family GLIBC)."""

    name: str
    description: str
    prefix: str
    libraries: tuple[str, ...]
    introduced_in: Mapping[str, GlibcVersion]
    """Versions that are not glibc release numbers, mapped to the release that added them."""
    source: str
    introduced_sources: tuple[str, ...] = ()
    """Where ``introduced_in`` comes from."""

    def split(self, version_name: str) -> str | None:
        """The bare version of a full version name in this family, or None if not ours."""
        if not version_name.startswith(self.prefix):
            return None
        return version_name[len(self.prefix) :]


@record
class LegacyAlias:
    """One of PEP 600's legacy tags, e.g. ``manylinux2014_aarch64`` for manylinux_2_17."""

    name: str
    arch: str
    baseline: str
    glibc: GlibcVersion

    @property
    def tag(self) -> str:
        """The full legacy platform tag."""
        return f"{self.name}_{self.arch}"


@record
class Amendment:
    """A dated change to a baseline, with the reason and a link a reviewer can follow."""

    date: str
    change: str
    reason: str
    link: str
    adds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    removes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@record
class Baseline:
    """One manylinux baseline, flattened: everything it allows, per architecture."""

    name: str
    glibc: GlibcVersion
    previous: str | None
    """The baseline this one's file extends (None for a file written in full)."""
    based_on: str
    architectures: tuple[str, ...]
    aliases: Mapping[str, str]
    """Architecture -> legacy alias name (``manylinux2014``) for this baseline."""
    symbol_versions: Mapping[str, Mapping[str, frozenset[str]]]
    """Architecture -> family -> allowed bare versions."""
    libraries: frozenset[str]
    """Sonames a wheel may expect the system to provide."""
    forbidden_symbols: Mapping[str, frozenset[str]]
    isa: Mapping[str, str]
    """Architecture -> highest ISA level allowed (only where levels exist)."""
    amendments: tuple[Amendment, ...]
    provenance: Mapping[str, str]
    """Value section -> source ID."""
    file: Path
    status: str = "adopted"
    """One of :data:`STATUSES`; not inherited: each baseline file says its own."""

    @property
    def proposed(self) -> bool:
        """Whether this baseline is proposed rather than adopted (shown wherever it is used)."""
        return self.status == "proposed"

    def tag(self, arch: str) -> str:
        """The perennial platform tag of this baseline on ``arch``."""
        return f"manylinux_{self.glibc.tag_part}_{arch}"

    def allows(self, arch: str, family: str, version: str) -> bool:
        """Whether a file of ``arch`` may require ``version`` of ``family``."""
        return version in self.symbol_versions.get(arch, {}).get(family, frozenset())


@record
class Distribution:
    """A distribution release as observed: its glibc, architectures and support dates."""

    id: str
    name: str
    release: str
    glibc: GlibcVersion
    architectures: tuple[str, ...]
    released: str | None
    end_of_life: str | None
    end_of_free_lts: str | None
    end_of_commercial_lts: str | None
    build_image: bool
    sources: tuple[str, ...]

    @property
    def rolling(self) -> bool:
        """Whether this release moves on (its glibc today is not its glibc tomorrow)."""
        return self.end_of_life == "rolling"

    @property
    def title(self) -> str:
        """``Debian 12``."""
        return f"{self.name} {self.release}"


@record
class PolicySet:
    """All the policy data, validated: the one source of truth the rest of the code reads."""

    directory: Path
    baselines: tuple[Baseline, ...]
    """Ascending by glibc."""
    architectures: Mapping[str, Architecture]
    families: Mapping[str, Family]
    legacy_aliases: Mapping[str, LegacyAlias]
    """Full legacy tag (``manylinux2014_aarch64``) -> alias."""
    distributions: tuple[Distribution, ...]
    sources: Mapping[str, Source]

    def baseline(self, name: str) -> Baseline:
        """A baseline by name (``manylinux_2_17``) or legacy alias name (``manylinux2014``)."""
        for baseline in self.baselines:
            if name == baseline.name or name in baseline.aliases.values():
                return baseline
        known = ", ".join(b.name for b in self.baselines)
        raise UnknownNameError(name, f"no such baseline or legacy alias (known: {known})")

    def for_arch(self, arch: str) -> tuple[Baseline, ...]:
        """The baselines that cover ``arch``, ascending by glibc."""
        return tuple(b for b in self.baselines if arch in b.architectures)

    def floor(self, arch: str) -> GlibcVersion:
        """The lowest glibc an installer enumerates down to on ``arch``."""
        try:
            return self.architectures[arch].floor
        except KeyError:
            raise UnknownNameError(
                arch, "not an architecture in policies/architectures.toml"
            ) from None

    def covered_by(self, baseline: Baseline, arch: str | None = None) -> tuple[Distribution, ...]:
        """Distributions whose glibc is at least the baseline's (on ``arch`` if given)."""
        return tuple(
            d
            for d in self.distributions
            if d.glibc >= baseline.glibc
            and (arch is None or arch in d.architectures)
            and any(a in baseline.architectures for a in d.architectures)
        )

    @property
    def newest(self) -> Baseline:
        """The baseline with the highest glibc."""
        return self.baselines[-1]

    @property
    def oldest(self) -> Baseline:
        """The baseline with the lowest glibc."""
        return self.baselines[0]
