"""The shipped policy data says what PEP 600 and the evidence say."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_impl.errors import PolicyError
from reference_impl.policy import GlibcVersion, default_policies, load_policies

from .conftest import edit

# PEP 600, "Legacy manylinux tags": exactly these eleven aliases.
PEP600_ALIASES = {
    "manylinux1_x86_64": "2.5",
    "manylinux1_i686": "2.5",
    "manylinux2010_x86_64": "2.12",
    "manylinux2010_i686": "2.12",
    **{
        f"manylinux2014_{arch}": "2.17"
        for arch in ("x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x")
    },
}


def test_the_legacy_aliases_are_exactly_pep600s_eleven() -> None:
    aliases = default_policies().legacy_aliases
    assert {tag: str(alias.glibc) for tag, alias in aliases.items()} == PEP600_ALIASES


def test_every_maintained_baseline_is_present_in_glibc_order() -> None:
    baselines = default_policies().baselines
    minors = [5, 12, 17, 24, 26, 27, 28, 31, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43]
    assert [b.name for b in baselines] == [f"manylinux_2_{m}" for m in minors]
    assert [b.glibc.minor for b in baselines if b.proposed] == [42, 43]


def test_floors_are_the_legacy_alias_baselines_where_pep600_gives_one() -> None:
    policies = default_policies()
    for alias in policies.legacy_aliases.values():
        assert policies.floor(alias.arch) <= alias.glibc
    assert policies.floor("x86_64") == GlibcVersion(2, 5)
    assert policies.floor("aarch64") == GlibcVersion(2, 17)


def test_no_baseline_covers_an_architecture_below_its_floor() -> None:
    policies = default_policies()
    for baseline in policies.baselines:
        for arch in baseline.architectures:
            assert baseline.glibc >= policies.floor(arch), (baseline.name, arch)


def test_every_value_section_names_a_known_source() -> None:
    policies = default_policies()
    for baseline in policies.baselines:
        for section in ("glibc", "architectures", "symbol_versions", "libraries", "isa"):
            assert baseline.provenance[section] in policies.sources, (baseline.name, section)
        for amendment in baseline.amendments:
            assert amendment.link.startswith("https://")


def test_removed_libraries_are_recorded_as_amendments() -> None:
    removed = {
        lib
        for baseline in default_policies().baselines
        for amendment in baseline.amendments
        for lib in amendment.removes.get("libraries", ())
    }
    assert {"libcrypt.so.1", "libncursesw.so.5", "libpanelw.so.5"} <= removed
    assert not removed & default_policies().oldest.libraries


def test_libexpat_joins_from_manylinux2010() -> None:
    policies = default_policies()
    assert "libexpat.so.1" not in policies.baseline("manylinux1").libraries
    assert "libexpat.so.1" in policies.baseline("manylinux2010").libraries


def test_the_distribution_table_has_glibc_and_support_dates() -> None:
    distributions = {d.id: d for d in default_policies().distributions}
    debian = distributions["debian-12"]
    assert debian.glibc == GlibcVersion(2, 36)
    assert debian.end_of_life == "2026-06-10" and debian.end_of_commercial_lts == "2033-06-30"
    assert "x86_64" in debian.architectures
    assert len(distributions) >= 70


def test_covered_by_lists_distributions_with_at_least_the_baselines_glibc() -> None:
    policies = default_policies()
    baseline = policies.baseline("manylinux_2_28")
    covered = policies.covered_by(baseline, "x86_64")
    assert covered and all(d.glibc >= GlibcVersion(2, 28) for d in covered)
    assert "ubuntu-18.04" not in {d.id for d in covered}
    assert "debian-12" in {d.id for d in covered}


def test_adding_manylinux_2_44_is_one_small_file(policy_copy: Path) -> None:
    (policy_copy / "baselines/manylinux_2_44.toml").write_text(
        (Path(__file__).parents[2] / "policies/README.md")
        .read_text()
        .split("```toml\n")[1]
        .split("```")[0]
    )
    policies = load_policies(policy_copy)
    newest = policies.newest
    assert newest.name == "manylinux_2_44" and newest.proposed
    assert newest.allows("x86_64", "GLIBC", "2.44") and newest.allows("x86_64", "GLIBC", "2.43")
    assert newest.libraries == policies.baseline("manylinux_2_43").libraries


def test_a_new_baseline_must_be_a_superset(policy_copy: Path) -> None:
    # An amendment-free removal in the newest baseline is refused.
    edit(
        policy_copy / "baselines/manylinux_2_41.toml",
        "[provenance]",
        '[remove]\nlibraries = ["libz.so.1"]\n\n[provenance]',
    )
    with pytest.raises(PolicyError, match=r"removes 'libz\.so\.1' without an amendment"):
        load_policies(policy_copy)
