"""A census killed with SIGKILL anywhere (half-way through a part's table, between a part's
two tables, during the merge, while the parts are removed) and run again gives the tables of
one uninterrupted run: the same rows, none twice, none lost. The child census is killed at a
chosen point by the test hook of :mod:`reference_impl.census.store`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
import pytest

from reference_impl.census.store import KILL_HOOK, Paths, merge, read_census
from reference_impl.census.work import policy_digest
from reference_impl.policy import default_policy_dir

from .conftest import ROOT, copy_wheels, perennial, save_part

WHEELS = ["x86_64-minimal", "x86_64-getrandom", "aarch64-ncursesw", "hostile-not-zip"]
"""Three wheels with ELF files and one that is an error row."""


def census_args(mirror: Path, out: Path) -> list[str]:
    return ["census", str(mirror), "--out", str(out), "--workers", "1", "--checkpoint", "1"]


def killed_at(point: str, argv: list[str]) -> None:
    """Run ``perennial argv`` in a child process told to SIGKILL itself at ``point``; check
    that it died there and left no process behind (a local cluster's workers follow it)."""
    env = {**os.environ, KILL_HOOK: point}
    child = subprocess.Popen(
        [sys.executable, "-m", "reference_impl", *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _, err = child.communicate(timeout=300)
    left = _session(child.pid)
    deadline = time.monotonic() + 30
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _session(child.pid)
    for process in left:  # started by this test: end them before failing
        process.kill()
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert not left, f"processes left behind: {[p.cmdline() for p in left]}"


def _session(sid: int) -> list[psutil.Process]:
    """The live processes of session ``sid``."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == sid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def tables(out: Path) -> tuple[list[str], list[str]]:
    """Every row of both tables, sorted, after checking that the census holds nothing else
    and that its tables are read in step with no wheel twice."""
    paths = Paths.of(out)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        [out.name, paths.files.name, paths.lock.name]
    )
    assert paths.lock.read_bytes() == b"", "the lock is an empty file, let go with its census"
    keys = [wheel["wheel"] for wheel, _ in read_census(Paths.of(out))]
    assert len(keys) == len(set(keys)), "no wheel twice"

    def rows(path: Path) -> list[str]:
        return sorted(json.dumps(r, sort_keys=True) for r in pq.read_table(path).to_pylist())

    return rows(out), rows(Paths.of(out).files)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("killed") / "mirror"
    copy_wheels(WHEELS, folder)
    return folder


@pytest.fixture(scope="module")
def uninterrupted(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    out = tmp_path_factory.mktemp("whole") / "c.parquet"
    ran = perennial(*census_args(mirror, out))
    assert ran.code == 0, ran.err
    return tables(out)


@pytest.mark.parametrize(
    "point",
    [
        "part.files:writing@2",
        "part.files:renamed@2",
        "part.wheels:writing@2",
        "part.wheels:renamed@2",
        "merge.files:writing",
        "merge.wheels:renamed",
    ],
)
def test_a_census_killed_while_auditing_resumes_exactly(
    point: str, mirror: Path, uninterrupted: tuple[Any, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out" / "c.parquet"
    out.parent.mkdir()
    killed_at(point, census_args(mirror, out))
    ran = perennial(*census_args(mirror, out))
    assert ran.code == 0, ran.err
    assert tables(out) == uninterrupted


MERGE_POINTS = [
    "merge.files:writing",
    "merge.files:renamed",
    "merge.wheels:writing",
    "merge.wheels:renamed",
    *(f"merge.cleanup@{n}" for n in range(1, 4)),
]
"""Every point of the merge, and the removal of each of the four tables of its two parts but
the last: whatever order the folder lists them in, some of those leave half a part."""


@pytest.fixture(scope="module")
def before_merge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A census of two wheels, then parts holding one of them changed and two new ones:
    what the merge at the end of the next run folds together."""
    top = tmp_path_factory.mktemp("merge")
    mirror, out = top / "mirror", top / "out" / "c.parquet"
    out.parent.mkdir()
    wheels = copy_wheels(WHEELS, mirror)
    save_part(out, wheels[:2])
    merge(Paths.of(out), policy_digest(default_policy_dir()))
    os.utime(wheels[1], ns=(0, 5))
    save_part(out, wheels[1:3])
    save_part(out, wheels[3:])
    return mirror, out


@pytest.mark.parametrize("point", MERGE_POINTS)
def test_a_census_killed_while_merging_resumes_exactly(
    point: str, before_merge: tuple[Path, Path], tmp_path: Path
) -> None:
    mirror, prepared = before_merge
    expected_out, out = tmp_path / "expected" / "c.parquet", tmp_path / "out" / "c.parquet"
    shutil.copytree(prepared.parent, expected_out.parent)
    shutil.copytree(prepared.parent, out.parent)
    ran = perennial(*census_args(mirror, expected_out))
    assert ran.code == 0 and json.loads(
        perennial("census", "--out", str(expected_out), "--json").out
    )["wheels"] == len(WHEELS)

    killed_at(point, census_args(mirror, out))
    ran = perennial(*census_args(mirror, out))
    assert ran.code == 0, ran.err
    assert tables(out) == tables(expected_out)
