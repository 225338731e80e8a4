"""One exception hierarchy for the package, each kind with its documented exit code.

The CLI turns any :class:`PerennialError` into one line, ``SOURCE: problem``, and the exit
code of its class; no traceback ever reaches a user.
"""

from __future__ import annotations

import errno
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes shared by every ``perennial`` command (documented in ``--help``)."""

    OK = 0
    NO = 1
    USAGE = 2
    BAD_INPUT = 3
    BAD_POLICY = 4
    OVERRIDE_FAILED = 5
    INTERNAL = 70

    @property
    def meaning(self) -> str:
        """What a script may conclude from this code."""
        return EXIT_CODE_MEANINGS[self]


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "yes: compatible, accepted, earns its tag, every case agreed",
    ExitCode.NO: "a definite no: incompatible, rejected, does not earn its tag, a case failed",
    ExitCode.USAGE: "the command line itself is wrong",
    ExitCode.BAD_INPUT: "an input is malformed or unreadable (tag, wheel, ELF file, case file)",
    ExitCode.BAD_POLICY: "the policy data is malformed or inconsistent",
    ExitCode.OVERRIDE_FAILED: "a _manylinux override module raised or misbehaved",
    ExitCode.INTERNAL: "a bug in perennial itself (still reported in one line)",
}


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


def os_cause(error: OSError) -> str:
    """What the system said, with its symbolic name, for a one-line message:
    ``Invalid argument (EINVAL)``, ``No such file or directory (ENOENT)``."""
    name = errno.errorcode.get(error.errno or 0)
    text = error.strerror or type(error).__name__
    return f"{text} ({name})" if name else text
