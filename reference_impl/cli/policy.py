"""``perennial policy``: list, show, diff and verify the policy data."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reference_impl.cli import add_command, add_policies_option, policies_from, say
from reference_impl.errors import ExitCode, PerennialError
from reference_impl.policy import Baseline, GlibcVersion, default_policy_dir, load_policies
from reference_impl.policy.derive import derive, render, review_proposed
from reference_impl.policy.diff import describe, diff_baselines, version_order

PROPOSED_NOTE = (
    "status: PROPOSED (derived from evidence that rolling releases still constrain; "
    "not adopted yet, see its amendment)"
)


def register(subparsers: Any) -> None:
    """Add ``policy`` and its subcommands."""
    parser = add_command(subparsers, "policy", "list, show, compare and verify the baselines")
    add_policies_option(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every baseline with its glibc and aliases")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=_list)

    show = actions.add_parser("show", help="one baseline, flattened (NAME may be an alias)")
    show.add_argument("name", metavar="NAME", help="e.g. manylinux_2_28 or manylinux2014")
    show.add_argument("--arch", help="only this architecture")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=_show)

    diff = actions.add_parser("diff", help="what baseline B adds and removes relative to A")
    diff.add_argument("old", metavar="A")
    diff.add_argument("new", metavar="B")
    diff.add_argument(
        "--old-policies",
        type=Path,
        metavar="DIR",
        help="read A from this policy directory (review a proposed change to one baseline)",
    )
    diff.set_defaults(func=_diff)

    check = actions.add_parser(
        "verify", help="check every allowed symbol version against observed distributions"
    )
    check.add_argument(
        "--evidence",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder with distros/ARCH/*.json",
    )
    check.set_defaults(func=_verify)

    review = actions.add_parser(
        "review", help="what a change to policies/ does to the rules, the evidence and wheels"
    )
    review.add_argument("--base", metavar="GIT-REF", help="default: merge base with main, or HEAD")
    review.add_argument(
        "--census", type=Path, metavar="FILE.parquet", help="default: the suite's auditor fixtures"
    )
    review.add_argument("--evidence", type=Path, metavar="DIR", help="default: ../shared/evidence")
    review.add_argument("--json", action="store_true", help="JSON instead of Markdown")
    review.set_defaults(func=_review)

    derivation = actions.add_parser(
        "derive",
        help="print the proposed baseline file the evidence supports for one glibc",
        description=(
            "Print the baseline file for glibc X.Y that the evidence supports: per "
            "architecture, what every observed distribution with glibc X.Y or newer defines, "
            "as a proposed baseline extending the newest one below X.Y."
        ),
    )
    derivation.add_argument(
        "--evidence", type=Path, required=True, metavar="DIR", help="folder with distros/"
    )
    derivation.add_argument("--glibc", required=True, metavar="X.Y", help="e.g. 2.42")
    derivation.add_argument(
        "--date",
        default=datetime.now(UTC).date().isoformat(),
        metavar="YYYY-MM-DD",
        help="the date of its amendment entry (default: today)",
    )
    derivation.set_defaults(func=_derive)


def _list(args: argparse.Namespace) -> int:
    policies = policies_from(args)
    if args.json:
        rows = [
            {
                "name": b.name,
                "glibc": str(b.glibc),
                "status": b.status,
                "aliases": sorted(set(b.aliases.values())),
                "architectures": list(b.architectures),
            }
            for b in policies.baselines
        ]
        print(json.dumps(rows, indent=2))
        return ExitCode.OK
    for baseline in policies.baselines:
        aliases = sorted(set(baseline.aliases.values()))
        alias_text = f" (alias {', '.join(aliases)})" if aliases else ""
        status = " [proposed]" if baseline.proposed else ""
        say(
            f"{baseline.name:<16} glibc {baseline.glibc!s:<5} "
            f"{', '.join(baseline.architectures)}{alias_text}{status}"
        )
    return ExitCode.OK


def baseline_as_json(baseline: Baseline, arches: tuple[str, ...]) -> dict[str, Any]:
    """The flattened baseline in the shape ``policy show --json`` prints."""
    return {
        "name": baseline.name,
        "glibc": str(baseline.glibc),
        "status": baseline.status,
        "extends": baseline.previous,
        "based_on": baseline.based_on,
        "aliases": {arch: baseline.aliases[arch] for arch in arches if arch in baseline.aliases},
        "architectures": list(arches),
        "libraries": sorted(baseline.libraries),
        "forbidden_symbols": {k: sorted(v) for k, v in sorted(baseline.forbidden_symbols.items())},
        "isa": {arch: baseline.isa[arch] for arch in arches if arch in baseline.isa},
        "symbol_versions": {
            arch: {
                family: sorted(versions, key=version_order)
                for family, versions in baseline.symbol_versions[arch].items()
            }
            for arch in arches
        },
        "provenance": dict(baseline.provenance),
        "amendments": [
            {"date": a.date, "change": a.change, "reason": a.reason, "link": a.link}
            for a in baseline.amendments
        ],
    }


def _show(args: argparse.Namespace) -> int:
    policies = policies_from(args)
    baseline = policies.baseline(args.name)
    arches = baseline.architectures
    if args.arch:
        if args.arch not in baseline.architectures:
            raise PerennialError(
                args.arch, f"{baseline.name} does not cover it ({', '.join(arches)})"
            )
        arches = (args.arch,)
    data = baseline_as_json(baseline, arches)
    if args.json:
        print(json.dumps(data, indent=2))
        return ExitCode.OK
    say(f"{baseline.name}: glibc {baseline.glibc}, derived from {baseline.based_on}")
    if baseline.proposed:
        say(PROPOSED_NOTE)
    if data["aliases"]:
        say("legacy aliases: " + ", ".join(f"{a}_{arch}" for arch, a in data["aliases"].items()))
    say(f"architectures: {', '.join(arches)}")
    say(f"allowed libraries: {', '.join(data['libraries'])}")
    for arch in arches:
        say(f"symbol versions on {arch}:")
        for family, versions in data["symbol_versions"][arch].items():
            say(f"  {family:<9} {' '.join(versions) or '(none)'}")
    for lib, symbols in data["forbidden_symbols"].items():
        say(f"forbidden from {lib}: {', '.join(symbols)}")
    for amendment in baseline.amendments:
        say(f"amended {amendment.date}: {amendment.change} ({amendment.link})")
    return ExitCode.OK


def _diff(args: argparse.Namespace) -> int:
    policies = policies_from(args)
    old_policies = load_policies(args.old_policies) if args.old_policies else policies
    diff = diff_baselines(old_policies.baseline(args.old), policies.baseline(args.new))
    for line in describe(diff):
        say(line)
    return ExitCode.OK


def _verify(args: argparse.Namespace) -> int:
    # only this action reads the target facts and the observations
    from reference_impl.policy.targets import caveat_report, load_targets
    from reference_impl.policy.verify import load_observations, verify

    policies = policies_from(args)
    facts = load_targets(policies)  # a broken caveat file is refused before any output
    observations = load_observations(args.evidence, policies)
    mismatches, coverage = verify(policies, observations)
    by_baseline: dict[str, list[str]] = {}
    for entry in coverage:
        by_baseline.setdefault(entry.baseline, []).extend(
            f"{d} ({entry.arch})" for d in entry.distributions
        )
    for baseline in policies.baselines:
        names = sorted({d.split(" ")[0] for d in by_baseline.get(baseline.name, [])})
        say(f"{baseline.name} covers {len(names)} observed distributions: {', '.join(names)}")
        unobserved = [
            entry.arch
            for entry in coverage
            if entry.baseline == baseline.name and not entry.distributions
        ]
        if unobserved:
            say(f"  no observation to check on {', '.join(unobserved)}")
    for line in caveat_report(policies, facts):
        say(line)
    notes, departures = review_proposed(policies, observations)
    for line in notes:
        say(line)
    for mismatch in mismatches:
        say(f"MISMATCH: {mismatch}")
    for line in departures:
        say(f"NOT DERIVED: {line}")
    if departures:
        say(f"{len(departures)} differences between proposed baselines and their derivation")
    if mismatches:
        count = sum(len(m.versions) for m in mismatches)
        say(f"{count} allowed symbol versions are missing on covered distributions")
        return ExitCode.NO
    say("every allowed symbol version is present on every covered distribution")
    return ExitCode.NO if departures else ExitCode.OK


def _derive(args: argparse.Namespace) -> int:
    from reference_impl.policy.verify import load_observations  # only verify and derive read them

    policies = policies_from(args)
    try:
        glibc = GlibcVersion.parse(args.glibc, "--glibc")
    except PerennialError as error:  # a bad argument is usage, not bad policy data
        raise PerennialError(error.source, error.problem) from None
    derived = derive(policies, load_observations(args.evidence, policies), glibc)
    print(render(derived, policies, args.date), end="")
    return ExitCode.OK


def _review(args: argparse.Namespace) -> int:
    from reference_impl.policy.review import review
    from reference_impl.policy.review_report import review_json, review_markdown

    done = review(args.policies or default_policy_dir(), args.base, args.census, args.evidence)
    print(json.dumps(review_json(done), indent=2) if args.json else review_markdown(done))
    return ExitCode.NO if done.evidence and done.evidence.mismatches else ExitCode.OK
