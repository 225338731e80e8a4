"""The census on an existing cluster: a ``dask scheduler`` and ``dask worker`` processes on the
loopback, started here by their own command lines; and a task that fails in its worker
becomes the wheel's error row."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from reference_impl.census.found import Found
from reference_impl.census.run import Settings, _audited, _client

from .conftest import FIXTURES, FixtureCensus, copy_wheels, perennial

DASK = Path(sys.executable).parent / "dask"
STARTUP = 60.0
"""Seconds the scheduler may take to write its address."""


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two single-threaded workers, each its own process, on 127.0.0.1."""
    where = tmp_path_factory.mktemp("dask")
    address_file = where / "scheduler.json"
    common = ["--no-dashboard"]
    started = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(address_file),
                *common,
            ],
            cwd=where,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + STARTUP
        while not address_file.exists() or not address_file.read_text().strip():
            assert time.monotonic() < deadline, "the scheduler did not start"
            assert started[0].poll() is None, "the scheduler exited"
            time.sleep(0.2)
        address = str(json.loads(address_file.read_text())["address"])
        assert address.startswith("tcp://127.0.0.1:")
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        "--scheduler-file",
                        str(address_file),
                        "--nthreads",
                        "1",
                        "--memory-limit",
                        "1GiB",
                        "--host",
                        "127.0.0.1",
                        *common,
                    ],
                    cwd=where,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_census_on_an_existing_scheduler_matches_the_local_one(
    scheduler: str, fixture_census: FixtureCensus, tmp_path: Path
) -> None:
    out = tmp_path / "remote.parquet"
    ran = perennial("census", str(FIXTURES), "--out", str(out), "--scheduler", scheduler, "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["run"]["audited"] == len(list(FIXTURES.rglob("*.whl")))
    columns = ["wheel", "verdict", "best_baseline", "earliest_tag", "claims", "error"]

    def table(path: Path) -> list[dict[str, object]]:
        rows = pq.read_table(path, columns=columns).to_pylist()
        return sorted(rows, key=lambda r: str(r["wheel"]))

    assert table(out) == table(fixture_census.out)
    assert (
        pq.read_table(out.with_suffix(".files.parquet")).num_rows
        == pq.read_table(fixture_census.out.with_suffix(".files.parquet")).num_rows
    )


def test_a_task_that_fails_in_its_worker_is_the_wheels_error_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies (over its memory limit) fails the task; here the task itself
    raises in the worker (cloudpickle ships this local function), which fails it the same
    way."""
    wheels = copy_wheels(["x86_64-minimal", "i686-minimal"], tmp_path)
    todo = [Found(str(w), w.stat().st_size, w.stat().st_mtime_ns) for w in wheels]

    def dies_on_i686(found: Found, *_: object) -> object:
        if "i686" in found.path:
            raise MemoryError("killed")
        from reference_impl.census.work import census_wheel

        return census_wheel(found, None, ())

    monkeypatch.setattr("reference_impl.census.run.census_wheel", dies_on_i686)
    with _client(Settings(workers=1)) as client:
        rows = {r.wheel["wheel"]: r for r in _audited(client, todo, Settings())}
    failed = rows[str(wheels[1])]
    assert failed.is_error and failed.wheel["exit_code"] == 70
    assert "the worker auditing it failed (MemoryError: killed)" in failed.wheel["error"]
    assert rows[str(wheels[0])].wheel["verdict"] == "pass"


def test_workers_with_other_policy_data_are_refused(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers of an existing cluster may run another installation: their verdicts would not
    belong to this census, so it stops before auditing anything."""

    def other_data(_: object) -> str:
        return "0" * 64

    monkeypatch.setattr("reference_impl.census.run.worker_digest", other_data)
    copy_wheels(["x86_64-minimal"], tmp_path / "mirror")
    out = tmp_path / "c.parquet"
    ran = perennial("census", str(tmp_path / "mirror"), "--out", str(out), "--scheduler", scheduler)
    assert ran.code == 3 and ran.err.count("\n") == 1
    assert "this worker's policy data differs (digest 000000000000)" in ran.err
    assert ran.err.startswith("perennial: tcp://127.0.0.1:") and not out.exists()
