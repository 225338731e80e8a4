"""The ``perennial`` command: one subcommand module per audience, plus plugins.

Built-in subcommands live in this package (one module each, listed in ``BUILTIN_COMMANDS``).
Packages that ``reference_impl`` must not import (the conformance suite) contribute theirs
through the ``perennial.commands`` entry-point group. Each module exposes
``register(subparsers)`` and sets ``func`` on its parsers; ``func(args) -> int`` returns an
exit code from :class:`reference_impl.errors.ExitCode`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from reference_impl import __version__
from reference_impl.display import shown
from reference_impl.errors import ExitCode, PerennialError

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from reference_impl.policy import PolicySet

    Register = Callable[[Any], None]

BUILTIN_COMMANDS: dict[str, str] = {
    "policy": "policy",
    "audit": "audit",
    "tags": "tags",
    "compatible": "compatible",
    "select": "select",
    "index-check": "index_check",
    "census": "census",
}
"""Command name -> module of ``reference_impl.cli`` that registers it, in ``--help`` order."""

EXIT_CODES_HELP = "exit codes:\n" + "\n".join(
    f"  {code.value:<3} {code.meaning}" for code in ExitCode
)


def _registrars(command: str | None = None) -> list[Register]:
    """The registrars to run: only the named built-in command's, or every one and plugins.

    Importing one command module instead of all of them (and skipping the entry-point scan)
    is most of a short command's start-up time and memory. ``--version`` needs none: it is
    answered as soon as argparse meets it.
    """
    if command == "--version":
        return []
    names = (
        [BUILTIN_COMMANDS[command]] if command in BUILTIN_COMMANDS else BUILTIN_COMMANDS.values()
    )
    found: list[Register] = [
        importlib.import_module(f"reference_impl.cli.{name}").register for name in names
    ]
    if command not in BUILTIN_COMMANDS:
        from importlib.metadata import entry_points  # 3 MB of imports: only to list plugins

        found.extend(entry.load() for entry in entry_points(group="perennial.commands"))
    return found


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong command line reported in one escaped line and exit code 2
    (argparse's own report spans several lines and echoes unknown arguments as typed)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            int(ExitCode.USAGE),
            f"{self.prog}: error: {shown(message)} (see {self.prog} --help)\n",
        )


def positive_count(limit: int) -> Callable[[str], int]:
    """An argparse ``type`` for a count from 1 to ``limit``: anything else is a usage error."""

    def parse(text: str) -> int:
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 0
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number from 1 to {limit}")
        return value

    return parse


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every command, or only ``command`` when it is a built-in one."""
    parser = _Parser(
        prog="perennial",
        description="The executable specification of manylinux platform tags (PEP 600).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"perennial {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _registrars(command):
        register(subparsers)
    return parser


def add_command(
    subparsers: Any, name: str, help_text: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add a subcommand whose ``--help`` ends with the shared exit-code table."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def say(line: str, *, stderr: bool = False) -> None:
    """Print one line of text output; what came from input in it is escaped
    (:func:`reference_impl.display.shown`), so a line stays one honest line."""
    print(shown(line), file=sys.stderr if stderr else sys.stdout)


def add_policies_option(parser: Any) -> None:
    """Add ``--policies DIR`` to a parser or argument group (read with :func:`policies_from`)."""
    parser.add_argument(
        "--policies", type=Path, metavar="DIR", help="read another policy directory"
    )


def policies_from(args: Any) -> PolicySet:
    """The policy data ``--policies`` names, or the shipped data without it."""
    from reference_impl.policy import default_policies, load_policies  # not for --help

    return load_policies(args.policies) if args.policies else default_policies()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every known failure becomes one line on stderr and its exit code."""
    try:
        arguments = sys.argv[1:] if argv is None else list(argv)
        first = arguments[0] if arguments else None
        parser = build_parser(first)
        args = parser.parse_args(arguments)
        code: int = args.func(args)
        return code
    except PerennialError as error:
        print(f"perennial: {shown(str(error))}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("perennial: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as error:  # the edge: a bug still gets one line, not a traceback
        problem = shown(f"{type(error).__name__}: {error}")
        print(f"perennial: internal error: {problem}", file=sys.stderr)
        return int(ExitCode.INTERNAL)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
