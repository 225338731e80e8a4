"""A census resumes: unchanged wheels are skipped (same path, size and mtime), changed and
new ones audited, rows never repeated, and a census stopped anywhere keeps its finished work."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reference_impl.census.found import find_wheels
from reference_impl.census.rows import error_rows
from reference_impl.census.store import PartWriter, Paths, merge, read_census
from reference_impl.census.table import WRITER_OPTIONS
from reference_impl.census.work import census_wheel, policy_digest
from reference_impl.errors import ExitCode
from reference_impl.policy import default_policy_dir

from .conftest import copy_wheels, perennial

THREE = ["x86_64-minimal", "x86_64-getrandom", "aarch64-ncursesw"]


def census(folder: Path, out: Path, *extra: str) -> dict[str, int]:
    ran = perennial("census", str(folder), "--out", str(out), "--workers", "1", "--json", *extra)
    assert ran.code == 0, ran.err
    run: dict[str, int] = json.loads(ran.out)["run"]
    return run


def table_rows(out: Path) -> list[tuple[str, int]]:
    """(wheel, number of ELF files) per wheel, read in step from both tables."""
    return sorted((w["wheel"], len(files)) for w, files in read_census(Paths.of(out)))


def test_a_second_census_skips_unchanged_wheels_and_audits_changed_ones(tmp_path: Path) -> None:
    mirror, out = tmp_path / "mirror", tmp_path / "c.parquet"
    wheels = copy_wheels(THREE, mirror)
    assert census(mirror, out)["audited"] == 3
    first = table_rows(out)

    again = census(mirror, out)
    assert (again["audited"], again["skipped"]) == (0, 3)

    os.utime(wheels[0], ns=(0, 1_000_000_000))  # same bytes, another mtime: audited again
    copy_wheels(["i686-minimal"], mirror)
    resumed = census(mirror, out)
    assert (resumed["audited"], resumed["skipped"]) == (2, 2)
    rows = table_rows(out)
    assert len(rows) == len({wheel for wheel, _ in rows}) == 4, "no wheel twice"
    assert set(first) < set(rows)
    recorded = {r["wheel"]: r["mtime_ns"] for r in pq.read_table(out).to_pylist()}
    assert recorded[str(wheels[0])] == 1_000_000_000


def test_a_stopped_census_keeps_its_parts_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror, out = tmp_path / "mirror", tmp_path / "c.parquet"
    copy_wheels(THREE, mirror)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("reference_impl.census.run.merge", interrupted)
    ran = perennial("census", str(mirror), "--out", str(out), "--workers", "1", "--checkpoint", "2")
    assert ran.code == 130 and not out.exists()
    assert len(Paths.of(out).complete_parts()) == 2, "a part of 2 wheels, then one of 1"
    monkeypatch.undo()

    resumed = census(mirror, out)
    assert (resumed["audited"], resumed["skipped"]) == (0, 3)
    assert not Paths.of(out).parts.exists()
    assert [wheel for wheel, _ in table_rows(out)] == sorted(str(p) for p in mirror.glob("*.whl"))


def test_a_merge_stopped_between_its_renames_gives_the_same_tables(tmp_path: Path) -> None:
    """The files table is renamed first: a main files table may already hold a part's rows
    while the main wheels table does not; merging again must neither lose nor repeat them."""
    mirror, out = tmp_path / "mirror", tmp_path / "c.parquet"
    wheels = copy_wheels(THREE, mirror)
    paths, digest = Paths.of(out), policy_digest(default_policy_dir())
    write(paths, digest, wheels[:2])
    merge(paths, digest)
    os.utime(wheels[1], ns=(0, 5))
    write(paths, digest, wheels[1:])  # the changed wheel again, and a new one
    old_wheels = pq.read_table(paths.wheels)
    kept_parts = tmp_path / "parts"
    shutil.copytree(paths.parts, kept_parts)

    merge(paths, digest)
    expected = table_rows(out)
    pq.write_table(old_wheels, paths.wheels, **WRITER_OPTIONS)  # as if stopped before its rename
    shutil.copytree(kept_parts, paths.parts)
    merge(paths, digest)
    assert table_rows(out) == expected
    assert [w for w, _ in expected] == sorted(str(w) for w in wheels)
    assert pq.read_table(paths.wheels).column("mtime_ns").to_pylist().count(5) == 1


def write(paths: Paths, digest: str, wheels: list[Path]) -> None:
    """Audit ``wheels`` in this process and save them as one part."""
    writer = PartWriter(paths, digest, every=len(wheels))
    for found in find_wheels([wheels[0].parent], []):
        if Path(found.path) in wheels:
            writer.add(census_wheel(found, None, ()))


def test_a_wheel_whose_audit_failed_inside_perennial_is_audited_again(tmp_path: Path) -> None:
    """A row of exit 70 (a worker that died, a bug) says nothing about its wheel: a resumed
    census audits that wheel again and keeps its verdict; a bad wheel's row (exit 3) stays."""
    mirror, out = tmp_path / "mirror", tmp_path / "c.parquet"
    wheels = copy_wheels(THREE, mirror)
    paths, digest = Paths.of(out), policy_digest(default_policy_dir())
    writer = PartWriter(paths, digest, every=len(wheels))
    for found in find_wheels([mirror], []):
        if found.path == str(wheels[0]):
            writer.add(error_rows(found, "the worker died", ExitCode.INTERNAL))
        else:
            writer.add(census_wheel(found, None, ()))
    resumed = census(mirror, out)
    assert (resumed["audited"], resumed["skipped"], resumed["errors"]) == (1, 2, 0)
    rows = {w["wheel"]: w for w, _ in read_census(paths)}
    assert rows[str(wheels[0])]["error"] is None and rows[str(wheels[0])]["verdict"] != "error"
    assert census(mirror, out)["audited"] == 0


def test_a_census_made_under_other_policies_is_refused(tmp_path: Path, policy_copy: Path) -> None:
    mirror, out = tmp_path / "mirror", tmp_path / "c.parquet"
    copy_wheels(THREE[:1], mirror)
    census(mirror, out)
    baseline = policy_copy / "baselines" / "manylinux_2_28.toml"
    baseline.write_text(baseline.read_text() + "\n# a reviewer's note\n")
    copy_wheels(THREE[1:2], mirror)
    ran = perennial("census", str(mirror), "--out", str(out), "--policies", str(policy_copy))
    assert ran.code == 3 and ran.out == ""
    assert "made under other policy data" in ran.err and ran.err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"not parquet at all", "not a readable Parquet file"), (None, "not a perennial census")],
)
def test_an_output_that_is_no_census_is_refused_untouched(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    out = tmp_path / "other.parquet"
    if content is None:
        pq.write_table(pa.table({"wheel": ["x"]}), out)
    else:
        out.write_bytes(content)
    before = out.read_bytes()
    copy_wheels(THREE[:1], tmp_path / "mirror")
    ran = perennial("census", str(tmp_path / "mirror"), "--out", str(out))
    assert ran.code == 3 and problem in ran.err and ran.err.count("\n") == 1
    assert out.read_bytes() == before


def test_a_missing_folder_is_named_and_the_others_are_audited(tmp_path: Path) -> None:
    mirror, out = tmp_path / "mirror", tmp_path / "c.parquet"
    copy_wheels(THREE[:1], mirror)
    ran = perennial(
        "census", str(tmp_path / "absent"), str(mirror), "--out", str(out), "--workers", "1"
    )
    assert ran.code == 3
    assert f"{tmp_path / 'absent'}: not a folder" in ran.err
    assert len(table_rows(out)) == 1


def test_a_second_census_of_the_same_output_is_refused_while_the_first_runs(
    tmp_path: Path,
) -> None:
    """The lock a running census holds, held here: the second census is refused in one line,
    before it audits anything, and runs once the lock is let go."""
    import fcntl

    copy_wheels(["x86_64-minimal"], tmp_path / "mirror")
    out = tmp_path / "c.parquet"
    argv = ["census", str(tmp_path / "mirror"), "--out", str(out), "--workers", "1"]
    with open(Paths.of(out).lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        ran = perennial(*argv)
    assert ran.code == 3 and ran.err.count("\n") == 1, ran.err
    assert "another census is writing it now" in ran.err and not out.exists()
    assert perennial(*argv).code == 0 and out.exists()
