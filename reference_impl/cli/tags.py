"""``perennial tags``: the platform tags a system accepts, most preferred first."""

from __future__ import annotations

import json
from typing import Any

from reference_impl.cli import add_command, say
from reference_impl.cli.system_options import add_system_options, describe_system, system_json
from reference_impl.display import shown
from reference_impl.errors import ExitCode
from reference_impl.installer import platform_tags


def register(subparsers: Any) -> None:
    """Add ``tags``."""
    parser = add_command(
        subparsers,
        "tags",
        "list the platform tags a system accepts, most preferred first",
        "List the manylinux and linux platform tags a system accepts, most preferred first "
        "(spec: installers, installer.order.*). Exit 0 when at least one manylinux tag is "
        "accepted, 1 when none is.",
    )
    add_system_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_tags)


def _tags(args: Any) -> int:
    described = describe_system(args)
    tags = platform_tags(described.system, policies=described.policies, override=described.override)
    system = described.system
    if system.libc != "glibc" or system.glibc is None:
        say(
            f"perennial: note: {system.describe()}: no manylinux tag fits "
            "(installer.glibc-unparseable)",
            stderr=True,
        )
    if args.json:
        print(json.dumps({"system": system_json(described), "tags": [t.text for t in tags]}))
    elif tags:  # one write, each tag escaped as say() escapes it: glibc 2.65535 lists 65,536
        print("\n".join(shown(tag.text) for tag in tags))
    return ExitCode.OK if any(t.is_manylinux for t in tags) else ExitCode.NO
