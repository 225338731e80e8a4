"""The JSON-lines and one-shot transports, the smoke check and the protocol schema."""

from __future__ import annotations

import sys

from conformance.adapters import create
from conformance.cases import load_cases
from conformance.harness import run_cases
from conformance.protocol import JsonLinesAdapter, OneShotAdapter, validate
from conformance.smoke import smoke

SERVER = [sys.executable, "-m", "conformance.servers.reference"]


def _sample():
    """A few cases of every operation."""
    chosen, seen = [], {}
    for case in load_cases():
        if seen.get(case.operation, 0) < 4:
            seen[case.operation] = seen.get(case.operation, 0) + 1
            chosen.append(case)
    return chosen


def test_smoke_passes_for_the_example_server():
    report = smoke(SERVER)
    assert report.ok, report.lines


def test_smoke_fails_for_a_program_that_does_not_speak_the_protocol():
    report = smoke([sys.executable, "-c", "print('hello')"])
    assert not report.ok


def test_jsonlines_transport_gives_the_in_process_answers():
    cases = _sample()
    remote = JsonLinesAdapter(SERVER)
    try:
        over_wire = run_cases(remote, cases)
    finally:
        remote.close()
    assert remote.problems == []
    local = create("reference")
    try:
        in_process = run_cases(local, cases)
    finally:
        local.close()
    assert over_wire.results.name == "reference"
    for case in cases:
        assert over_wire.results.results[case.id] == in_process.results.results[case.id], case.id


def test_one_shot_transport_answers_one_case_per_process():
    cases = _sample()[:3]
    adapter = OneShotAdapter(SERVER)
    run = run_cases(adapter, cases)
    assert adapter.problems == []
    assert {r.status for r in run.results.results.values()} <= {"pass", "fail"}


def test_protocol_schema_accepts_well_formed_and_refuses_malformed_messages():
    assert validate({"cmd": "start", "protocol": 1}, "start") == []
    assert validate({"seq": 1, "output": {"valid": True}}, "answer") == []
    assert validate({"seq": 1, "output": {}, "skip": "x"}, "answer") != []
    assert validate({"protocol": 1, "ready": True, "operations": []}, "started") != []
