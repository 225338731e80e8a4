"""Censuses of many parts, and of big rows: a census stopped after many checkpoints is read
and merged with a few files open at a time, and rows too many for one row group are written
in several that a reader accepts."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from reference_impl.census.found import Found
from reference_impl.census.rows import error_rows
from reference_impl.census.store import PartWriter, Paths, read_census
from reference_impl.census.table import ROW_GROUP_VALUES
from reference_impl.census.work import policy_digest
from reference_impl.policy import default_policy_dir

from .conftest import ROOT

PARTS = 300
OPEN_FILES = 200
"""Fewer than the tables of the parts: a reader holding each open would run out."""


def test_a_census_of_many_parts_is_read_and_merged_with_few_files_open(tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    writer = PartWriter(Paths.of(out), policy_digest(default_policy_dir()), every=1)
    for number in range(PARTS):
        found = Found(f"/mirror/w-{number}-py3-none-manylinux_2_17_x86_64.whl", number, number)
        writer.add(error_rows(found, f"{found.path}: not a zip", 3))

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))

    (tmp_path / "nothing-new").mkdir()
    merging = ["census", str(tmp_path / "nothing-new"), "--out", str(out)]
    for argv in (["census", "--out", str(out)], merging):
        ran = subprocess.run(
            [sys.executable, "-m", "reference_impl", *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            preexec_fn=few_files,
        )
        assert ran.returncode == 0, ran.stderr
        assert f"census {out}: {PARTS} wheels ({PARTS} error)" in ran.stdout
    assert not Paths.of(out).parts.exists() and len(pq.read_table(out)) == PARTS


def test_rows_too_many_for_one_row_group_are_written_in_several_a_reader_accepts(
    tmp_path: Path,
) -> None:
    """A part of 2048 wheels of 1,500 kept symbol names each holds 3 million values, more
    than a row group may: the writer splits it, and the census reads back whole."""
    out = tmp_path / "c.parquet"
    names = [f"symbol_{n:05d}" for n in range(1500)]
    writer = PartWriter(Paths.of(out), policy_digest(default_policy_dir()), every=2048)
    for number in range(2048):
        found = Found(f"/mirror/w-{number}-py3-none-manylinux_2_17_x86_64.whl", number, number)
        rows = error_rows(found, f"{found.path}: not a zip", 3)
        rows.wheel["symbol_vocabulary"] = names
        writer.add(rows)
    ((part, _),) = Paths.of(out).complete_parts()
    metadata = pq.ParquetFile(part).metadata
    values = [
        sum(metadata.row_group(g).column(c).num_values for c in range(metadata.num_columns))
        for g in range(metadata.num_row_groups)
    ]
    assert sum(values) > ROW_GROUP_VALUES >= max(values)
    assert sum(len(wheel["symbol_vocabulary"]) for wheel, _ in read_census(Paths.of(out))) == (
        2048 * 1500
    )
