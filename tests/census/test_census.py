"""``perennial census`` over the crafted wheels on a LocalCluster: each wheel gets the verdict
its conformance cases expect, the files table holds the facts the auditor reads, a bad wheel
is a row, and the summary counts what the tables hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from conformance.adapters.base import fixture_path
from conformance.cases import load_cases
from reference_impl.audit_facts import facts_json
from reference_impl.audit_read import read_facts
from reference_impl.census.rows import facts_of
from reference_impl.census.store import Paths, read_census

from .conftest import FIXTURES, FixtureCensus, perennial

VERDICT = {"refused": "error", "pass": "pass", "fail": "fail", "not-judged": "not-judged"}
"""A case's expected verdict -> the census's verdict column (a refused wheel is an error row)."""


def rows_by_wheel(out: Path) -> dict[str, dict[str, Any]]:
    return {row["wheel"]: row for row in pq.read_table(out).to_pylist()}


def test_every_crafted_wheel_is_one_row(fixture_census: FixtureCensus) -> None:
    rows = pq.read_table(fixture_census.out).to_pylist()
    wheels = sorted(str(p) for p in FIXTURES.rglob("*.whl"))
    assert sorted(row["wheel"] for row in rows) == wheels
    assert not Paths.of(fixture_census.out).parts.exists(), "parts are merged at the end"


def test_each_wheel_gets_the_verdict_its_cases_expect(fixture_census: FixtureCensus) -> None:
    """Expected answers come from the auditor cases, which are written from the spec."""
    rows = rows_by_wheel(fixture_census.out)
    checked = 0
    for case in load_cases():
        if case.audience != "auditor" or "fixture" not in case.input:
            continue
        row = rows[str(fixture_path(case.input["fixture"]))]
        expected = case.expected
        if "verdict" in expected:
            assert row["verdict"] == VERDICT[expected["verdict"]], case.id
        if "baseline" in expected:
            best = row["best_baseline"] and f"{row['best_baseline']}_{row['architecture']}"
            assert best == (
                None if isinstance(expected["baseline"], dict) else expected["baseline"]
            )
        if isinstance(expected.get("minimal_glibc"), str):
            assert row["minimal_glibc"] == expected["minimal_glibc"], case.id
        checked += 1
    assert checked > 150


def test_the_files_table_holds_the_facts_the_auditor_reads(fixture_census: FixtureCensus) -> None:
    paths = Paths.of(fixture_census.out)
    judged = 0
    for wheel, files in read_census(paths):
        if wheel["verdict"] == "error":
            assert files == []
            continue
        stored = facts_of(wheel, files, str(paths.wheels))
        assert facts_json(stored) == facts_json(read_facts(wheel["wheel"]))
        judged += 1
    assert judged == sum(1 for r in pq.read_table(paths.wheels).to_pylist() if r["error"] is None)
    files_rows = pq.read_table(paths.files).to_pylist()
    minimal = next(r for r in files_rows if "x86_64-minimal" in r["wheel"])
    assert minimal["architecture"] == "x86_64" and minimal["elf"]["machine"] == "EM_X86_64"


def test_a_bad_wheel_is_a_row_with_its_error(fixture_census: FixtureCensus) -> None:
    rows = rows_by_wheel(fixture_census.out)
    (not_zip,) = (FIXTURES / "hostile-not-zip").glob("*.whl")
    row = rows[str(not_zip)]
    assert row["verdict"] == "error" and row["exit_code"] == 3
    assert row["error"].startswith(f"{not_zip}: ") and "\n" not in row["error"]
    assert row["claims"] == [] and row["dist_info"] is None
    assert fixture_census.ran.code == 0, "bad wheels do not fail the census"


def test_unearned_claims_name_what_blocks_them(fixture_census: FixtureCensus) -> None:
    rows = rows_by_wheel(fixture_census.out)
    (getrandom,) = (FIXTURES / "x86_64-getrandom").glob("*.whl")
    row = rows[str(getrandom)]
    assert {c["earned"] for c in row["claims"]} == {False}
    blocking = {(b["clause"], b["subject"]) for b in row["blockers"]}
    assert ("audit.symbol-versions", "GLIBC_2.25") in blocking


def test_the_summary_counts_what_the_tables_hold(fixture_census: FixtureCensus) -> None:
    summary = json.loads(fixture_census.ran.out)
    rows = pq.read_table(fixture_census.out).to_pylist()
    assert summary["wheels"] == len(rows) == summary["run"]["audited"]
    assert summary["run"]["errors"] == summary["verdicts"]["error"] > 0
    assert sum(summary["verdicts"].values()) == len(rows)
    claim = next(c for c in summary["claims"] if c["tag"] == "manylinux_2_17_x86_64")
    claiming = [
        r for r in rows if any(c["manylinux_tag"] == "manylinux_2_17_x86_64" for c in r["claims"])
    ]
    assert claim["wheels"] == len(claiming) and claim["earned"] + claim["not_earned"] == len(
        claiming
    )
    top = summary["blockers"][0]
    assert (top["clause"], top["subject"]) == ("audit.symbol-versions", "GLIBC_2.25")
    assert top["wheels"] == sum(
        1
        for r in rows
        if any(b["subject"] == "GLIBC_2.25" and b["clause"] == top["clause"] for b in r["blockers"])
    )
    assert [e["exit_code"] for e in summary["errors"]] == [3]


def test_a_progress_bar_is_drawn_on_stderr(fixture_census: FixtureCensus) -> None:
    total = len(list(FIXTURES.rglob("*.whl")))
    assert f"] {total}/{total} wheels, " in fixture_census.ran.err
    assert "errors" in fixture_census.ran.err and "left" in fixture_census.ran.err


def test_without_folders_it_summarises_an_existing_census(fixture_census: FixtureCensus) -> None:
    ran = perennial("census", "--out", str(fixture_census.out))
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].startswith(f"census {fixture_census.out}: ")
    assert any(line.split()[:1] == ["manylinux_2_17_x86_64"] for line in lines)
    assert "what keeps claims from being earned" in ran.out


@pytest.mark.parametrize("name", ["nowhere.parquet", "census.csv"])
def test_no_census_and_no_folders_is_bad_input(tmp_path: Path, name: str) -> None:
    ran = perennial("census", "--out", str(tmp_path / name))
    assert ran.code == 3 and ran.out == ""
    assert ran.err.count("\n") == 1 and str(tmp_path / name) in ran.err


def test_the_facts_columns_are_the_fields_of_the_facts_json() -> None:
    """A review reads only these columns: a field the facts gain must be read back too."""
    from reference_impl.census.rows import FACTS_KEYS, FILE_FACTS_KEYS

    facts = facts_json(read_facts(max(FIXTURES.rglob("*.whl"), key=lambda p: p.stat().st_size)))
    assert set(FACTS_KEYS) == set(facts) - {"format", "version", "files"}
    assert any(facts["files"]) and all(set(f) == set(FILE_FACTS_KEYS) for f in facts["files"])
