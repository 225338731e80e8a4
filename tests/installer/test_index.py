"""Index acceptance (spec/indexes.md), one test per clause."""

from __future__ import annotations

import json

import pytest

from reference_impl.cli import main
from reference_impl.index import IndexPolicy, check_platform_tag, check_upload, check_wheel_filename
from reference_impl.policy import GlibcVersion, PolicySet


def _clauses(subject: str, policy: IndexPolicy | None = None) -> list[str]:
    return [r.clause for r in check_upload(subject, policy).rejections]


def test_accept_recommended(policies: PolicySet) -> None:
    for alias in policies.legacy_aliases:
        assert check_platform_tag(alias).accepted, alias
    for name, arch in policies.architectures.items():
        assert check_platform_tag(
            f"manylinux_{arch.floor.major}_{arch.floor.minor}_{name}"
        ).accepted


def test_accept_no_baseline_needed() -> None:
    assert check_platform_tag("manylinux_2_25_x86_64").accepted
    assert check_platform_tag("manylinux_2_30_aarch64").accepted


@pytest.mark.parametrize(
    "text",
    [
        "manylinux_02_017_x86_64",
        "manylinux_+2_17_x86_64",
        "manylinux_\u0662_\u0661\u0667_x86_64",
        "manylinux_2_70000_x86_64",
        "manylinux_2_17_",
        "manylinux2014_riscv64",
        "",
        "x" * 10_000,
    ],
)
def test_reject_grammar(text: str) -> None:
    assert _clauses(text) == ["index.reject.grammar"]


@pytest.mark.parametrize(
    "text", ["manylinux_2_17_legv8le", "manylinux_2_17_armv8l", "manylinux_2_17_x86_64_v3"]
)
def test_accept_arch(text: str) -> None:
    assert _clauses(text) == ["index.accept.arch"]
    assert check_platform_tag(text, IndexPolicy(allow_unknown_architectures=True)).accepted
    assert check_platform_tag(
        text, IndexPolicy(known_architectures=frozenset({text.split("_", 3)[3]}))
    ).accepted


def test_accept_arch_includes_every_arch_of_the_data() -> None:
    assert check_platform_tag("manylinux_2_36_loongarch64").accepted
    assert check_platform_tag("manylinux_2_17_ppc64").accepted
    assert check_platform_tag("manylinux_2_31_riscv64").accepted


@pytest.mark.parametrize(
    "text", ["manylinux_1_99_x86_64", "manylinux_0_0_x86_64", "manylinux_2_5_aarch64"]
)
def test_reject_below_floor(text: str) -> None:
    assert _clauses(text) == ["index.reject.below-floor"]
    assert check_platform_tag(text, IndexPolicy(enforce_floors=False)).accepted


def test_max_glibc() -> None:
    assert check_platform_tag("manylinux_2_999_x86_64").accepted
    ceiling = IndexPolicy(max_glibc=GlibcVersion(2, 41))
    assert _clauses("manylinux_2_999_x86_64", ceiling) == ["index.max-glibc"]
    assert check_platform_tag("manylinux_2_41_x86_64", ceiling).accepted


def test_linux_tag() -> None:
    assert _clauses("linux_x86_64") == ["index.linux-tag"]
    pypi_like = IndexPolicy(allow_linux=True, linux_architectures=frozenset({"armv6l", "armv7l"}))
    assert check_platform_tag("linux_armv7l", pypi_like).accepted
    assert _clauses("linux_x86_64", pypi_like) == ["index.linux-tag"]
    assert check_platform_tag("linux_x86_64", IndexPolicy(allow_linux=True)).accepted


def test_reject_case() -> None:
    assert _clauses("MANYLINUX_2_17_X86_64") == ["index.reject.case"]
    assert _clauses("d-1.0-py3-none-Manylinux2014_x86_64.whl") == ["index.reject.case"]
    assert check_platform_tag(
        "MANYLINUX_2_17_X86_64", IndexPolicy(require_lowercase=False)
    ).accepted


def test_other_platforms_are_not_judged() -> None:
    verdict = check_platform_tag("musllinux_1_2_x86_64")
    assert verdict.accepted
    assert "index.other-platforms" in verdict.notes[0]


def test_compressed_set_needs_every_member_and_reason_names_each() -> None:
    verdict = check_wheel_filename(
        "d-1.0-py3-none-manylinux_2_17_x86_64.manylinux_2_17_legv8le.linux_x86_64.whl"
    )
    assert not verdict.accepted
    assert [(r.member, r.clause) for r in verdict.rejections] == [
        ("manylinux_2_17_legv8le", "index.accept.arch"),
        ("linux_x86_64", "index.linux-tag"),
    ]


def test_reject_reason_lists_every_rule() -> None:
    policy = IndexPolicy(max_glibc=GlibcVersion(1, 0))
    assert _clauses("MANYLINUX_1_5_LEGV8LE", policy) == [
        "index.reject.case",
        "index.accept.arch",
        "index.reject.below-floor",
        "index.max-glibc",
    ]
    for rejection in check_upload("manylinux_1_5_legv8le").rejections:
        # clause index.reject.reason: each line names the member and the rule
        assert str(rejection).startswith("manylinux_1_5_legv8le: ")
        assert str(rejection).endswith(f"({rejection.clause})")


def test_malformed_filename_is_a_grammar_rejection() -> None:
    assert _clauses("demo-1.0-py3-none-manylinux_2_017_x86_64.whl") == ["index.reject.grammar"]


def test_alias_is_judged_as_its_twin() -> None:
    no_i686 = IndexPolicy(known_architectures=frozenset({"x86_64"}))
    assert _clauses("manylinux1_i686", no_i686) == ["index.accept.arch"]
    assert _clauses("manylinux_2_5_i686", no_i686) == ["index.accept.arch"]
    ceiling = IndexPolicy(max_glibc=GlibcVersion(2, 12))
    assert _clauses("manylinux2014_x86_64", ceiling) == ["index.max-glibc"]
    assert check_platform_tag("manylinux2010_x86_64", ceiling).accepted


def test_every_bad_member_is_reported_under_its_own_name_as_written() -> None:
    verdict = check_wheel_filename(
        "d-1.0-py3-none-manylinux_2_017_x86_64.manylinux2014_riscv64.MANYLINUX_2_17_LEGV8LE.whl"
    )
    assert [(r.member, r.clause) for r in verdict.rejections] == [
        ("manylinux_2_017_x86_64", "index.reject.grammar"),
        ("manylinux2014_riscv64", "index.reject.grammar"),
        ("MANYLINUX_2_17_LEGV8LE", "index.reject.case"),
        ("MANYLINUX_2_17_LEGV8LE", "index.accept.arch"),
    ]


def test_each_malformed_part_of_a_filename_is_named() -> None:
    verdict = check_wheel_filename("de__mo-x-1b-py3!.py2-none..abi3-linux_x86_64.whl")
    assert [(r.member, r.clause) for r in verdict.rejections] == [
        ("de__mo", "index.reject.grammar"),
        ("x", "index.reject.grammar"),
        ("py3!", "index.reject.grammar"),
        ("none..abi3", "index.reject.grammar"),
        ("linux_x86_64", "index.linux-tag"),
    ]
    shapeless = check_wheel_filename("demo.whl").rejections
    assert [(r.member, r.clause) for r in shapeless] == [("demo.whl", "index.reject.grammar")]


def test_a_too_long_filename_still_has_its_members_judged() -> None:
    members = ".".join(["manylinux_2_17_x86_64"] * 11 + ["linux_x86_64"])
    filename = f"demo-1.0-py3-none-{members}.whl"
    assert [(r.member, r.clause) for r in check_wheel_filename(filename).rejections] == [
        (filename, "index.reject.grammar"),
        ("linux_x86_64", "index.linux-tag"),
    ]


def test_a_member_is_spelled_as_written_by_every_rule() -> None:
    ceiling = IndexPolicy(max_glibc=GlibcVersion(1, 0))
    for subject in ("MANYLINUX_1_5_LEGV8LE", "Linux_X86_64", "MANYLINUX_02_17_X86_64"):
        for rejection in check_upload(subject, ceiling).rejections:
            assert rejection.member == subject
    assert (
        check_upload("Win_AMD64", IndexPolicy(require_lowercase=False))
        .notes[0]
        .startswith("Win_AMD64: ")
    )


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["index-check", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_members_are_as_written_and_text_escapes_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile = "manylinux_2_17_legv8le\x1b[2J"
    filename = "d-1.0-py3-none-MANYLINUX_2_17_LEGV8LE.linux_x86_64.whl"
    code, out, _ = _cli(capsys, hostile, filename, "--json")
    rows = json.loads(out)
    assert code == 3
    assert [r["member"] for r in rows[0]["rejections"]] == [hostile]
    assert [r["member"] for r in rows[1]["rejections"]] == [
        "MANYLINUX_2_17_LEGV8LE",
        "MANYLINUX_2_17_LEGV8LE",
        "linux_x86_64",
    ]
    assert "\x1b" not in out  # json.dumps escapes it
    code, out, err = _cli(capsys, hostile, filename)
    assert "\x1b" not in out + err
    assert "manylinux_2_17_legv8le\\x1b[2J: " in out
    assert "    MANYLINUX_2_17_LEGV8LE: not written in lowercase (index.reject.case)" in out


def test_the_pypi_profile_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--profile", "pypi", "manylinux_02_17_x86_64", "linux_armv7l")
    assert code == 0, out
    code, out, _ = _cli(capsys, "--profile", "pypi", "manylinux_2_36_loongarch64", "--json")
    assert code == 1
    [row] = json.loads(out)
    assert row["profile"] == "pypi"
    assert [r["clause"] for r in row["rejections"]] == ["index.pypi.platform-tag"]
    code, _, err = _cli(capsys, "--profile", "pypi", "demo.whl")
    assert code == 3
    assert err.startswith("perennial: demo.whl: ")
    with pytest.raises(SystemExit) as usage:
        main(["index-check", "--profile", "pypi", "--no-floors", "manylinux_2_17_x86_64"])
    assert usage.value.code == 2
