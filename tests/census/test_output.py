"""An output a census cannot write is refused in one line before any wheel is audited (it
was an internal error once the first part was due, after auditing that many wheels)."""

from __future__ import annotations

from pathlib import Path

from .conftest import copy_wheels, perennial


def test_an_output_that_cannot_be_written_is_refused_before_auditing(tmp_path: Path) -> None:
    copy_wheels(["x86_64-minimal"], tmp_path / "mirror")
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "c.parquet"
    ran = perennial("census", str(tmp_path / "mirror"), "--out", str(out), "--progress")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == f"perennial: {out}.lock: cannot be written (Not a directory (ENOTDIR))\n"
