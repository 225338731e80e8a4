"""``python -m tests.fuzz``: run the campaign, print the counts, exit 1 on any failure.

python -m tests.fuzz                         # 12,000 cases, seed 0, two workers
python -m tests.fuzz --seed 7 --elf 200      # another seed, fewer ELF cases
python -m tests.fuzz --replay zip:123 --keep /tmp/case   # write one case, print its command
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from .campaign import replay, run_campaign, summary
from .cases import FAMILIES

DEFAULT_COUNTS = {"elf": 5000, "zip": 3500, "policy": 1500, "tags": 2000}
"""10,000 mutations of ELF, zip and policy inputs, plus the tag strings."""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    for family in FAMILIES:
        parser.add_argument(f"--{family}", type=int, default=DEFAULT_COUNTS[family], metavar="N")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--committed-only",
        action="store_true",
        help="seed only from committed files, not the environment's extension modules",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the counts here")
    parser.add_argument("--replay", metavar="FAMILY:INDEX", help="write one case and stop")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="where --replay writes")
    args = parser.parse_args()
    real = not args.committed_only
    if args.replay:
        family, _, index = args.replay.partition(":")
        folder = args.keep or Path("fuzz-case")
        print(shlex.join(replay(args.seed, family, int(index), folder, real)))
        return 0
    counts = {family: getattr(args, family) for family in FAMILIES}
    report = run_campaign(args.seed, counts, args.workers, real)
    print("\n".join(summary(report)))
    if args.json:
        data = {
            "seed": report.seed,
            "counts": {f"{f}:{k}": n for (f, k), n in sorted(report.counts.items())},
            "failures": [vars(o) for o in report.failures],
        }
        args.json.write_text(json.dumps(data, indent=2, default=str))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
