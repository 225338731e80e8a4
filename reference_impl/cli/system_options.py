"""Command-line options that describe the system to install for, shared by the installer
commands (``tags``, ``compatible``, ``select``).

No system option means the running interpreter, detected, with its ``_manylinux`` override.
A described system (``--glibc``/``--arch``/``--libc``, or ``--target TAG``) is another
machine, so no override is consulted unless ``--override`` names one
(clause installer.override.cross-target).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reference_impl.cli import add_policies_option, policies_from
from reference_impl.errors import SystemProbeError, os_cause
from reference_impl.files import open_regular
from reference_impl.override import Override, find_override, load_override
from reference_impl.policy import PolicySet
from reference_impl.system import ELF_HEADER_SIZE, Libc, TargetSystem, detect, parse_glibc_version
from reference_impl.tags import parse_platform_tag


@dataclass(frozen=True)
class Described:
    """The system, its override (if any) and the policy data a command runs with."""

    system: TargetSystem
    override: Override | None
    policies: PolicySet


def add_system_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that describe a system."""
    group = parser.add_argument_group(
        "system (default: the running interpreter, with its _manylinux override)"
    )
    group.add_argument(
        "--glibc",
        type=_glibc_option,
        metavar="VERSION",
        help="glibc version string as the system reports it, e.g. 2.28 or 2.17-centos",
    )
    group.add_argument("--arch", metavar="ARCH", help="architecture, e.g. aarch64")
    group.add_argument(
        "--libc",
        choices=("glibc", "musl", "unknown"),
        help="the system's libc (default glibc for a described system)",
    )
    group.add_argument(
        "--target",
        metavar="TAG",
        help="describe the system by a manylinux tag, e.g. manylinux2014_x86_64",
    )
    group.add_argument(
        "--interpreter-elf",
        type=Path,
        metavar="FILE",
        help="an ELF file standing in for the interpreter (its header decides the ABI)",
    )
    group.add_argument(
        "--override",
        type=Path,
        metavar="PATH",
        help="a _manylinux.py (or a directory holding one) to consult",
    )
    group.add_argument(
        "--no-override", action="store_true", help="do not consult the running _manylinux"
    )
    add_policies_option(group)


def _glibc_option(text: str) -> str:
    """``--glibc`` as given; a version no tag can name is a usage error (exit 2)."""
    try:
        parse_glibc_version(text)
    except SystemProbeError as error:
        raise argparse.ArgumentTypeError(f"{error.source}: {error.problem}") from None
    return text


def describe_system(args: Any) -> Described:
    """Build the system the options describe (or detect it)."""
    policies = policies_from(args)
    described = any(value is not None for value in (args.glibc, args.arch, args.libc, args.target))
    if args.target is not None:
        if args.glibc is not None or args.arch is not None or args.libc is not None:
            raise SystemProbeError("--target", "cannot be combined with --glibc, --arch or --libc")
        system = TargetSystem.from_tag(parse_platform_tag(args.target, policies))
    elif described:
        system = _from_options(args, policies)
    else:
        system = detect(policies=policies)
    if args.interpreter_elf is not None:
        system = _with_interpreter(system, args.interpreter_elf)
    override: Override | None = None
    if args.override is not None:
        override = load_override(args.override)
    elif not described and not args.no_override:
        override = find_override()
    return Described(system, override, policies)


def _from_options(args: Any, policies: PolicySet) -> TargetSystem:
    running = None
    if args.arch is None or (args.glibc is None and args.libc in (None, "glibc")):
        running = detect(policies=policies)
    arch = args.arch if args.arch is not None else running.arch if running else "unknown"
    linux = parse_platform_tag(f"linux_{arch}", policies)
    version = args.glibc if args.glibc is not None else running.libc_version if running else None
    libc: Libc = args.libc if args.libc is not None else "glibc"
    return TargetSystem(arch=linux.arch or arch, libc=libc, libc_version=version)


def _with_interpreter(system: TargetSystem, path: Path) -> TargetSystem:
    try:
        with open_regular(path) as handle:
            header = handle.read(ELF_HEADER_SIZE)
    except OSError as error:
        raise SystemProbeError(str(path), f"cannot be read: {os_cause(error)}") from None
    except ValueError as error:  # a NUL in the name
        raise SystemProbeError(str(path), f"cannot be read: {error}") from None
    try:
        return replace(system, interpreter_elf=header)
    except SystemProbeError:
        raise SystemProbeError(str(path), "not an ELF file (no complete ELF header)") from None


def system_json(described: Described) -> dict[str, Any]:
    """The system as JSON-ready data."""
    system = described.system
    return {
        "libc": system.libc,
        "libc_version": system.libc_version,
        "glibc": str(system.glibc) if system.glibc else None,
        "arch": system.arch,
        "native": system.native,
        "override": described.override.source if described.override else None,
    }
