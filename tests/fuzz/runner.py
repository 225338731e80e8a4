"""Run ``perennial`` once in a forked child under limits, and measure it.

Forking a worker that already imported ``reference_impl`` costs a few milliseconds where a
fresh interpreter costs a fifth of a second, so ten thousand cases take minutes. The child
is the command line as a user runs it: ``reference_impl.cli.main`` with the arguments,
stdout and stderr as UTF-8 files (strict and backslashreplace, as Python sets them up for
a terminal), stdin empty. Limits: address space (``RLIMIT_AS``, the worker's size plus the
memory limit), CPU time (``RLIMIT_CPU``) and wall time (``alarm``); a run that reaches one
is stopped by the kernel. Memory is measured as the child's growth: its peak resident size
less the worker's size when it forked (the child starts as a copy of the worker).
"""

from __future__ import annotations

import io
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TRACEBACK_EXIT = 99
"""The child's exit code when an exception escaped ``main``."""
MEMORY_LIMIT = 300 << 20
KILL_AFTER_SECONDS = 20
"""Wall time after which a run is killed (it is reported as over the time limit)."""


@dataclass(frozen=True)
class Run:
    """What one child did."""

    exit_code: int | None
    """None when the child was killed by a signal."""
    signal: int | None
    stdout: bytes
    stderr: bytes
    cpu_seconds: float
    wall_seconds: float
    grown_bytes: int
    """Peak resident size beyond the worker's when the child was forked."""


Entry = Callable[[Sequence[str]], int]


def _perennial(argv: Sequence[str]) -> int:
    from reference_impl.cli import main

    return main(argv)


def run_isolated(argv: tuple[str, ...], folder: Path, entry: Entry = _perennial) -> Run:
    """Run ``perennial ARGV`` (or another ``entry``) in a forked child; its output goes
    through files in ``folder``."""
    out_path, err_path = folder / ".stdout", folder / ".stderr"
    sys.stdout.flush()
    sys.stderr.flush()
    before = _status("VmRSS")
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        _child(entry, argv, out_path, err_path)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - started
    return Run(
        exit_code=os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
        signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        stdout=out_path.read_bytes(),
        stderr=err_path.read_bytes(),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        wall_seconds=wall,
        grown_bytes=max(0, usage.ru_maxrss * 1024 - before),
    )


def _child(entry: Entry, argv: tuple[str, ...], out_path: Path, err_path: Path) -> None:
    code = TRACEBACK_EXIT
    try:
        _isolate(out_path, err_path)
        code = entry(list(argv))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _isolate(out_path: Path, err_path: Path) -> None:
    """Limits, then stdin empty and stdout/stderr as a terminal would have them."""
    limit = _status("VmSize") + MEMORY_LIMIT
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (KILL_AFTER_SECONDS, KILL_AFTER_SECONDS + 1))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(KILL_AFTER_SECONDS)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, out_path), (2, err_path)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), "utf-8", "strict")
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), "utf-8", "backslashreplace", line_buffering=True
    )


def _status(field: str) -> int:
    """A size in bytes from this process's ``/proc/self/status`` (``VmSize``, ``VmRSS``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise OSError(f"no {field} in /proc/self/status")
