"""The conformance protocol, version 1: any program can take part over stdin and stdout.

Two transports share one message format (``schema/protocol-v1.json``, described in
``PROTOCOL.md``): a long-lived JSON-lines server that receives ``start``, any number of
``run`` and a ``stop``; and a one-shot command run once per message, which answers one line
and exits. :class:`JsonLinesAdapter` and :class:`OneShotAdapter` make either look like any
other adapter to the harness; :func:`serve` turns an in-process adapter into a server.

The harness distrusts the program. Every reply must arrive within :attr:`Limits.reply`
seconds and the whole run within :attr:`Limits.run`; it must carry the ``seq`` of the run it
answers and match the schema. A hang, a line that is not a reply, or a wrong ``seq`` ends
the run: that case is an error, the rest are not asked, and :attr:`Session.ended` names the
tool and the case. A reply that breaks the schema is an error for its case. Exit status and
shutdown are recorded; every violation is a problem that fails the run.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any, TypeVar

from conformance import schema_check
from conformance.adapters import ADAPTERS
from conformance.adapters.base import Adapter, AdapterError, Outcome, Request
from conformance.channel import ChannelError, Child, Closed, NoReply
from conformance.results import Session
from conformance.systems import Override, SystemProfile
from reference_impl.display import shown

PROTOCOL = 1
SCHEMA = "protocol-v1.json"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Limits:
    """How long the harness waits, in seconds (``run --timeout``, ``--run-timeout``)."""

    reply: float = 60.0
    """For each reply (the ``start`` reply and each ``run``'s)."""
    run: float = 1800.0
    """For the whole run, from starting the program to its last reply."""
    stop: float = 10.0
    """For the program to exit after ``stop`` before it is killed."""


def validate(message: Any, definition: str) -> list[str]:
    """Problems of ``message`` against one ``$defs`` entry of the protocol schema."""
    schema = schema_check.load_schema(SCHEMA)
    try:
        return schema_check.errors_of(message, schema["$defs"][definition], schema)
    except RecursionError:
        return ["$: nested too deeply to check"]


def output_problems(operation: str, output: Any) -> list[str]:
    """Problems of an operation's output against ``output.<operation>`` of the schema."""
    return validate(output, f"output.{operation}")


def request_from_json(payload: Mapping[str, Any]) -> Request:
    """Rebuild a :class:`Request` from its protocol form (what a Python server receives)."""
    system = _rebuild(SystemProfile, payload["system"]) if "system" in payload else None
    override = _rebuild(Override, payload["override"])
    fixture = Path(payload["fixture_path"]) if "fixture_path" in payload else None
    return Request(payload["id"], payload["operation"], payload["input"], system, override, fixture)


def _rebuild(kind: type[_T], data: Mapping[str, Any]) -> _T:
    """A dataclass from its ``asdict`` form, ignoring keys it lacks (``source``, additions)."""
    known = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    return kind(**{key: value for key, value in data.items() if key in known})


def answer_json(seq: int, outcome: Outcome) -> dict[str, Any]:
    """The protocol reply for an outcome."""
    if outcome.kind == "output":
        reply: dict[str, Any] = {"seq": seq, "output": outcome.value}
        if outcome.unsupported:
            reply["unsupported"] = sorted(outcome.unsupported)
        return reply
    return {"seq": seq, outcome.kind: str(outcome.value)}


def outcome_from_json(reply: Mapping[str, Any]) -> Outcome:
    """The outcome a schema-valid reply stands for."""
    if "output" in reply:
        return Outcome.output(reply["output"], reply.get("unsupported", ()))
    if "skip" in reply:
        return Outcome.skip(reply["skip"])
    return Outcome.error(reply["error"])


def serve(
    adapter: Adapter,
    name: str | None = None,
    stdin: IO[str] = sys.stdin,
    stdout: IO[str] = sys.stdout,
) -> int:
    """Answer protocol messages on ``stdin`` until ``stop`` or end of input, announcing
    ``name`` (an external tool may not take a built-in adapter's name)."""
    for line in stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        command = message.get("cmd")
        if command == "stop":
            break
        if command == "start":
            reply: dict[str, Any] = {
                "protocol": PROTOCOL,
                "ready": True,
                "implementation": {"name": name or adapter.name, "version": adapter.version()},
                "operations": sorted(adapter.operations),
            }
        elif command == "run":
            request = request_from_json(message["case"])
            reply = answer_json(message["seq"], adapter.answer_safely(request))
        else:
            reply = {"seq": message.get("seq", 0), "error": f"unknown command {command!r}"}
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()
    adapter.close()
    return 0


class _Broken(Exception):
    """The exchange cannot go on: the run ends (the message names what happened)."""


class _Failed(Exception):
    """This message got no usable reply, but the next one may (a one-shot process died)."""


class _ProtocolAdapter(Adapter):
    """Handshake, deadlines and the checks every reply passes, whatever the transport."""

    def __init__(self, command: str | Sequence[str], limits: Limits | None = None) -> None:
        self.command = shlex.split(command) if isinstance(command, str) else list(command)
        if not self.command:
            raise AdapterError("no command given")
        self.limits = limits or Limits()
        self.name = shown(self.command[0])
        self.problems: list[str] = []
        self.ended: str | None = None
        self.shutdown: str | None = None
        self._seq = 0
        self._deadline = time.monotonic() + self.limits.run
        try:
            started = self._exchange({"cmd": "start", "protocol": PROTOCOL})
        except (_Broken, _Failed) as broken:
            self._abandon()
            raise AdapterError(f"{self.name}: start: {broken}") from None
        problems = validate(started, "started")
        if problems:
            self._abandon()
            raise AdapterError(f"{self.name}: start reply breaks {SCHEMA}: {problems[0]}")
        name = started["implementation"]["name"]
        if name in ADAPTERS:
            self._abandon()
            raise AdapterError(
                f"{self.name}: calls itself {name!r}, the name of a built-in adapter; "
                "an external tool must choose a name of its own"
            )
        self.name = name
        self._version = started["implementation"]["version"]
        self.operations = frozenset(started["operations"])

    @property
    def session(self) -> Session:
        return Session(self.ended, self.shutdown, tuple(self.problems))

    def version(self) -> str:
        return self._version

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        """Answer requests in order until the run ends; the unasked ones get no outcome."""
        outcomes: dict[str, Outcome] = {}
        for request in requests:
            if self.ended is not None:
                break
            outcomes[request.case_id] = self.answer_safely(request)
        return outcomes

    def answer_safely(self, request: Request) -> Outcome:
        if request.operation not in self.operations:
            return Outcome.skip(f"{self.name} does not declare {request.operation}")
        if self.ended is not None:
            return Outcome.error(f"not asked: {self.ended}")
        self._seq += 1
        message = {"cmd": "run", "seq": self._seq, "case": request.to_json()}
        where = f"case {request.case_id} (seq {self._seq})"
        try:
            reply = self._exchange(message)
            seq = reply.get("seq")
            if type(seq) is not int or seq != self._seq:
                raise _Broken(f"replied with seq {shown(repr(seq))[:40]}")
        except _Failed as failed:
            self.problems.append(f"{self.name}: {failed} on {where}")
            return Outcome.error(str(failed))
        except _Broken as broken:
            self.ended = f"{self.name}: {broken} on {where}; the run ends here"
            self.problems.append(self.ended)
            self._abandon()
            return Outcome.error(str(broken))
        problems = validate(reply, "answer")
        if "output" in reply and not problems:
            found = output_problems(request.operation, reply["output"])
            problems = [problem.replace("$", "$.output", 1) for problem in found]
        if problems:
            self.problems.append(f"{self.name}: reply to {where} breaks {SCHEMA}: {problems[0]}")
            return Outcome.error(f"reply breaks {SCHEMA}: {problems[0]}")
        return outcome_from_json(reply)

    def _reply_deadline(self) -> float:
        return min(time.monotonic() + self.limits.reply, self._deadline)

    def _no_reply(self, deadline: float) -> str:
        if deadline >= self._deadline:
            return f"the whole run's limit of {self.limits.run:g} s ran out waiting for a reply"
        return f"no reply within {self.limits.reply:g} s"

    def _exchange(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """Send one message and return the reply object; :class:`_Broken` or
        :class:`_Failed` when there is none."""
        raise NotImplementedError

    def _abandon(self) -> None:
        """Stop talking to the program at once (it is killed where one is running)."""


def _status(child: Child, deadline: float) -> str:
    """``exit status N``, or ``still running`` if it has not exited by ``deadline``."""
    status = child.wait(deadline)
    return "still running" if status is None else f"exit status {status}"


def parse_reply(line: str) -> dict[str, Any]:
    """A reply line as a JSON object; :class:`_Broken` naming the line otherwise."""
    try:
        reply = json.loads(line)
    except (ValueError, RecursionError):
        reply = None
    if not isinstance(reply, dict):
        raise _Broken(f"wrote {shown(line[:80])!r}, which is not a JSON object,")
    return reply


class JsonLinesAdapter(_ProtocolAdapter):
    """A long-lived server speaking the protocol over its stdin and stdout."""

    def __init__(self, command: str | Sequence[str], limits: Limits | None = None) -> None:
        self.child: Child | None = None
        super().__init__(command, limits)

    def _exchange(self, message: Mapping[str, Any]) -> dict[str, Any]:
        deadline = self._reply_deadline()
        try:
            if self.child is None:
                self.child = Child(self.command)
            self.child.send(json.dumps(message), deadline)
            return parse_reply(self.child.receive(deadline))
        except NoReply:
            raise _Broken(self._no_reply(deadline)) from None
        except Closed as closed:
            assert self.child is not None
            raise _Broken(f"{closed} ({_status(self.child, time.monotonic() + 1)})") from None
        except ChannelError as error:
            raise _Broken(str(error)) from None

    def _abandon(self) -> None:
        if self.child is None or self.shutdown is not None:
            return
        exited = self.child.process.poll()
        self.child.kill()
        if exited is None:
            self.shutdown = "killed when the run ended"
        else:
            self.shutdown = f"exit status {exited} before the run ended"

    def close(self) -> None:
        """Send ``stop``, expect exit status 0 within the grace time, and record how it went."""
        if self.child is None or self.shutdown is not None:
            return
        deadline = time.monotonic() + self.limits.stop
        with contextlib.suppress(ChannelError):
            self.child.send(json.dumps({"cmd": "stop"}), deadline)
        self.child.close_input()
        self._drain(deadline)
        status = self.child.wait(deadline)
        self.child.kill()  # the program if it is still running, and whatever it left behind
        if status is None:
            self.shutdown = f"did not exit within {self.limits.stop:g} s of stop; killed"
            self.problems.append(f"{self.name}: {self.shutdown}")
            return
        self.shutdown = f"exit status {status} after stop"
        if status != 0:
            self.problems.append(f"{self.name}: {self.shutdown}, not 0")

    def _drain(self, deadline: float) -> None:
        """Read what the program writes after ``stop``: a line there is a protocol problem."""
        assert self.child is not None
        try:
            line = self.child.receive(deadline)
        except ChannelError:
            return
        self.problems.append(f"{self.name}: wrote {shown(line[:80])!r} after stop")


class OneShotAdapter(_ProtocolAdapter):
    """A command run once per message: one JSON object on stdin, one JSON line on stdout.

    A process that hangs ends the run; one that exits without a clean reply is an error for
    its message only, since the next process starts afresh.
    """

    def _exchange(self, message: Mapping[str, Any]) -> dict[str, Any]:
        deadline = self._reply_deadline()
        try:
            child = Child(self.command)
        except ChannelError as error:
            raise _Broken(str(error)) from None
        try:
            child.send(json.dumps(message), deadline)
            child.close_input()
            line = child.receive(deadline)
            self._expect_exit(child, deadline)
        except NoReply:
            raise _Broken(self._no_reply(deadline)) from None
        except ChannelError as error:
            raise _Failed(f"{error} ({_status(child, deadline)})") from None
        finally:
            child.kill()
        return parse_reply(line)

    @staticmethod
    def _expect_exit(child: Child, deadline: float) -> None:
        """After its one line the command must close its output and exit with status 0."""
        try:
            extra = child.receive(deadline)
        except Closed:
            status = child.wait(deadline)
            if status is None:
                raise _Broken("did not exit after replying") from None
            if status != 0:
                raise _Failed(f"exited with status {status} after replying") from None
            return
        raise _Failed(f"wrote a second line {shown(extra[:80])!r}")
