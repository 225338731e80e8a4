"""Fixtures for the installer, override and index tests."""

from __future__ import annotations

import pytest

from reference_impl.policy import PolicySet, default_policies


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    """The shipped policy data."""
    return default_policies()
