"""The harness's verdicts and the strictness of divergence files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.adapters.base import Adapter, Request
from conformance.cases import Case
from conformance.divergences import Divergence, DivergenceFile
from conformance.harness import run_cases
from conformance.operations import mismatches


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
