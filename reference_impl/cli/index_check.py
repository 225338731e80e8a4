"""``perennial index-check TAG|WHEEL...``: would an index accept these uploads, and if not,
why (spec: indexes)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from reference_impl.cli import add_command, add_policies_option, policies_from
from reference_impl.display import shown
from reference_impl.errors import ExitCode, PolicyError
from reference_impl.index import GRAMMAR, IndexPolicy, IndexVerdict, Rejection, check_upload
from reference_impl.index_pypi import MALFORMED as PYPI_MALFORMED
from reference_impl.index_pypi import check_pypi_upload, default_pypi_rules, load_pypi_rules
from reference_impl.policy import GlibcVersion


def _glibc(text: str) -> GlibcVersion:
    """``2.28`` -> a version; a usage error (exit 2) otherwise."""
    try:
        return GlibcVersion.parse(text)
    except PolicyError as error:
        raise argparse.ArgumentTypeError(error.problem) from None


PROFILES = ("recommended", "pypi")
"""``recommended``: spec/indexes.md's rules, tuned by the policy options; ``pypi``: PyPI's
upload check as it is (reference_impl.index_pypi), which takes no options."""


def register(subparsers: Any) -> None:
    """Add ``index-check``."""
    parser = add_command(
        subparsers,
        "index-check",
        "say whether an index accepts platform tags or wheel filenames, with every reason",
        "Check platform tags or wheel filenames (ending in .whl) against an index policy; "
        "the defaults are the specification's recommended rules, and --profile pypi applies "
        "PyPI's upload check instead (a TAG as the wheel demo-1.0-py3-none-TAG.whl). Exit 0 "
        "when all are accepted, 1 when some are rejected, 3 when some are not tags or "
        "filenames at all.",
    )
    parser.add_argument("subjects", nargs="+", metavar="TAG|WHEEL")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="recommended",
        help="whose rules: this specification's (default) or PyPI's upload check",
    )
    rules = parser.add_argument_group(
        "index policy of the recommended profile (defaults: spec/indexes.md)"
    )
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
    parser.set_defaults(func=_index_check, parser=parser)


_POLICY_OPTIONS = (
    "known_arch",
    "allow_unknown_arch",
    "no_floors",
    "max_glibc",
    "allow_linux",
    "allow_uppercase",
)


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


def _verdicts(args: Any) -> list[IndexVerdict]:
    """Every subject's verdict under the chosen profile."""
    if args.profile == "pypi":
        given = [name for name in _POLICY_OPTIONS if getattr(args, name) not in (None, False)]
        if given:
            option = "--" + given[0].replace("_", "-")
            args.parser.error(f"{option} tunes the recommended profile; --profile pypi is fixed")
        rules = load_pypi_rules(args.policies) if args.policies else default_pypi_rules()
        return [check_pypi_upload(subject, rules) for subject in args.subjects]
    policies = policies_from(args)
    policy = _policy(args)
    return [check_upload(subject, policy, policies) for subject in args.subjects]


def _index_check(args: Any) -> int:
    verdicts = _verdicts(args)
    malformed = False
    for verdict in verdicts:
        for rejection in verdict.rejections:
            if rejection.clause in _MALFORMED:
                malformed = True
                print(f"perennial: {_line(rejection)}", file=sys.stderr)
    if args.json:
        print(json.dumps([_as_json(verdict, args.profile) for verdict in verdicts]))
    else:
        for verdict in verdicts:
            word = "accepted" if verdict.accepted else "rejected"
            print(f"{word}: {_short(verdict.subject)}")
            for rejection in verdict.rejections:
                print(f"    {_line(rejection)} ({rejection.clause})")
            for note in verdict.notes:
                print(f"    note: {_short(note)}")
    if malformed:
        return ExitCode.BAD_INPUT
    return ExitCode.OK if all(v.accepted for v in verdicts) else ExitCode.NO


_MALFORMED = frozenset({GRAMMAR}) | PYPI_MALFORMED
"""Rejections that say a subject is not a tag or filename at all (exit 3)."""


_SHOWN = 100
"""Characters of an input string shown in text output; JSON gives every string whole."""


def _short(text: str) -> str:
    """Input text escaped for one line (display.shown), cut after ``_SHOWN`` characters."""
    if len(text) <= _SHOWN:
        return shown(text)
    return f"{shown(text[:_SHOWN])}... ({len(text)} characters)"


def _line(rejection: Rejection) -> str:
    """The member (cut short) and the reason (bounded: it quotes at most a part of one tag)."""
    return f"{_short(rejection.member)}: {shown(rejection.reason)}"


def _as_json(verdict: IndexVerdict, profile: str) -> dict[str, Any]:
    """One verdict as JSON: every string as the input wrote it (``json.dumps`` escapes)."""
    return {
        "subject": verdict.subject,
        "profile": profile,
        "accepted": verdict.accepted,
        "rejections": [
            {"member": r.member, "clause": r.clause, "reason": r.reason} for r in verdict.rejections
        ],
        "notes": list(verdict.notes),
    }
