"""Proposed baselines: the status field, the derivation from the evidence, and that the
committed manylinux_2_42 and 2_43 files are exactly what `perennial policy derive` prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reference_impl.cli import main
from reference_impl.errors import PolicyError
from reference_impl.policy import GlibcVersion, default_policies, load_policies
from reference_impl.policy.derive import NotDerivable, derive
from reference_impl.policy.verify import Observation

from .conftest import EVIDENCE, edit, needs_evidence

PROPOSED = ("manylinux_2_42", "manylinux_2_43")


def _observation(name: str, arch: str, glibc: str, **families: list[str]) -> Observation:
    versions = {family: frozenset(v) for family, v in families.items()}
    return Observation(name, arch, GlibcVersion.parse(glibc), versions)


def _everything_of(baseline_name: str, arch: str) -> dict[str, list[str]]:
    sets = default_policies().baseline(baseline_name).symbol_versions[arch]
    return {family: sorted(versions) for family, versions in sets.items()}


@needs_evidence
@pytest.mark.parametrize("name", PROPOSED)
def test_the_committed_file_is_the_derivations_output(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(__file__).parents[2] / "policies" / "baselines" / f"{name}.toml"
    committed = path.read_text()
    date = re.search(r'^date = "([0-9-]+)"', committed, re.MULTILINE)
    assert date is not None
    glibc = str(default_policies().baseline(name).glibc)
    code = main(
        ["policy", "derive", "--evidence", str(EVIDENCE), "--glibc", glibc, "--date", date[1]]
    )
    out, _ = capsys.readouterr()
    assert code == 0 and out == committed


def test_derivation_is_the_intersection_over_every_newer_distribution() -> None:
    policies = default_policies()
    base = _everything_of("manylinux_2_41", "x86_64")
    glibc = [*base["GLIBC"], "2.42"]
    observations = [
        _observation("fedora-43", "x86_64", "2.42", **{**base, "GLIBC": [*glibc, "ABI_X"]}),
        _observation("slackware-current", "x86_64", "2.42", **{**base, "GLIBC": glibc}),
        _observation("fedora-44", "x86_64", "2.43", **{**base, "GLIBC": [*glibc, "ABI_X"]}),
        _observation("debian-13", "x86_64", "2.41", **base),  # older: not part of it
    ]
    derived = derive(policies, observations, GlibcVersion(2, 42))
    assert derived.extends.name == "manylinux_2_41"
    assert derived.architectures == ("x86_64",)  # nothing observed elsewhere: dropped
    assert "loongarch64" in derived.dropped
    assert derived.additions["x86_64"] == {"GLIBC": ("2.42",)}
    assert derived.based_on.id == "fedora-43"  # the released one, not slackware-current
    (held,) = derived.held_back
    assert (held.version, held.lacking) == ("ABI_X", ("slackware-current",))
    assert "slackware-current" in derived.rolling


def test_derivation_never_allows_a_glibc_version_newer_than_its_own() -> None:
    # Every observation defines GLIBC_2.43 and the 2.43 marker, which a glibc 2.42 system
    # cannot have (the marker's release is families.toml's introduced_in): left out.
    base = _everything_of("manylinux_2_41", "x86_64")
    glibc = [*base["GLIBC"], "2.42", "2.43", "ABI_GNU2_TLS"]
    observations = [
        _observation(name, "x86_64", release, **{**base, "GLIBC": glibc})
        for name, release in (("fedora-43", "2.42"), ("fedora-44", "2.43"))
    ]
    derived = derive(default_policies(), observations, GlibcVersion(2, 42))
    assert derived.additions["x86_64"] == {"GLIBC": ("2.42",)}


def test_derivation_refuses_a_glibc_only_rolling_releases_ship() -> None:
    base = _everything_of("manylinux_2_43", "x86_64")
    observations = [_observation("fedora-rawhide", "x86_64", "2.44", **base)]
    with pytest.raises(NotDerivable, match=r"only rolling releases \(fedora-rawhide\)"):
        derive(default_policies(), observations, GlibcVersion(2, 44))


def test_derivation_refuses_an_observation_lacking_what_the_parent_allows() -> None:
    base = _everything_of("manylinux_2_41", "x86_64")
    glibc = [v for v in base["GLIBC"] if v != "2.17"]
    observations = [_observation("fedora-43", "x86_64", "2.42", **{**base, "GLIBC": glibc})]
    with pytest.raises(NotDerivable, match=r"GLIBC_2\.17: manylinux_2_41 allows it on x86_64"):
        derive(default_policies(), observations, GlibcVersion(2, 42))


@needs_evidence
def test_derive_for_2_44_says_the_evidence_does_not_cover_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["policy", "derive", "--evidence", str(EVIDENCE), "--glibc", "2.44"])
    _, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1
    assert "archlinux-latest, fedora-rawhide" in err and "does not cover it yet" in err


def test_derive_refuses_a_nonsense_glibc(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["policy", "derive", "--evidence", "/nonexistent", "--glibc", "2.x"])
    assert code == 3 and "'2.x' is not a glibc version" in capsys.readouterr()[1]


@needs_evidence
def test_verify_says_what_keeps_each_proposed_baseline_proposed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["policy", "verify", "--evidence", str(EVIDENCE)])
    out, _ = capsys.readouterr()
    assert code == 0, out
    line = next(x for x in out.splitlines() if x.startswith("manylinux_2_42 is proposed: "))
    assert "GLIBC_ABI_DT_X86_64_PLT on x86_64 (lacked by slackware-current)" in line
    assert any(x.startswith("manylinux_2_43 is proposed: ") for x in out.splitlines())


@needs_evidence
def test_verify_fails_a_proposed_baseline_that_departs_from_its_derivation(
    capsys: pytest.CaptureFixture[str], policy_copy: Path
) -> None:
    # Adding the ABI nodes that slackware-current lacks: verify catches both the mismatch
    # and the departure from the derivation.
    edit(
        policy_copy / "baselines/manylinux_2_42.toml",
        '[add.symbol_versions.x86_64]\nGLIBC = ["2.42"]',
        '[add.symbol_versions.x86_64]\nGLIBC = ["2.42", "ABI_GNU2_TLS"]',
    )
    code = main(["policy", "--policies", str(policy_copy), "verify", "--evidence", str(EVIDENCE)])
    out, _ = capsys.readouterr()
    assert code == 1
    assert (
        "NOT DERIVED: manylinux_2_42 adds GLIBC_ABI_GNU2_TLS on x86_64, unlike its derivation"
        in out
    )
    assert "MISMATCH: manylinux_2_42 allows GLIBC_ABI_GNU2_TLS on x86_64, but " in out


def test_list_and_show_say_proposed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "list"]) == 0
    lines = capsys.readouterr()[0].splitlines()
    assert next(x for x in lines if x.startswith("manylinux_2_42 ")).endswith(" [proposed]")
    assert not next(x for x in lines if x.startswith("manylinux_2_41 ")).endswith("]")
    assert main(["policy", "list", "--json"]) == 0
    rows = {r["name"]: r["status"] for r in json.loads(capsys.readouterr()[0])}
    assert rows["manylinux_2_43"] == "proposed" and rows["manylinux_2_17"] == "adopted"
    assert main(["policy", "show", "manylinux_2_43"]) == 0
    assert capsys.readouterr()[0].splitlines()[1].startswith("status: PROPOSED")
    assert main(["policy", "show", "manylinux_2_43", "--json"]) == 0
    assert json.loads(capsys.readouterr()[0])["status"] == "proposed"


def test_a_status_must_be_known_and_proposed_is_inherited(policy_copy: Path) -> None:
    path = policy_copy / "baselines/manylinux_2_43.toml"
    edit(path, 'status = "proposed"', 'status = "maybe"')
    with pytest.raises(PolicyError, match="'maybe' is not one of adopted, proposed"):
        load_policies(policy_copy)
    edit(path, 'status = "maybe"', 'status = "adopted"')
    with pytest.raises(PolicyError, match="must be proposed: it extends manylinux_2_42"):
        load_policies(policy_copy)


def test_diff_says_when_the_status_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "diff", "manylinux_2_41", "manylinux_2_42"]) == 0
    lines = capsys.readouterr()[0].splitlines()
    assert lines[1] == "- Is proposed, where manylinux_2_41 is adopted."
    assert "- No longer covers loongarch64." in lines
    assert main(["policy", "diff", "manylinux_2_42", "manylinux_2_43"]) == 0
    assert "Is proposed" not in capsys.readouterr()[0]
