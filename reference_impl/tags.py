"""Platform tags: the grammar of ``spec/tags.md``, as a parser, a formatter and a value type.

A string either is a tag for every audience or for none, so installers, indexes and the CLI
all read tags through :func:`parse_platform_tag`. The legacy aliases come from the policy
data; nothing here lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reference_impl.display import quoted
from reference_impl.errors import TagError
from reference_impl.policy import GlibcVersion, LegacyAlias, PolicySet, default_policies
from reference_impl.policy.model import MAX_NUMBER
from reference_impl.record import record
from reference_impl.wheelname import WheelNameError, split_wheel_filename

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Literal

    Kind = Literal["manylinux", "linux", "other"]

MAX_LENGTH = 255
"""Longest platform tag or wheel filename (clause tag.length): a file name limit of Linux."""


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NUMBER = re.compile(r"0|[1-9][0-9]{0,4}")
_ARCH = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_TAG_CHARS = re.compile(r"[a-z0-9_]+")
_LEGACY_SHAPE = re.compile(r"manylinux[0-9]+_")


def fold_case(text: str) -> str:
    """Fold ASCII ``A``-``Z`` to lowercase and nothing else (clause tag.case)."""
    return text.translate(_ASCII_FOLD)


@record
class PlatformTag:
    """One platform tag, parsed: its kind, canonical spelling and, where it has them, glibc and
    architecture. A legacy alias keeps its spelling; :attr:`twin` is its perennial form."""

    kind: Kind
    text: str
    """The canonical (lowercase) spelling, which :func:`format_platform_tag` returns."""
    arch: str | None = None
    glibc: GlibcVersion | None = None
    alias: str | None = None
    """The legacy alias name (``manylinux2014``) when spelt as an alias, else None."""

    def __str__(self) -> str:
        return self.text

    @property
    def is_manylinux(self) -> bool:
        """A perennial tag or a legacy alias."""
        return self.kind == "manylinux"

    @property
    def twin(self) -> PlatformTag:
        """The perennial form (clause tag.normalise); the tag itself unless it is an alias."""
        if self.alias is None or self.glibc is None or self.arch is None:
            return self
        return manylinux_tag(self.glibc, self.arch)


def manylinux_tag(glibc: GlibcVersion, arch: str) -> PlatformTag:
    """The perennial tag ``manylinux_MAJOR_MINOR_ARCH`` (arguments assumed valid)."""
    text = f"manylinux_{glibc.major}_{glibc.minor}_{arch}"
    return PlatformTag("manylinux", text, arch, GlibcVersion(glibc.major, glibc.minor))


def alias_tag(alias: LegacyAlias) -> PlatformTag:
    """The legacy tag of one alias of the data, spelt as the alias (``manylinux2014_s390x``)."""
    return PlatformTag("manylinux", alias.tag, alias.arch, alias.glibc, alias.name)


def linux_tag(arch: str) -> PlatformTag:
    """The tag ``linux_ARCH``."""
    return PlatformTag("linux", f"linux_{arch}", arch)


def format_platform_tag(tag: PlatformTag) -> str:
    """The canonical spelling of a tag; parsing it gives ``tag`` back (clause tag.round-trip)."""
    return tag.text


def normalise(tag: PlatformTag) -> PlatformTag:
    """A legacy alias's perennial twin, any other tag unchanged (clause tag.normalise)."""
    return tag.twin


def parse_platform_tag(text: str, policies: PolicySet | None = None) -> PlatformTag:
    """Parse one platform tag; :class:`TagError` naming the tag and the rule if it is not one."""
    if not text:
        raise TagError(quoted(text), "empty string is not a platform tag (tag.grammar)")
    _check_length(text)
    folded = fold_case(text)
    if folded.startswith("manylinux"):
        return _parse_manylinux(text, folded, policies or default_policies())
    if folded.startswith("linux_"):
        return linux_tag(_arch(text, folded[len("linux_") :]))
    _check_characters(text, folded)
    return PlatformTag("other", folded)


def _parse_manylinux(text: str, folded: str, policies: PolicySet) -> PlatformTag:
    alias = policies.legacy_aliases.get(folded)
    if alias is not None:
        return alias_tag(alias)
    if _LEGACY_SHAPE.match(folded):
        raise TagError(quoted(text), _not_an_alias(folded, policies))
    parts = folded.split("_", 3)
    if parts[0] != "manylinux" or len(parts) < 4:
        raise TagError(
            quoted(text),
            "begins with 'manylinux' but is neither manylinux_MAJOR_MINOR_ARCH "
            "nor a legacy alias (tag.grammar)",
        )
    major = _number(text, "major", parts[1])
    minor = _number(text, "minor", parts[2])
    arch = _arch(text, parts[3])
    return manylinux_tag(GlibcVersion(major, minor), arch)


def _not_an_alias(folded: str, policies: PolicySet) -> str:
    name = folded.split("_", 1)[0]
    arches = [a.arch for a in policies.legacy_aliases.values() if a.name == name]
    if arches:
        return (
            f"not a legacy alias: {name} exists only for {', '.join(arches)} "
            "(tag.legacy-alias.closed)"
        )
    names = sorted({a.name for a in policies.legacy_aliases.values()})
    return f"not a legacy alias: the only ones are {', '.join(names)} (tag.legacy-alias.closed)"


def _number(text: str, which: str, part: str) -> int:
    if not part:
        raise TagError(quoted(text), f"glibc {which} is missing (tag.number)")
    if part[0] in "+-":
        raise TagError(quoted(text), f"glibc {which} {quoted(part)} has a sign (tag.sign)")
    if not part.isascii() or not part.isdigit():
        if any(c.isdigit() and not c.isascii() for c in part):
            raise TagError(
                quoted(text),
                f"glibc {which} {quoted(part)} uses non-ASCII digits (tag.ascii-digits)",
            )
        raise TagError(quoted(text), f"glibc {which} {quoted(part)} is not a number (tag.number)")
    if len(part) > 1 and part[0] == "0":
        raise TagError(
            quoted(text), f"glibc {which} {quoted(part)} has a leading zero (tag.leading-zeros)"
        )
    if not _NUMBER.fullmatch(part) or int(part) > MAX_NUMBER:
        raise TagError(
            quoted(text), f"glibc {which} {quoted(part)} is above {MAX_NUMBER} (tag.number-range)"
        )
    return int(part)


def _arch(text: str, arch: str) -> str:
    if not arch:
        raise TagError(quoted(text), "the architecture is empty (tag.arch)")
    if not _ARCH.fullmatch(arch):
        raise TagError(
            quoted(text),
            f"architecture {quoted(arch)} is not lowercase ASCII letters and digits "
            "joined by single underscores (tag.arch)",
        )
    return arch


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise TagError(quoted(text), f"longer than {MAX_LENGTH} characters (tag.length)")


def _check_characters(text: str, folded: str) -> None:
    if _TAG_CHARS.fullmatch(folded):
        return
    bad = next(c for c in folded if not _TAG_CHARS.fullmatch(c))
    hint = "; '.' joins the members of a tag set" if bad == "." else ""
    raise TagError(
        quoted(text),
        f"character {quoted(bad)} (U+{ord(bad):04X}) is not allowed in a platform tag: "
        f"only ASCII letters, digits and '_' (tag.grammar){hint}",
    )


def parse_tag_set(text: str, policies: PolicySet | None = None) -> tuple[PlatformTag, ...]:
    """Parse a compressed platform tag set ``a.b.c`` (clause tag.compressed-set): the members
    in first-seen order, each once."""
    _check_length(text)
    members = text.split(".")
    if any(not member for member in members):
        raise TagError(quoted(text), "a tag set has an empty member (tag.compressed-set)")
    return _unique(parse_platform_tag(member, policies) for member in members)


def _unique(tags: Iterable[PlatformTag]) -> tuple[PlatformTag, ...]:
    return tuple(dict.fromkeys(tags))


@record
class WheelFilename:
    """A wheel filename split into its parts, its platform tags parsed by this grammar."""

    filename: str
    name: str
    version: str
    build: tuple[int, str] | None
    interpreters: tuple[str, ...]
    abis: tuple[str, ...]
    platforms: tuple[PlatformTag, ...]
    written_platforms: tuple[str, ...]
    """The platform members exactly as the filename spells them (case included)."""

    def expanded(self) -> tuple[tuple[str, str, PlatformTag], ...]:
        """Every (interpreter, ABI, platform) the compressed sets stand for."""
        return tuple(
            (interp, abi, plat)
            for interp in self.interpreters
            for abi in self.abis
            for plat in self.platforms
        )


def parse_wheel_filename(filename: str, policies: PolicySet | None = None) -> WheelFilename:
    """Split a wheel filename; :class:`TagError` naming it if any part is malformed.

    Name, version and build tag are validated by ``packaging`` (the wheel specification's
    own rules); the platform part by :func:`parse_tag_set`.
    """
    _check_length(filename)
    if not filename.endswith(".whl"):
        raise TagError(quoted(filename), "a wheel filename ends in '.whl'")
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        raise TagError(
            quoted(filename), "a wheel filename is NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl"
        )
    try:
        parsed = split_wheel_filename(filename)
    except WheelNameError as error:
        raise TagError(quoted(filename), _first_line(error)) from None
    try:
        platforms = parse_tag_set(parts[-1], policies)
        interpreters = _simple_set(parts[-3])
        abis = _simple_set(parts[-2])
    except TagError as error:
        raise TagError(quoted(filename), f"{error.source}: {error.problem}") from None
    return WheelFilename(
        filename=filename,
        name=parsed.name,
        version=parsed.version,
        build=parsed.build,
        interpreters=interpreters,
        abis=abis,
        platforms=platforms,
        written_platforms=tuple(dict.fromkeys(parts[-1].split("."))),
    )


def _simple_set(text: str) -> tuple[str, ...]:
    """An interpreter or ABI tag set: lowercase ASCII words joined by '.'."""
    members = text.split(".")
    for member in members:
        if not member:
            raise TagError(quoted(text), "a tag set has an empty member (tag.compressed-set)")
        _check_characters(member, fold_case(member))
    return tuple(dict.fromkeys(fold_case(m) for m in members))


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
