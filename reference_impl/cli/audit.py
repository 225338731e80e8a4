"""``perennial audit WHEEL|DIR...``: which manylinux tags each wheel earns, and why.

Exit 0 when every wheel earns every tag it claims, 1 when some wheel does not or claims no
manylinux tag (not judged), 3 when some input could not be read (the other wheels are still
audited), 2 for a wrong command line. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from reference_impl.cli import add_command, positive_count, say
from reference_impl.errors import ExitCode, PerennialError, os_cause
from reference_impl.record import record

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any

_VERDICTS_HELP = """\
verdicts (one per wheel; the command exits with the highest code of its wheels):
  OK          earns every manylinux tag it claims (exit 0)
  FAIL        does not earn a tag it claims, or WHEEL disagrees with the filename (exit 1)
  NOT JUDGED  claims no manylinux tag (musllinux_*, linux_*, or a pure wheel tagged any):
              nothing to earn, so never a pass (exit 1; JSON verdict "not-judged",
              clause audit.not-judged)
  an input that cannot be read is one error line (exit 3); the others are still audited"""

MAX_JOBS = 1024
"""More worker processes than this is a typo, not a machine."""


def register(subparsers: Any) -> None:
    """Add ``audit``."""
    parser = add_command(
        subparsers,
        "audit",
        "which manylinux tags wheels earn, and what blocks the others",
        "Audit wheels without extracting them: read each ELF member, resolve its libraries "
        "inside the wheel and judge it against every baseline (spec/auditing.md).",
    )
    parser.epilog = f"{_VERDICTS_HELP}\n\n{parser.epilog}"
    parser.add_argument("inputs", nargs="+", metavar="WHEEL|DIR", help="wheels, or folders of them")
    parser.add_argument("--json", action="store_true", help="JSON per schema audit-v2")
    parser.add_argument(
        "--jobs",
        type=positive_count(MAX_JOBS),
        default=1,
        metavar="N",
        help=f"audit N wheels at once (processes, 1 to {MAX_JOBS})",
    )
    parser.set_defaults(func=_run)


@record
class _Outcome:
    """What auditing one input gave: text lines and JSON, or an error line and its code."""

    input: str
    code: int
    lines: tuple[str, ...]
    data: dict[str, Any] | None
    error: dict[str, Any] | None


def _expand(inputs: list[str]) -> list[str]:
    """Each input, a folder replaced by the ``*.whl`` inside it. Whatever is not a folder
    stays, regular file or not, so a FIFO or a dangling link is refused in its own line."""
    found: list[str] = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.rglob("*.whl")) if not p.is_dir())
        else:
            found.append(text)
    return found


def audit_one(path: str) -> _Outcome:
    """Audit one wheel; every failure becomes an outcome, never an exception (runs in workers)."""
    from reference_impl.audit import audit_wheel  # imported on use: other commands skip it
    from reference_impl.audit_report import explain, wheel_json

    try:
        result = audit_wheel(path)
    except PerennialError as error:
        return _failure(path, str(error), error.exit_code)
    except OSError as error:
        return _failure(path, f"{path}: reading it failed: {os_cause(error)}", ExitCode.BAD_INPUT)
    except MemoryError:
        return _failure(path, f"{path}: too large to audit in memory", ExitCode.BAD_INPUT)
    except Exception as error:  # the edge: a bug becomes one line for this wheel only
        return _failure(
            path, f"{path}: internal error: {type(error).__name__}: {error}", ExitCode.INTERNAL
        )
    code = ExitCode.OK if result.passed else ExitCode.NO
    return _Outcome(path, int(code), tuple(explain(result)), wheel_json(result), None)


def _failure(path: str, message: str, exit_code: ExitCode) -> _Outcome:
    """The message as it is (JSON escapes it when written; text output through ``shown``)."""
    code = int(exit_code)
    return _Outcome(path, code, (), None, {"input": path, "problem": message, "exit_code": code})


def _outcomes(paths: list[str], jobs: int) -> Iterator[_Outcome]:
    if jobs <= 1 or len(paths) <= 1:
        yield from (audit_one(p) for p in paths)
        return
    from concurrent.futures import ProcessPoolExecutor  # 2 MB of imports: only for --jobs

    with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
        yield from pool.map(audit_one, paths)


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} wheels")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _run(args: argparse.Namespace) -> int:
    from reference_impl.audit_report import document

    paths = _expand(args.inputs)
    if not paths:
        say("perennial: no wheels found in " + ", ".join(args.inputs), stderr=True)
        return int(ExitCode.BAD_INPUT)
    show_progress = len(paths) > 1 and sys.stderr.isatty()
    errors: list[dict[str, Any]] = []
    worst = int(ExitCode.OK)
    first = True
    if args.json:  # streamed, one wheel at a time, so memory does not grow with the corpus
        head = json.dumps(document([], []), indent=2)
        sys.stdout.write(head[: head.index('"wheels": [') + len('"wheels": [')])
    for done, outcome in enumerate(_outcomes(paths, args.jobs), start=1):
        if outcome.error is not None:
            errors.append(outcome.error)
            if show_progress:
                sys.stderr.write("\n")
            say(f"perennial: {outcome.error['problem']}", stderr=True)
        elif outcome.data is not None:
            if args.json:
                text = json.dumps(outcome.data, indent=2).replace("\n", "\n    ")
                sys.stdout.write(("\n    " if first else ",\n    ") + text)
                first = False
            else:
                if show_progress:
                    sys.stderr.write("\r")
                print("\n".join(outcome.lines), flush=True)
        worst = max(worst, outcome.code)
        if show_progress:
            _progress(done, len(paths))
    if args.json:
        tail = json.dumps(errors, indent=2).replace("\n", "\n  ")
        sys.stdout.write(("\n  " if not first else "") + f'],\n  "errors": {tail}\n}}\n')
    return worst
