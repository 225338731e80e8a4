"""``perennial index-check TAG|WHEEL...``: would an index accept these uploads, and if not,
why (spec: indexes)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from reference_impl.cli import add_command, add_policies_option, policies_from
from reference_impl.errors import ExitCode, PolicyError
from reference_impl.index import IndexPolicy, check_upload
from reference_impl.policy import GlibcVersion
from reference_impl.tags import shown


def _glibc(text: str) -> GlibcVersion:
    """``2.28`` -> a version; a usage error (exit 2) otherwise."""
    try:
        return GlibcVersion.parse(text)
    except PolicyError as error:
        raise argparse.ArgumentTypeError(error.problem) from None


def register(subparsers: Any) -> None:
    """Add ``index-check``."""
    parser = add_command(
        subparsers,
        "index-check",
        "say whether an index accepts platform tags or wheel filenames, with every reason",
        "Check platform tags or wheel filenames (ending in .whl) against an index policy; "
        "the defaults are the specification's recommended rules. Exit 0 when all are "
        "accepted, 1 when some are rejected, 3 when some are not tags or filenames at all.",
    )
    parser.add_argument("subjects", nargs="+", metavar="TAG|WHEEL")
    rules = parser.add_argument_group("index policy (defaults: spec/indexes.md)")
    rules.add_argument(
        "--known-arch",
        action="append",
        metavar="ARCH",
        help="accept this architecture (repeatable; replaces the policy data's list)",
    )
    rules.add_argument(
        "--allow-unknown-arch", action="store_true", help="accept any grammatical architecture"
    )
    rules.add_argument(
        "--no-floors", action="store_true", help="accept tags below an architecture's floor"
    )
    rules.add_argument(
        "--max-glibc", metavar="X.Y", type=_glibc, help="refuse tags above this glibc"
    )
    rules.add_argument(
        "--allow-linux",
        nargs="?",
        const="",
        metavar="ARCH,...",
        help="accept linux_* tags (optionally only for these architectures)",
    )
    rules.add_argument(
        "--allow-uppercase", action="store_true", help="accept tags not written in lowercase"
    )
    add_policies_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_index_check)


def _policy(args: Any) -> IndexPolicy:
    linux: str | None = args.allow_linux
    linux_arches = frozenset(a for a in linux.split(",") if a) if linux else None
    return IndexPolicy(
        known_architectures=frozenset(args.known_arch) if args.known_arch else None,
        allow_unknown_architectures=args.allow_unknown_arch,
        enforce_floors=not args.no_floors,
        max_glibc=args.max_glibc,
        allow_linux=linux is not None,
        linux_architectures=linux_arches or None,
        require_lowercase=not args.allow_uppercase,
    )


def _index_check(args: Any) -> int:
    policies = policies_from(args)
    policy = _policy(args)
    verdicts = [check_upload(subject, policy, policies) for subject in args.subjects]
    malformed = False
    for verdict in verdicts:
        for rejection in verdict.rejections:
            if rejection.clause == "index.reject.grammar":
                malformed = True
                print(f"perennial: {rejection.member}: {rejection.reason}", file=sys.stderr)
    if args.json:
        rows = [
            {
                "subject": v.subject,
                "accepted": v.accepted,
                "rejections": [
                    {"member": r.member, "clause": r.clause, "reason": r.reason}
                    for r in v.rejections
                ],
                "notes": list(v.notes),
            }
            for v in verdicts
        ]
        print(json.dumps(rows))
    else:
        for verdict in verdicts:
            word = "accepted" if verdict.accepted else "rejected"
            print(f"{word}: {shown(verdict.subject)}")
            for rejection in verdict.rejections:
                print(f"    {rejection}")
            for note in verdict.notes:
                print(f"    note: {note}")
    if malformed:
        return ExitCode.BAD_INPUT
    return ExitCode.OK if all(v.accepted for v in verdicts) else ExitCode.NO
