"""``perennial policy`` commands: output a reader uses, and exit codes a script uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reference_impl.cli import main

from .conftest import EVIDENCE, edit, needs_evidence


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_baseline_with_its_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "list")
    assert code == 0
    assert "manylinux_2_17   glibc 2.17" in out and "(alias manylinux2014)" in out
    rows = json.loads(run(capsys, "policy", "list", "--json")[1])
    assert rows[0] == {
        "name": "manylinux_2_5",
        "glibc": "2.5",
        "status": "adopted",
        "aliases": ["manylinux1"],
        "architectures": ["x86_64", "i686"],
    }


def test_show_accepts_a_legacy_alias_and_an_arch(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "show", "manylinux2014", "--arch", "aarch64", "--json")
    data = json.loads(out)
    assert code == 0 and data["name"] == "manylinux_2_17"
    assert data["architectures"] == ["aarch64"]
    assert data["symbol_versions"]["aarch64"]["GLIBC"] == ["2.0", "2.17", "2.18"]
    assert data["aliases"] == {"aarch64": "manylinux2014"}


def test_show_unknown_name_or_arch_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "policy", "show", "manylinux2099")
    assert code == 3 and err.count("\n") == 1 and "manylinux2099: no such baseline" in err
    code, _, err = run(capsys, "policy", "show", "manylinux1", "--arch", "aarch64")
    assert code == 3 and "manylinux_2_5 does not cover it" in err


def test_diff_reads_as_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "diff", "manylinux_2_28", "manylinux_2_31")
    assert code == 0
    assert "- Covers riscv64 in addition." in out
    assert (
        "- On x86_64, allows the symbol versions CXXABI 1.3.12; GLIBC 2.29, 2.30 and 2.31;" in out
    )
    code, out, _ = run(capsys, "policy", "diff", "manylinux2014", "manylinux_2_24")
    assert "- No longer covers ppc64." in out and "- Allows linking to libmvec.so.1." in out


def test_diff_against_a_proposed_policy_directory(
    capsys: pytest.CaptureFixture[str], policy_copy: Path
) -> None:
    path = policy_copy / "baselines/manylinux_2_41.toml"
    path.write_text(
        path.read_text().replace(
            "[provenance]", '[add]\nlibraries = ["libxcb.so.1"]\n\n[provenance]', 1
        )
    )
    code, out, _ = run(
        capsys,
        "policy",
        "--policies",
        str(policy_copy),
        "diff",
        "manylinux_2_41",
        "manylinux_2_41",
        "--old-policies",
        str(Path(__file__).parents[2] / "policies"),
    )
    assert code == 0 and out.splitlines()[1] == "- Allows linking to libxcb.so.1."


@needs_evidence
def test_verify_against_the_evidence_passes_and_lists_coverage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "policy", "verify", "--evidence", str(EVIDENCE))
    assert code == 0, out
    assert (
        "manylinux_2_28 covers" in out
        and "debian-12" in out.split("manylinux_2_28 covers")[1].split("\n")[0]
    )
    assert "no observation to check on ppc64" in out


@needs_evidence
def test_verify_reports_a_version_no_distribution_has(
    capsys: pytest.CaptureFixture[str], policy_copy: Path
) -> None:
    path = policy_copy / "baselines/manylinux_2_41.toml"
    edit(path, 'GLIBC = ["2.41"]', 'GLIBC = ["2.41", "2.99"]')
    code, out, _ = run(
        capsys, "policy", "--policies", str(policy_copy), "verify", "--evidence", str(EVIDENCE)
    )
    assert code == 1
    line = next(x for x in out.splitlines() if " on x86_64, but " in x)
    assert line.startswith("MISMATCH: manylinux_2_41 allows GLIBC_2.99 on x86_64, but ")
    assert "debian-13" in line and line.endswith(" do not define it")


def test_verify_without_evidence_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "policy", "verify", "--evidence", str(tmp_path))
    assert code == 3 and "no distros/ folder" in err
