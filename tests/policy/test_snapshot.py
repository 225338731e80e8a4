"""The policy snapshot serves exactly what the TOML says, and is never served stale, damaged
or from a file someone else could have written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference_impl.errors import PolicyError
from reference_impl.policy import PolicySet, load_policies
from reference_impl.policy.snapshot import CACHE_DIR_ENV, cached_load

from .conftest import edit


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


def _never(directory: Path) -> PolicySet:
    raise AssertionError(f"{directory} was read although its snapshot is current")


def test_the_first_load_writes_a_snapshot_the_second_is_served_from_it(
    policy_copy: Path, cache: Path
) -> None:
    loaded = cached_load(policy_copy, load_policies)
    assert loaded == load_policies(policy_copy)
    (snapshot,) = cache.glob("policies-*.pickle")
    assert snapshot.stat().st_mode & 0o077 == 0
    assert cached_load(policy_copy, _never) == loaded


def test_a_changed_policy_file_is_read_again_never_served_stale(
    policy_copy: Path, cache: Path
) -> None:
    before = cached_load(policy_copy, load_policies)
    edit(policy_copy / "baselines" / "manylinux_2_17.toml", "\n", "\n# reviewed\n")
    edit(policy_copy / "architectures.toml", "64-bit IBM Z", "IBM Z, 64-bit")
    after = cached_load(policy_copy, load_policies)
    assert after == load_policies(policy_copy) != before
    assert len(list(cache.glob("policies-*.pickle"))) == 2


def test_only_the_newest_snapshots_are_kept(
    policy_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reference_impl.policy.snapshot._KEEP", 2)
    for n in range(4):
        edit(policy_copy / "sources.toml", "\n", f"\n# edit {n}\n")
        cached_load(policy_copy, load_policies)
    assert len(list(cache.glob("policies-*.pickle"))) == 2
    assert cached_load(policy_copy, _never).directory == policy_copy


def test_a_damaged_snapshot_is_ignored_and_replaced(policy_copy: Path, cache: Path) -> None:
    expected = cached_load(policy_copy, load_policies)
    (snapshot,) = cache.glob("policies-*.pickle")
    snapshot.write_bytes(snapshot.read_bytes()[:500])
    assert cached_load(policy_copy, load_policies) == expected
    assert cached_load(policy_copy, _never) == expected


def test_a_snapshot_others_can_write_is_never_unpickled(policy_copy: Path, cache: Path) -> None:
    cached_load(policy_copy, load_policies)
    (snapshot,) = cache.glob("policies-*.pickle")
    snapshot.chmod(0o666)  # its content is fine: only who could have written it is wrong
    with pytest.raises(AssertionError, match="was read although"):
        cached_load(policy_copy, _never)


def test_an_unwritable_cache_only_costs_time(
    policy_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    assert cached_load(policy_copy, load_policies) == load_policies(policy_copy)


def test_a_broken_policy_directory_fails_as_before_and_leaves_no_snapshot(
    policy_copy: Path, cache: Path
) -> None:
    edit(policy_copy / "baselines" / "manylinux_2_17.toml", 'glibc = "2.17"', 'glibc = "2.x"')
    with pytest.raises(PolicyError, match=r"manylinux_2_17\.toml"):
        cached_load(policy_copy, load_policies)
    assert not list(cache.glob("*"))


def test_a_fifo_in_the_policy_directory_does_not_block(policy_copy: Path, cache: Path) -> None:
    os.mkfifo(policy_copy / "notes.fifo")
    assert cached_load(policy_copy, load_policies) == load_policies(policy_copy)
    assert not list(cache.glob("*"))


def test_the_cli_answers_the_same_with_and_without_a_snapshot(cache: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "reference_impl",
        "tags",
        "--glibc",
        "2.17",
        "--arch",
        "armv7l",
    ]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert list(cache.glob("policies-*.pickle"))
    second = subprocess.run(command, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout
    assert "manylinux2014_armv7l" in first.stdout
