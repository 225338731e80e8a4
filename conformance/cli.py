"""``perennial conformance``: list, run and explain the suite; smoke-test a protocol server.

Plugged into the ``perennial`` command through the ``perennial.commands`` entry point, so
``reference_impl`` never imports the suite. Exit codes follow docs/contributing.md: 0 when
every case agreed or failed only as its divergence file says, 1 for an unexpected failure or
a stale divergence, 2 for a wrong command line, 3 for unreadable cases or results.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from conformance.adapters import ADAPTERS
from conformance.adapters.base import AdapterError
from conformance.cases import AUDIENCES, Case, CaseError, load_cases
from conformance.clauses import ClauseError
from conformance.divergences import DivergenceError
from conformance.results import RESULTS_DIR, ResultsError, load_results
from conformance.systems import ProfileError
from reference_impl.cli import add_command
from reference_impl.errors import ExitCode, PerennialError


class SuiteError(PerennialError):
    """The suite's own data (cases, divergences, results, profiles) cannot be used."""


def register(subparsers: Any) -> None:
    """Add ``perennial conformance`` and its subcommands."""
    parser = add_command(
        subparsers,
        "conformance",
        "run the conformance suite against implementations",
        "List, run and explain the conformance cases; run any tool through the protocol.",
    )
    commands = parser.add_subparsers(
        dest="conformance_command", metavar="SUBCOMMAND", required=True
    )

    listing = add_command(commands, "list", "list the cases")
    listing.add_argument("--audience", choices=AUDIENCES)
    listing.add_argument("--json", action="store_true", help="print the cases as JSON")
    listing.set_defaults(func=_guarded(_list))

    run = add_command(
        commands,
        "run",
        "run implementations over the cases and write their results",
        "Run implementations over the cases, write conformance/results/<impl>.json and report "
        "failures that no divergence file explains and divergences that no longer hold.",
    )
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--impl",
        action="append",
        metavar="NAME",
        help=f"an adapter ({', '.join(ADAPTERS)}) or 'all'; may be repeated",
    )
    source.add_argument("--command", help="a one-shot protocol command (one message per run)")
    source.add_argument("--server", help="a long-lived JSON-lines protocol server command")
    run.add_argument("--out", type=Path, default=RESULTS_DIR, help="results directory")
    run.add_argument("--no-write", action="store_true", help="do not write results files")
    run.add_argument("--audience", choices=AUDIENCES)
    run.add_argument("--case", action="append", metavar="ID", help="run only these cases")
    run.set_defaults(func=_guarded(_run))

    explain = add_command(commands, "explain", "show a case and every implementation's answer")
    explain.add_argument("case", metavar="CASE")
    explain.add_argument("--results", type=Path, default=RESULTS_DIR, help="results directory")
    explain.set_defaults(func=_guarded(_explain))

    smoke = add_command(
        commands,
        "smoke",
        "check that a command speaks the JSON-lines protocol",
        "Start COMMAND, exchange start, one run per declared operation and stop, and check "
        "every message against schema/protocol-v1.json. Usage: smoke -- COMMAND [ARGS...]",
    )
    smoke.add_argument("command", nargs=argparse.REMAINDER)
    smoke.set_defaults(func=_guarded(_smoke))

    explore = add_command(
        commands,
        "explore",
        "search for inputs on which implementations disagree",
        "Generate tags, systems and overrides with hypothesis, run them through the reference "
        "and the installer peers (pip and uv in batches), and print the disagreements no "
        "divergence pattern explains.",
    )
    explore.add_argument("--impl", action="append", metavar="NAME", help="peer(s) to compare")
    explore.add_argument("--examples", type=int, default=300)
    explore.add_argument("--seed", type=int, default=0)
    explore.set_defaults(func=_guarded(_explore))


_SUITE_ERRORS = (CaseError, ClauseError, DivergenceError, ResultsError, ProfileError, AdapterError)


def _guarded(function: Any) -> Any:
    """Turn the suite's own data errors into the CLI's one-line errors."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            code: int = function(args)
            return code
        except _SUITE_ERRORS as error:
            raise SuiteError("conformance", str(error)) from None

    return wrapper


def _select(args: argparse.Namespace) -> tuple[list[Case], set[str]]:
    cases = load_cases()
    all_ids = {case.id for case in cases}
    if getattr(args, "audience", None):
        cases = [case for case in cases if case.audience == args.audience]
    wanted = getattr(args, "case", None)
    if wanted:
        unknown = sorted(set(wanted) - all_ids)
        if unknown:
            raise SuiteError("conformance", f"no case named {unknown[0]}")
        cases = [case for case in cases if case.id in wanted]
    return cases, all_ids


def _list(args: argparse.Namespace) -> int:
    cases, _ = _select(args)
    if args.json:
        print(json.dumps([case.as_dict() for case in cases], indent=1))
        return int(ExitCode.OK)
    for case in cases:
        clauses = ", ".join(case.clauses)
        print(f"{case.id:<60} {case.operation:<22} {case.strength:<6} {case.level:<11} {clauses}")
    counts = {a: sum(c.audience == a for c in cases) for a in AUDIENCES}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
    print(f"{len(cases)} cases ({summary})", file=sys.stderr)
    return int(ExitCode.OK)


def _run(args: argparse.Namespace) -> int:
    from conformance.protocol import JsonLinesAdapter, OneShotAdapter
    from conformance.runner import run_adapter, run_named, write_runs

    cases, all_ids = _select(args)
    filtered = bool(args.audience or args.case)
    out = None if args.no_write or filtered else args.out
    if args.impl:
        names = list(ADAPTERS) if "all" in args.impl else args.impl
        unknown = [name for name in names if name not in ADAPTERS]
        if unknown:
            raise SuiteError(unknown[0], f"no such implementation (known: {', '.join(ADAPTERS)})")
        timed = run_named(names, cases, all_ids, out)
    else:
        factory: Any = (
            (lambda: OneShotAdapter(args.command))
            if args.command
            else (lambda: JsonLinesAdapter(args.server))
        )
        timed = [run_adapter(factory, cases, all_ids, args.command or args.server)]
        if out is not None:
            write_runs(timed, out)
    ok = True
    for item in timed:
        if item.run is None:
            print(f"{item.name}: could not run: {item.failure}", file=sys.stderr)
            ok = False
            continue
        counts = item.run.results.counts()
        listed = sum(r.divergence is not None for r in item.run.results.results.values())
        print(
            f"{item.name} {item.run.results.version}: {counts['pass']} pass, {counts['fail']} "
            f"fail ({listed} listed divergences), {counts['skip']} skip, {counts['error']} "
            f"error in {item.seconds:.1f} s"
        )
        for case_id, why in sorted(item.run.unexpected.items()):
            print(f"  unexpected: {case_id}: {why}")
        for case_id, why in sorted(item.run.stale.items()):
            print(f"  stale divergence: {case_id}: {why}")
        ok = ok and item.run.ok
    if out is not None:
        print(f"results written to {out}", file=sys.stderr)
    return int(ExitCode.OK if ok else ExitCode.NO)


def _explain(args: argparse.Namespace) -> int:
    from conformance.adapters.base import Request

    cases = {case.id: case for case in load_cases()}
    case = cases.get(args.case)
    if case is None:
        raise SuiteError(args.case, "no such case (see perennial conformance list)")
    print(f"{case.id}  [{case.audience}, {case.operation}, {case.strength}, {case.level}]")
    print(f"  clauses:  {', '.join(case.clauses)}")
    if case.note:
        print(f"  note:     {case.note}")
    print(f"  file:     {case.file}")
    request = Request.from_case(case)
    print(f"  input:    {json.dumps(dict(case.input), ensure_ascii=False)}")
    if request.system is not None:
        facts = request.system.confstr or request.system.libc
        print(f"  system:   {request.system.description} ({facts})")
    if not request.override.absent:
        print(f"  override: {request.override.description}")
    print(f"  expected: {json.dumps(dict(case.expected), ensure_ascii=False)}")
    for results in load_results(args.results):
        result = results.results.get(case.id)
        if result is None:
            print(f"  {results.name} {results.version}: not run")
            continue
        line = f"  {results.name} {results.version}: {result.status}"
        print(f"{line}  {json.dumps(result.actual, ensure_ascii=False)}")
        if result.divergence:
            print(f"      known divergence: {result.divergence} {result.link or ''}".rstrip())
    return int(ExitCode.OK)


def _smoke(args: argparse.Namespace) -> int:
    from conformance.smoke import smoke

    command = [part for part in args.command if part != "--"] if args.command else []
    if not command:
        raise SuiteError("smoke", "give the command after --: smoke -- python -m my_tool")
    started = time.perf_counter()
    report = smoke(command)
    for line in report.lines:
        print(line)
    verdict = "ok" if report.ok else "FAILED"
    print(f"smoke {verdict} in {time.perf_counter() - started:.1f} s")
    return int(ExitCode.OK if report.ok else ExitCode.NO)


def _explore(args: argparse.Namespace) -> int:
    from conformance.explore import PEERS, explore

    peers = args.impl or list(PEERS)
    findings = explore(peers, examples=args.examples, seed=args.seed)
    for finding in findings:
        print(finding)
    print(
        f"{len(findings)} unexplained disagreement(s) between the reference and {', '.join(peers)}"
    )
    return int(ExitCode.OK if not findings else ExitCode.NO)
