"""The reference implementation against the whole suite: fast, and only listed misses."""

from __future__ import annotations

import json

import pytest

from conformance.adapters import create
from conformance.cases import load_cases
from conformance.harness import Run, run_cases
from conformance.results import RESULTS_DIR


@pytest.fixture(scope="module")
def run() -> Run:
    adapter = create("reference")
    try:
        return run_cases(adapter, load_cases())
    finally:
        adapter.close()


def test_the_reference_passes_every_case_but_its_reported_misses(run: Run) -> None:
    assert run.unexpected == {}
    assert run.stale == {}
    counts = run.results.counts()
    assert counts["skip"] == 0 and counts["error"] == 0


def test_committed_reference_results_are_exactly_a_fresh_run(run: Run) -> None:
    """Regenerating is deterministic (no scratch paths, sorted), so the file must not drift."""
    committed = json.loads((RESULTS_DIR / "reference.json").read_text(encoding="utf-8"))
    assert committed == run.results.as_dict(), "run `perennial conformance run --impl reference`"
