"""The target facts (build images, stock installers, library caveats, runtimes): the shipped
data says what the sources say, names only what the policy data knows, and a broken file
fails with one line naming the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from reference_impl.cli import main
from reference_impl.errors import PolicyError
from reference_impl.policy import default_policies, load_policies
from reference_impl.policy.targets import (
    TAG_FORMS,
    default_targets,
    library_caveats,
    load_targets,
    newest_baseline,
    reads,
    tag_form_of,
)

from .conftest import EVIDENCE, edit


def test_every_build_image_is_named_per_architecture_with_a_status() -> None:
    images = {i.name: i for i in default_targets().images}
    assert images["manylinux_2_28"].image("x86_64") == "quay.io/pypa/manylinux_2_28_x86_64"
    assert images["manylinux2014"].image("s390x") == "quay.io/pypa/manylinux2014_s390x"
    # issue 13's missing build-image rows, from pypa/manylinux's README and build.sh
    assert images["manylinux_2_35"].architectures == ("armv7l",)
    assert images["manylinux_2_38"].architectures == ("loongarch64",)
    assert images["manylinux_2_38"].status == "unpublished"
    assert {images[n].status for n in ("manylinux1", "manylinux2010", "manylinux_2_24")} == {"eol"}
    assert images["manylinux_2_39"].architectures == ("aarch64", "riscv64")


def test_each_build_image_row_of_the_distribution_table_has_its_image() -> None:
    policies, facts = default_policies(), default_targets()
    rows = [d for d in policies.distributions if d.build_image]
    assert {"manylinux-2_35", "manylinux-2_38"} <= {d.id for d in rows}
    named = {i.name for i in facts.images}
    for row in rows:
        assert "manylinux" + ("_" if "_" in row.release else "") + row.release in named


def test_the_x86_64_v2_caveat_belongs_to_the_manylinux_2_34_image_on_x86_64_only() -> None:
    (image,) = default_targets().images_for("manylinux_2_34")
    (caveat,) = image.caveats
    assert "x86-64-v2" in caveat.text and caveat.link.endswith("/issues/1725")
    assert caveat.applies_to("x86_64") and not caveat.applies_to("aarch64")


@pytest.mark.parametrize(
    ("pip", "form"),
    [
        ("1.5.6", None),
        ("9.0.3", "manylinux1"),
        ("20.2.4", "manylinux2014"),
        ("20.3", "manylinux_x_y"),
    ],
)
def test_a_pip_reads_the_newest_form_its_release_reached(pip: str, form: str | None) -> None:
    assert reads(Version(pip), default_targets().tag_forms) == form


def test_tag_forms_need_ever_newer_pips() -> None:
    forms = default_targets().tag_forms
    assert [forms[f] for f in TAG_FORMS] == sorted(forms[f] for f in TAG_FORMS)


def test_a_stock_pip_with_a_version_reads_what_its_version_reads() -> None:
    facts = default_targets()
    for stock in facts.stock:
        if stock.pip is not None:
            assert stock.reads == reads(stock.pip, facts.tag_forms)


def test_rhel_8_ships_a_default_pip_that_reads_only_manylinux1() -> None:
    facts = default_targets()
    default, python39 = facts.installers_of("rhubi-8")
    assert default.default and default.reads == "manylinux1"
    assert not python39.default and python39.can_read("manylinux2014")
    assert not python39.can_read("manylinux_x_y")


def test_the_legacy_alias_is_the_form_an_old_pip_reads() -> None:
    policies = default_policies()
    assert tag_form_of(policies.baseline("manylinux_2_17"), "x86_64") == "manylinux2014"
    assert tag_form_of(policies.baseline("manylinux_2_28"), "x86_64") == "manylinux_x_y"


def test_rhel_8_runs_manylinux_2_28_and_lacks_libnsl() -> None:
    policies, facts = default_policies(), default_targets()
    rhel8 = next(d for d in policies.distributions if d.id == "rhubi-8")
    newest = newest_baseline(policies, rhel8)
    assert newest is not None and newest.name == "manylinux_2_28"
    caveats = dict((d.id, libs) for d, libs in library_caveats(policies, facts, newest))
    assert caveats["rhubi-8"] == ("libnsl.so.1",)
    assert "libX11.so.6" in caveats["photon-4.0"]


def test_symbol_versions_have_their_compiler_meaning() -> None:
    facts = default_targets()
    glibcxx = facts.runtime("GLIBCXX", "3.4.24")
    assert glibcxx is not None and (glibcxx.gcc, glibcxx.dialect) == ("7.2.0", "gnu++14")
    gcc = facts.runtime("GCC", "7.0.0")
    assert gcc is not None and gcc.library == "libgcc_s.so.1" and gcc.gcc == "7.1.0"
    variant = facts.runtime("GLIBCXX", "LDBL_3.4.29")
    assert variant is not None and variant.gcc == "11.1.0" and variant.dialect == "gnu++17"
    assert facts.runtime("CXXABI", "TM_1") is None


def test_every_numbered_cxx_version_a_baseline_allows_has_a_gcc_release() -> None:
    facts = default_targets()
    for baseline in default_policies().baselines:
        for families in baseline.symbol_versions.values():
            for family in ("GLIBCXX", "CXXABI"):
                for version in families.get(family, ()):
                    if version.replace(".", "").isdigit():
                        assert facts.runtime(family, version) is not None, (family, version)


def test_a_policy_directory_without_the_files_has_no_target_facts(tmp_path: Path) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(default_policies().directory, copy)
    for name in ("build-images.toml", "installers.toml", "library-caveats.toml"):
        (copy / name).unlink()
    facts = load_targets(load_policies(copy))
    assert facts.images == () and facts.stock == () and facts.missing == ()


BROKEN = {
    "unknown-distribution": (
        "installers.toml",
        'distributions = ["debian-9"]',
        'distributions = ["debian-99"]',
        "installers.toml: key stock[1].distributions: unknown distribution 'debian-99'",
    ),
    "pip-and-reads": (
        "installers.toml",
        'pip = "9.0.1"\nsource = ["debian-packages"]',
        'pip = "9.0.1"\nreads = "manylinux1"\nsource = ["debian-packages"]',
        "installers.toml: key stock[1].pip: give either the pip version or the tag form",
    ),
    "bad-pip": (
        "installers.toml",
        'pip = "9.0.1"',
        'pip = "nine"',
        "installers.toml: key stock[1].pip: 'nine' is not a version",
    ),
    "unknown-source": (
        "library-caveats.toml",
        'source = ["pep600-compliance-issues"]',
        'source = ["hearsay"]',
        "library-caveats.toml: key missing[0].source: names unknown source 'hearsay'",
    ),
    "library-nobody-allows": (
        "library-caveats.toml",
        'libraries = ["libnsl.so.1"]',
        'libraries = ["libssl.so.3"]',
        "libssl.so.3 is allowed by no baseline that covers rhubi-8",
    ),
    "eol-without-date": (
        "build-images.toml",
        'since = "2023-01-01"\n',
        "",
        "build-images.toml: key images.manylinux_2_24.since: is required for an eol image",
    ),
    "arch-the-baseline-lacks": (
        "build-images.toml",
        'architectures = ["loongarch64"]\nstatus = "unpublished"',
        'architectures = ["ppc64"]\nstatus = "unpublished"',
        "key images.manylinux_2_38.architectures: manylinux_2_38 does not cover ppc64",
    ),
    "unknown-status": (
        "build-images.toml",
        'status = "alpha"',
        'status = "beta"',
        "'beta' is not one of current, alpha, eol, unpublished",
    ),
    "row-without-image": (
        "distributions.toml",
        'release = "2_38"\nglibc = "2.38"\narchitectures = ["loongarch64"]',
        'release = "2_38"\nglibc = "2.38"\narchitectures = ["riscv64"]',
        "build image manylinux-2_38 (glibc 2.38, riscv64) disagrees with manylinux_2_38",
    ),
    "unknown-family": (
        "toolchains.toml",
        "[families.CXXABI]\n",
        "[families.OPENSSL]\n",
        "toolchains.toml: key families.OPENSSL: is not a family of families.toml",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_target_file_names_the_file_and_the_key(
    policy_copy: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name, old, new, message = BROKEN[case]
    edit(policy_copy / name, old, new)
    with pytest.raises(PolicyError) as raised:
        load_targets(load_policies(policy_copy))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    code = main(["policy", "--policies", str(policy_copy), "verify", "--evidence", str(EVIDENCE)])
    out, err = capsys.readouterr()
    assert code == 4 and message in err and "Traceback" not in err
    assert out == ""  # refused before any line of the report is printed


@pytest.mark.skipif(not EVIDENCE.is_dir(), reason="../shared/evidence is not beside the checkout")
def test_verify_reports_the_library_caveats_without_failing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["policy", "verify", "--evidence", str(EVIDENCE)])
    out = capsys.readouterr().out
    assert code == 0
    caveats = [line for line in out.splitlines() if line.startswith("CAVEAT: ")]
    flagged = {re.search(r"\(([a-z0-9.-]+)\) lacks ", line)[1] for line in caveats}  # type: ignore[index]
    facts = default_targets()
    assert flagged == {m.distribution for m in facts.missing}
    rhel8 = next(line for line in caveats if "(rhubi-8)" in line)
    assert "lacks libnsl.so.1, which manylinux_2_5 to manylinux_2_28 allow" in rhel8
