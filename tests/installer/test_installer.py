"""Compatibility, order and choice (spec/installers.md), one test per clause."""

from __future__ import annotations

import pytest

from reference_impl.installer import check, floor, last_minors, platform_tags, select
from reference_impl.policy import GlibcVersion, PolicySet
from reference_impl.record import replace
from reference_impl.system import TargetSystem

from .helpers import glibc, tag


def _texts(system: TargetSystem, policies: PolicySet | None = None) -> list[str]:
    return [t.text for t in platform_tags(system, policies=policies)]


@pytest.mark.parametrize(
    ("text", "system", "expected"),
    [
        ("manylinux_2_17_x86_64", "2.17", True),
        ("manylinux_2_18_x86_64", "2.17", False),
        ("manylinux2014_x86_64", "2.17", True),
        ("manylinux2014_x86_64", "2.16", False),
        ("manylinux_2_17_aarch64", "2.36", False),
        ("manylinux_2_25_x86_64", "2.36", True),
    ],
)
def test_compatible(text: str, system: str, expected: bool) -> None:
    assert check(tag(text), glibc(system)).compatible is expected


def test_compatible_needs_glibc() -> None:
    musl = TargetSystem("x86_64", "musl", "1.2.4")
    assert not check(tag("manylinux_2_5_x86_64"), musl).compatible
    assert check(tag("linux_x86_64"), musl).compatible


def test_arch_floor_comes_from_the_data(policies: PolicySet) -> None:
    assert not check(tag("manylinux_2_5_aarch64"), glibc("2.36", "aarch64")).compatible
    assert check(tag("manylinux_2_17_aarch64"), glibc("2.36", "aarch64")).compatible
    lowered = dict(policies.architectures)
    lowered["aarch64"] = replace(lowered["aarch64"], floor=GlibcVersion(2, 5))
    data = replace(policies, architectures=lowered)
    assert check(tag("manylinux_2_5_aarch64"), glibc("2.36", "aarch64"), policies=data).compatible
    assert _texts(glibc("2.36", "aarch64"), data)[-2] == "manylinux_2_5_aarch64"


def test_arch_floor_of_each_known_arch_is_the_last_manylinux_tag(policies: PolicySet) -> None:
    for name, arch in policies.architectures.items():
        tags = [t for t in platform_tags(glibc("2.40", name)) if t.alias is None]
        assert tags[-2].glibc == arch.floor, name
        assert tags[-1].text == f"linux_{name}"


def test_major_below_2_is_never_compatible() -> None:
    assert not check(tag("manylinux_1_99_x86_64"), glibc("2.36")).compatible
    assert check(tag("manylinux_1_99_x86_64"), glibc("2.36")).clause == "installer.arch-floor"


def test_arch_unknown_works_immediately(policies: PolicySet) -> None:
    legv8 = glibc("2.30", "legv8le")
    assert check(tag("manylinux_2_24_legv8le"), legv8).compatible
    assert floor("legv8le") == policies.oldest.glibc
    assert _texts(legv8)[0] == "manylinux_2_30_legv8le"
    assert not check(tag("manylinux_2_17_x86_64_v3"), glibc("2.30")).compatible


def test_armv8l_tags_fit_only_an_armv8l_target() -> None:
    assert not check(tag("manylinux_2_17_armv8l"), glibc("2.28", "armv7l")).compatible
    assert check(tag("manylinux_2_17_armv8l"), glibc("2.28", "armv8l")).compatible


def test_glibc_3_accepts_2x_up_to_the_last_known_minor(policies: PolicySet) -> None:
    last = last_minors(policies)[2]
    system = glibc("3.1")
    assert check(tag("manylinux_3_0_x86_64"), system).compatible
    assert check(tag("manylinux_2_17_x86_64"), system).compatible
    assert check(tag(f"manylinux_2_{last}_x86_64"), system).compatible
    beyond = check(tag(f"manylinux_2_{last + 1}_x86_64"), system)
    assert (beyond.compatible, beyond.clause) == (False, "installer.glibc-3")
    assert not check(tag("manylinux_3_2_x86_64"), system).compatible
    assert _texts(system)[:3] == [
        "manylinux_3_1_x86_64",
        "manylinux_3_0_x86_64",
        f"manylinux_2_{last}_x86_64",
    ]


def test_glibc_3_last_minor_is_read_from_the_data(policies: PolicySet) -> None:
    newest = policies.distributions[0]
    later = replace(newest, id="future", glibc=GlibcVersion(2, 60))
    data = replace(policies, distributions=(*policies.distributions, later))
    assert last_minors(data)[2] == 60
    assert _texts(glibc("3.0"), data)[1] == "manylinux_2_60_x86_64"
    assert check(tag("manylinux_2_60_x86_64"), glibc("3.0"), policies=data).compatible


def test_glibc_4_skips_a_major_the_data_never_names() -> None:
    texts = _texts(glibc("4.0"))
    assert texts[0] == "manylinux_4_0_x86_64"
    assert not any(t.startswith("manylinux_3_") for t in texts)
    assert not check(tag("manylinux_3_5_x86_64"), glibc("4.0")).compatible


def test_compatible_set_needs_one_member() -> None:
    result = select(
        ["d-1.0-py3-none-manylinux_2_17_legv8le.manylinux_2_17_x86_64.whl"], glibc("2.28")
    )
    assert result.best is not None


def test_linux_tag_matches_the_arch_only() -> None:
    assert check(tag("linux_x86_64"), glibc("2.5")).compatible
    assert not check(tag("linux_aarch64"), glibc("2.36")).compatible


def test_order_highest_glibc_first() -> None:
    versions = [t.glibc for t in platform_tags(glibc("2.36")) if t.glibc is not None]
    assert versions == sorted(versions, reverse=True)
    assert versions[0] == GlibcVersion(2, 36)


def test_order_alias_position(policies: PolicySet) -> None:
    texts = _texts(glibc("2.36"))
    for alias, info in policies.legacy_aliases.items():
        if info.arch == "x86_64":
            twin = f"manylinux_{info.glibc.major}_{info.glibc.minor}_x86_64"
            assert texts.index(alias) == texts.index(twin) + 1


def test_order_linux_last() -> None:
    assert _texts(glibc("2.36"))[-1] == "linux_x86_64"
    result = select(
        ["d-1.0-py3-none-linux_x86_64.whl", "d-1.0-py3-none-manylinux1_x86_64.whl"], glibc("2.36")
    )
    assert result.best is not None
    assert result.best.filename == "d-1.0-py3-none-manylinux1_x86_64.whl"


def test_order_abi_first() -> None:
    wheels = [
        "d-1.0-cp311-abi3-manylinux_2_28_x86_64.whl",
        "d-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    ]
    pairs = [("cp311", "cp311"), ("cp311", "abi3"), ("py3", "none")]
    result = select(wheels, glibc("2.36"), supported=pairs)
    assert result.best is not None
    assert result.best.filename == wheels[1]
    platform_only = select(wheels, glibc("2.36"))
    assert platform_only.best is not None
    assert platform_only.best.filename == wheels[0]


def test_order_perennial_before_alias_at_the_same_glibc() -> None:
    wheels = ["d-1.0-py3-none-manylinux2014_x86_64.whl", "d-1.0-py3-none-manylinux_2_17_x86_64.whl"]
    result = select(wheels, glibc("2.36"))
    assert [c.filename for c in result.ranking] == [wheels[1], wheels[0]]


def test_order_tie_break_by_build_tag() -> None:
    wheels = [
        "d-1.0-py3-none-manylinux_2_17_x86_64.whl",
        "d-1.0-1-py3-none-manylinux_2_17_x86_64.whl",
        "d-1.0-9-py3-none-manylinux_2_17_x86_64.whl",
    ]
    result = select(wheels, glibc("2.36"))
    # build 9 before build 1 (though "1" sorts first as text), a wheel without one last
    assert [c.filename for c in result.ranking] == [wheels[2], wheels[1], wheels[0]]


def test_order_any_last() -> None:
    result = select(["d-1.0-py3-none-any.whl", "d-1.0-py3-none-linux_x86_64.whl"], glibc("2.36"))
    assert [c.filename for c in result.ranking][-1] == "d-1.0-py3-none-any.whl"


def test_target_platform_expansion() -> None:
    x86 = TargetSystem.from_tag(tag("manylinux_2_17_x86_64"))
    for accepted in (
        "manylinux2014_x86_64",
        "manylinux_2_5_x86_64",
        "manylinux1_x86_64",
        "linux_x86_64",
    ):
        assert check(tag(accepted), x86).compatible, accepted
    arm = TargetSystem.from_tag(tag("manylinux2014_aarch64"))
    assert check(tag("manylinux_2_17_aarch64"), arm).compatible


def test_target_newer_than_data(policies: PolicySet) -> None:
    newer = policies.newest.glibc.minor + 1
    target = TargetSystem.from_tag(tag(f"manylinux_2_{newer}_x86_64"))
    assert check(tag(f"manylinux_2_{newer}_x86_64"), target).compatible


def test_select_reports_every_candidate() -> None:
    wheels = [
        "d-1.0-py3-none-manylinux_2_28_x86_64.whl",
        "d-1.0-py3-none-manylinux_2_40_x86_64.whl",
        "d-1.0-py3-none-manylinux_02_17_x86_64.whl",
        "d-1.0-py3-none-win_amd64.whl",
        "d-1.0-cp27-cp27mu-manylinux1_x86_64.whl",
    ]
    result = select(wheels, glibc("2.36"), supported=[("cp311", "cp311"), ("py3", "none")])
    assert result.best is not None
    assert result.best.filename == wheels[0]
    reasons = {c.filename: c.reason for c in result.refused}
    assert "installer.compatible" in reasons[wheels[1]]
    assert reasons[wheels[2]].startswith("malformed:")
    assert "tag.leading-zeros" in reasons[wheels[2]]
    assert "another platform" in reasons[wheels[3]]
    assert "installer.order.abi-first" in reasons[wheels[4]]


def test_select_with_nothing_compatible() -> None:
    result = select(["d-1.0-py3-none-manylinux_2_40_x86_64.whl"], glibc("2.17"))
    assert result.best is None
    assert result.ranking == ()
