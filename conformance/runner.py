"""Run several implementations over the suite and write their results files.

In-process adapters run one after another in the calling thread (packaging's emulation
patches process-wide state); adapters that drive subprocesses (pip, uv, auditwheel) run in
worker threads meanwhile, so a full run costs about as long as its slowest tool.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance.adapters import IN_PROCESS, create
from conformance.adapters.base import Adapter, AdapterError
from conformance.cases import Case
from conformance.divergences import DivergenceFile
from conformance.harness import Run, run_cases
from conformance.junit import write_junit
from conformance.results import write_results


@dataclass(frozen=True)
class Timed:
    """One implementation's run (or why it could not run) and how long it took."""

    name: str
    run: Run | None
    seconds: float
    failure: str | None = None


def run_adapter(
    factory: Callable[[], Adapter],
    cases: Sequence[Case],
    all_ids: set[str],
    label: str,
    divergences: DivergenceFile | None = None,
) -> Timed:
    """Create an adapter, run the cases through it, close it; never raises for tool trouble.

    ``divergences`` defaults to the adapter's own file in ``conformance/divergences``.
    """
    start = time.perf_counter()
    try:
        adapter = factory()
        try:
            run = run_cases(adapter, cases, divergences, all_ids)
        finally:
            adapter.close()
    except AdapterError as error:
        return Timed(label, None, time.perf_counter() - start, str(error))
    run = run.with_session(getattr(adapter, "session", None))  # shutdown is known only now
    return Timed(run.results.name, run, time.perf_counter() - start)


def run_named(
    names: Sequence[str], cases: Sequence[Case], all_ids: set[str], out: Path | None = None
) -> list[Timed]:
    """Run the named adapters (subprocess ones in parallel); write their results files to
    ``out`` when given."""
    background = [name for name in names if name not in IN_PROCESS]
    foreground = [name for name in names if name in IN_PROCESS]
    timed: dict[str, Timed] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(background))) as pool:
        futures: dict[str, Future[Timed]] = {
            name: pool.submit(run_adapter, lambda n=name: create(n), cases, all_ids, name)
            for name in background
        }
        for name in foreground:
            timed[name] = run_adapter(lambda n=name: create(n), cases, all_ids, name)
        for name, future in futures.items():
            timed[name] = future.result()
    ordered = [timed[name] for name in names]
    if out is not None:
        write_runs(ordered, out)
    return ordered


def write_runs(
    timed: Sequence[Timed], out: Path, junit: bool = False, levels: Sequence[str] = ("pep600",)
) -> list[Path]:
    """Write the results file of every implementation that ran (and its JUnit XML beside it,
    judged on ``levels``); the paths written."""
    written = []
    for item in timed:
        if item.run is not None:
            written.append(write_results(item.run.results, out))
            if junit:
                written.append(write_junit(item.run, out / f"{item.run.results.name}.xml", levels))
    return written
