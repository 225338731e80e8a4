"""A non-editable install into a fresh virtual environment finds the policy data."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_non_editable_install_ships_the_policy_data(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(ROOT)], check=True, cwd=tmp_path
    )
    result = subprocess.run(
        [str(env_dir / "bin" / "perennial"), "policy", "show", "manylinux2014", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"name": "manylinux_2_17"' in result.stdout
    where = subprocess.run(
        [str(python), "-c", "import reference_impl.policy as p; print(p.default_policy_dir())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"{where} is not inside the installed package"
    assert sys.prefix != str(env_dir)
