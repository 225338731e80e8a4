"""A writable copy of the shipped policy data, for tests that break or extend it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reference_impl.policy import default_policy_dir

# ../shared/evidence beside the checkout (a worktree sits one level deeper than /work/main)
EVIDENCE = next(
    (p / "shared" / "evidence" for p in Path(__file__).parents if (p / "shared/evidence").is_dir()),
    Path("/nonexistent"),
)
needs_evidence = pytest.mark.skipif(
    not EVIDENCE.is_dir(), reason="../shared/evidence is not beside the checkout"
)


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
