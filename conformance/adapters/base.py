"""What an adapter is: something that answers the suite's operations for one implementation.

The harness resolves each case into a :class:`Request` (profile, override and fixture looked
up) and asks the adapter for an :class:`Outcome`: the tool's actual output, a skip when the
tool has no such operation (never a made-up answer), or an error when the adapter itself
could not get an answer.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from conformance import systems
from conformance.cases import Case
from conformance.systems import FIXTURES_DIR, Override, SystemProfile

PYTHON = sys.executable
"""This interpreter, captured at import: in-process adapters patch ``sys.executable`` while
they pose as another system, and subprocess adapters running meanwhile must not see that."""
CPYTHON = (3, 11)
"""The CPython adapters pose as when a case's system names no interpreter (targets, profiles
without ``python``): such cases ask only about ``py3-none`` wheels, which every CPython 3
answers alike. This is also the interpreter the black-box installers' environments run."""


def cpython_of(request: Request) -> tuple[int, int]:
    """The CPython version the request's system runs: its profile's ``python`` when it names
    one (the protocol passes it on as ``system.python``), else :data:`CPYTHON`."""
    named = request.system.cpython if request.system is not None else None
    return named or CPYTHON


def running_cpython(request: Request) -> tuple[int, int]:
    """This interpreter's version, for in-process tools that read it rather than being told;
    :class:`Skip` when the request's profile names another CPython."""
    running = (sys.version_info[0], sys.version_info[1])
    named = request.system.cpython if request.system is not None else None
    if named not in (None, running):
        assert request.system is not None
        profile = request.system.python
        raise Skip(f"the tool reads this CPython {running}, not the profile's {profile}")
    return running


def probe_wheel(tag: str, python: tuple[int, int]) -> str:
    """A wheel of CPython ``python`` whose only question is its platform tag: for tools that
    judge whole filenames, ``installer.compatible`` asks about this one."""
    version = "{}{}".format(*python)
    return f"demo-1.0-cp{version}-cp{version}-{tag}.whl"


def is_linux_family(tag: str) -> bool:
    """Whether a platform tag is one ``installer.tags`` lists: manylinux or linux."""
    return tag.startswith(("manylinux", "linux_"))


class Skip(Exception):
    """Raised by an adapter for an operation or input its tool does not support."""


def skip_if_only_in_working_directory(request: Request) -> None:
    """In process, a ``_manylinux`` only in the working directory has no defined answer.

    Whether it is imported depends on how the host program was started (``python -c`` and
    ``-m`` put the directory on ``sys.path``, pip removes it again), not on the library.
    """
    if request.override.location == "cwd":
        raise Skip("in process, whether the working directory is searched is the host's choice")


class AdapterError(Exception):
    """The adapter could not get an answer from its tool (tool missing, wrong version, crash)."""


@dataclass(frozen=True)
class Request:
    """One case, resolved: what the adapter needs to ask its tool."""

    case_id: str
    operation: str
    input: Mapping[str, Any]
    system: SystemProfile | None
    override: Override
    fixture: Path | None

    @classmethod
    def from_case(cls, case: Case) -> Request:
        data = case.input
        profile = systems.system(data["profile"]) if "profile" in data else None
        return cls(
            case_id=case.id,
            operation=case.operation,
            input=data,
            system=profile,
            override=systems.override(data.get("override")),
            fixture=fixture_path(data["fixture"]) if "fixture" in data else None,
        )

    def to_json(self) -> dict[str, Any]:
        """The request as the protocol sends it: everything resolved, nothing to look up."""
        payload: dict[str, Any] = {"id": self.case_id, "operation": self.operation}
        payload["input"] = dict(self.input)
        if self.system is not None:
            payload["system"] = asdict(self.system)
        payload["override"] = {
            **asdict(self.override),
            "source": systems.override_source(self.override),
        }
        if self.fixture is not None:
            payload["fixture_path"] = str(self.fixture)
        return payload


@dataclass(frozen=True)
class Outcome:
    """An adapter's answer to one request."""

    kind: str
    """"output", "skip" or "error"."""
    value: Any
    unsupported: frozenset[str] = frozenset()
    """Output fields the tool has no answer for: not compared, never invented."""

    @classmethod
    def output(cls, value: Mapping[str, Any], unsupported: Iterable[str] = ()) -> Outcome:
        return cls("output", dict(value), frozenset(unsupported))

    @classmethod
    def skip(cls, reason: str) -> Outcome:
        return cls("skip", reason)

    @classmethod
    def error(cls, message: str) -> Outcome:
        return cls("error", message)


def fixture_path(name: str) -> Path:
    """The crafted wheel a case names: ``fixtures/wheels/<name>/<the one .whl>``."""
    directory = FIXTURES_DIR / "wheels" / name
    wheels = sorted(directory.glob("*.whl")) if directory.is_dir() else []
    if len(wheels) != 1:
        found = [w.name for w in wheels] or "nothing"
        raise AdapterError(f"fixture {name!r}: expected one wheel in {directory}, found {found}")
    return wheels[0]


class Adapter:
    """Base class: subclasses set ``name`` and implement :meth:`version` and :meth:`answer`.

    Adapters whose tool is slow to start override :meth:`answer_all` to batch requests.
    """

    name: str = ""
    operations: frozenset[str] = frozenset()
    """The operations this tool can answer; every other one is skipped."""
    unsupported_fields: frozenset[str] = frozenset()
    """Output fields this tool has no answer for (e.g. auditwheel has no clause findings)."""

    def version(self) -> str:
        raise NotImplementedError

    def answer(self, request: Request) -> Mapping[str, Any]:
        """The tool's output for one request; raise :class:`Skip` or :class:`AdapterError`."""
        raise NotImplementedError

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        """Answer every request; one failing request never stops the others."""
        outcomes: dict[str, Outcome] = {}
        for request in requests:
            outcomes[request.case_id] = self.answer_safely(request)
        return outcomes

    def answer_safely(self, request: Request) -> Outcome:
        if request.operation not in self.operations:
            return Outcome.skip(f"{self.name} has no {request.operation} operation")
        try:
            return Outcome.output(self.answer(request), self.unsupported_fields)
        except Skip as skip:
            return Outcome.skip(str(skip))
        except AdapterError as error:
            return Outcome.error(str(error))
        except Exception as error:  # the tool under test crashed on this case: record, go on
            return Outcome.error(f"{self.name} raised {type(error).__name__}: {error}")

    def close(self) -> None:
        """Release what the adapter holds (subprocesses, temporary directories)."""
