"""The JSON-lines and one-shot transports against real server processes, well and badly behaved.

Every fault is a real process (``misbehaving_server.py`` with one option): the harness must
end a hang within its limits, name the tool and the case, refuse replies with the wrong
``seq`` or the wrong shape, record how the program shut down, and never call a tool that
answered nothing conformant.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from conformance.adapters import create
from conformance.adapters.base import AdapterError, Request
from conformance.cases import load_cases
from conformance.divergences import load_divergences
from conformance.harness import run_cases
from conformance.protocol import JsonLinesAdapter, Limits, OneShotAdapter, validate
from conformance.runner import Timed, run_adapter
from conformance.smoke import smoke

SERVER = [sys.executable, "-m", "conformance.servers.reference"]
MISBEHAVING = [sys.executable, str(Path(__file__).with_name("misbehaving_server.py"))]
QUICK = Limits(reply=6, run=120, stop=3)
"""Short enough to keep the tests quick, long enough for a busy machine's slowest reply."""
ENDS = 60
"""Seconds within which a run against a hanging program must end (instead of never)."""


def _sample():
    """A few cases of every operation."""
    chosen, seen = [], {}
    for case in load_cases():
        if seen.get(case.operation, 0) < 4:
            seen[case.operation] = seen.get(case.operation, 0) + 1
            chosen.append(case)
    return chosen


def _cases(operation: str, count: int, level: str = "pep600"):
    """The first ``count`` cases of ``operation`` at ``level``."""
    found = [c for c in load_cases() if c.operation == operation and c.level == level]
    return found[:count]


def _run(*options: str, cases=None, limits: Limits = QUICK, one_shot: bool = False) -> Timed:
    """Run the misbehaving server with ``options`` over five tag.parse cases (by default)."""
    cases = cases if cases is not None else _cases("tag.parse", 5)
    transport = OneShotAdapter if one_shot else JsonLinesAdapter
    return run_adapter(
        lambda: transport([*MISBEHAVING, *options], limits),
        cases,
        {case.id for case in cases},
        "misbehaving",
    )


def test_smoke_passes_for_the_example_server():
    report = smoke(SERVER)
    assert report.ok, report.lines


def test_smoke_fails_for_a_program_that_does_not_speak_the_protocol():
    report = smoke([sys.executable, "-c", "print('hello')"])
    assert not report.ok
    assert "'hello', which is not a JSON object" in report.lines[0]


def test_a_well_behaved_server_passes_and_exits_cleanly():
    item = _run()
    assert item.run is not None, item.failure
    session = item.run.results.session
    assert session is not None
    assert session.problems == () and session.ended is None
    assert session.shutdown == "exit status 0 after stop"
    assert {r.status for r in item.run.results.results.values()} == {"pass"}
    assert item.run.failures() == []


def test_jsonlines_transport_gives_the_in_process_answers():
    cases = _sample()
    remote = JsonLinesAdapter(SERVER)
    try:
        over_wire = run_cases(remote, cases, load_divergences("reference"))
    finally:
        remote.close()
    assert remote.problems == []
    local = create("reference")
    try:
        in_process = run_cases(local, cases)
    finally:
        local.close()
    assert over_wire.results.name == "reference-served"
    for case in cases:
        assert over_wire.results.results[case.id] == in_process.results.results[case.id], case.id


def test_one_shot_transport_answers_one_case_per_process():
    cases = _sample()[:3]
    adapter = OneShotAdapter(SERVER)
    run = run_cases(adapter, cases)
    assert adapter.problems == []
    assert {r.status for r in run.results.results.values()} <= {"pass", "fail"}


def test_a_server_silent_at_start_is_refused_within_the_reply_limit():
    began = time.monotonic()
    with pytest.raises(AdapterError, match=r"start: no reply within 6 s"):
        JsonLinesAdapter([*MISBEHAVING, "--silent-start"], QUICK)
    assert time.monotonic() - began < ENDS


def test_a_hang_is_an_error_for_that_case_and_ends_the_run_naming_tool_and_case():
    cases = _cases("tag.parse", 5)
    began = time.monotonic()
    item = _run("--hang-at", "2", cases=cases)
    assert time.monotonic() - began < ENDS
    run = item.run
    assert run is not None
    statuses = {case_id: result.status for case_id, result in run.results.results.items()}
    assert statuses == {cases[0].id: "pass", cases[1].id: "error"}
    ended = run.results.session.ended
    assert ended.startswith("misbehaving: no reply within 6 s on case ")
    assert cases[1].id in ended
    assert run.results.session.shutdown.startswith("killed")
    pep600 = run.results.levels["pep600"]
    assert pep600.not_asked == 3 and pep600.verdict == "does not conform"
    assert run.failures() != []


def test_the_whole_run_limit_ends_a_slow_run():
    began = time.monotonic()
    item = _run("--hang-at", "3", limits=Limits(reply=ENDS, run=8, stop=3))
    assert time.monotonic() - began < ENDS
    assert "the whole run's limit of 8 s ran out" in item.run.results.session.ended


def test_a_one_shot_command_that_hangs_ends_the_run():
    began = time.monotonic()
    item = _run("--hang-at", "1", one_shot=True)
    assert time.monotonic() - began < ENDS
    assert "no reply within 6 s on case" in item.run.results.session.ended
    assert item.run.results.counts()["error"] == 1


def test_replies_with_the_wrong_seq_are_refused():
    """Correct answers numbered 999 once gave 530 passes and exit 0."""
    item = _run("--seq", "999")
    results = item.run.results
    assert results.counts() == {"pass": 0, "fail": 0, "skip": 0, "error": 1}
    assert "replied with seq 999 on case" in results.session.ended
    assert item.run.failures() != []


def test_a_stray_line_is_named_and_shifts_no_answer():
    """One stray stdout line once shifted every later answer onto the wrong case."""
    cases = _cases("tag.parse", 5)
    item = _run("--stray-after", "2", cases=cases)
    results = item.run.results
    assert [results.results[c.id].status for c in cases[:3]] == ["pass", "pass", "error"]
    assert set(results.results) == {c.id for c in cases[:3]}
    assert "wrote 'loading the tag cache...', which is not a JSON object," in results.session.ended
    assert cases[2].id in results.session.ended


def test_a_reply_of_the_wrong_type_is_an_error_not_a_list_of_characters():
    cases = _cases("installer.tags", 6)
    item = _run("--tags-as-string", cases=cases)
    results = item.run.results
    for case in cases:
        result = results.results[case.id]
        if "tags" in case.expected:
            assert result.status == "error", case.id
            assert "$.output.tags: expected array, got str" in result.actual["adapter_error"]
    assert results.session.ended is None, "a well-framed bad reply does not end the run"
    assert any("breaks protocol-v1.json" in problem for problem in results.session.problems)


def test_a_bad_exit_status_after_stop_is_reported():
    item = _run("--exit-status", "3")
    session = item.run.results.session
    assert session.shutdown == "exit status 3 after stop"
    assert "misbehaving: exit status 3 after stop, not 0" in session.problems
    assert not item.run.ok and item.run.failures() == ["1 protocol problems"]


def test_a_server_that_does_not_exit_after_stop_is_killed_and_reported():
    began = time.monotonic()
    item = _run("--ignore-stop")
    assert time.monotonic() - began < ENDS
    assert item.run.results.session.shutdown == "did not exit within 3 s of stop; killed"
    assert item.run.failures() != []


def test_a_line_after_stop_is_a_protocol_problem():
    item = _run("--line-after-stop")
    assert "misbehaving: wrote 'bye' after stop" in item.run.results.session.problems


def test_a_server_that_dies_mid_run_ends_it_with_its_exit_status():
    item = _run("--die-at", "2")
    ended = item.run.results.session.ended
    assert "closed its output (exit status 3)" in ended


def test_an_endless_line_is_cut_off():
    began = time.monotonic()
    item = _run("--endless-line-at", "1")
    assert time.monotonic() - began < ENDS
    assert "a line longer than 1048576 bytes" in item.run.results.session.ended


def test_a_tool_that_skips_everything_has_not_answered_enough():
    """It once got 530 skips and exit 0."""
    item = _run("--skip-all")
    pep600 = item.run.results.levels["pep600"]
    assert pep600.counts["skip"] == pep600.claimed == 5
    assert pep600.verdict == "not enough answered"
    assert item.run.failures() == [
        "pep600 level: not enough answered",
        "no case of the declared operations answered",
    ]


def test_a_tool_that_declares_no_operation_has_not_answered_enough():
    item = _run("--operations", "")
    pep600 = item.run.results.levels["pep600"]
    assert pep600.claimed == 0 and pep600.verdict == "no cases"
    assert item.run.failures() == ["no case of the declared operations answered"]


@pytest.mark.parametrize("name", ["reference", "pip"])
def test_an_external_tool_cannot_take_a_built_in_name(name):
    item = _run("--name", name)
    assert item.run is None
    assert f"calls itself {name!r}, the name of a built-in adapter" in item.failure


def test_protocol_schema_accepts_well_formed_and_refuses_malformed_messages():
    assert validate({"cmd": "start", "protocol": 1}, "start") == []
    assert validate({"seq": 1, "output": {"valid": True}}, "answer") == []
    assert validate({"seq": 1, "output": {}, "skip": "x"}, "answer") != []
    assert validate({"protocol": 1, "ready": True, "operations": []}, "started") != []
    assert validate({"tags": "manylinux_2_17_x86_64"}, "output.installer.tags") != []
    assert validate({"tags": ["manylinux_2_17_x86_64"]}, "output.installer.tags") == []


def test_every_run_message_the_harness_sends_matches_the_published_schema():
    for case in load_cases():
        message = {"cmd": "run", "seq": 1, "case": Request.from_case(case).to_json()}
        assert validate(message, "run") == [], case.id
