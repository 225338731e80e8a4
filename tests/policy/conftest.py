"""A writable copy of the shipped policy data, for tests that break or extend it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reference_impl.policy import default_policy_dir


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A fresh copy of policies/ that a test may edit."""
    target = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact snippet in a policy file (the test fails loudly if it is absent)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
