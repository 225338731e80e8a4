"""Where a proposed baseline is used, the tools say so; installers ignore the status, because
PEP 600 enumerates tags by glibc alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reference_impl.audit import audit_wheel
from reference_impl.audit_report import explain
from reference_impl.cli import main
from reference_impl.policy import load_policies

FIXTURES = Path(__file__).parents[2] / "conformance" / "fixtures" / "wheels"
WHEEL_2_42 = next((FIXTURES / "ver-glibc-2-42-proposed").glob("*.whl"))


def _output(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr()[0]


def _adopted_copy(policy_copy: Path) -> Path:
    """The policy copy with every baseline adopted (the status lines deleted)."""
    for path in (policy_copy / "baselines").glob("*.toml"):
        path.write_text(re.sub(r'^status = "proposed"\n', "", path.read_text(), flags=re.M))
    return policy_copy


@pytest.mark.parametrize(
    "argv",
    [
        ("tags", "--glibc", "2.43", "--arch", "x86_64", "--json"),
        ("tags", "--glibc", "2.50", "--arch", "i686"),
        ("compatible", "--glibc", "2.42", "--arch", "aarch64", "manylinux_2_43_aarch64"),
        ("compatible", "--glibc", "2.43", "--arch", "x86_64", "manylinux_2_42_x86_64", "--json"),
    ],
)
def test_installers_ignore_the_status(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str], policy_copy: Path
) -> None:
    shipped = _output(capsys, *argv)
    adopted = _output(capsys, argv[0], "--policies", str(_adopted_copy(policy_copy)), *argv[1:])
    assert shipped == adopted
    assert "proposed" not in shipped[1]


def test_audit_says_the_baseline_is_proposed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _output(capsys, "audit", str(WHEEL_2_42))
    assert code == 0
    assert "  earliest tag manylinux_2_42_x86_64 (proposed baseline)" in out
    assert "  best maintained baseline: manylinux_2_42 (proposed baseline)" in out
    code, out = _output(capsys, "audit", str(WHEEL_2_42), "--json")
    (wheel,) = json.loads(out)["wheels"]
    assert wheel["earliest"]["proposed"] is True
    assert [c["proposed"] for c in wheel["claims"]] == [True, True]
    statuses = {b["name"]: b["status"] for b in wheel["baselines"]}
    assert statuses["manylinux_2_42"] == "proposed" and statuses["manylinux_2_41"] == "adopted"


def test_audit_of_an_adopted_baseline_says_nothing_of_status(policy_copy: Path) -> None:
    audit = audit_wheel(WHEEL_2_42, policies=load_policies(_adopted_copy(policy_copy)))
    assert audit.passed and not audit.earliest_proposed
    assert "(proposed baseline)" not in "\n".join(explain(audit))


def test_index_check_notes_a_tag_judged_by_a_proposed_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _output(
        capsys, "index-check", "manylinux_2_41_x86_64", "manylinux_2_43_x86_64", "--json"
    )
    adopted, proposed = json.loads(out)
    assert code == 0 and adopted["notes"] == [] and proposed["accepted"]
    assert proposed["notes"] == [
        "manylinux_2_43_x86_64: judged by manylinux_2_43, a proposed baseline not adopted yet"
    ]
    code, out = _output(capsys, "index-check", "demo-1.0-py3-none-manylinux_2_50_i686.whl")
    assert code == 0
    assert "note: manylinux_2_50_i686: judged by manylinux_2_43, a proposed baseline" in out
