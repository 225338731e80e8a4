"""Each real tool at its pinned version against the suite: every disagreement is listed in its
divergence file and no listed divergence agrees any more. This is the CI run of the peers; the
tests after it pin down how the newer adapters ask their tools."""

from __future__ import annotations

import sys
import zipfile

import pytest

from conformance.adapters import create
from conformance.adapters.base import Request
from conformance.cases import load_cases
from conformance.pins import pinned
from conformance.results import RESULTS_DIR, read_results
from conformance.runner import run_named
from conformance.systems import override, system

PEERS = (
    "packaging",
    "pep600-sample",
    "pip",
    "uv",
    "auditwheel",
    "distlib",
    "dep-logic",
    "nab",
    "auditwheel-symbols",
)
DISTRIBUTION = {"nab": "nab-provider"}
"""Adapter name -> the pinned distribution that holds the tool's logic, where they differ."""


@pytest.fixture(scope="module")
def runs():
    cases = load_cases()
    timed = run_named(PEERS, cases, {case.id for case in cases}, out=None)
    return {item.name: item for item in timed}


@pytest.mark.slow
@pytest.mark.parametrize("name", PEERS)
def test_peer_disagrees_only_where_its_divergence_file_says(runs, name):
    item = runs[name]
    assert item.run is not None, item.failure
    assert item.run.unexpected == {}, "unlisted failures"
    assert item.run.stale == {}, "stale divergence entries"
    assert item.run.results.counts()["pass"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in PEERS if name != "pep600-sample"])
def test_peer_reports_its_pinned_version(runs, name):
    assert runs[name].run.results.version == pinned()[DISTRIBUTION.get(name, name)]


@pytest.mark.slow
@pytest.mark.parametrize("name", PEERS)
def test_committed_results_are_what_the_tool_does_now(runs, name):
    """The site's matrix reads conformance/results/: a stale file would show old answers."""
    committed = read_results(RESULTS_DIR / f"{name}.json")
    fresh = runs[name].run.results
    assert committed.version == fresh.version
    stale = {
        case_id: (committed.results[case_id].status if case_id in committed.results else None)
        for case_id, result in fresh.results.items()
        if case_id not in committed.results or committed.results[case_id].status != result.status
    }
    assert stale == {}, "run `perennial conformance run --impl all` and commit conformance/results"
    assert set(committed.results) == set(fresh.results)


def _ask(adapter: str, operation: str, profile: str, **data):
    request = Request("t", operation, data, system(profile), override(None), None)
    tool = create(adapter)
    try:
        return tool.answer_safely(request)
    finally:
        tool.close()


@pytest.mark.slow
def test_distlib_offers_only_the_running_glibcs_own_perennial_tag():
    """The landscape note's observation, asked of the real distlib for an emulated 2.36."""
    answers = {
        tag: _ask("distlib", "installer.compatible", "x86_64-glibc-2.36", tag=tag).value
        for tag in ("manylinux_2_36_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
    }
    assert answers == {
        "manylinux_2_36_x86_64": {"compatible": True},
        "manylinux_2_17_x86_64": {"compatible": False},
        "manylinux2014_x86_64": {"compatible": True},
    }


@pytest.mark.slow
def test_distlib_is_loaded_afresh_and_the_imported_module_is_left_alone():
    import distlib.wheel

    before = distlib.wheel.COMPATIBLE_TAGS
    _ask("distlib", "installer.compatible", "aarch64-glibc-2.17", tag="manylinux_2_17_aarch64")
    assert sys.modules["distlib.wheel"] is distlib.wheel
    assert distlib.wheel.COMPATIBLE_TAGS is before


@pytest.mark.slow
def test_dep_logic_names_i686_x86_as_its_arch_enum_does():
    tags = _ask("dep-logic", "installer.tags", "i686-glibc-2.36").value["tags"]
    assert tags[0] == "manylinux_2_36_x86" and not any(tag.endswith("_i686") for tag in tags)


@pytest.mark.slow
def test_dep_logic_leaves_a_tie_between_equal_wheels_unanswered():
    wheels = [
        "demo-1.0-1-py3-none-manylinux_2_17_x86_64.whl",
        "demo-1.0-2-py3-none-manylinux_2_17_x86_64.whl",
    ]
    outcome = _ask("dep-logic", "installer.select", "x86_64-glibc-2.36", wheels=wheels)
    assert outcome.kind == "skip" and "equal" in outcome.value


@pytest.mark.slow
@pytest.mark.parametrize(
    ("profile", "why"),
    [
        ("x86_64-glibc-2.17-centos", "needs detection"),
        ("ppc64le-glibc-2.28", "no platform id linux_ppc64le"),
        ("i686-on-x86_64-glibc-2.36", "not the x86_64 machine's own"),
        ("x86_64-no-libc", "needs detection"),
    ],
)
def test_nab_skips_what_cannot_be_declared_to_it(profile, why):
    outcome = _ask("nab", "installer.compatible", profile, tag="manylinux_2_17_x86_64")
    assert outcome.kind == "skip" and why in outcome.value


@pytest.mark.slow
def test_nab_answers_a_declared_profile_with_its_own_ladder():
    tags = _ask("nab", "installer.tags", "aarch64-glibc-2.17").value["tags"]
    assert tags == ["linux_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"]


@pytest.mark.slow
def test_auditwheel_symbols_refuses_a_wheel_it_cannot_read(tmp_path):
    """A member whose deflate stream is damaged: the tool's main returns its read error."""
    wheel = tmp_path / "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("demo/_ext.so", b"\x7fELF" + b"A" * 5000)
    data = bytearray(wheel.read_bytes())
    start = 30 + len("demo/_ext.so")  # past the local header: the compressed bytes
    data[start : start + 20] = bytes(b ^ 0xFF for b in data[start : start + 20])
    wheel.write_bytes(bytes(data))
    outcome = create("auditwheel-symbols").check(str(wheel))
    assert outcome.kind == "output" and outcome.value["verdict"] == "refused"
    assert "corrupt deflate stream" in outcome.value["message"]


@pytest.mark.slow
def test_auditwheel_symbols_crash_is_an_error_not_a_verdict():
    from conformance.adapters.base import fixture_path

    outcome = create("auditwheel-symbols").check(str(fixture_path("claim-future-2-50")))
    assert outcome.kind == "error" and "panicked" in outcome.value
