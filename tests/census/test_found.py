"""The wheels a census finds: each file once, however the folders given overlap."""

from __future__ import annotations

import os
from pathlib import Path

from reference_impl.census.found import find_wheels

from .conftest import copy_wheels


def test_a_wheel_under_two_given_folders_is_found_once(tmp_path: Path) -> None:
    """The same folder twice, or a folder and one inside it, would otherwise audit a wheel
    twice and record it twice in the same part."""
    top = copy_wheels(["x86_64-minimal"], tmp_path / "mirror")
    inner = copy_wheels(["i686-minimal"], tmp_path / "mirror" / "inner")
    relative = Path(os.path.relpath(tmp_path / "mirror"))
    missing: list[str] = []
    found = list(
        find_wheels([tmp_path / "mirror", relative, tmp_path / "mirror" / "inner"], missing)
    )
    assert [f.path for f in found] == [str(inner[0]), str(top[0])], "each folder sorted"
    assert missing == []
