"""One exception hierarchy for the package, each kind with its documented exit code.

The CLI turns any :class:`PerennialError` into one line, ``SOURCE: problem``, and the exit
code of its class; no traceback ever reaches a user.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes shared by every ``perennial`` command (documented in ``--help``)."""

    OK = 0
    """Success: yes, compatible, accepted, earns its tag, every case agreed."""
    NO = 1
    """A definite negative answer: incompatible, rejected, does not earn its tag, a case failed."""
    USAGE = 2
    """The command line itself is wrong (argparse's own code)."""
    BAD_INPUT = 3
    """An input could not be read or is malformed: a tag, a wheel, an ELF file, a case file."""
    BAD_POLICY = 4
    """The policy data is malformed or inconsistent."""
    OVERRIDE_FAILED = 5
    """A ``_manylinux`` override module raised or misbehaved."""
    INTERNAL = 70
    """A bug in perennial itself (reported in one line all the same)."""


class PerennialError(Exception):
    """Base class: a problem with a named source (a file, a tag, a module) and one line of text."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class PolicyError(PerennialError):
    """The policy data is malformed or inconsistent (names the file and the key)."""

    exit_code = ExitCode.BAD_POLICY


class UnknownNameError(PolicyError):
    """A baseline, alias or architecture name the policy data does not know (a user's input,
    so it exits as bad input, not as broken policy data)."""

    exit_code = ExitCode.BAD_INPUT


class TagError(PerennialError):
    """A platform tag or wheel filename does not follow the grammar."""


class SystemProbeError(PerennialError):
    """A system description could not be built (bad glibc string, unknown architecture, ...)."""


class OverrideError(PerennialError):
    """A ``_manylinux`` override raised on import or on call, or returned nonsense."""

    exit_code = ExitCode.OVERRIDE_FAILED


class ELFError(PerennialError):
    """A file is not a readable ELF object (truncated, corrupt, wrong magic)."""


class WheelError(PerennialError):
    """A wheel cannot be read: not a zip, hostile member names or sizes, missing metadata."""
