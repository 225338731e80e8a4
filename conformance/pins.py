"""The peer tools' pinned versions, read from the one place they are written.

``pyproject.toml``'s ``peers`` extra pins packaging, pip, uv and auditwheel; upgrading a peer
is that one edit. Adapters call :func:`check_pinned` and refuse to run against anything else,
so a result file never claims a version it did not test.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

from conformance.adapters.base import AdapterError

DISTRIBUTION = "perennial-manylinux"
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[^;\s]+)\s*;\s*extra\s*==\s*['\"]peers['\"]"
)


@cache
def pinned() -> dict[str, str]:
    """Distribution name -> pinned version, from the ``peers`` extra."""
    pins: dict[str, str] = {}
    for requirement in metadata.requires(DISTRIBUTION) or ():
        match = _PIN.match(requirement)
        if match:
            pins[match["name"].lower()] = match["version"]
    return pins


def check_pinned(name: str) -> str:
    """The installed version of ``name``; :class:`AdapterError` unless it is the pinned one."""
    want = pinned().get(name)
    if want is None:
        raise AdapterError(f"{name}: not pinned in the 'peers' extra of pyproject.toml")
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        raise AdapterError(
            f"{name}: not installed (pinned {want}); pip install -e '.[peers]'"
        ) from None
    if have != want:
        raise AdapterError(
            f"{name}: {have} is installed but {want} is pinned; pip install -e '.[peers]'"
        )
    return have
