"""The ``smoke`` check: does a command speak protocol version 1 well enough to run the suite?

It starts the command, checks the ``start`` reply, sends one ``run`` per operation the
command declares (a small real case of that operation from the suite), checks each reply
against the schema, sends ``stop`` and expects exit status 0, all before any full run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance.adapters.base import AdapterError, Request
from conformance.cases import load_cases


@dataclass
class SmokeReport:
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def check(self, passed: bool, text: str) -> None:
        self.lines.append(f"{'ok  ' if passed else 'FAIL'} {text}")
        self.ok = self.ok and passed


def smoke(command: Sequence[str]) -> SmokeReport:
    """Run the smoke exchange against ``command``."""
    from conformance.protocol import JsonLinesAdapter

    report = SmokeReport()
    try:
        adapter = JsonLinesAdapter(command)
    except AdapterError as error:
        report.check(False, f"start: {error}")
        return report
    report.check(
        True, f"start: {adapter.name} {adapter.version()}, {len(adapter.operations)} operations"
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
        passed = outcome.kind in ("output", "skip")
        report.check(passed, f"run {operation} ({request.case_id}): {outcome.kind}")
    adapter.close()
    report.check(
        not adapter.problems,
        "stop: clean exit" if not adapter.problems else "; ".join(adapter.problems),
    )
    return report
