"""Run many cases over a few worker processes and count what happened."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import seeds as seeds_module
from .cases import FAMILIES, build
from .runner import run_isolated
from .verdict import CLASSES, FAILURES, classify

_BATCH = 25


@dataclass(frozen=True)
class Outcome:
    family: str
    index: int
    kind: str
    detail: str
    argv: tuple[str, ...]
    cpu_seconds: float
    grown_bytes: int


@dataclass
class Report:
    """Counts per class and family, and every failure."""

    seed: int
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)
    slowest: float = 0.0
    largest: int = 0

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.family, outcome.kind] += 1
        self.slowest = max(self.slowest, outcome.cpu_seconds)
        self.largest = max(self.largest, outcome.grown_bytes)
        if outcome.kind in FAILURES:
            self.failures.append(outcome)

    def total(self, kind: str | None = None, family: str | None = None) -> int:
        return sum(
            n
            for (f, k), n in self.counts.items()
            if (kind is None or k == kind) and (family is None or f == family)
        )


@dataclass
class _Worker:
    seeds: seeds_module.Seeds
    folder: Path


_WORKER: _Worker | None = None


def _start_worker(real_binaries: bool, scratch: str) -> None:
    """Load the seeds and warm what every child would otherwise import again."""
    global _WORKER
    from reference_impl.cli import build_parser
    from reference_impl.policy import default_policies

    build_parser()
    default_policies()
    import reference_impl.audit  # noqa: F401  (the audit command imports it on use)

    folder = Path(scratch) / f"worker-{os.getpid()}"
    _WORKER = _Worker(seeds_module.load(real_binaries), folder)


def _run_batch(seed: int, batch: list[tuple[str, int]]) -> list[Outcome]:
    assert _WORKER is not None
    found = []
    for family, index in batch:
        case = build(_WORKER.seeds, seed, family, index, _WORKER.folder)
        run = run_isolated(case.argv, _WORKER.folder)
        kind, detail = classify(case, run)
        found.append(
            Outcome(family, index, kind, detail, case.argv, run.cpu_seconds, run.grown_bytes)
        )
    return found


def plan(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Every (family, index) to run, families interleaved so a short run sees all four."""
    longest = max(counts.values(), default=0)
    return [
        (family, index)
        for index in range(longest)
        for family in FAMILIES
        if index < counts.get(family, 0)
    ]


def _batches(items: list[tuple[str, int]]) -> Iterator[list[tuple[str, int]]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def run_campaign(
    seed: int, counts: dict[str, int], workers: int = 1, real_binaries: bool = False
) -> Report:
    """Run the planned cases; one worker runs them in this process."""
    report = Report(seed)
    scratch = tempfile.mkdtemp(prefix="perennial-fuzz-")
    try:
        results: Iterable[list[Outcome]]
        batches = list(_batches(plan(counts)))
        if workers <= 1:
            _start_worker(real_binaries, scratch)
            results = (_run_batch(seed, batch) for batch in batches)
            for outcomes in results:
                for outcome in outcomes:
                    report.add(outcome)
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                workers, context, initializer=_start_worker, initargs=(real_binaries, scratch)
            ) as pool:
                for outcomes in pool.map(_run_batch, [seed] * len(batches), batches):
                    for outcome in outcomes:
                        report.add(outcome)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def replay(seed: int, family: str, index: int, folder: Path, real_binaries: bool) -> list[str]:
    """Write one case's inputs into ``folder`` and return its command line."""
    case = build(seeds_module.load(real_binaries), seed, family, index, folder)
    return ["perennial", *case.argv]


def summary(report: Report) -> list[str]:
    """The counts as a small table, then one line per failure."""
    head = f"{'family':<8}" + "".join(f"{kind:>13}" for kind in CLASSES) + f"{'tried':>8}"
    lines = [f"fuzz campaign, seed {report.seed}", head]
    for family in (*FAMILIES, None):
        cells = "".join(f"{report.total(kind, family):>13}" for kind in CLASSES)
        lines.append(f"{family or 'all':<8}{cells}{report.total(None, family):>8}")
    most = report.largest >> 20
    lines.append(f"slowest run {report.slowest:.2f} s of CPU; most memory a run added {most} MB")
    for outcome in report.failures:
        lines.append(f"{outcome.kind}: {outcome.family}:{outcome.index}: {outcome.detail}")
    return lines
