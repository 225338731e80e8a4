"""A fixed-seed slice of the fuzz campaign, and the checks that make its verdicts real."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from . import seeds
from .campaign import run_campaign, summary
from .cases import FAMILIES, Case, build
from .runner import TRACEBACK_EXIT, Run, run_isolated
from .verdict import classify

SLICE = {"elf": 60, "zip": 60, "policy": 20, "tags": 60}
"""About ten seconds of CPU: every family, every kind of mutation, fixed seed."""


def test_a_fixed_seed_slice_finds_no_traceback_limit_or_messy_answer() -> None:
    report = run_campaign(seed=2026, counts=SLICE)
    assert report.total() == sum(SLICE.values())
    assert report.total("clean-error") and report.total("verdict")
    assert not report.failures, "\n".join(summary(report))


def test_a_case_is_the_same_whenever_it_is_built(tmp_path: Path) -> None:
    loaded = seeds.load(real_binaries=False)
    assert loaded.elf and loaded.wheels
    for family in FAMILIES:
        first = build(loaded, 5, family, 17, tmp_path / "a")
        again = build(loaded, 5, family, 17, tmp_path / "b")
        assert first.argv == tuple(a.replace("/b", "/a") for a in again.argv)
        inputs = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
        assert inputs == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))


CASE = Case("tags", 0, ("compatible", "manylinux_x"), ("manylinux_x",))


def _run(code: int | None, out: str = "", err: str = "", cpu: float = 0.1, grown: int = 20) -> Run:
    return Run(
        code, None if code is not None else 11, out.encode(), err.encode(), cpu, cpu, grown << 20
    )


@pytest.mark.parametrize(
    ("run", "kind"),
    [
        (_run(3, err="perennial: 'manylinux_x': not a tag\n"), "clean-error"),
        (_run(1, out="no: it is not\n"), "verdict"),
        (_run(70, err="perennial: internal error: KeyError: 'x'\n"), "internal"),
        (_run(None), "traceback"),
        (_run(99, err="Traceback (most recent call last):\n"), "traceback"),
        (_run(0, cpu=2.5), "over-time"),
        (_run(0, grown=400), "over-memory"),
        (
            _run(3, err="perennial: x.whl: truncated or corrupt ELF file: MemoryError\n"),
            "over-memory",
        ),
        (_run(3, err="perennial: 'manylinux_x': a\nperennial: forged\n"), "messy"),
        (_run(3, err="perennial: something else went wrong\n"), "messy"),
        (_run(0, out="manylinux_x\x1b[31m\n"), "messy"),
        (_run(0, out="\u202e\n"), "messy"),
        (_run(7), "messy"),
    ],
)
def test_each_run_is_classified_by_what_it_printed(run: Run, kind: str) -> None:
    assert classify(CASE, run)[0] == kind


def _allocate(argv: Sequence[str]) -> int:
    return 0 if bytearray(int(argv[0])) else 1


def test_the_child_is_stopped_at_the_memory_limit(tmp_path: Path) -> None:
    """The limit is real: a child asking for a gigabyte gets MemoryError, not the memory,
    and the run is classified over the memory limit; 100 MB is granted."""
    run = run_isolated(("1000000000",), tmp_path, _allocate)
    assert run.exit_code == TRACEBACK_EXIT and b"MemoryError" in run.stderr
    assert classify(CASE, run)[0] == "over-memory"
    assert run_isolated(("100000000",), tmp_path, _allocate).exit_code == 0
