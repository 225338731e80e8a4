"""Run a census on Dask distributed: a ``LocalCluster`` by default, or an existing scheduler.

Dask does the scheduling. This module only submits one task per wheel
(:func:`~reference_impl.census.work.census_wheel`), keeps a bounded number of them in flight
with Dask's own ``as_completed`` (so neither the client nor the scheduler holds a whole
mirror's tasks at once), and hands each result to the part writer. Each worker runs one
task at a time (one thread: the audit is Python, bound by the GIL) within its memory limit;
a worker over its limit is restarted by its nanny and the wheel becomes an error row.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from reference_impl.census.found import Found, find_wheels
from reference_impl.census.progress import Progress
from reference_impl.census.rows import CensusRows, error_rows
from reference_impl.census.store import (
    PartWriter,
    Paths,
    check_census,
    merge,
    recorded,
    writing,
)
from reference_impl.census.work import census_wheel, policy_digest, worker_digest
from reference_impl.errors import ExitCode, PerennialError

IN_FLIGHT_PER_THREAD = 4
"""Tasks submitted ahead per worker thread: enough to keep every worker busy, few enough that
the client's memory does not grow with the mirror."""
WAIT_FOR_WORKERS = 60
"""Seconds an existing scheduler may take to have a worker."""
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.log-length": 1000,
    "distributed.admin.system-monitor.log-length": 60,
}
"""Dask settings for the local cluster: no statistical profiler and short logs, which
otherwise grow with every task for the first hours (a census runs hundreds of thousands of
small tasks); an existing cluster's workers take these from their own configuration."""


@dataclass(frozen=True)
class Settings:
    """How to run a census: where, with what, and how often to save."""

    scheduler: str | None = None
    """A scheduler address (``tcp://host:8786``); None starts a ``LocalCluster``."""
    workers: int | None = None
    """Workers of the local cluster (None: one per core this process may use)."""
    memory_limit: str = "2GiB"
    """Each local worker's memory limit (a remote worker's is set when it is started)."""
    checkpoint: int = 500
    """Wheels per saved part."""
    policy_dir: str | None = None
    """Policy data the workers load (None: the data they ship)."""
    keep: tuple[str, ...] = ()
    """Symbol names the facts keep beyond those the policies forbid."""


@dataclass(frozen=True)
class CensusRun:
    """What a census did."""

    found: int
    skipped: int
    """Wheels already in the output, unchanged."""
    audited: int
    errors: int
    """Of the audited wheels, those that became error rows."""
    missing: tuple[str, ...]
    """Given folders that are not directories."""
    seconds: float


def run_census(
    folders: Sequence[Path],
    out: Path,
    policy_directory: Path,
    settings: Settings,
    progress: TextIO | None = None,
) -> CensusRun:
    """Audit every wheel under ``folders`` not yet in the census ``out``, then merge the
    saved parts into its two tables."""
    started = time.monotonic()
    paths = Paths.of(out)
    with writing(paths):
        digest = policy_digest(policy_directory)
        check_census(paths, digest)
        done = recorded(paths)
        missing: list[str] = []
        wheels = list(find_wheels(folders, missing))
        todo = [w for w in wheels if done.get(w.path) != w.identity]
        writer = PartWriter(paths, digest, settings.checkpoint)
        bar = Progress(progress, len(todo), len(wheels) - len(todo))
        errors = 0
        try:
            if todo:
                with _client(settings) as client:
                    _check_workers(client, settings, digest)
                    for rows in _audited(client, todo, settings):
                        writer.add(rows)
                        errors += rows.is_error
                        bar.advance(rows.is_error)
            writer.flush()
            merge(paths, digest)
        finally:
            bar.close()
            writer.flush()  # a stopped census keeps every wheel it finished
        return CensusRun(
            found=len(wheels),
            skipped=len(wheels) - len(todo),
            audited=len(todo),
            errors=errors,
            missing=tuple(missing),
            seconds=time.monotonic() - started,
        )


@contextlib.contextmanager
def _client(settings: Settings) -> Iterator[Any]:
    """A Dask client: of the given scheduler, or of a local cluster started for the census."""
    from distributed import Client, LocalCluster

    if settings.scheduler:
        try:
            client = Client(settings.scheduler, timeout="30s")
        except OSError as error:  # distributed raises OSError when it cannot connect
            raise PerennialError(
                settings.scheduler, f"no Dask scheduler answers ({error})"
            ) from None
        with client:
            try:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
            except TimeoutError:
                problem = f"no worker joined the scheduler within {WAIT_FOR_WORKERS} s"
                raise PerennialError(settings.scheduler, problem) from None
            yield client
        return
    import dask

    workers = settings.workers or len(os.sched_getaffinity(0))
    with (
        dask.config.set(LOCAL_CLUSTER_CONFIG),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=settings.memory_limit,
            host="127.0.0.1",
            dashboard_address=":0",  # a free port: never 8787, which another cluster may hold
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _check_workers(client: Any, settings: Settings, digest: str) -> None:
    """Refuse workers whose policy data differs from the census's (an existing cluster's
    workers may run another installation): their verdicts would not belong to it."""
    for worker, theirs in sorted(client.run(worker_digest, settings.policy_dir).items()):
        if theirs != digest:
            raise PerennialError(
                worker, f"this worker's policy data differs (digest {theirs[:12]})"
            )


def _audited(client: Any, todo: list[Found], settings: Settings) -> Iterator[CensusRows]:
    """Each wheel's rows as its task finishes, at most a few tasks per thread in flight."""
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    pending = iter(todo)
    submitted: dict[str, Found] = {}

    def submit(found: Found) -> Any:
        future = client.submit(census_wheel, found, settings.policy_dir, settings.keep, pure=False)
        submitted[future.key] = found
        return future

    window = max(8, IN_FLIGHT_PER_THREAD * threads)
    running = as_completed(
        [submit(f) for f in itertools.islice(pending, window)],
        with_results=True,
        raise_errors=False,
    )
    for future, result in running:
        found = submitted.pop(future.key)
        if isinstance(result, CensusRows):
            rows = result
        else:  # the task itself failed: its worker died (memory limit) or the task was lost
            problem = f"{found.path}: the worker auditing it failed ({_why(future)})"
            rows = error_rows(found, problem, ExitCode.INTERNAL)
        future.release()
        yield rows
        following = next(pending, None)
        if following is not None:
            running.add(submit(following))


def _why(future: Any) -> str:
    """Why a task gave no rows, in a few words."""
    if future.status == "error":
        error = future.exception()
        return f"{type(error).__name__}: {error}"
    return f"the task ended {future.status}"
