"""Peer versions come from one place and a mismatch stops the adapter loudly."""

from __future__ import annotations

import sys

import pytest

from conformance import pins
from conformance.adapters.base import AdapterError
from conformance.smoke import smoke


def test_every_peer_is_pinned_in_the_peers_extra():
    assert set(pins.pinned()) == {
        "packaging",
        "pip",
        "uv",
        "auditwheel",
        "distlib",
        "dep-logic",
        "nab-provider",
        "auditwheel-symbols",
    }


def test_a_version_other_than_the_pinned_one_is_refused(monkeypatch):
    monkeypatch.setattr(pins, "pinned", lambda: {"pip": "0.0.1"})
    with pytest.raises(AdapterError, match=r"pip: .* is installed but 0\.0\.1 is pinned"):
        pins.check_pinned("pip")


def test_an_unpinned_tool_is_refused():
    with pytest.raises(AdapterError, match="not pinned"):
        pins.check_pinned("no-such-tool")


def test_any_in_process_adapter_can_be_served_over_the_protocol():
    report = smoke([sys.executable, "-m", "conformance.servers", "packaging"])
    assert report.ok, report.lines
