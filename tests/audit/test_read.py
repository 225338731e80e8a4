"""Reading a wheel's members in two threads gives exactly what reading them in order gives:
the same facts, or the same error (the first damaged member's, in archive order)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from reference_impl import audit_read
from reference_impl.audit_read import read_facts
from reference_impl.errors import PerennialError
from reference_impl.policy import default_policies

ROOT = Path(__file__).resolve().parents[2]
CRAFTED = sorted((ROOT / "conformance" / "fixtures" / "wheels").glob("*/*.whl"))


def facts_or_error(source: Path | io.BytesIO, name: str) -> object:
    try:
        return read_facts(source, name, default_policies())
    except PerennialError as error:
        return str(error)


def test_threads_read_every_crafted_wheel_as_one_thread_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_order = {wheel: facts_or_error(wheel, wheel.name) for wheel in CRAFTED}
    monkeypatch.setattr(audit_read, "PARALLEL_BYTES", 0)  # every member goes to the threads
    threaded = {wheel: facts_or_error(wheel, wheel.name) for wheel in CRAFTED}
    assert threaded == in_order
    assert sum(isinstance(found, str) for found in in_order.values()) > 5  # errors compared too


def test_a_wheel_given_as_a_file_object_is_read_in_threads_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wheels = {wheel.name: wheel.read_bytes() for wheel in CRAFTED[:40]}
    in_order = {name: facts_or_error(io.BytesIO(data), name) for name, data in wheels.items()}
    monkeypatch.setattr(audit_read, "PARALLEL_BYTES", 0)
    threaded = {name: facts_or_error(io.BytesIO(data), name) for name, data in wheels.items()}
    assert threaded == in_order


def test_a_python_without_threads_reads_big_wheels_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pyodide (the site's wheel check) cannot start a thread: there a wheel of big members
    is read in order, to the same facts, and no thread is asked for."""
    in_order = {wheel: facts_or_error(wheel, wheel.name) for wheel in CRAFTED}

    def refuse(*_args: object, **_named: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(audit_read, "PARALLEL_BYTES", 0)
    monkeypatch.setattr("threading.Thread.start", refuse)
    monkeypatch.setattr(sys, "platform", "emscripten")
    assert {wheel: facts_or_error(wheel, wheel.name) for wheel in CRAFTED} == in_order
