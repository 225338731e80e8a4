"""Typed access to one parsed TOML table, with errors that name the file and the key.

Every check the schema needs (required keys, types, unknown keys) goes through
:class:`Table`, so a malformed file always fails with ``FILE: key a.b.c: what is wrong``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from reference_impl.display import quoted
from reference_impl.errors import PolicyError, os_cause
from reference_impl.files import read_regular

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_POLICY_FILE = 16 << 20
"""A policy file is written by hand: 16 MiB is far more than one can need."""


_PARSED: dict[str, dict[str, Any]] = {}
"""Parsed policy files by their text: a review loads two policy sets that share all files
but those its change touches (parsing them twice was an eighth of its fixed cost). The
loader only reads what it is given, never changes it."""
_PARSED_FILES = 256
_PARSED_TEXT = 1 << 20
"""Only this many files, each of at most this many characters, are kept: memory stays
bounded whatever a policy folder holds."""


def read_toml(path: Path, shown_as: str) -> dict[str, Any]:
    """Parse a TOML file; anything wrong with it (unreadable, not UTF-8, not TOML, nested
    beyond the parser's reach) becomes one PolicyError line naming the file."""
    import tomllib  # only when the policy snapshot is missing or stale (5% of a start-up)

    try:
        text = read_regular(path, MAX_POLICY_FILE).decode("utf-8")
        parsed = _PARSED.get(text)
        if parsed is None:
            parsed = tomllib.loads(text)
            if len(text) <= _PARSED_TEXT and len(_PARSED) < _PARSED_FILES:
                _PARSED[text] = parsed
        return parsed
    except OSError as error:
        raise PolicyError(shown_as, f"cannot be read: {os_cause(error)}") from None
    except UnicodeDecodeError as error:
        utf16 = error.object[:2] in (b"\xff\xfe", b"\xfe\xff")
        found = "UTF-16 text" if utf16 else f"byte 0x{error.object[error.start]:02x}"
        raise PolicyError(
            shown_as, f"not UTF-8: {found} at offset {error.start}; a policy file is UTF-8 TOML"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(shown_as, f"not valid TOML: {error}") from None
    except RecursionError:
        raise PolicyError(shown_as, "not valid TOML here: values nested too deeply") from None


class Table:
    """A TOML table plus where it lives, for precise error messages."""

    def __init__(self, data: Mapping[str, Any], file: str, prefix: str = "") -> None:
        self.data = data
        self.file = file
        self.prefix = prefix

    def key(self, name: str) -> str:
        """The dotted path of ``name`` inside the file."""
        return f"{self.prefix}{name}"

    def fail(self, name: str, problem: str) -> PolicyError:
        """An error about key ``name`` of this table."""
        return PolicyError(self.file, f"key {self.key(name)}: {problem}")

    def only(self, allowed: Iterable[str]) -> None:
        """Reject keys the schema does not know (a typo must not pass silently)."""
        allowed = set(allowed)
        for name in self.data:
            if name not in allowed:
                raise self.fail(name, f"unknown key (expected one of {', '.join(sorted(allowed))})")

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, default: str | None = None) -> str:
        value = self.data.get(name, default)
        if value is None:
            raise self.fail(name, "is required")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"expected a non-empty string, got {_kind(value)}")
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if name in self.data else None

    def day(self, name: str) -> str | None:
        """An ISO date (as text), or the words ``rolling`` / ``unknown``; None if absent."""
        if name not in self.data:
            return None
        value = self.text(name)
        if not (_ISO_DAY.match(value) or value in ("rolling", "unknown")):
            raise self.fail(
                name,
                f"{quoted(str(value))} is not an ISO date (YYYY-MM-DD), 'rolling' or 'unknown'",
            )
        return value

    def integer(self, name: str, default: int | None = None) -> int:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"expected an integer, got {_kind(value)}")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {_kind(value)}")
        return value

    def strings(self, name: str, default: tuple[str, ...] | None = ()) -> tuple[str, ...]:
        """A list of strings without duplicates."""
        value = self.data.get(name, default)
        if value is None:
            raise self.fail(name, "is required")
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self.fail(name, f"expected a list of strings, got {_kind(value)}")
        seen: set[str] = set()
        for item in value:
            if not isinstance(item, str) or not item:
                raise self.fail(name, f"expected a list of strings, found {_kind(item)}")
            if item in seen:
                raise self.fail(name, f"lists {quoted(str(item))} twice")
            seen.add(item)
        return tuple(value)

    def table(self, name: str, required: bool = False) -> Table:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "is required")
            value = {}
        if not isinstance(value, dict):
            raise self.fail(name, f"expected a table, got {_kind(value)}")
        return Table(value, self.file, f"{self.key(name)}.")

    def tables(self) -> dict[str, Table]:
        """Every value of this table, each required to be a table itself."""
        return {name: self.table(name, required=True) for name in self.data}

    def table_list(self, name: str) -> list[Table]:
        """An array of tables (``[[amendment]]``)."""
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, "expected an array of tables")
        return [Table(v, self.file, f"{self.key(name)}[{i}].") for i, v in enumerate(value)]


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
