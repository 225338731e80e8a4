"""The ``smoke`` check: does a command speak protocol version 1 well enough to run the suite?

It starts the command, checks the ``start`` reply, sends one ``run`` per operation the
command declares (a small real case of that operation from the suite), checks each reply
and its output against the schema, sends ``stop`` and expects exit status 0, all before any
full run and under the same time limits as a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance.adapters.base import AdapterError, Request
from conformance.cases import load_cases
from conformance.protocol import JsonLinesAdapter, Limits, output_problems
from reference_impl.display import shown


@dataclass
class SmokeReport:
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def check(self, passed: bool, text: str) -> None:
        self.lines.append(f"{'ok  ' if passed else 'FAIL'} {shown(text)}")
        self.ok = self.ok and passed


def smoke(command: Sequence[str], limits: Limits | None = None) -> SmokeReport:
    """Run the smoke exchange against ``command``."""
    report = SmokeReport()
    try:
        adapter = JsonLinesAdapter(command, limits)
    except AdapterError as error:
        report.check(False, f"start: {error}")
        return report
    report.check(
        bool(adapter.operations),
        f"start: {adapter.name} {adapter.version()}, {len(adapter.operations)} operations",
    )
    examples: dict[str, Request] = {}
    for case in load_cases():
        if case.operation in adapter.operations and case.operation not in examples:
            examples[case.operation] = Request.from_case(case)
    for operation in sorted(adapter.operations):
        request = examples.get(operation)
        if request is None:
            report.check(False, f"{operation}: the suite has no case of this operation")
            continue
        outcome = adapter.answer_safely(request)
        detail = outcome.kind
        if outcome.kind == "output":
            broken = output_problems(operation, outcome.value)
            detail = f"output breaks the schema: {broken[0]}" if broken else "output"
        elif outcome.kind == "error":
            detail = f"error: {outcome.value}"
        passed = detail in ("output", "skip")
        report.check(passed, f"run {operation} ({request.case_id}): {detail}")
    adapter.close()
    session = adapter.session
    shutdown = f"stop: {session.shutdown}"
    report.check(not session.problems, "; ".join([shutdown, *session.problems]))
    return report
