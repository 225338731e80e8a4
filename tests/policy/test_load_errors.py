"""Deliberately broken policy files fail with one line naming the file, the key and the
problem; the CLI turns that into exit code 4 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reference_impl.errors import ExitCode, PolicyError
from reference_impl.policy import default_policies, load_policies

from .conftest import edit

B = "baselines/manylinux_2_"

BROKEN = {
    "bad-toml": (
        B + "17.toml",
        'glibc = "2.17"',
        'glibc = "2.17',
        "manylinux_2_17.toml: not valid TOML",
    ),
    "unknown-arch": (
        B + "31.toml",
        'architectures = ["riscv64"]',
        'architectures = ["legv8le"]',
        "manylinux_2_31.toml: key add.architectures: unknown architecture 'legv8le'",
    ),
    "alias-twice": (
        B + "12.toml",
        'manylinux2010 = ["x86_64", "i686"]',
        'manylinux1 = ["x86_64", "i686"]',
        "manylinux_2_12.toml: key aliases.manylinux1: alias already belongs to manylinux_2_5",
    ),
    "newer-missing-version": (
        B + "24.toml",
        'extends = "manylinux_2_17"',
        'extends = "manylinux_2_17"\n[remove.symbol_versions]',
        "manylinux_2_24.toml: key remove.symbol_versions: unknown key",
    ),
    "unknown-family": (
        B + "28.toml",
        "[add.symbol_versions.x86_64]\n",
        '[add.symbol_versions.x86_64]\nOPENSSL = ["3.0"]\n',
        "key add.symbol_versions.x86_64.OPENSSL: unknown key",
    ),
    "unknown-top-key": (
        B + "5.toml",
        'glibc = "2.5"',
        'glibc = "2.5"\nglibcc = "2.5"',
        "key glibcc: unknown key",
    ),
    "bad-glibc": (B + "5.toml", 'glibc = "2.5"', 'glibc = "2.05"', "'2.05' is not a glibc version"),
    "name-mismatch": (
        B + "5.toml",
        'name = "manylinux_2_5"',
        'name = "manylinux_2_6"',
        "does not match the file name",
    ),
    "unknown-source": (
        B + "5.toml",
        'glibc = "pep600"',
        'glibc = "pep9999"',
        "names unknown source 'pep9999'",
    ),
    "remove-without-amendment": (
        B + "24.toml",
        'removes = { architectures = ["ppc64"] }',
        "",
        "key remove.architectures: removes 'ppc64' without an amendment",
    ),
    "extends-unknown": (
        B + "24.toml",
        'extends = "manylinux_2_17"',
        'extends = "manylinux_2_16"',
        "names unknown baseline",
    ),
    "wrong-type": (
        B + "5.toml",
        'based_on = "CentOS 5"',
        "based_on = 5",
        "key based_on: expected a non-empty string, got an integer",
    ),
    "duplicate-in-list": (
        B + "12.toml",
        'manylinux2010 = ["x86_64", "i686"]',
        'manylinux2010 = ["x86_64", "x86_64"]',
        "key aliases.manylinux2010: lists 'x86_64' twice",
    ),
    "bad-amendment-date": (
        B + "12.toml",
        'date = "2021-03-27"',
        'date = "March 2021"',
        "is not an ISO date",
    ),
    "distribution-bad-arch": (
        "distributions.toml",
        'architectures = ["x86_64", "i686"]',
        'architectures = ["x86-64"]',
        "distributions.toml: key distributions.manylinux-2010.architectures: "
        "unknown architecture 'x86-64'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_fails_with_file_key_and_problem(policy_copy: Path, case: str) -> None:
    relative, old, new, expected = BROKEN[case]
    edit(policy_copy / relative, old, new)
    with pytest.raises(PolicyError) as caught:
        load_policies(policy_copy)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert caught.value.exit_code == ExitCode.BAD_POLICY


def test_newer_baseline_missing_a_version_of_an_older_one_is_rejected(policy_copy: Path) -> None:
    # Written in full (no `extends`), manylinux_2_26 forgets GLIBC 2.24 on x86_64.
    path = policy_copy / "baselines/manylinux_2_26.toml"
    edit(path, 'extends = "manylinux_2_24"\n', "")
    text = path.read_text()
    full = default_policies().baseline("manylinux_2_26")
    lines = ["[add]", f"architectures = {list(full.architectures)!r}".replace("'", '"')]
    lines.append(f"libraries = {sorted(full.libraries)!r}".replace("'", '"'))
    for arch in full.architectures:
        lines.append(f"[add.symbol_versions.{arch}]")
        for family, versions in full.symbol_versions[arch].items():
            kept = sorted(
                versions - ({"2.24"} if arch == "x86_64" and family == "GLIBC" else set())
            )
            lines.append(f"{family} = {kept!r}".replace("'", '"'))
    lines.append("[add.forbidden_symbols]")
    for lib, symbols in full.forbidden_symbols.items():
        lines.append(f'"{lib}" = {sorted(symbols)!r}'.replace("'", '"'))
    head = text.split("[add]")[0].split("\n[add.")[0]
    path.write_text(head + '\n[isa]\nx86_64 = "x86-64"\n' + "\n".join(lines) + "\n")
    with pytest.raises(PolicyError) as caught:
        load_policies(policy_copy)
    assert "manylinux_2_26.toml: key symbol_versions.x86_64.GLIBC: lacks '2.24'" in str(
        caught.value
    )


def test_newer_baseline_may_not_forbid_more(policy_copy: Path) -> None:
    edit(
        policy_copy / "baselines/manylinux_2_28.toml",
        "[provenance]",
        '[add.forbidden_symbols]\n"libc.so.6" = ["gets"]\n\n[provenance]',
    )
    with pytest.raises(PolicyError, match="forbids 'gets', which manylinux_2_27 allows"):
        load_policies(policy_copy)


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not a policy directory"):
        load_policies(tmp_path)


def test_cli_reports_broken_policy_in_one_line_with_exit_code_4(policy_copy: Path) -> None:
    edit(policy_copy / "baselines/manylinux_2_17.toml", 'glibc = "2.17"', 'glibc = "2.17')
    result = subprocess.run(
        [sys.executable, "-m", "reference_impl", "policy", "--policies", str(policy_copy), "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1
    assert "manylinux_2_17.toml: not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr
