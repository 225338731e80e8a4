"""The tag grammar of spec/tags.md, one test per clause."""

from __future__ import annotations

import pytest

from reference_impl.errors import TagError
from reference_impl.policy import GlibcVersion, PolicySet
from reference_impl.record import replace
from reference_impl.tags import (
    format_platform_tag,
    manylinux_tag,
    normalise,
    parse_platform_tag,
    parse_tag_set,
    parse_wheel_filename,
)


@pytest.mark.parametrize(
    ("text", "kind", "glibc", "arch"),
    [
        ("manylinux_2_17_x86_64", "manylinux", (2, 17), "x86_64"),
        ("manylinux_0_0_x86_64", "manylinux", (0, 0), "x86_64"),
        ("manylinux_3_0_s390x", "manylinux", (3, 0), "s390x"),
        ("manylinux_2_65535_x86_64", "manylinux", (2, 65535), "x86_64"),
        ("manylinux2014_aarch64", "manylinux", (2, 17), "aarch64"),
        ("linux_armv7l", "linux", None, "armv7l"),
        ("any", "other", None, None),
        ("musllinux_1_2_x86_64", "other", None, None),
    ],
)
def test_grammar_accepts_each_form(
    text: str, kind: str, glibc: tuple[int, int] | None, arch: str | None
) -> None:
    parsed = parse_platform_tag(text)
    assert (parsed.kind, parsed.glibc, parsed.arch) == (kind, glibc, arch)


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("manylinux_x_y_z", "tag.number"),
        ("manylinux_2__x86_64", "tag.number"),
        ("", "tag.grammar"),
        ("manylinux", "tag.grammar"),
        ("manylinux_2_17", "tag.grammar"),
        ("manylinux_02_017_x86_64", "tag.leading-zeros"),
        ("manylinux_2_017_x86_64", "tag.leading-zeros"),
        ("manylinux_+2_17_x86_64", "tag.sign"),
        ("manylinux_2_-17_x86_64", "tag.sign"),
        ("manylinux_\u0662_\u0661\u0667_x86_64", "tag.ascii-digits"),
        ("manylinux_2_70000_x86_64", "tag.number-range"),
        ("manylinux_2_65536_x86_64", "tag.number-range"),
        ("manylinux_2_17_", "tag.arch"),
        ("manylinux_2_17_x86__64", "tag.arch"),
        ("manylinux_2_17_x86_64_", "tag.arch"),
        ("linux_", "tag.arch"),
        ("manylinux2014_riscv64", "tag.legacy-alias.closed"),
        ("manylinux2014_loongarch64", "tag.legacy-alias.closed"),
        ("manylinux2014_armv8l", "tag.legacy-alias.closed"),
        ("manylinux2010_aarch64", "tag.legacy-alias.closed"),
        ("manylinux3_x86_64", "tag.legacy-alias.closed"),
        ("win-amd64", "tag.grammar"),
        ("caf\u00e9", "tag.grammar"),
        ("x" * 10_000, "tag.length"),
        ("manylinux_2_" + "9" * 10_000 + "_x86_64", "tag.length"),
    ],
)
def test_grammar_rejects_with_the_rule_named(text: str, clause: str) -> None:
    with pytest.raises(TagError) as caught:
        parse_platform_tag(text)
    message = str(caught.value)
    assert f"({clause})" in message
    assert "\n" not in message
    assert len(message) < 400


def test_case_is_folded_for_ascii_only() -> None:
    assert parse_platform_tag("MANYLINUX_2_17_X86_64").text == "manylinux_2_17_x86_64"
    assert parse_platform_tag("Manylinux2014_x86_64").alias == "manylinux2014"
    with pytest.raises(TagError):
        parse_platform_tag("manylinux_2_17_x86_64\u0130")  # dotted capital I is not ASCII


def test_arch_unknown_is_still_a_tag() -> None:
    for text in ("manylinux_2_17_legv8le", "manylinux_2_17_x86_64_extra", "manylinux_2_17_armv8l"):
        assert parse_platform_tag(text).arch == text.split("_", 3)[3]


def test_any_minor_is_valid_without_a_baseline() -> None:
    assert parse_platform_tag("manylinux_2_25_x86_64").glibc == (2, 25)
    assert parse_platform_tag("manylinux_2_999_x86_64").glibc == (2, 999)


def test_every_legacy_alias_of_the_data_normalises_to_its_twin(policies: PolicySet) -> None:
    assert len(policies.legacy_aliases) == 11
    for text, alias in policies.legacy_aliases.items():
        parsed = parse_platform_tag(text)
        assert normalise(parsed) == manylinux_tag(alias.glibc, alias.arch)
        assert format_platform_tag(parsed) == text


def test_legacy_aliases_are_read_from_the_data_not_the_code(policies: PolicySet) -> None:
    fewer = {k: v for k, v in policies.legacy_aliases.items() if k != "manylinux1_i686"}
    data = replace(policies, legacy_aliases=fewer)
    with pytest.raises(TagError, match=r"tag\.legacy-alias\.closed"):
        parse_platform_tag("manylinux1_i686", data)
    assert parse_platform_tag("manylinux1_x86_64", data).glibc == GlibcVersion(2, 5)


def test_compressed_set_is_a_set() -> None:
    members = parse_tag_set("manylinux_2_17_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64")
    assert [m.text for m in members] == ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]
    reordered = parse_tag_set("manylinux2014_x86_64.manylinux_2_17_x86_64")
    assert set(members) == set(reordered)


@pytest.mark.parametrize("text", ["a..b", ".any", "any.", "."])
def test_compressed_set_rejects_empty_members(text: str) -> None:
    with pytest.raises(TagError, match=r"tag\.compressed-set"):
        parse_tag_set(text)


def test_wheel_filename_keeps_the_written_spelling() -> None:
    wheel = parse_wheel_filename("demo-1.0-2-cp311-cp311-MANYLINUX_2_17_X86_64.linux_x86_64.whl")
    assert wheel.build == (2, "")
    assert [p.text for p in wheel.platforms] == ["manylinux_2_17_x86_64", "linux_x86_64"]
    assert wheel.written_platforms == ("MANYLINUX_2_17_X86_64", "linux_x86_64")
    assert len(wheel.expanded()) == 2


@pytest.mark.parametrize(
    "filename",
    [
        "demo.whl",
        "demo-1.0-py3-none-any.zip",
        "demo-not!a!version-py3-none-any.whl",
        "demo-1.0-py3-none-manylinux_02_17_x86_64.whl",
        "demo-1.0-py3-none-any..linux_x86_64.whl",
        "demo-1.0-py3-none-" + "a" * 300 + ".whl",
    ],
)
def test_malformed_wheel_filename_is_one_line(filename: str) -> None:
    with pytest.raises(TagError) as caught:
        parse_wheel_filename(filename)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 400
