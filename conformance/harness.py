"""Run one implementation over the cases and judge its answers against the expectations.

The verdicts: ``pass`` (the output meets every expected field), ``fail`` (it does not),
``skip`` (the tool has no such operation) and ``error`` (the adapter got no answer). A fail
or error listed in the implementation's divergence file is expected; anything else that is
not a pass is *unexpected*, and a listed divergence that now passes, is skipped, or names no
case is *stale*. Either makes the run fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance import SUITE_VERSION
from conformance.adapters.base import Adapter, AdapterError, Outcome, Request
from conformance.cases import Case
from conformance.divergences import DivergenceFile, load_divergences
from conformance.operations import mismatches
from conformance.results import CaseResult, ImplementationResults
from conformance.systems import ProfileError


@dataclass(frozen=True)
class Run:
    """One implementation's results plus what the divergence file makes of them."""

    results: ImplementationResults
    unexpected: dict[str, str] = field(default_factory=dict)
    """Case ID -> why it failed, for failures no divergence entry explains."""
    stale: dict[str, str] = field(default_factory=dict)
    """Divergence entry -> why it is stale."""

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.stale


def judge(case: Case, outcome: Outcome) -> tuple[str, object, list[str]]:
    """Status, recorded actual output and the problems found, for one case."""
    if outcome.kind == "skip":
        return "skip", {"skipped": outcome.value}, []
    if outcome.kind == "error":
        return "error", {"adapter_error": outcome.value}, [str(outcome.value)]
    expected = {k: v for k, v in case.expected.items() if k not in outcome.unsupported}
    if not expected:
        fields = ", ".join(sorted(case.expected))
        return "skip", {"skipped": f"the tool reports none of: {fields}"}, []
    problems = mismatches(expected, outcome.value)
    return ("fail" if problems else "pass"), outcome.value, problems


def run_cases(
    adapter: Adapter,
    cases: Sequence[Case],
    divergences: DivergenceFile | None = None,
    all_case_ids: set[str] | None = None,
) -> Run:
    """Ask ``adapter`` every case and record the verdicts."""
    name = adapter.name
    divergences = divergences if divergences is not None else load_divergences(name)
    version = adapter.version()
    requests: list[Request] = []
    outcomes: dict[str, Outcome] = {}
    for case in cases:
        try:
            requests.append(Request.from_case(case))
        except (ProfileError, AdapterError) as error:
            outcomes[case.id] = Outcome.error(str(error))
    outcomes.update(adapter.answer_all(requests))
    results: dict[str, CaseResult] = {}
    unexpected: dict[str, str] = {}
    stale: dict[str, str] = {}
    for case in cases:
        outcome = outcomes.get(case.id, Outcome.error("the adapter gave no answer"))
        status, actual, problems = judge(case, outcome)
        known = divergences.entries.get(case.id)
        if known is None:
            if status in ("fail", "error"):
                unexpected[case.id] = "; ".join(problems)
            results[case.id] = CaseResult(status, actual)
            continue
        if status in ("pass", "skip"):
            stale[case.id] = f"listed as a divergence but the case now ends in {status}"
        results[case.id] = CaseResult(status, actual, known.reason, known.link)
    ids = all_case_ids if all_case_ids is not None else {case.id for case in cases}
    for case_id in divergences.entries:
        if case_id not in ids:
            stale[case_id] = "the divergence file names a case that does not exist"
    return Run(ImplementationResults(name, version, SUITE_VERSION, results), unexpected, stale)
