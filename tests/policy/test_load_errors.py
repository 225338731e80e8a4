"""Deliberately broken policy files fail with one line naming the file, the key and the
problem; the CLI turns that into exit code 4 without a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reference_impl.errors import ExitCode, PerennialError, PolicyError
from reference_impl.policy import PolicySet, default_policies, default_policy_dir, load_policies
from reference_impl.policy.verify import load_observations, verify

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


def _policy_list(policy_copy: Path) -> subprocess.CompletedProcess[str]:
    """``perennial policy list`` on the copy, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "reference_impl", "policy", "--policies", str(policy_copy), "list"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_reports_broken_policy_in_one_line_with_exit_code_4(policy_copy: Path) -> None:
    edit(policy_copy / "baselines/manylinux_2_17.toml", 'glibc = "2.17"', 'glibc = "2.17')
    result = _policy_list(policy_copy)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1
    assert "manylinux_2_17.toml: not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def _load_error(policy_copy: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policies(policy_copy)
    assert caught.value.exit_code == ExitCode.BAD_POLICY
    return caught.value


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda text: text.encode() + b'\nname = "\xff\xfe"\n', "not UTF-8: byte 0xff at offset"),
        (lambda text: text.encode("utf-16"), "not UTF-8: UTF-16 text at offset 0"),
        (
            lambda text: (text + "\nx = " + "[" * 500 + "]" * 500 + "\n").encode(),
            "nested too deeply",
        ),
        (
            lambda text: text.replace('glibc = "2.5"', 'glibc = "2.' + "9" * 5000 + '"').encode(),
            "each at most 65535",
        ),
    ],
    ids=["invalid-utf8", "utf16", "nested-500", "huge-glibc"],
)
def test_a_damaged_policy_file_is_exit_4_naming_the_file(
    policy_copy: Path, damage: Callable[[str], bytes], expected: str
) -> None:
    """These were exit 70 (UnicodeDecodeError, RecursionError, int() of 5,000 digits)."""
    path = policy_copy / "baselines/manylinux_2_5.toml"
    path.write_bytes(damage(path.read_text()))
    error = _load_error(policy_copy)
    assert "manylinux_2_5.toml" in error.source and expected in error.problem


def test_a_policy_file_that_is_a_fifo_is_refused_without_blocking(policy_copy: Path) -> None:
    (policy_copy / "families.toml").unlink()
    os.mkfifo(policy_copy / "families.toml")
    error = _load_error(policy_copy)
    assert "families.toml" in error.source and "not a regular file but a FIFO" in error.problem


def test_a_policy_key_cannot_forge_an_error_line(policy_copy: Path) -> None:
    edit(
        policy_copy / "baselines/manylinux_2_5.toml",
        'glibc = "2.5"',
        'glibc = "2.5"\n"evil\\u001b[31m\\nperennial: forged\\u202e" = 1',
    )
    result = _policy_list(policy_copy)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and result.stderr.rstrip("\n").isprintable()
    assert "key evil\\x1b[31m\\nperennial: forged\\u202e: unknown key" in result.stderr


def test_a_policy_value_is_quoted_raw_and_escaped_once_when_printed(policy_copy: Path) -> None:
    """The error carries the value as written; the CLI line escapes it once (``\\x1b``, not
    ``\\\\x1b`` as a repr escaped again would print)."""
    edit(
        policy_copy / (B + "31.toml"),
        'architectures = ["riscv64"]',
        'architectures = ["risc\\u001b[31m\\nv"]',
    )
    assert "unknown architecture 'risc\x1b[31m\nv'" in str(_load_error(policy_copy))
    result = _policy_list(policy_copy)
    assert result.returncode == 4 and result.stderr.count("\n") == 1
    assert "unknown architecture 'risc\\x1b[31m\\nv'" in result.stderr


def _evidence(root: Path, glibc: str, symbols: dict[str, list[str]]) -> Path:
    """An evidence folder with one x86_64 observation defining these versions per family."""
    folder = root / "distros" / "x86_64"
    folder.mkdir(parents=True)
    data = {"glibc_version": glibc, "symbols": symbols}
    (folder / "testdistro-1.json").write_text(json.dumps(data))
    return root


def _defined_by(policies: PolicySet, baseline: str, missing: set[str]) -> dict[str, list[str]]:
    """What a distribution defines that has all a baseline allows on x86_64 but ``missing``
    GLIBC versions."""
    allowed = policies.baseline(baseline).symbol_versions["x86_64"]
    return {f: sorted(v - (missing if f == "GLIBC" else set())) for f, v in allowed.items()}


def test_verify_finishes_a_policy_of_50000_entries(policy_copy: Path, tmp_path: Path) -> None:
    """20 s and 722 MB before: one mismatch object per baseline, version and distribution.
    Now each version is checked once against the oldest baseline that allows it, and the
    versions the same distributions lack are one mismatch."""
    many = [f"2.5.{n}" for n in range(50_000)]
    edit(
        policy_copy / "baselines/manylinux_2_5.toml",
        'GLIBC = ["2.2.5", "2.2.6", "2.3", "2.3.2", "2.3.3", "2.3.4", "2.4", "2.5"]',
        "GLIBC = "
        + json.dumps(["2.2.5", "2.2.6", "2.3", "2.3.2", "2.3.3", "2.3.4", "2.4", "2.5", *many]),
    )
    policies = load_policies(policy_copy)
    defined = _defined_by(policies, "manylinux_2_41", set(many[1:]))
    evidence = _evidence(tmp_path / "evidence", "2.41", defined)
    mismatches, coverage = verify(policies, load_observations(evidence, policies))
    (mismatch,) = mismatches
    assert (mismatch.baseline, mismatch.arch, mismatch.family) == (
        "manylinux_2_5",
        "x86_64",
        "GLIBC",
    )
    assert len(mismatch.versions) == 49_999 and mismatch.versions[:2] == ("2.5.1", "2.5.2")
    assert mismatch.distributions == ("testdistro-1",)
    assert str(mismatch).startswith("manylinux_2_5 allows GLIBC_2.5.1, GLIBC_2.5.2, ")
    assert len(coverage) == sum(len(b.architectures) for b in policies.baselines)


def test_verify_reports_each_baseline_where_a_version_first_appears(
    policy_copy: Path, tmp_path: Path
) -> None:
    policies = load_policies(policy_copy)
    defined = _defined_by(policies, "manylinux_2_28", {"2.17", "2.28"})
    evidence = _evidence(tmp_path / "evidence", "2.28", defined)
    mismatches, _ = verify(policies, load_observations(evidence, policies))
    assert [(m.baseline, m.versions) for m in mismatches] == [
        ("manylinux_2_17", ("2.17",)),
        ("manylinux_2_28", ("2.28",)),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"glibc_version": "2.17", "symbols": {"GLIBC": "2.17"}}', "a list of version names"),
        (b'{"glibc_version": "2.9999999", "symbols": {}}', "each at most 65535"),
        (b"\xff\xfe{", "not a readable observation"),
    ],
)
def test_a_damaged_observation_is_bad_input_naming_the_file(
    policy_copy: Path, tmp_path: Path, content: bytes, expected: str
) -> None:
    evidence = _evidence(tmp_path / "evidence", "2.17", {})
    (evidence / "distros/x86_64/testdistro-1.json").write_bytes(content)
    with pytest.raises(PerennialError) as caught:
        load_observations(evidence, load_policies(policy_copy))
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "testdistro-1.json" in caught.value.source and expected in caught.value.problem


def test_a_bad_date_value_is_quoted_raw_and_escaped_once_when_printed(policy_copy: Path) -> None:
    """Dates are checked by the field reader, not the architecture lookup: the same rule holds
    for every field's message (no repr-quoted value escaped a second time)."""
    hostile = 'end_of_life = "20\\u001b[31m"'
    edit(policy_copy / "distributions.toml", 'end_of_life = "2020-11-30"', hostile)
    assert "'20\x1b[31m' is not an ISO date" in str(_load_error(policy_copy))
    result = _policy_list(policy_copy)
    assert result.returncode == 4 and result.stderr.count("\n") == 1
    assert "'20\\x1b[31m' is not an ISO date" in result.stderr


def test_policy_files_parsed_once_are_left_as_parsed(tmp_path: Path) -> None:
    """Loading keeps each parsed file to share with the next load of the same text (a
    review loads two policy sets that differ in a file or two): loading must not change
    what it was given, or the next load would read the change."""
    import tomllib

    from reference_impl.policy import fields

    copy = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), copy)
    first = load_policies(copy)
    assert load_policies(copy) == first
    baselines = {p.read_text() for p in copy.glob("baselines/*.toml")}
    assert baselines <= fields._PARSED.keys()
    for text in {p.read_text() for p in copy.rglob("*.toml")} & fields._PARSED.keys():
        assert fields._PARSED[text] == tomllib.loads(text)
