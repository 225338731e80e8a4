"""The reference implementation against the whole suite: fast, and only listed misses."""

from __future__ import annotations

from conformance.adapters import create
from conformance.cases import load_cases
from conformance.harness import run_cases


def test_the_reference_passes_every_case_but_its_reported_misses():
    adapter = create("reference")
    try:
        run = run_cases(adapter, load_cases())
    finally:
        adapter.close()
    assert run.unexpected == {}
    assert run.stale == {}
    counts = run.results.counts()
    assert counts["skip"] == 0 and counts["error"] == 0
