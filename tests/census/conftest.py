"""A census of the conformance suite's crafted wheels, made once on a LocalCluster, and the
helpers the census tests share."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from reference_impl.cli import main
from reference_impl.policy import default_policy_dir

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "conformance" / "fixtures" / "wheels"


@dataclass(frozen=True)
class Ran:
    """One ``perennial`` command run in this process."""

    code: int
    out: str
    err: str


def perennial(*argv: str) -> Ran:
    """Run a ``perennial`` command, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Ran(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class FixtureCensus:
    """The census of every crafted wheel, and the run that made it."""

    out: Path
    ran: Ran


@pytest.fixture(scope="session")
def fixture_census(tmp_path_factory: pytest.TempPathFactory) -> FixtureCensus:
    """``perennial census conformance/fixtures/wheels`` on a local cluster of two workers."""
    out = tmp_path_factory.mktemp("census") / "fixtures.parquet"
    ran = perennial(
        "census", str(FIXTURES), "--out", str(out), "--workers", "2", "--progress", "--json"
    )
    assert ran.code == 0, ran.err
    return FixtureCensus(out, ran)


def copy_wheels(names: list[str], into: Path) -> list[Path]:
    """Copy the crafted wheels of these fixture folders into ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in names:
        (wheel,) = (FIXTURES / name).glob("*.whl")
        copied.append(Path(shutil.copy2(wheel, into / wheel.name)))
    return copied


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A fresh copy of policies/ that a test may edit."""
    target = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), target)
    return target


def save_part(out: Path, wheels: list[Path]) -> None:
    """Audit ``wheels`` in this process under the shipped policies and save them as one part
    of the census ``out``, as a census does between checkpoints."""
    from reference_impl.census.found import find_wheels
    from reference_impl.census.store import PartWriter, Paths
    from reference_impl.census.work import census_wheel, policy_digest

    writer = PartWriter(Paths.of(out), policy_digest(default_policy_dir()), every=len(wheels))
    folders = sorted({wheel.parent for wheel in wheels})
    for found in find_wheels(folders, []):
        if Path(found.path) in wheels:
            writer.add(census_wheel(found, None, ()))
