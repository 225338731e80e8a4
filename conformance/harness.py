"""Run one implementation over the cases and judge its answers against the expectations.

The verdicts: ``pass`` (the output meets every expected field), ``fail`` (it does not),
``skip`` (the tool has no such operation, or no answer for the fields the case names) and
``error`` (the adapter got no answer, or an answer that breaks the protocol schema). A fail
or error listed in the implementation's divergence file is expected; anything else that is
not a pass is *unexpected*, and a listed divergence that now passes, is skipped, or names no
case is *stale*.

Each conformance level is summarised apart (:class:`conformance.results.LevelSummary`). The
run passes at the levels it is judged on when none of them fails (a level with no case of
the tool's operations judges nothing), the tool answered some case, no divergence is stale
and the protocol session (for external tools) had no problem: :meth:`Run.failures`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from conformance import SUITE_VERSION
from conformance.adapters.base import Adapter, AdapterError, Outcome, Request
from conformance.cases import Case
from conformance.divergences import DivergenceFile, load_divergences
from conformance.operations import mismatches
from conformance.protocol import output_problems
from conformance.results import (
    LEVELS,
    STATUSES,
    CaseResult,
    ImplementationResults,
    LevelSummary,
    Session,
)
from conformance.systems import ProfileError


@dataclass(frozen=True)
class Run:
    """One implementation's results plus what the divergence file makes of them."""

    results: ImplementationResults
    unexpected: dict[str, str] = field(default_factory=dict)
    """Case ID -> why it failed, for failures no divergence entry explains (every level)."""
    stale: dict[str, str] = field(default_factory=dict)
    """Divergence entry -> why it is stale."""

    def failures(self, levels: Collection[str] = ("pep600",)) -> list[str]:
        """Why the run fails when judged on ``levels``; empty when it conforms there."""
        found = []
        for level in levels:
            summary = self.results.levels[level]
            if summary.verdict not in ("conforms", "no cases"):
                found.append(f"{level} level: {summary.verdict}")
        if not any(summary.answered for summary in self.results.levels.values()):
            found.append("no case of the declared operations answered")
        if self.stale:
            found.append(f"{len(self.stale)} stale divergence entries")
        session = self.results.session
        if session is not None and session.problems:
            found.append(f"{len(session.problems)} protocol problems")
        return found

    @property
    def ok(self) -> bool:
        """Every disagreement is declared, at every level, and nothing is stale or broken
        (what a built-in adapter's CI run asserts; how much was answered is not judged)."""
        session = self.results.session
        problems = session is not None and bool(session.problems)
        return not self.unexpected and not self.stale and not problems

    def with_session(self, session: Session | None) -> Run:
        """The same run with how the program's session ended (known only after ``close``)."""
        return replace(self, results=replace(self.results, session=session))


def judge(case: Case, outcome: Outcome) -> tuple[str, object, list[str]]:
    """Status, recorded actual output and the problems found, for one case."""
    if outcome.kind == "skip":
        return "skip", {"skipped": outcome.value}, []
    if outcome.kind == "error":
        return "error", {"adapter_error": outcome.value}, [str(outcome.value)]
    broken = output_problems(case.operation, outcome.value)
    if broken:
        why = f"the output breaks the protocol schema: {broken[0]}"
        return "error", {"adapter_error": why, "output": outcome.value}, [why]
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
    """Ask ``adapter`` every case and record the verdicts.

    A case the adapter never got to (its run ended early: see ``Session.ended``) is left out
    of the results and counted as not asked.
    """
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
    session: Session | None = getattr(adapter, "session", None)  # protocol adapters only
    results: dict[str, CaseResult] = {}
    unexpected: dict[str, str] = {}
    stale: dict[str, str] = {}
    for case in cases:
        outcome = outcomes.get(case.id)
        if outcome is None:
            if session is not None and session.ended is not None:
                continue
            outcome = Outcome.error("the adapter gave no answer")
        status, actual, problems = judge(case, outcome)
        known = divergences.entries.get(case.id)
        if known is None:
            if status in ("fail", "error"):
                unexpected[case.id] = "; ".join(problems)
            results[case.id] = CaseResult(status, actual, level=case.level)
            continue
        if status in ("pass", "skip"):
            stale[case.id] = f"listed as a divergence but the case now ends in {status}"
        results[case.id] = CaseResult(status, actual, known.reason, known.link, case.level)
    ids = all_case_ids if all_case_ids is not None else {case.id for case in cases}
    for case_id in divergences.entries:
        if case_id not in ids:
            stale[case_id] = "the divergence file names a case that does not exist"
    summaries = {
        level: summarise([c for c in cases if c.level == level], adapter.operations, results)
        for level in LEVELS
    }
    implementation = ImplementationResults(
        name,
        version,
        SUITE_VERSION,
        results,
        tuple(sorted(adapter.operations)),
        summaries,
        session,
    )
    return Run(implementation, unexpected, stale)


def summarise(
    cases: Sequence[Case], operations: Collection[str], results: dict[str, CaseResult]
) -> LevelSummary:
    """How the cases of one level ended, counting only those of the declared operations."""
    claimed = [case for case in cases if case.operation in operations]
    counts = dict.fromkeys(STATUSES, 0)
    divergences = unexpected = not_asked = 0
    for case in claimed:
        result = results.get(case.id)
        if result is None:
            not_asked += 1
            continue
        counts[result.status] += 1
        if result.status in ("fail", "error"):
            if result.divergence is None:
                unexpected += 1
            else:
                divergences += 1
    return LevelSummary(len(cases), len(claimed), counts, not_asked, divergences, unexpected)
