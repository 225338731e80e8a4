"""Every baseline x architecture agrees with the installed auditwheel's policy file, except
for the differences recorded, with reasons, in policies/auditwheel-differences.toml."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from reference_impl.policy import default_policies, default_policy_dir

Difference = tuple[str, str, str, str, str]  # baseline, arch, key, side, value


def _auditwheel_policies() -> dict[str, Any]:
    text = resources.files("auditwheel.policy").joinpath("manylinux-policy.json").read_text()
    return {entry["name"]: entry for entry in json.loads(text) if entry["name"] != "linux"}


def _differences() -> set[Difference]:
    policies, theirs = default_policies(), _auditwheel_policies()
    found: set[Difference] = set()
    for baseline in policies.baselines:
        if baseline.name not in theirs:  # a proposed baseline auditwheel does not have yet
            found.add((baseline.name, "*", "baseline", "only_ours", baseline.status))
            continue
        other = theirs[baseline.name]
        for arch in sorted(set(baseline.architectures) | set(other["symbol_versions"])):
            if arch not in other["symbol_versions"] or arch not in baseline.architectures:
                found.add((baseline.name, arch, "architectures", "missing", arch))
                continue
            for family, values in other["symbol_versions"][arch].items():
                ours = baseline.symbol_versions[arch].get(family, frozenset())
                key = f"symbol_versions.{family}"
                found |= {(baseline.name, arch, key, "only_theirs", v) for v in set(values) - ours}
                found |= {(baseline.name, arch, key, "only_ours", v) for v in ours - set(values)}
        for key, ours_set, theirs_set in [
            ("libraries", baseline.libraries, set(other["lib_whitelist"])),
            *[
                (
                    f"forbidden_symbols.{lib}",
                    baseline.forbidden_symbols.get(lib, frozenset()),
                    set(other["blacklist"].get(lib, [])),
                )
                for lib in set(baseline.forbidden_symbols) | set(other["blacklist"])
            ],
        ]:
            found |= {(baseline.name, "*", key, "only_theirs", v) for v in theirs_set - ours_set}
            found |= {(baseline.name, "*", key, "only_ours", v) for v in ours_set - theirs_set}
        if set(baseline.aliases.values()) != set(other["aliases"]):
            found.add((baseline.name, "*", "aliases", "differ", str(sorted(other["aliases"]))))
    return found


def _listed() -> tuple[set[Difference], list[dict[str, Any]]]:
    path = default_policy_dir() / "auditwheel-differences.toml"
    entries = tomllib.loads(path.read_text())["difference"]
    names = [b.name for b in default_policies().baselines]
    theirs = _auditwheel_policies()
    listed: set[Difference] = set()
    for entry in entries:
        assert entry["reason"].strip(), f"difference {entry} has no reason"
        for name in names[names.index(entry["from_baseline"]) :]:
            if name not in theirs and entry["key"] != "baseline":
                continue  # only compared where auditwheel has the baseline
            for side in ("only_theirs", "only_ours"):
                for value in entry.get(side, []):
                    listed.add((name, entry["arch"], entry["key"], side, value))
    return listed, entries


def test_auditwheel_is_the_pinned_version() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = dict(p.split("==") for p in pyproject["project"]["optional-dependencies"]["peers"])
    assert version("auditwheel") == pins["auditwheel"]


def test_every_difference_from_auditwheel_is_listed_with_a_reason() -> None:
    listed, _ = _listed()
    unexplained = sorted(_differences() - listed)
    assert not unexplained, f"{len(unexplained)} unlisted differences, first: {unexplained[:5]}"


def test_no_listed_difference_is_stale() -> None:
    listed, _ = _listed()
    stale = sorted(listed - _differences())
    assert not stale, f"listed but no longer different: {stale[:5]}"


@pytest.mark.parametrize(
    "baseline", [b.name for b in default_policies().baselines if b.name in _auditwheel_policies()]
)
def test_baseline_covers_the_same_architectures_as_auditwheel(baseline: str) -> None:
    theirs = _auditwheel_policies()[baseline]
    assert set(default_policies().baseline(baseline).architectures) == set(
        theirs["symbol_versions"]
    )
