"""Every request a page and its workers send, from Chromium's DevTools protocol (CDP).

selenium's own CDP calls and its performance log see the page only, not the dedicated worker
the wheel check runs in, so this opens a second CDP connection to the same browser, attaches
to every page and, through them, to every worker (``Target.setAutoAttach``, flattened), and
records each ``Network.requestWillBeSent``. It can also cut the network of all of them
(``Network.emulateNetworkConditions``), and run an expression in a worker
(``Runtime.evaluate``), which selenium cannot reach.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.request
from typing import Any

import websocket  # a dependency of selenium

WATCHED = {"page", "iframe", "worker", "shared_worker", "service_worker"}
"""Target types a page's content runs in (the browser's own UI is left out)."""


class NetworkRecorder:
    """Records the URL of every request of every page and worker of ``driver``'s browser."""

    def __init__(self, driver: Any) -> None:
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/version", timeout=10) as answer:
            endpoint = json.load(answer)["webSocketDebuggerUrl"]
        self._socket = websocket.create_connection(endpoint, suppress_origin=True)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._sessions: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        """(target type, URL) of every request, in order."""
        self._offline = False
        self._answers: dict[int, dict[str, Any]] = {}
        self._answered = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._attach(None, waiting=False)

    def _send(self, method: str, params: dict[str, Any], session: str | None = None) -> int:
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        with self._lock:
            self._socket.send(json.dumps(message))
        return ident

    def _attach(self, session: str | None, *, waiting: bool) -> None:
        params = {"autoAttach": True, "waitForDebuggerOnStart": waiting, "flatten": True}
        self._send("Target.setAutoAttach", params, session)

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self._socket.recv())
            except (websocket.WebSocketException, OSError, ValueError):
                return
            method, params = message.get("method"), message.get("params", {})
            if "id" in message:
                with self._answered:
                    self._answers[message["id"]] = message
                    self._answered.notify_all()
            elif method == "Target.detachedFromTarget":
                self._sessions.pop(params["sessionId"], None)
            elif method == "Network.requestWillBeSent":
                kind = self._sessions.get(message.get("sessionId", ""), "?")
                self.requests.append((kind, params["request"]["url"]))
            elif method == "Target.attachedToTarget":
                session, kind = params["sessionId"], params["targetInfo"]["type"]
                self._sessions[session] = kind
                if kind in WATCHED:
                    self._send("Network.enable", {}, session)
                    if self._offline:
                        self._send("Network.emulateNetworkConditions", _conditions(True), session)
                    self._attach(session, waiting=True)
                self._send("Runtime.runIfWaitingForDebugger", {}, session)

    def set_offline(self, offline: bool) -> None:
        """Cut (or restore) the network of every page and worker attached so far and later."""
        self._offline = offline
        for session, kind in list(self._sessions.items()):
            if kind in WATCHED:
                self._send("Network.emulateNetworkConditions", _conditions(offline), session)

    def evaluate(self, kind: str, expression: str, timeout: float = 30) -> Any:
        """The value of ``expression`` (a promise is awaited) in the newest live target of type
        ``kind`` (e.g. the page's newest worker)."""
        sessions = [s for s, k in list(self._sessions.items()) if k == kind]
        assert sessions, f"no {kind} is attached"
        params = {
            "expression": expression,
            "awaitPromise": True,
            "returnByValue": True,
            "allowUnsafeEvalBlockedByCSP": False,
        }
        ident = self._send("Runtime.evaluate", params, sessions[-1])
        with self._answered:
            if not self._answered.wait_for(lambda: ident in self._answers, timeout):
                raise TimeoutError(f"no answer to Runtime.evaluate in a {kind} in {timeout} s")
            answer = self._answers.pop(ident)
        result = answer.get("result", {})
        if "error" in answer or "exceptionDetails" in result:
            raise RuntimeError(f"evaluating in a {kind} failed: {answer}")
        return result["result"].get("value")

    def urls(self) -> list[str]:
        return [url for kind, url in self.requests if kind in WATCHED]

    def close(self) -> None:
        self._send("Target.setAutoAttach", {"autoAttach": False, "waitForDebuggerOnStart": False})
        self._socket.close()
        self._reader.join(timeout=5)


def _conditions(offline: bool) -> dict[str, Any]:
    return {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
