"""Classify one run: what the project promises about every input, checked.

A run is exactly one of these classes, the first that applies:

- ``over-time``: over 2 s of CPU time, or killed at the wall-clock limit. CPU time, not
  wall time, because the machine is shared and a loaded one stretches wall time.
- ``over-memory``: over 300 MB of resident memory beyond what the worker held when it forked
  the run, or an allocation that the address-space limit refused (a ``MemoryError``
  surfacing in the output, however it is worded).
- ``traceback``: an exception escaped, the child died of a signal, or ``Traceback`` printed.
- ``internal``: exit 70, the documented code for a bug.
- ``messy``: output with a raw control, escape or bidi character; an error that is not one
  line starting with ``perennial``; a bad-input error that names no input; an exit code that
  is not documented.
- ``clean-error``: exit 2, 3, 4 or 5 with one honest line.
- ``verdict``: exit 0 or 1 with honest output.
"""

from __future__ import annotations

from reference_impl.display import shown

from .cases import Case
from .runner import MEMORY_LIMIT, TRACEBACK_EXIT, Run

TIME_LIMIT_SECONDS = 2.0
CLASSES = (
    "clean-error",
    "verdict",
    "traceback",
    "internal",
    "over-time",
    "over-memory",
    "messy",
)
FAILURES = frozenset(CLASSES) - {"clean-error", "verdict"}
_MEMORY_WORDS = ("MemoryError", "more memory", "too large to audit in memory")


def classify(case: Case, run: Run) -> tuple[str, str]:
    """The class of the run and, for a failure, why."""
    if run.cpu_seconds > TIME_LIMIT_SECONDS or run.signal in (14, 24):  # SIGALRM, SIGXCPU
        return "over-time", f"{run.cpu_seconds:.1f} s of CPU, {run.wall_seconds:.1f} s wall"
    stderr = run.stderr.decode("utf-8", "replace")
    if run.grown_bytes > MEMORY_LIMIT or any(w in stderr for w in _MEMORY_WORDS):
        return "over-memory", f"grew {run.grown_bytes >> 20} MB: {_first(stderr)}"
    if run.exit_code is None or run.exit_code == TRACEBACK_EXIT or "Traceback" in stderr:
        return "traceback", f"signal {run.signal}: {_last(stderr)}"
    if run.exit_code == 70:
        return "internal", _first(stderr)
    problem = _dishonest(run)
    if problem is None and run.exit_code in (2, 3, 4, 5):
        problem = _bad_error_line(case, run.exit_code, stderr)
    elif problem is None and run.exit_code not in (0, 1):
        problem = f"undocumented exit code {run.exit_code}"
    if problem is not None:
        return "messy", problem
    return ("verdict" if run.exit_code in (0, 1) else "clean-error"), ""


def _dishonest(run: Run) -> str | None:
    """Why the output is not honest text (not UTF-8, or a raw unprintable character)."""
    for stream, data in (("stdout", run.stdout), ("stderr", run.stderr)):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return f"{stream} is not UTF-8 ({error.reason})"
        if not text.replace("\n", "").isprintable():  # one pass, no list of lines
            bad = next(line for line in text.split("\n") if not line.isprintable())
            return f"{stream} prints a raw unprintable character: {shown(bad)[:200]}"
    return None


def _bad_error_line(case: Case, code: int, stderr: str) -> str | None:
    """Why the error lines break the promise: one line per bad input (a command with several
    inputs reports each), each starting with ``perennial`` and naming its input."""
    lines = stderr.splitlines()
    if not 1 <= len(lines) <= len(case.names) or not all(
        line.startswith("perennial") for line in lines
    ):
        return f"exit {code} with {len(lines)} error lines: {shown(stderr)[:200]}"
    for line in lines:
        if code != 2 and not any(_mentions(line, name) for name in case.names):
            return f"exit {code}, but the error names no input: {line[:200]}"
    return None


def _mentions(line: str, name: str) -> bool:
    """Whether ``line`` names ``name``: its start, escaped once or twice or quoted, in any
    case (a tag is named in its canonical, lowercase spelling)."""
    start = name[:12]
    if not start:
        return "''" in line
    quoted = repr(start)[1:-1]
    forms = (start, shown(start), shown(shown(start)), quoted, shown(quoted))
    return any(form.lower() in line.lower() for form in forms)


def _first(text: str) -> str:
    return shown(text.splitlines()[0])[:200] if text.strip() else "(no output)"


def _last(text: str) -> str:
    return shown(text.strip().splitlines()[-1])[:200] if text.strip() else "(no output)"
