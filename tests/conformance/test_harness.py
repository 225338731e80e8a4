"""The harness's verdicts, the two levels, the results format and the strictness of
divergence files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import pytest

from conformance import schema_check
from conformance.adapters.base import Adapter, Request, Skip
from conformance.cases import Case
from conformance.divergences import Divergence, DivergenceFile
from conformance.harness import run_cases
from conformance.junit import write_junit
from conformance.operations import OPERATIONS, mismatches
from conformance.results import (
    LEVELS,
    MAX_SKIPPED_SHARE,
    ResultsError,
    Session,
    read_results,
    results_problems,
    write_results,
)


def _case(case_id: str, expected: Mapping[str, Any]) -> Case:
    return Case(case_id, "index", "index.check", ("index.reject.case",), {"tag": "x"}, expected)


class Fixed(Adapter):
    """Answers every request with the same output."""

    name = "fixed"
    operations = frozenset({"index.check"})

    def __init__(self, output: Mapping[str, Any]) -> None:
        self.output = output

    def version(self) -> str:
        return "1"

    def answer(self, request: Request) -> Mapping[str, Any]:
        return self.output


def test_matchers_compare_only_what_the_case_names():
    assert mismatches({"accepted": True}, {"accepted": True, "reasons": []}) == []
    assert mismatches({"tags": {"prefix": ["a"], "exclude": ["z"]}}, {"tags": ["a", "b"]}) == []
    assert mismatches({"tags": {"order": ["a", "c"]}}, {"tags": ["c", "b", "a"]}) != []
    assert mismatches({"selected": {"null": True}}, {"selected": "x.whl"}) != []
    assert mismatches({"selected": {"null": True}}, {"selected": None}) == []
    assert mismatches({"accepted": True}, {}) == ["accepted: missing from the output"]


def test_an_unlisted_failure_is_unexpected():
    run = run_cases(Fixed({"accepted": False}), [_case("index.t.one", {"accepted": True})],
                    DivergenceFile("fixed"))  # fmt: skip
    assert run.results.results["index.t.one"].status == "fail"
    assert "index.t.one" in run.unexpected and not run.ok


def test_a_listed_failure_is_expected_and_carries_its_reason():
    listed = DivergenceFile("fixed", {"index.t.one": Divergence("index.t.one", "why", "https://x")})
    run = run_cases(Fixed({"accepted": False}), [_case("index.t.one", {"accepted": True})], listed)
    result = run.results.results["index.t.one"]
    assert run.ok and result.status == "fail"
    assert (result.divergence, result.link) == ("why", "https://x")


def test_a_listed_divergence_that_now_agrees_is_stale():
    listed = DivergenceFile("fixed", {"index.t.one": Divergence("index.t.one", "why", None)})
    run = run_cases(Fixed({"accepted": True}), [_case("index.t.one", {"accepted": True})], listed)
    assert "index.t.one" in run.stale and not run.ok


def test_a_divergence_naming_no_case_is_stale():
    listed = DivergenceFile("fixed", {"index.t.gone": Divergence("index.t.gone", "why", None)})
    run = run_cases(Fixed({"accepted": True}), [_case("index.t.one", {"accepted": True})], listed)
    assert "index.t.gone" in run.stale and not run.ok


def test_an_unsupported_operation_is_skipped_not_invented():
    case = Case("installer.t.one", "installer", "installer.tags", ("tag.case",),
                {"profile": "x86_64-glibc-2.36"}, {"tags": []})  # fmt: skip
    run = run_cases(Fixed({"accepted": True}), [case], DivergenceFile("fixed"))
    assert run.results.results["installer.t.one"].status == "skip" and run.ok


class Crashing(Fixed):
    """A tool that raises on one request and answers the others."""

    def answer(self, request: Request) -> Mapping[str, Any]:
        if request.case_id == "index.t.crash":
            raise KeyError("legv8")
        return self.output


def test_a_tool_that_crashes_on_one_case_is_an_error_there_and_the_run_goes_on():
    cases = [_case("index.t.crash", {"accepted": True}), _case("index.t.fine", {"accepted": True})]
    run = run_cases(Crashing({"accepted": True}), cases, DivergenceFile("fixed"))
    crashed = run.results.results["index.t.crash"]
    assert crashed.status == "error" and "KeyError" in str(crashed.actual)
    assert run.results.results["index.t.fine"].status == "pass"
    assert "index.t.crash" in run.unexpected


def _leveled(case_id: str, level: str) -> Case:
    return Case(case_id, "index", "index.check", ("index.reject.case",), {"tag": "x"},
                {"accepted": True}, level=level)  # fmt: skip


def test_each_level_is_summarised_apart_and_only_judged_levels_fail_the_run():
    cases = [_leveled("index.t.pep", "pep600"), _leveled("index.t.rec", "recommended")]

    class Picky(Fixed):
        def answer(self, request: Request) -> Mapping[str, Any]:
            return {"accepted": request.case_id == "index.t.pep"}

    run = run_cases(Picky({}), cases, DivergenceFile("fixed"))
    levels = run.results.levels
    assert levels["pep600"].verdict == "conforms"
    assert levels["recommended"].verdict == "does not conform"
    assert run.failures(("pep600",)) == []
    assert run.failures(("pep600", "recommended")) == ["recommended level: does not conform"]
    assert run.results.results["index.t.rec"].level == "recommended"


def test_a_declared_divergence_at_the_pep600_level_still_conforms():
    listed = DivergenceFile("fixed", {"index.t.pep": Divergence("index.t.pep", "why", None)})
    run = run_cases(Fixed({"accepted": False}), [_leveled("index.t.pep", "pep600")], listed)
    summary = run.results.levels["pep600"]
    assert (summary.divergences, summary.unexpected, summary.verdict) == (1, 0, "conforms")


def test_skipping_more_than_the_stated_share_is_not_enough_answered():
    cases = [_leveled(f"index.t.c{n}", "pep600") for n in range(8)]

    class Shy(Fixed):
        def __init__(self, skipped: int) -> None:
            super().__init__({"accepted": True})
            self.skipped = {case.id for case in cases[:skipped]}

        def answer(self, request: Request) -> Mapping[str, Any]:
            if request.case_id in self.skipped:
                raise Skip("not this one")
            return self.output

    assert MAX_SKIPPED_SHARE == 0.5
    enough = run_cases(Shy(4), cases, DivergenceFile("fixed")).results.levels["pep600"]
    assert enough.verdict == "conforms"
    too_few = run_cases(Shy(5), cases, DivergenceFile("fixed")).results.levels["pep600"]
    assert too_few.verdict == "not enough answered"


def test_an_output_that_breaks_the_schema_is_an_error_even_in_process():
    expected = {"tags": {"exclude": ["linux_i686"]}}
    case = Case("installer.t.tags", "installer", "installer.tags", ("tag.case",),
                {"profile": "x86_64-glibc-2.36"}, expected)  # fmt: skip

    class Stringly(Fixed):
        operations = frozenset({"installer.tags"})

    run = run_cases(Stringly({"tags": "manylinux_2_17_x86_64"}), [case], DivergenceFile("fixed"))
    result = run.results.results["installer.t.tags"]
    assert result.status == "error"
    assert "$.tags: expected array, got str" in result.actual["adapter_error"]


def test_results_round_trip_through_the_published_schema(tmp_path):
    listed = DivergenceFile("fixed", {"index.t.pep": Divergence("index.t.pep", "why", "https://x")})
    run = run_cases(Fixed({"accepted": False}), [_leveled("index.t.pep", "pep600"),
                    _leveled("index.t.rec", "recommended")], listed)  # fmt: skip
    run = run.with_session(Session(None, "exit status 0 after stop", ()))
    path = write_results(run.results, tmp_path)
    assert results_problems(json.loads(path.read_text())) == []
    assert read_results(path) == run.results


def test_a_results_file_of_another_format_or_shape_is_refused_by_name(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": 1, "results": {}}))
    with pytest.raises(ResultsError, match=r"old\.json: format 1, .* regenerate it"):
        read_results(old)
    run = run_cases(Fixed({"accepted": True}), [_leveled("index.t.pep", "pep600")],
                    DivergenceFile("fixed"))  # fmt: skip
    data = run.results.as_dict()
    data["results"]["index.t.pep"]["status"] = "passed"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=r"bad\.json: .*'passed' is not one of"):
        read_results(bad)


def test_every_operation_output_in_the_schema_names_the_fields_of_operations_py():
    """``error`` (an installer's failure, such as ``override``) may come with any installer
    operation; every other field is the same in both places."""
    schema = schema_check.load_schema("protocol-v1.json")
    for name, operation in OPERATIONS.items():
        declared = set(schema["$defs"][f"output.{name}"]["properties"])
        assert declared - {"error"} == set(operation.outputs) - {"error"}, name


def test_junit_agrees_with_the_exit_status(tmp_path):
    cases = [_leveled("index.t.pep", "pep600"), _leveled("index.t.rec", "recommended"),
             _leveled("index.t.div", "pep600")]  # fmt: skip
    listed = DivergenceFile("fixed", {"index.t.div": Divergence("index.t.div", "why", None)})
    run = run_cases(Fixed({"accepted": False}), cases, listed)
    judged_pep600 = ET.parse(write_junit(run, tmp_path / "a.xml", ("pep600",))).getroot()
    assert judged_pep600.get("failures") == "1"  # index.t.pep; .rec not judged, .div declared
    assert judged_pep600.get("skipped") == "2"
    failed = judged_pep600.find(".//testcase[@name='index.t.pep']/failure")
    assert failed is not None and "accepted: expected True, got False" in failed.text
    both = ET.parse(write_junit(run, tmp_path / "b.xml", LEVELS)).getroot()
    assert both.get("failures") == "2"
