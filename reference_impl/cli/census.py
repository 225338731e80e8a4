"""``perennial census DIR... --out FILE.parquet``: audit a mirror on Dask, resumably.

Exit 0 when the census is complete (wheels that could not be read are rows with their
error, counted in the summary), 2 without the ``census`` extra, 3 when a folder is missing
(the others are still audited), the output is not a census or another census is writing it,
4 when the policy data is malformed. Without folders it prints the summary of an existing census.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from reference_impl.cli import add_command, add_policies_option
from reference_impl.display import shown
from reference_impl.errors import ExitCode, PerennialError
from reference_impl.policy import default_policy_dir, load_policies


class MissingExtraError(PerennialError):
    """Dask or pyarrow is not installed."""

    exit_code = ExitCode.USAGE


def register(subparsers: Any) -> None:
    """Add ``census``."""
    parser = add_command(
        subparsers,
        "census",
        "audit every wheel of a mirror on Dask into Parquet, resuming where it stopped",
        __doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("folders", nargs="*", type=Path, metavar="DIR", help="folders of wheels")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.parquet",
        help="the census: FILE.parquet (wheels) and FILE.files.parquet (ELF files)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask scheduler (tcp://host:8786); default: a local cluster",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="workers of the local cluster (default: one per core)",
    )
    parser.add_argument(
        "--memory-limit",
        default="2GiB",
        metavar="SIZE",
        help="memory limit of each local worker (default 2GiB); over it, a worker restarts",
    )
    parser.add_argument(
        "--checkpoint",
        type=int,
        default=500,
        metavar="N",
        help="save the work every N wheels (default 500)",
    )
    parser.add_argument(
        "--keep-symbol",
        action="append",
        default=[],
        metavar="NAME",
        help="keep undefined references to NAME too, to judge a policy forbidding it later",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: when stderr is a terminal)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_policies_option(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        from reference_impl.census.run import CensusRun, Settings, run_census
        from reference_impl.census.store import Paths, wheel_rows
    except ImportError as error:
        raise MissingExtraError(
            "census", f"needs the census extra: pip install 'perennial-manylinux[census]' ({error})"
        ) from None
    from reference_impl.census.summary import SUMMARY_COLUMNS, summarize, summary_json, summary_text

    if args.workers is not None and args.workers < 1:
        raise PerennialError("--workers", "must be at least 1")
    if args.checkpoint < 1:
        raise PerennialError("--checkpoint", "must be at least 1")
    paths = Paths.of(args.out)
    run: CensusRun | None = None
    if args.folders:
        directory = (args.policies or default_policy_dir()).resolve()
        load_policies(directory)  # malformed data fails here once, not in every worker
        settings = Settings(
            scheduler=args.scheduler,
            workers=args.workers,
            memory_limit=args.memory_limit,
            checkpoint=args.checkpoint,
            policy_dir=str(directory) if args.policies else None,
            keep=tuple(args.keep_symbol),
        )
        show = sys.stderr.isatty() if args.progress is None else args.progress
        run = run_census(args.folders, args.out, directory, settings, sys.stderr if show else None)
        for folder in run.missing:
            print(f"perennial: {shown(folder)}: not a folder", file=sys.stderr)
    elif not paths.wheels.exists() and not paths.complete_parts():
        raise PerennialError(str(args.out), "no such census, and no folders to make one from")
    summary = summarize(wheel_rows(paths, SUMMARY_COLUMNS))
    census = os.fspath(args.out)
    if args.json:
        data = summary_json(summary, census)
        if run is not None:
            data["run"] = {
                "found": run.found,
                "skipped": run.skipped,
                "audited": run.audited,
                "errors": run.errors,
                "missing": list(run.missing),
                "seconds": round(run.seconds, 3),
            }
        print(json.dumps(data, indent=2))
    else:
        if run is not None:
            print(
                f"audited {run.audited} wheels ({run.errors} unreadable), {run.skipped} already "
                f"in the census, in {run.seconds:.1f} s"
            )
        print("\n".join(summary_text(summary, census)))
    return int(ExitCode.BAD_INPUT if run is not None and run.missing else ExitCode.OK)
