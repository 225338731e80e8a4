"""A wheel's file name and its tag sets, read as packaging reads them, without importing
packaging for the canonical forms nearly every wheel uses.

Importing packaging's wheel-name parser brings its tags module, and with it logging, platform,
subprocess and typing: 35 ms of every ``perennial audit``, longer than auditing a small wheel.
Yet nearly every wheel is named canonically: a name of letters and digits joined by single
``.`` or ``_``, a normalised PEP 440 version, lower-case tags. Such a name is read here with
one regular expression. Every other name (an epoch, ``1.0-1``, upper-case tags, a name packaging
refuses) is handed to packaging, so every answer and every error message is packaging's, with
one addition: a tag set that stands for more than :data:`MAX_TAGS` tags is refused.
``tests/audit/test_wheelname.py`` holds the two equal on generated names.
"""

from __future__ import annotations

import re

from reference_impl.record import record

_NUMBER = r"(?:0|[1-9][0-9]*)"
_CANONICAL_VERSION = (
    rf"{_NUMBER}(?:\.{_NUMBER})*(?:(?:a|b|rc){_NUMBER})?(?:\.post{_NUMBER})?(?:\.dev{_NUMBER})?"
    rf"(?:\+(?:{_NUMBER}|[0-9]*[a-z][a-z0-9]*)(?:\.(?:{_NUMBER}|[0-9]*[a-z][a-z0-9]*))*)?"
)
"""PEP 440 versions that are their own normal form (no leading zeros, no alternative
spellings), so packaging's ``str(Version(v))`` is ``v``."""
_MEMBERS = r"[a-z0-9_]+(?:\.[a-z0-9_]+)*"
_TAG_SET = rf"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*-{_MEMBERS}-{_MEMBERS}"
"""A lower-case ``python-abi-platform`` tag set whose Python tags are identifiers."""
_CANONICAL_WHEEL = re.compile(
    rf"(?P<name>[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*)-(?P<version>{_CANONICAL_VERSION})"
    rf"(?:-(?P<build>{_NUMBER}))?-(?P<tags>{_TAG_SET})\.whl",
    re.ASCII,
)
_CANONICAL_TAG_SET = re.compile(_TAG_SET, re.ASCII)
MAX_TAGS = 10_000
"""Most tags a compressed tag set may stand for (``a.b.c-d.e.f-...`` multiplies): more is
refused, so a hostile name cannot make millions of strings."""


class WheelNameError(ValueError):
    """A file name or tag set that is not a wheel's; the message is packaging's."""


@record
class WheelName:
    """The parts of a wheel's file name."""

    name: str
    """Normalised as PEP 503 says (``zope-interface``)."""
    version: str
    """In PEP 440 normal form."""
    build: tuple[int, str] | None
    tags: tuple[str, ...]
    """Every ``python-abi-platform`` tag of the (possibly compressed) tag set, sorted."""


def split_wheel_filename(filename: str) -> WheelName:
    """The parts of ``filename``; :class:`WheelNameError` if packaging would refuse it."""
    found = _CANONICAL_WHEEL.fullmatch(filename)
    if found is None:
        return _packaging_parse(filename)
    build = found["build"]
    return WheelName(
        name=canonical_name(found["name"]),
        version=found["version"],
        build=(int(build), "") if build is not None else None,
        tags=_expand(found["tags"]),
    )


def parse_tag_set(text: str) -> tuple[str, ...]:
    """Every tag of a (possibly compressed) ``python-abi-platform`` tag set, sorted;
    :class:`WheelNameError` if packaging would refuse it."""
    if _CANONICAL_TAG_SET.fullmatch(text):
        return _expand(text)
    from packaging.tags import parse_tag  # not canonical: packaging decides

    try:
        return tuple(sorted(str(tag) for tag in parse_tag(text, limit=MAX_TAGS)))
    except ValueError as error:
        raise WheelNameError(str(error)) from None


def canonical_name(name: str) -> str:
    """A project name normalised as PEP 503 says: runs of ``-_.`` become one ``-``, lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


def same_version(first: str, second: str) -> bool:
    """Whether two version strings are the same PEP 440 version (False if either is not one)."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(first) == Version(second)
    except InvalidVersion:
        return False


def _expand(tag_set: str) -> tuple[str, ...]:
    pythons, abis, platforms = (part.split(".") for part in tag_set.split("-"))
    if len(pythons) * len(abis) * len(platforms) > MAX_TAGS:
        raise WheelNameError(f"the tag set stands for more than {MAX_TAGS} tags")
    return tuple(sorted({f"{p}-{a}-{t}" for p in pythons for a in abis for t in platforms}))


def _packaging_parse(filename: str) -> WheelName:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename
    from packaging.version import InvalidVersion

    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion) as error:
        raise WheelNameError(str(error)) from None
    if len(tags) > MAX_TAGS:
        raise WheelNameError(f"the tag set stands for more than {MAX_TAGS} tags")
    return WheelName(
        name=str(name),
        version=str(version),
        build=(build[0], build[1]) if build else None,
        tags=tuple(sorted(str(tag) for tag in tags)),
    )
