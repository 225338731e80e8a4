"""``perennial select WHEEL...``: which wheel of one release a system installs, and the full
ranking with reasons."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reference_impl.cli import add_command, say
from reference_impl.cli.system_options import add_system_options, describe_system, system_json
from reference_impl.errors import ExitCode
from reference_impl.installer import select


def _pairs(text: str) -> list[tuple[str, str]]:
    """``cp311-cp311,py3-none`` -> pairs; a usage error (exit 2) otherwise."""
    pairs: list[tuple[str, str]] = []
    for item in text.split(","):
        interp, _, abi = item.strip().lower().partition("-")
        if not interp or not abi:
            raise argparse.ArgumentTypeError(f"{item!r} is not INTERPRETER-ABI")
        pairs.append((interp, abi))
    return pairs


def register(subparsers: Any) -> None:
    """Add ``select``."""
    parser = add_command(
        subparsers,
        "select",
        "choose the best wheel for a system among candidate filenames",
        "Rank candidate wheel filenames of one release for a system and name the best "
        "(spec: installer.select). Exit 0 when a wheel is chosen, 1 when none fits, 3 when a "
        "filename is malformed (the others are still ranked).",
    )
    parser.add_argument("wheels", nargs="+", metavar="WHEEL", help="wheel filenames")
    parser.add_argument(
        "--supported",
        metavar="PAIRS",
        type=_pairs,
        help="the interpreter's supported INTERPRETER-ABI pairs, most specific first, comma "
        "separated (e.g. cp311-cp311,cp311-abi3,py3-none); default: compare platforms only",
    )
    add_system_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_select)


def _select(args: Any) -> int:
    pairs = args.supported
    described = describe_system(args)
    result = select(
        args.wheels,
        described.system,
        supported=pairs,
        policies=described.policies,
        override=described.override,
    )
    malformed = [c for c in result.refused if c.reason.startswith("malformed: ")]
    if args.json:
        print(
            json.dumps(
                {
                    "system": system_json(described),
                    "best": result.best.filename if result.best else None,
                    "ranking": [
                        {"filename": c.filename, "rank": c.rank, "tag": c.best_tag}
                        for c in result.ranking
                    ],
                    "refused": [
                        {"filename": c.filename, "reason": c.reason} for c in result.refused
                    ],
                }
            )
        )
    else:
        say(f"best: {result.best.filename if result.best else 'none'}")
        for candidate in result.ranking:
            say(f"{candidate.rank:>3}. {candidate.filename}  ({candidate.reason})")
        for candidate in result.refused:
            say(f"  -  {candidate.filename}: refused: {candidate.reason}")
    for candidate in malformed:
        problem = candidate.reason.removeprefix("malformed: ")
        say(f"perennial: {candidate.filename}: {problem}", stderr=True)
    if malformed:
        return ExitCode.BAD_INPUT
    return ExitCode.OK if result.best else ExitCode.NO
