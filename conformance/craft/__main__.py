"""``python -m conformance.craft generate|check``: write or verify the committed fixtures.

Exit codes follow the project's table: 0 agreed/written, 1 a fixture differs from its recipe,
2 bad command line, 3 a recipe is malformed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.craft.generate import FIXTURES, check, generate
from conformance.craft.recipes import RECIPES, RecipeError


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.craft",
        description="Build the conformance fixtures from their recipes.",
        epilog="exit codes: 0 ok, 1 a fixture differs, 2 usage, 3 malformed recipe",
    )
    parser.add_argument("command", choices=("generate", "check"))
    parser.add_argument("--recipes", type=Path, default=RECIPES, help="recipe directory")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="fixture directory")
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            for line in generate(args.recipes, args.fixtures):
                print(line)
            return 0
        problems = check(args.recipes, args.fixtures)
    except RecipeError as error:
        print(f"craft: {error}", file=sys.stderr)
        return 3
    for problem in problems:
        print(f"craft: {args.fixtures}/{problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
