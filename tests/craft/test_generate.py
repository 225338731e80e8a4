"""Regenerating the fixtures gives the committed bytes; the manifest and CLI say so truthfully."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.craft.__main__ import main
from conformance.craft.generate import FIXTURES, MANIFEST, build_all, check, fixture, generate
from conformance.craft.recipes import RECIPES

ROOT = Path(__file__).resolve().parents[2]


def test_regeneration_is_byte_identical_to_the_committed_fixtures() -> None:
    assert check() == []


def test_building_twice_gives_the_same_bytes() -> None:
    first, second = build_all(), build_all()
    assert {p: d for p, (d, _) in first.items()} == {p: d for p, (d, _) in second.items()}


def test_manifest_digests_match_the_files_on_disk() -> None:
    manifest = json.loads((FIXTURES / MANIFEST).read_text())
    assert manifest["format"] == 1
    on_disk = {
        p.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    assert set(manifest["files"]) == on_disk
    for path, entry in manifest["files"].items():
        data = (FIXTURES / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
        assert entry["size"] == len(data)
        assert (RECIPES / entry["recipe"]).is_file()
        assert entry["description"], f"{entry['recipe']} has no description"


def test_fixtures_stay_small() -> None:
    """Fixtures are committed: minimal files keep the repository light (about 5 KB each)."""
    files = [p for p in FIXTURES.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total < 1_500_000
    assert max(p.stat().st_size for p in files if p.name != "MANIFEST.json") < 64_000


def test_generate_then_check_round_trips_in_a_fresh_directory(tmp_path: Path) -> None:
    written = generate(fixtures=tmp_path)
    assert f"wrote {MANIFEST}" in written
    assert check(fixtures=tmp_path) == []
    assert generate(fixtures=tmp_path) == []  # nothing left to do


def test_check_names_each_difference_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    fixtures = tmp_path / "fixtures"
    target = fixtures / "elf" / "s390x-minimal.so"
    target.write_bytes(target.read_bytes()[:-1] + b"\x01")
    (fixtures / "elf" / "stray.so").write_bytes(b"")
    (fixtures / "elf" / "x86_64-minimal.so").unlink()
    assert main(["check", "--fixtures", str(fixtures)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any("s390x-minimal.so: differs" in line for line in err)
    assert any("stray.so: no recipe makes this file" in line for line in err)
    assert any("x86_64-minimal.so: missing" in line for line in err)
    assert generate(fixtures=fixtures)  # repairs and removes the stray file
    assert not (fixtures / "elf" / "stray.so").exists()
    assert main(["check", "--fixtures", str(fixtures)]) == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('arch = "x86_64"\nsonmae = "x"\n', "unknown key 'sonmae'"),
        ('soname = "x"\n', "missing key 'arch'"),
        ('arch = "vax"\n', "unknown arch 'vax'"),
        ('arch = "x86_64"\nstack = "maybe"\n', "stack must be one of"),
        ('arch = "x86_64"\n[[symbols]]\nname = "f"\nversion = "GLIBC_9"\n', "'GLIBC_9' is not in"),
        ('arch = "x86_64"\n[version_needs]\n"libc.so.6" = ["GLIBC_2.2.5"]\n', "not in needed"),
        ("arch = \n", "cannot read"),
        ('extends = "nowhere"\n', "extends 'nowhere'"),
    ],
)
def test_a_malformed_recipe_is_one_line_naming_the_file_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    (tmp_path / "elf").mkdir()
    (tmp_path / "wheels").mkdir()
    (tmp_path / "elf" / "bad.toml").write_text(text)
    code = main(["check", "--recipes", str(tmp_path), "--fixtures", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 3
    assert err.count("\n") == 1 and "bad.toml" in err and problem in err, err


def test_the_module_runs_as_a_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance.craft", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_fixture_finds_the_file_a_recipe_makes() -> None:
    wheel = fixture("wheels/x86_64-getrandom")
    assert wheel.name == (
        "getrandom_ext-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    assert fixture("elf/armv7l-interpreter") == FIXTURES / "elf" / "armv7l-interpreter"
    assert fixture("elf/x86_64-minimal").is_file()
    with pytest.raises(KeyError, match="no fixture is made by recipe 'elf/nothing'"):
        fixture("elf/nothing")
