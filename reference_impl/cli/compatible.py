"""``perennial compatible TAG``: is one platform tag compatible with a system, and why."""

from __future__ import annotations

import json
from typing import Any

from reference_impl.cli import add_command, say
from reference_impl.cli.system_options import add_system_options, describe_system, system_json
from reference_impl.errors import ExitCode
from reference_impl.installer import check
from reference_impl.tags import parse_platform_tag


def register(subparsers: Any) -> None:
    """Add ``compatible``."""
    parser = add_command(
        subparsers,
        "compatible",
        "say whether a platform tag is compatible with a system, and why",
        "Say whether one platform tag is compatible with a system, the reason and the clause "
        "that decides. Exit 0 yes, 1 no, 3 if TAG is not a platform tag.",
    )
    parser.add_argument(
        "tag", metavar="TAG", help="e.g. manylinux_2_17_x86_64 or manylinux2014_aarch64"
    )
    add_system_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_compatible)


def _compatible(args: Any) -> int:
    described = describe_system(args)
    tag = parse_platform_tag(args.tag, described.policies)
    verdict = check(tag, described.system, policies=described.policies, override=described.override)
    if args.json:
        answer = {
            "tag": tag.text,
            "normalised": tag.twin.text,
            "compatible": verdict.compatible,
            "reason": verdict.reason,
            "clause": verdict.clause,
            "system": system_json(described),
        }
        print(json.dumps(answer))
    else:
        word = "yes" if verdict.compatible else "no"
        say(f"{word}: {verdict.reason} ({verdict.clause})")
    return ExitCode.OK if verdict.compatible else ExitCode.NO
