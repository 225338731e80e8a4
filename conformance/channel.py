"""A child process spoken to in lines, where every wait has a deadline and every line a size.

The harness distrusts the program under test: it may never answer, answer forever without a
newline, stop reading its input, or leave children behind. :class:`Child` starts the program
in a session of its own, writes and reads through non-blocking pipes with a deadline on each
step, keeps at most :data:`MAX_LINE` bytes of an unfinished line, and on :meth:`Child.kill`
ends the whole process group it started (and nothing else).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence

MAX_LINE = 1 << 20
"""Longest reply line kept (1 MiB): the largest real answer, a list of every tag a system
accepts, is a few kilobytes."""


class ChannelError(Exception):
    """The exchange broke: the message says what happened, without naming the tool or case."""


class NoReply(ChannelError):
    """The deadline passed before a whole line arrived."""


class Closed(ChannelError):
    """The program closed its output (usually: it exited) before a whole line arrived."""


class Child:
    """One started program: its stdin and stdout are ours, its stderr is the user's."""

    def __init__(self, command: Sequence[str]) -> None:
        try:
            self.process = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
                start_new_session=True,
            )
        except OSError as error:
            raise ChannelError(f"cannot start: {error.strerror or error}") from None
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self._pending = bytearray()
        self._eof = False

    def send(self, line: str, deadline: float) -> None:
        """Write ``line`` and a newline; :class:`NoReply` if the program stops reading."""
        data = memoryview((line + "\n").encode("utf-8"))
        while data:
            self._wait(self._in, selectors.EVENT_WRITE, deadline, "stopped reading its input")
            try:
                written = os.write(self._in, data)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise Closed("closed its input") from None
            data = data[written:]

    def receive(self, deadline: float) -> str:
        """The next line without its newline; raises :class:`NoReply` or :class:`Closed`."""
        while b"\n" not in self._pending:
            if len(self._pending) > MAX_LINE:
                raise ChannelError(f"wrote a line longer than {MAX_LINE} bytes")
            if self._eof:
                tail = f" after the unfinished line {self._preview()}" if self._pending else ""
                raise Closed(f"closed its output{tail}")
            self._wait(self._out, selectors.EVENT_READ, deadline, "no reply")
            self._read()
        line, _, rest = self._pending.partition(b"\n")
        self._pending = bytearray(rest)
        if len(line) > MAX_LINE:
            raise ChannelError(f"wrote a line longer than {MAX_LINE} bytes")
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            raise ChannelError(f"wrote a line that is not UTF-8: {bytes(line[:60])!r}") from None

    def close_input(self) -> None:
        """Close the program's stdin: it sees the end of its input."""
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.close()

    def wait(self, deadline: float) -> int | None:
        """The exit status once the program exits before ``deadline``, else None."""
        try:
            return self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int:
        """Kill the program and every process of its session; its exit status (negative: the
        signal that ended it)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        status = self.process.wait()
        self.close_input()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return status

    def _read(self) -> None:
        try:
            chunk = os.read(self._out, 65536)
        except BlockingIOError:
            return
        if chunk:
            self._pending += chunk
        else:
            self._eof = True

    def _wait(self, fd: int, event: int, deadline: float, what: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining > 0:
            with selectors.DefaultSelector() as selector:
                selector.register(fd, event)
                if selector.select(remaining):
                    return
        raise NoReply(what)

    def _preview(self) -> str:
        return repr(bytes(self._pending[:60]).decode("utf-8", "replace"))
