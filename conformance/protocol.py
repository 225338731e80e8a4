"""The conformance protocol, version 1: any program can take part over stdin and stdout.

Two transports share one message format (``schema/protocol-v1.json``, described in
``PROTOCOL.md``): a long-lived JSON-lines server that receives ``start``, any number of
``run`` and a ``stop``; and a one-shot command run once per message, which answers one line
and exits. :class:`JsonLinesAdapter` and :class:`OneShotAdapter` make either look like any
other adapter to the harness; :func:`serve` turns an in-process adapter into a server.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import IO, Any, TypeVar

from conformance import schema_check
from conformance.adapters.base import Adapter, AdapterError, Outcome, Request
from conformance.systems import Override, SystemProfile

PROTOCOL = 1
SCHEMA = "protocol-v1.json"
TIMEOUT = 120
_T = TypeVar("_T")


def validate(message: Any, definition: str) -> list[str]:
    """Problems of ``message`` against one ``$defs`` entry of the protocol schema."""
    schema = schema_check.load_schema(SCHEMA)
    return schema_check.errors_of(message, schema["$defs"][definition], schema)


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
    if "output" in reply:
        return Outcome.output(reply["output"], reply.get("unsupported", ()))
    if "skip" in reply:
        return Outcome.skip(reply["skip"])
    return Outcome.error(reply.get("error", "no output, skip or error in the reply"))


def serve(adapter: Adapter, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> int:
    """Answer protocol messages on ``stdin`` until ``stop`` or end of input."""
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
                "implementation": {"name": adapter.name, "version": adapter.version()},
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


class _ProtocolAdapter(Adapter):
    """Common handshake: name, version and operations come from the ``start`` reply."""

    def __init__(self, command: str | Sequence[str]) -> None:
        self.command = shlex.split(command) if isinstance(command, str) else list(command)
        if not self.command:
            raise AdapterError("no command given")
        self.problems: list[str] = []
        started = self._start()
        self.problems += [f"start reply: {p}" for p in validate(started, "started")]
        if self.problems:
            raise AdapterError(f"{self.command[0]}: {self.problems[0]}")
        self.name = started["implementation"]["name"]
        self._version = started["implementation"]["version"]
        self.operations = frozenset(started["operations"])

    def _start(self) -> dict[str, Any]:
        raise NotImplementedError

    def version(self) -> str:
        return self._version

    def _checked(self, reply: Any) -> Outcome:
        problems = validate(reply, "answer")
        if problems:
            self.problems += problems
            return Outcome.error(f"malformed reply: {problems[0]}")
        return outcome_from_json(reply)


def _parse_line(line: str, where: str) -> dict[str, Any]:
    try:
        reply = json.loads(line)
    except ValueError:
        raise AdapterError(f"{where}: replied {line[:80]!r}, not a JSON line") from None
    if not isinstance(reply, dict):
        raise AdapterError(f"{where}: replied {line[:80]!r}, not a JSON object")
    return reply


class JsonLinesAdapter(_ProtocolAdapter):
    """A long-lived server speaking the protocol over its stdin and stdout."""

    def _start(self) -> dict[str, Any]:
        try:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        except OSError as error:
            raise AdapterError(f"{self.command[0]}: cannot start: {error}") from None
        return self._exchange({"cmd": "start", "protocol": PROTOCOL})

    def _exchange(self, message: Mapping[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise AdapterError(f"{self.command[0]}: exited before the exchange") from None
        line = self.process.stdout.readline()
        if not line:
            raise AdapterError(f"{self.command[0]}: closed its output (exit {self.process.poll()})")
        return _parse_line(line, self.command[0])

    def answer_safely(self, request: Request) -> Outcome:
        if request.operation not in self.operations:
            return Outcome.skip(f"{self.name} does not declare {request.operation}")
        seq = getattr(self, "_seq", 0) + 1
        self._seq = seq
        try:
            reply = self._exchange({"cmd": "run", "seq": seq, "case": request.to_json()})
        except AdapterError as error:
            return Outcome.error(str(error))
        if reply.get("seq") != seq:
            self.problems.append(f"reply to seq {seq} carries seq {reply.get('seq')!r}")
        return self._checked(reply)

    def close(self) -> None:
        """Send ``stop`` and expect a clean exit; a bad exit is a protocol problem."""
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
                self.process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
            self.problems.append("did not exit within 10 s of stop")
        if code != 0:
            self.problems.append(f"exited with status {code} after stop")


class OneShotAdapter(_ProtocolAdapter):
    """A command run once per message: one JSON object on stdin, one JSON line on stdout."""

    def _once(self, message: Mapping[str, Any]) -> dict[str, Any]:
        try:
            done = subprocess.run(
                self.command,
                input=json.dumps(message) + "\n",
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise AdapterError(f"{self.command[0]}: {error}") from None
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or len(lines) != 1:
            detail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise AdapterError(f"{self.command[0]}: expected one JSON line: {detail[0]}")
        return _parse_line(lines[0], self.command[0])

    def _start(self) -> dict[str, Any]:
        return self._once({"cmd": "start", "protocol": PROTOCOL})

    def answer_safely(self, request: Request) -> Outcome:
        if request.operation not in self.operations:
            return Outcome.skip(f"{self.name} does not declare {request.operation}")
        try:
            reply = self._once({"cmd": "run", "seq": 0, "case": request.to_json()})
        except AdapterError as error:
            return Outcome.error(str(error))
        return self._checked(reply)
