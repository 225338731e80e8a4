"""PyPI's upload check for wheel filenames, reproduced: the PyPI profile of ``index-check``.

PEP 600 leaves the tags an index accepts to the index; ``spec/indexes.md`` recommends rules
(:mod:`reference_impl.index`), and PyPI applies its own. This module answers what PyPI says,
so that a wheel can be checked before upload and the two rule sets compared. The lists PyPI
keeps (architectures, platforms, macOS versions) are data in ``policies/pypi-upload.toml``;
the shape of each check is here. Every rejection cites one of the informative clauses
``index.pypi.*`` that describe PyPI's checks, in the order PyPI makes them:

1. ``index.pypi.filename``: no control character, DEL, ``/`` or ``\\``; a name before ``.whl``;
2. ``index.pypi.stored-name``: the name fits a file name (255 bytes of UTF-8);
3. ``index.pypi.wheel-filename``: packaging 26.2's ``parse_wheel_filename`` reads it;
4. ``index.pypi.platform-tag``: every platform member, lowercased, is one PyPI accepts;
5. ``index.pypi.project-name``: the name part is the normalised project name;
6. ``index.pypi.stored-name``: the name plus ``.metadata`` still fits a file name.

Like PyPI, the check stops at the first refusing step, except that every platform member is
judged whenever the filename has a platform part (PyPI names only the first it meets). A bare
tag ``TAG`` is judged as the wheel ``demo-1.0-py3-none-TAG.whl``: PyPI only ever sees tags
inside a filename.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from reference_impl.errors import PolicyError
from reference_impl.index import IndexVerdict, Rejection
from reference_impl.policy import default_policy_dir

RULES_FILE = "pypi-upload.toml"
FILENAME = "index.pypi.filename"
STORED_NAME = "index.pypi.stored-name"
WHEEL_FILENAME = "index.pypi.wheel-filename"
PLATFORM_TAG = "index.pypi.platform-tag"
PROJECT_NAME = "index.pypi.project-name"
MALFORMED = frozenset({FILENAME, WHEEL_FILENAME})
"""Rules that say the subject is not a wheel filename at all (exit code 3, bad input)."""

_TAG_WRAPPER = "demo-1.0-py3-none-{}.whl"
_WHEEL = ".whl"
_DIGITS = r"(\d+)"
"""Python's ``\\d``: any Unicode decimal digit, as in warehouse's expressions."""
# Matched with re.match, as PyPI does: a prefix is enough, and '.' stops at a newline.
_TWO_NUMBERS = re.compile(rf"{_DIGITS}_{_DIGITS}_(.*)")
_ONE_NUMBER = re.compile(rf"{_DIGITS}_(.*)")
_FILENAME_NAME = re.compile(r"[\w.]*")
_BUILD = re.compile(r"[0-9]")
_NORMALISED_NAME = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


@dataclass(frozen=True)
class PyPIRules:
    """PyPI's lists, from ``policies/pypi-upload.toml``, and where they were read."""

    source: str
    listed: frozenset[str]
    manylinux_architectures: frozenset[str]
    musllinux_architectures: frozenset[str]
    macos_architectures: frozenset[str]
    macos_any_minor_majors: frozenset[str]
    macos_zero_minor_majors: frozenset[str]
    ios_architectures: frozenset[str]
    ios_sdks: frozenset[str]
    android_architectures: frozenset[str]
    pyemscripten_architectures: frozenset[str]
    stored_name_max_bytes: int
    metadata_suffix: str


LIST_FIELDS = (
    "listed",
    "manylinux_architectures",
    "musllinux_architectures",
    "macos_architectures",
    "macos_any_minor_majors",
    "macos_zero_minor_majors",
    "ios_architectures",
    "ios_sdks",
    "android_architectures",
    "pyemscripten_architectures",
)
"""The keys of the data file's ``[platforms]`` table, each a list of strings."""


def load_pypi_rules(directory: Path) -> PyPIRules:
    """Read ``pypi-upload.toml`` from a policy directory; :class:`PolicyError` names the file
    and the key when it is missing or malformed."""
    path = Path(directory) / RULES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(str(path), f"cannot read PyPI's upload rules: {error}") from None
    source = _table(data, "source", path)
    platforms = _table(data, "platforms", path)
    filename = _table(data, "filename", path)
    lists = {key: _strings(platforms, key, path) for key in LIST_FIELDS}
    return PyPIRules(
        source=f"{_text(source, 'repository', path)} at {_text(source, 'commit', path)[:7]} "
        f"({_text(source, 'date', path)})",
        **lists,
        stored_name_max_bytes=_number(filename, "stored_name_max_bytes", path),
        metadata_suffix=_text(filename, "metadata_suffix", path),
    )


@cache
def default_pypi_rules() -> PyPIRules:
    """PyPI's rules as this installation ships them (read once per process)."""
    return load_pypi_rules(default_policy_dir())


def upload_filename(subject: str) -> str:
    """The wheel filename a subject stands for: itself, or a bare tag as its platform part."""
    return subject if subject.endswith(_WHEEL) else _TAG_WRAPPER.format(subject)


def check_pypi_upload(subject: str, rules: PyPIRules | None = None) -> IndexVerdict:
    """What PyPI says to an upload of this wheel filename (or of a wheel with this platform
    tag): the first refusing step's rejections, and every refused platform member."""
    rules = rules or default_pypi_rules()
    filename = upload_filename(subject)
    for step in _STEPS:
        found = list(step(subject, filename, rules))
        if found:
            if step in _BEFORE_PLATFORMS:
                found.extend(_platform_step(subject, filename, rules))
            return IndexVerdict(subject, tuple(found))
    return IndexVerdict(subject, ())


Step = Callable[[str, str, PyPIRules], Iterator[Rejection]]
"""One of PyPI's checks: (subject as given, the filename it stands for, PyPI's lists)."""


def _filename_step(subject: str, filename: str, rules: PyPIRules) -> Iterator[Rejection]:
    """warehouse ``_validate_filename``: characters its storage refuses, and an extension."""
    control = next((c for c in filename if ord(c) < 32 or ord(c) == 127), None)
    if control is not None:
        yield Rejection(subject, FILENAME, f"holds the control character U+{ord(control):04X}")
    elif "/" in filename or "\\" in filename:
        yield Rejection(subject, FILENAME, "holds '/' or '\\'")
    elif filename == _WHEEL:
        yield Rejection(subject, FILENAME, "has no name before the '.whl' extension")


def _stored_name_step(subject: str, filename: str, rules: PyPIRules) -> Iterator[Rejection]:
    """file_upload writes the upload to a temporary file of the same name."""
    if not _fits(filename, rules):
        yield Rejection(subject, STORED_NAME, _too_long(subject, filename, rules))


def _wheel_filename_step(subject: str, filename: str, rules: PyPIRules) -> Iterator[Rejection]:
    """packaging 26.2 ``parse_wheel_filename``: its first complaint, under the part it names."""
    stem = filename[: -len(_WHEEL)]
    dashes = stem.count("-")
    if dashes not in (4, 5):
        yield Rejection(subject, WHEEL_FILENAME, _dash_problem(subject, dashes))
        return
    parts = stem.split("-", dashes - 2)
    if "__" in parts[0] or not _FILENAME_NAME.fullmatch(parts[0]):
        problem = "the name part may hold only letters, digits, '_' and '.', and no '__'"
        yield Rejection(parts[0], WHEEL_FILENAME, problem)
    elif not _is_version(parts[1]):
        yield Rejection(parts[1], WHEEL_FILENAME, "the version part is not a PEP 440 version")
    elif dashes == 5 and not _BUILD.match(parts[2]):
        yield Rejection(parts[2], WHEEL_FILENAME, "the build tag does not start with a digit")


def _platform_step(subject: str, filename: str, rules: PyPIRules) -> Iterator[Rejection]:
    """Every platform member, lowercased as packaging's ``Tag`` does, must be one PyPI
    accepts (warehouse ``_valid_platform_tag``); each refused member under its own name."""
    stem = filename[: -len(_WHEEL)]
    if stem.count("-") not in (4, 5):
        return
    for member in dict.fromkeys(stem.rsplit("-", 1)[1].split(".")):
        problem = platform_problem(member.lower(), rules)
        if problem is not None:
            yield Rejection(member, PLATFORM_TAG, problem)


def _project_name_step(subject: str, filename: str, rules: PyPIRules) -> Iterator[Rejection]:
    """file_upload: the name part must be the project's normalised name with '-' as '_', and
    a project name must exist that normalises so."""
    name = filename.split("-", 1)[0]
    if not _NORMALISED_NAME.fullmatch(name):
        problem = (
            "the name part is not a normalised project name: lowercase ASCII letters and "
            "digits joined by single '_'"
        )
        yield Rejection(name, PROJECT_NAME, problem)


def _metadata_name_step(subject: str, filename: str, rules: PyPIRules) -> Iterator[Rejection]:
    """file_upload writes a wheel's METADATA beside it as ``FILENAME.metadata``."""
    if not _fits(filename + rules.metadata_suffix, rules):
        yield Rejection(subject, STORED_NAME, _too_long(subject, filename, rules))


_STEPS: tuple[Step, ...] = (
    _filename_step,
    _stored_name_step,
    _wheel_filename_step,
    _platform_step,
    _project_name_step,
    _metadata_name_step,
)
"""PyPI's checks in its order."""
_BEFORE_PLATFORMS = frozenset({_filename_step, _stored_name_step, _wheel_filename_step})


def platform_problem(tag: str, rules: PyPIRules) -> str | None:
    """Why PyPI refuses one platform tag, already lowercased; None when PyPI accepts it."""
    if tag in rules.listed:
        return None
    for prefix, judge in _FAMILIES.items():
        if tag.startswith(prefix):
            return judge(tag[len(prefix) :], rules)
    return "not a platform PyPI accepts"


def _manylinux(rest: str, rules: PyPIRules) -> str | None:
    return _linux(rest, rules.manylinux_architectures)


def _musllinux(rest: str, rules: PyPIRules) -> str | None:
    return _linux(rest, rules.musllinux_architectures)


def _linux(rest: str, architectures: frozenset[str]) -> str | None:
    match = _TWO_NUMBERS.match(rest)
    if match is None:
        return "not of the form PREFIX_X_Y_ARCH with decimal digits X and Y"
    if match[3] in architectures:
        return None
    return f"PyPI accepts it only for {_names(architectures)}"


def _macos(rest: str, rules: PyPIRules) -> str | None:
    match = _TWO_NUMBERS.match(rest)
    if match is None:
        return "not of the form macosx_X_Y_ARCH with decimal digits X and Y"
    major, minor, arch = match[1], match[2], match[3]
    if arch not in rules.macos_architectures:
        return f"PyPI accepts macOS tags only for {_names(rules.macos_architectures)}"
    if major in rules.macos_any_minor_majors:
        return None
    if major in rules.macos_zero_minor_majors and minor == "0":
        return None
    return (
        f"PyPI accepts macOS {_names(rules.macos_any_minor_majors)} with any minor version "
        f"and {_names(rules.macos_zero_minor_majors)} with minor version 0 only"
    )


def _ios(rest: str, rules: PyPIRules) -> str | None:
    match = _TWO_NUMBERS.match(rest)
    # the architecture runs to the last "_SDK" (the expression's greedy ARCH); more may follow
    end = max(match[3].rfind(f"_{sdk}") for sdk in rules.ios_sdks) if match else -1
    if match is None or end < 0:
        return f"not of the form ios_X_Y_ARCH_SDK (SDK one of {_names(rules.ios_sdks)})"
    if match[3][:end] in rules.ios_architectures:
        return None
    return f"PyPI accepts iOS tags only for {_names(rules.ios_architectures)}"


def _android(rest: str, rules: PyPIRules) -> str | None:
    match = _ONE_NUMBER.match(rest)
    if match is None:
        return "not of the form android_API_ARCH with a decimal API level"
    if match[2] in rules.android_architectures:
        return None
    return f"PyPI accepts Android tags only for {_names(rules.android_architectures)}"


def _pyemscripten(rest: str, rules: PyPIRules) -> str | None:
    match = _TWO_NUMBERS.match(rest)
    if match is not None and match[3].startswith(tuple(rules.pyemscripten_architectures)):
        return None
    return f"not of the form pyemscripten_X_Y_{_names(rules.pyemscripten_architectures)}"


_FAMILIES: Mapping[str, Callable[[str, PyPIRules], str | None]] = {
    "macosx_": _macos,
    "manylinux_": _manylinux,
    "musllinux_": _musllinux,
    "ios_": _ios,
    "android_": _android,
    "pyemscripten_": _pyemscripten,
}
"""The platforms PyPI reads by pattern, by prefix (no tag has two of these prefixes)."""


def _dash_problem(subject: str, dashes: int) -> str:
    if not subject.endswith(_WHEEL):
        return "holds '-', which separates the parts of a wheel filename"
    return (
        f"has {dashes} '-'; a wheel filename has 4 or 5 "
        "(NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl)"
    )


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _fits(name: str, rules: PyPIRules) -> bool:
    """Whether Linux can create a file of this name: its UTF-8 bytes within the limit."""
    try:
        size = len(name.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return False
    return size <= rules.stored_name_max_bytes


def _too_long(subject: str, filename: str, rules: PyPIRules) -> str:
    limit = rules.stored_name_max_bytes - len(rules.metadata_suffix)
    wrapped = "" if subject == filename else f" (as the wheel {_TAG_WRAPPER.format('TAG')})"
    return (
        f"the filename{wrapped} is longer than {limit} bytes of UTF-8: PyPI stores a wheel "
        f"and its METADATA (as FILENAME{rules.metadata_suffix}) under file names of at most "
        f"{rules.stored_name_max_bytes} bytes"
    )


def _names(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))


def _table(data: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PolicyError(str(path), f"[{key}] is missing or not a table")
    return value


def _text(table: Mapping[str, Any], key: str, path: Path) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise PolicyError(str(path), f"{key} must be a non-empty string")
    return value


def _number(table: Mapping[str, Any], key: str, path: Path) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise PolicyError(str(path), f"{key} must be a positive integer")
    return value


def _strings(table: Mapping[str, Any], key: str, path: Path) -> frozenset[str]:
    value = table.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PolicyError(str(path), f"platforms.{key} must be a list of strings")
    return frozenset(value)
