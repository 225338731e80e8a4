"""``perennial conformance``: list, run and explain the suite; smoke-test a protocol server.

Plugged into the ``perennial`` command through the ``perennial.commands`` entry point, so
``reference_impl`` never imports the suite. ``run`` exits 0 only when, at every judged level
(``pep600`` unless ``--level recommended``), each case of a tool's declared operations passes
or is a declared divergence and the tool answered enough, no divergence entry is stale and an
external tool's protocol session had no problem; 1 otherwise (or when a tool cannot start).
2 is a wrong command line, 3 unreadable cases, results or divergence files
(``conformance/PROTOCOL.md`` lists them for tool authors).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.adapters import ADAPTERS
from conformance.adapters.base import AdapterError
from conformance.cases import AUDIENCES, Case, CaseError, load_cases, load_retired_cases
from conformance.clauses import ClauseError
from conformance.divergences import DivergenceError, DivergenceFile, read_divergence_file
from conformance.protocol import Limits
from conformance.results import LEVELS, RESULTS_DIR, STATUSES, ResultsError, load_results
from conformance.systems import ProfileError
from reference_impl.cli import add_command
from reference_impl.display import shown
from reference_impl.errors import ExitCode, PerennialError


class SuiteError(PerennialError):
    """The suite's own data (cases, divergences, results, profiles) cannot be used."""


class UsageError(PerennialError):
    """Options that do not go together."""

    exit_code = ExitCode.USAGE


def _add_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=Limits.reply,
        metavar="SECONDS",
        help=f"external tools: wait this long for each reply (default {Limits.reply:g})",
    )


def _seconds(text: str) -> float:
    """A positive number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


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
        "Run implementations over the cases, report both conformance levels per tool, and "
        "write <impl>.json (and <impl>.xml, JUnit) to the results directory. Exit status 0 "
        "only when, at every judged level, each case of the tool's declared operations passes "
        "or is a declared divergence and the tool answered enough; no divergence entry is "
        "stale; and an external tool's protocol session had no problem. 1 otherwise.",
    )
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--impl",
        action="append",
        metavar="NAME",
        help=f"a built-in adapter ({', '.join(ADAPTERS)}) or 'all'; may be repeated",
    )
    source.add_argument(
        "--server", metavar="COMMAND", help="an external tool: a long-lived protocol server"
    )
    source.add_argument(
        "--command", metavar="COMMAND", help="an external tool: a one-shot protocol command"
    )
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write results here (built-in adapters: conformance/results by default; "
        "an external tool's results are written only where this says)",
    )
    run.add_argument("--no-write", action="store_true", help="write no results files")
    run.add_argument(
        "--junit", action="store_true", help="also write <impl>.xml (JUnit) beside <impl>.json"
    )
    run.add_argument(
        "--divergences",
        type=Path,
        metavar="FILE",
        help="an external tool's divergence file (it never inherits a built-in one)",
    )
    run.add_argument(
        "--level",
        choices=LEVELS,
        default="pep600",
        help="the level the exit status judges: pep600 (PEP 600's text, the default) or "
        "recommended (PEP 600 and every recommendation of this spec beyond it)",
    )
    _add_timeout(run)
    run.add_argument(
        "--run-timeout",
        type=_seconds,
        default=Limits.run,
        metavar="SECONDS",
        help=f"external tools: the whole run's limit (default {Limits.run:g})",
    )
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
    _add_timeout(smoke)
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
    from conformance.runner import run_adapter, run_named, write_runs

    external = args.server or args.command
    if args.divergences and not external:
        raise UsageError("--divergences", "only for --server or --command: built-in adapters "
                         "read conformance/divergences/<name>.toml")  # fmt: skip
    cases, all_ids = _select(args)
    out = _results_dir(args, external)
    if args.junit and out is None:
        raise UsageError("--junit", "JUnit XML is written beside the results: give --out DIR")
    levels = LEVELS if args.level == "recommended" else ("pep600",)
    if external:
        divergences = read_divergence_file(args.divergences, args.divergences.stem) if (
            args.divergences) else DivergenceFile(external)  # fmt: skip
        timed = [run_adapter(_external(args), cases, all_ids, external, divergences)]
    else:
        names = list(ADAPTERS) if "all" in args.impl else args.impl
        unknown = [name for name in names if name not in ADAPTERS]
        if unknown:
            raise SuiteError(unknown[0], f"no such implementation (known: {', '.join(ADAPTERS)})")
        timed = run_named(names, cases, all_ids)
    failed = False
    for item in timed:
        failed |= not _report(item, levels)
    written = write_runs(timed, out, args.junit, levels) if out is not None else []
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    if external and out is None and not args.no_write:
        print("results not written: give --out DIR to keep them", file=sys.stderr)
    return int(ExitCode.NO if failed else ExitCode.OK)


def _results_dir(args: argparse.Namespace, external: str | None) -> Path | None:
    """Where results go: where the user says; for a full run of built-in adapters,
    conformance/results by default (a filtered run would overwrite them with a part)."""
    if args.no_write:
        return None
    if args.out is not None:
        return Path(args.out)
    if external or args.audience or args.case:
        return None
    return RESULTS_DIR


def _external(args: argparse.Namespace) -> Any:
    """A factory for the external tool's adapter, with the limits the options set."""
    from conformance.protocol import JsonLinesAdapter, Limits, OneShotAdapter

    limits = Limits(reply=args.timeout, run=args.run_timeout)
    if args.server:
        return lambda: JsonLinesAdapter(args.server, limits)
    return lambda: OneShotAdapter(args.command, limits)


def _report(item: Any, levels: Sequence[str]) -> bool:
    """Print one tool's run; True when it passes the levels judged."""
    if item.run is None:
        print(f"{shown(item.name)}: could not run: {shown(item.failure or '')}")
        return False
    run, results = item.run, item.run.results
    print(f"{results.name} {shown(results.version)} in {item.seconds:.1f} s")
    for level in LEVELS:
        summary = results.levels[level]
        judged = "" if level in levels else " (not judged)"
        if summary.claimed == 0:
            print(f"  {level:<12} no cases of the declared operations{judged}")
            continue
        counts = ", ".join(f"{summary.counts[s]} {s}" for s in STATUSES)
        asked = f", {summary.not_asked} not asked" if summary.not_asked else ""
        print(
            f"  {level:<12} {summary.claimed} of {summary.cases} cases claimed: {counts}{asked}, "
            f"{summary.divergences} declared divergences: {summary.verdict}{judged}"
        )
    for case_id, why in sorted(run.unexpected.items()):
        print(f"  unexpected [{results.results[case_id].level}] {case_id}: {shown(why)}")
    for case_id, why in sorted(run.stale.items()):
        print(f"  stale divergence: {case_id}: {why}")
    session = results.session
    if session is not None:
        if session.shutdown is not None:
            print(f"  shutdown: {shown(session.shutdown)}")
        for problem in session.problems:
            print(f"  protocol problem: {shown(problem)}")
    failures = run.failures(levels)
    print(_pep600_sentence(results, failures))
    return not failures


def _pep600_sentence(results: Any, failures: Sequence[str]) -> str:
    """What the run says about PEP 600, said of the pep600 level alone."""
    pep600 = results.levels["pep600"]
    on = ", ".join(results.operations) or "no operation"
    if pep600.verdict == "conforms":
        said = (
            f"Departs from PEP 600 on {on} only in its {pep600.divergences} declared "
            "divergences (each a known violation of PEP 600's text); every other answered case "
            "passes"
            if pep600.divergences
            else f"Conforms to PEP 600 on {on}"
        )
        return f"{said}, but the run fails: {'; '.join(failures)}." if failures else f"{said}."
    if pep600.verdict == "no cases":
        return f"No PEP 600 case of {on} was run."
    if pep600.verdict == "not enough answered":
        return (
            f"Not enough answered to judge PEP 600 conformance: {pep600.answered} of "
            f"{pep600.claimed} claimed cases answered, {pep600.counts['skip']} skipped, "
            f"{pep600.not_asked} not asked."
        )
    return f"Does not conform to PEP 600: {pep600.unexpected} unexpected failures or errors."


def _explain(args: argparse.Namespace) -> int:
    from conformance.adapters.base import Request

    cases = {case.id: case for case in load_cases()}
    case = cases.get(args.case)
    if case is None:
        gone = load_retired_cases().get(args.case)
        if gone is None:
            raise SuiteError(args.case, "no such case (see perennial conformance list)")
        print(f"{gone.id}  [retired on {gone.date}]")
        print(f"  reason:      {gone.reason}")
        if gone.replaced_by:
            print(f"  replaced by: {', '.join(gone.replaced_by)}")
        return int(ExitCode.OK)
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
    report = smoke(command, Limits(reply=args.timeout))
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
