"""Self-checks of the case data: IDs, clauses, schema, coverage."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conformance import schema_check
from conformance.cases import CASES_DIR, SPEC_DIR, CaseError, load_cases, load_retired_cases
from conformance.clauses import load_registry
from conformance.operations import OPERATIONS
from conformance.systems import load_overrides, load_systems

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cases():
    return load_cases()


@pytest.fixture(scope="module")
def registry():
    return load_registry(SPEC_DIR)


def test_at_least_250_cases_across_every_audience(cases):
    audiences = {case.audience for case in cases}
    assert len(cases) >= 250
    assert audiences == {"installer", "index", "auditor"}


def test_a_duplicated_id_is_refused(tmp_path):
    (tmp_path / "index").mkdir()
    text = (
        '[[case]]\nid = "index.dup.one"\noperation = "index.check"\n'
        'clauses = ["index.reject.case"]\nlevel = "recommended"\ninput = { tag = "x" }\n'
        "expected = { accepted = true }\n"
    )
    (tmp_path / "index" / "a.toml").write_text(text)
    (tmp_path / "index" / "b.toml").write_text(text)
    with pytest.raises(CaseError, match=r"index\.dup\.one is already used"):
        load_cases(tmp_path)


def test_every_retired_id_is_gone_from_the_suite_and_names_its_successors(cases):
    """An ID once in the suite is recorded when it leaves (cases/retired.toml): none is a
    case again, and each successor it names is a case (load_cases checks both)."""
    retired = load_retired_cases()
    live = {case.id for case in cases}
    assert len(retired) >= 8 and not set(retired) & live
    assert all(set(gone.replaced_by) <= live for gone in retired.values())


def test_a_case_taking_a_retired_id_is_refused(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "a.toml").write_text(
        '[[case]]\nid = "index.old.one"\noperation = "index.check"\n'
        'clauses = ["index.reject.case"]\nlevel = "recommended"\ninput = { tag = "x" }\n'
        "expected = { accepted = true }\n"
    )
    (tmp_path / "retired.toml").write_text(
        '[[retired]]\nid = "index.old.one"\ndate = "2026-12-02"\nreason = "gone"\n'
    )
    with pytest.raises(CaseError, match=r"index\.old\.one was retired on 2026-12-02"):
        load_cases(tmp_path)
    (tmp_path / "retired.toml").write_text(
        '[[retired]]\nid = "index.older"\ndate = "2026-12-02"\nreason = "gone"\n'
        'replaced_by = ["index.nowhere"]\n'
    )
    with pytest.raises(CaseError, match=r"retired\.toml: index\.older is replaced by "
                       r"index\.nowhere, which is no case"):  # fmt: skip
        load_cases(tmp_path)
    for malformed in ('[[retired]]\nid = "index.older"\n', 'retired = ["index.older"]\n'):
        (tmp_path / "retired.toml").write_text(malformed)
        with pytest.raises(CaseError, match=r"retired\.toml: entry 1 needs id, date and reason"):
            load_cases(tmp_path)


def test_a_case_breaking_the_schema_names_its_file(tmp_path):
    (tmp_path / "installer").mkdir()
    (tmp_path / "installer" / "bad.toml").write_text(
        '[[case]]\nid = "installer.bad.one"\noperation = "installer.fly"\nclauses = ["tag.case"]\n'
        'level = "pep600"\ninput = {}\nexpected = { valid = true }\n'
    )
    with pytest.raises(CaseError, match=r"bad\.toml: case installer\.bad\.one: .*operation"):
        load_cases(tmp_path)


def test_a_case_without_a_conformance_level_is_refused(tmp_path):
    (tmp_path / "installer").mkdir()
    (tmp_path / "installer" / "bare.toml").write_text(
        '[[case]]\nid = "installer.bare.one"\noperation = "tag.parse"\nclauses = ["tag.case"]\n'
        'input = { tag = "linux_x86_64" }\nexpected = { valid = true }\n'
    )
    with pytest.raises(CaseError, match=r"bare\.toml: case installer\.bare\.one: .*level"):
        load_cases(tmp_path)


def test_every_case_matches_the_published_schema(cases):
    schema = schema_check.load_schema("case.schema.json")
    for case in cases:
        data = {k: v for k, v in case.as_dict().items() if k != "strength"}
        assert schema_check.errors(data, schema) == [], case.id


def test_every_cited_clause_exists(cases, registry):
    unknown = sorted({(c.id, x) for c in cases for x in c.clauses if registry.resolve(x) is None})
    assert unknown == []


def test_every_must_and_should_clause_is_cited_or_waived(cases, registry):
    waivers = tomllib.loads((ROOT / "conformance" / "waivers.toml").read_text())["waivers"]
    for clause_id, waiver in waivers.items():
        assert str(waiver.get("reason", "")).strip(), f"waiver {clause_id} has no reason"
    cited = {registry.resolve(x).id for c in cases for x in c.clauses if registry.resolve(x)}
    missing = [c.id for c in registry if c.is_normative and c.id not in cited | set(waivers)]
    assert missing == []


def test_every_behaviour_of_the_research_is_pinned_by_a_case(cases):
    covered = {number for case in cases for number in case.behaviour}
    assert set(range(1, 42)) <= covered


def test_cases_name_known_operations_profiles_overrides_and_fixtures(cases):
    systems, overrides = load_systems(), load_overrides()
    for case in cases:
        assert case.operation in OPERATIONS
        assert OPERATIONS[case.operation].audience in (case.audience, "installer")
        if "profile" in case.input:
            assert case.input["profile"] in systems, case.id
        assert case.input.get("override", "absent") in overrides, case.id
        if "fixture" in case.input:
            wheels = list(
                (ROOT / "conformance/fixtures/wheels" / case.input["fixture"]).glob("*.whl")
            )
            assert len(wheels) == 1, case.id


def test_profiles_name_crafted_interpreters():
    for system in load_systems().values():
        if system.interpreter_path is not None:
            assert system.interpreter_path.is_file(), system.name


def test_cases_directory_holds_only_audience_folders():
    assert {p.name for p in CASES_DIR.iterdir() if p.is_dir()} <= {"installer", "index", "auditor"}
