"""Each real tool at its pinned version against the suite: every disagreement is listed in its
divergence file and no listed divergence agrees any more. This is the CI run of the peers."""

from __future__ import annotations

import pytest

from conformance.cases import load_cases
from conformance.pins import pinned
from conformance.results import RESULTS_DIR, read_results
from conformance.runner import run_named

PEERS = ("packaging", "pep600-sample", "pip", "uv", "auditwheel")


@pytest.fixture(scope="module")
def runs():
    cases = load_cases()
    timed = run_named(PEERS, cases, {case.id for case in cases}, out=None)
    return {item.name: item for item in timed}


@pytest.mark.slow
@pytest.mark.parametrize("name", PEERS)
def test_peer_disagrees_only_where_its_divergence_file_says(runs, name):
    item = runs[name]
    assert item.run is not None, item.failure
    assert item.run.unexpected == {}, "unlisted failures"
    assert item.run.stale == {}, "stale divergence entries"
    assert item.run.results.counts()["pass"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["packaging", "pip", "uv", "auditwheel"])
def test_peer_reports_its_pinned_version(runs, name):
    assert runs[name].run.results.version == pinned()[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", PEERS)
def test_committed_results_are_what_the_tool_does_now(runs, name):
    """The site's matrix reads conformance/results/: a stale file would show old answers."""
    committed = read_results(RESULTS_DIR / f"{name}.json")
    fresh = runs[name].run.results
    assert committed.version == fresh.version
    stale = {
        case_id: (committed.results[case_id].status if case_id in committed.results else None)
        for case_id, result in fresh.results.items()
        if case_id not in committed.results or committed.results[case_id].status != result.status
    }
    assert stale == {}, "run `perennial conformance run --impl all` and commit conformance/results"
    assert set(committed.results) == set(fresh.results)
