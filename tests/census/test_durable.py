"""What a census renames into place is on disk first: each table is flushed before its
rename and its folder after, so a power cut never leaves a table name pointing at missing
data (a rename alone only orders what a killed process leaves)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reference_impl.census.store import Paths, merge
from reference_impl.census.work import policy_digest
from reference_impl.policy import default_policy_dir

from .conftest import copy_wheels, save_part


def test_every_table_is_flushed_before_its_rename_and_its_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, ...]] = []
    fsync, replace = os.fsync, os.replace

    def flushed(descriptor: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        fsync(descriptor)

    def renamed(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        replace(source, target)
        events.append(("rename", os.fspath(source), os.fspath(target)))

    monkeypatch.setattr(os, "fsync", flushed)
    monkeypatch.setattr(os, "replace", renamed)
    out = tmp_path / "c.parquet"
    wheels = copy_wheels(["x86_64-minimal", "i686-minimal"], tmp_path / "mirror")
    save_part(out, wheels[:1])
    save_part(out, wheels[1:])
    merge(Paths.of(out), policy_digest(default_policy_dir()))

    renames = [(i, e[1], e[2]) for i, e in enumerate(events) if e[0] == "rename"]
    assert len(renames) == 2 * 2 + 2 + 1, "four part tables, two main tables, the parts folder"
    for at, source, target in renames:
        if source.endswith(".tmp"):
            assert ("fsync", source) in events[:at], f"{source} flushed before its rename"
        after = events[at + 1 :]
        assert ("fsync", os.path.dirname(target)) in after, f"{target}'s folder flushed"
    parts = str(Paths.of(out).parts)
    first_part = next(at for at, _, target in renames if target.startswith(parts + "/"))
    assert ("fsync", str(tmp_path)) in events[:first_part], "the new parts folder is flushed"
