"""Properties of reference_impl.elf on damaged input: only ELFError, never anything else."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.elf import summarize
from reference_impl.errors import ELFError
from reference_impl.policy import default_policies

ARCHES = default_policies().architectures
FIXTURE = (
    Path(__file__).resolve().parents[2] / "conformance" / "fixtures" / "elf" / "x86_64-getrandom.so"
)


def _sample() -> bytes:
    if FIXTURE.exists():
        return FIXTURE.read_bytes()
    if shutil.which("gcc") is None:
        pytest.skip("neither the crafted fixture nor gcc is available")
    done = subprocess.run(
        ["gcc", "-shared", "-fPIC", "-x", "c", "-", "-o", "/dev/stdout"],
        input=b"int f(void){return 1;}",
        capture_output=True,
        check=True,
    )
    return done.stdout


SAMPLE = _sample()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.integers(4, len(SAMPLE)),
)
def test_damaged_files_raise_only_elf_error(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(SAMPLE)
    for at, value in edits:
        data[at] = value
    data[:4] = b"\x7fELF"
    damaged = bytes(data[:cut])
    for source in (damaged, io.BytesIO(damaged)):
        try:
            summarize(
                source,
                "x.so",
                ARCHES,
                size=len(damaged) if isinstance(source, io.BytesIO) else None,
            )
        except ELFError as error:
            assert error.source == "x.so" and "\n" not in error.problem
