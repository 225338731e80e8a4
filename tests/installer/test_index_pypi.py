"""The PyPI profile (reference_impl.index_pypi) against PyPI's own verdicts.

``pypi_upload/table.json`` was recorded by running warehouse's upload check itself
(``pypi_upload/record.py``) over a corpus of tags and filenames; the profile must agree with
every row: the verdict, the first refusing check and every refused platform member.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reference_impl.errors import PolicyError
from reference_impl.index import IndexPolicy, check_upload
from reference_impl.index_pypi import (
    LIST_FIELDS,
    PLATFORM_TAG,
    PyPIRules,
    check_pypi_upload,
    default_pypi_rules,
    load_pypi_rules,
    upload_filename,
)
from reference_impl.policy import default_policies, default_policy_dir

TABLE = Path(__file__).parent / "pypi_upload" / "table.json"
Row = tuple[str, bool, "str | None", list[str]]


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def rows(table: dict[str, Any]) -> list[Row]:
    return [tuple(row) for row in table["rows"]]  # type: ignore[misc]


def _answer(subject: str, rules: PyPIRules | None = None) -> tuple[bool, str | None, list[str]]:
    verdict = check_pypi_upload(subject, rules)
    first = verdict.rejections[0].clause if verdict.rejections else None
    members = [r.member for r in verdict.rejections if r.clause == PLATFORM_TAG]
    return verdict.accepted, first, members


def _disagreements(rows: list[Row], rules: PyPIRules | None = None) -> list[str]:
    return [
        f"{subject!r}: PyPI {expected}, profile {answer}"
        for subject, *expected in rows
        if list(answer := _answer(subject, rules)) != expected
    ]


def test_the_profile_agrees_with_every_row_of_pypis_own_check(rows: list[Row]) -> None:
    assert _disagreements(rows) == []


def test_the_table_records_the_data_files_source(table: dict[str, Any]) -> None:
    source = table["source"]
    rules = default_pypi_rules()
    assert rules.source.startswith(source["repository"])
    assert source["commit"][:7] in rules.source
    assert source["date"] in rules.source


def test_the_corpus_exercises_every_check_and_both_verdicts(rows: list[Row]) -> None:
    firsts = {rule for _, _, rule, _ in rows}
    assert firsts == {
        None,
        "index.pypi.filename",
        "index.pypi.stored-name",
        "index.pypi.wheel-filename",
        "index.pypi.platform-tag",
        "index.pypi.project-name",
    }
    assert any(len(r[3]) > 1 for r in rows), "a row with several refused members"


@pytest.mark.parametrize("field", LIST_FIELDS)
def test_every_value_of_pypis_lists_is_needed_by_some_row(rows: list[Row], field: str) -> None:
    """Dropping any one value of the data makes the profile disagree with PyPI somewhere, so
    the table proves the lists are neither short nor padded."""
    rules = default_pypi_rules()
    accepted = [row for row in rows if row[1]]
    for value in getattr(rules, field):
        smaller = replace(rules, **{field: getattr(rules, field) - {value}})
        assert _disagreements(accepted, smaller), f"no row needs {field} {value!r}"


def test_the_name_limits_are_needed_too(rows: list[Row]) -> None:
    rules = default_pypi_rules()
    assert _disagreements(rows, replace(rules, stored_name_max_bytes=256))
    assert _disagreements(rows, replace(rules, metadata_suffix=""))


def test_a_bare_tag_is_judged_as_a_wheels_platform_part() -> None:
    assert upload_filename("manylinux_2_17_x86_64") == "demo-1.0-py3-none-manylinux_2_17_x86_64.whl"
    assert upload_filename("d-1.0-py3-none-any.whl") == "d-1.0-py3-none-any.whl"
    assert check_pypi_upload("MANYLINUX_2_17_X86_64").accepted  # packaging lowercases
    assert not check_pypi_upload("manylinux_2_17_x86_64-x").accepted


def test_every_refused_member_is_named_as_written_with_the_first_check_first() -> None:
    verdict = check_pypi_upload(
        "Demo-1.0-py3-none-manylinux_2_17_LEGV8LE.manylinux_2_36_loongarch64.any.whl"
    )
    assert [(r.member, r.clause) for r in verdict.rejections] == [
        ("manylinux_2_17_LEGV8LE", "index.pypi.platform-tag"),
        ("manylinux_2_36_loongarch64", "index.pypi.platform-tag"),
    ]
    refused_twice = check_pypi_upload("x-y-py3-none-manylinux_2_17_legv8le.whl")
    assert [r.clause for r in refused_twice.rejections] == [
        "index.pypi.wheel-filename",
        "index.pypi.platform-tag",
    ]
    assert refused_twice.rejections[0].member == "y"


def test_a_broken_data_file_is_a_policy_error_naming_file_and_key(tmp_path: Path) -> None:
    source = (default_policy_dir() / "pypi-upload.toml").read_text(encoding="utf-8")
    (tmp_path / "pypi-upload.toml").write_text(
        source.replace('ios_sdks = ["iphoneos", "iphonesimulator"]', 'ios_sdks = "iphoneos"'),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=r"pypi-upload\.toml: platforms\.ios_sdks must be"):
        load_pypi_rules(tmp_path)
    with pytest.raises(PolicyError, match="cannot read"):
        load_pypi_rules(tmp_path / "absent")


# -- where the PyPI profile and the recommended profile differ ------------------------------

DIFFERENCES: dict[str, Callable[[str], bool]] = {
    # each name is a row of the table in spec/indexes.md, section "The PyPI profile"
    "floors": lambda s: "index.reject.below-floor" in _clauses(s),
    "numbers": lambda s: (
        _grammar(s, "tag.leading-zeros", "tag.number-range", "tag.ascii-digits")
        or any(c.isdecimal() and not c.isascii() for c in s)
    ),
    "architectures": lambda s: "index.accept.arch" in _clauses(s) or _pypi_refuses_data_arch(s),
    "linux tags": lambda s: "index.linux-tag" in _clauses(s),
    "case": lambda s: "index.reject.case" in _clauses(s),
    "other platforms": lambda s: any("(index.other-platforms)" in n for n in _notes(s)),
    "filenames": lambda s: (
        _pypi_first(s)
        in ("index.pypi.project-name", "index.pypi.stored-name", "index.pypi.wheel-filename")
        or _recommended_refuses_a_non_platform_part(s)
    ),
    "tag sets": lambda s: not s.endswith(".whl") and "." in s,
}


def _clauses(subject: str) -> set[str]:
    return {r.clause for r in check_upload(subject).rejections}


def _grammar(subject: str, *rules: str) -> bool:
    return any(
        r.clause == "index.reject.grammar" and r.reason.endswith(tuple(f"({x})" for x in rules))
        for r in check_upload(subject).rejections
    )


def _recommended_refuses_a_non_platform_part(subject: str) -> bool:
    """The grammar refuses the filename's length or shape, or a part other than a platform
    member (name, version, build, interpreter, ABI, an empty member)."""
    if not subject.endswith(".whl"):
        return False
    members = set(subject[: -len(".whl")].rsplit("-", 1)[-1].split("."))
    return any(
        r.clause == "index.reject.grammar" and r.member not in members
        for r in check_upload(subject).rejections
    )


def _pypi_refuses_data_arch(subject: str) -> bool:
    """PyPI refuses a manylinux or musllinux member whose architecture the data knows."""
    known = default_policies().architectures
    return any(
        r.member.lower().startswith(("manylinux_", "musllinux_"))
        and r.member.lower().rsplit("_", 1)[-1] in known
        for r in check_pypi_upload(subject).rejections
    )


def _notes(subject: str) -> tuple[str, ...]:
    return check_upload(subject).notes


def _pypi_first(subject: str) -> str | None:
    rejections = check_pypi_upload(subject).rejections
    return rejections[0].clause if rejections else None


def test_every_disagreement_with_the_recommended_profile_is_a_documented_difference(
    rows: list[Row],
) -> None:
    unexplained = [
        subject
        for subject, *_ in rows
        if check_upload(subject).accepted != check_pypi_upload(subject).accepted
        and not any(applies(subject) for applies in DIFFERENCES.values())
    ]
    assert unexplained == []


def test_the_spec_lists_each_difference() -> None:
    spec = (Path(__file__).parents[2] / "spec" / "indexes.md").read_text(encoding="utf-8")
    section = spec.split("## The PyPI profile", 1)[1]
    for name in DIFFERENCES:
        assert f"| {name.capitalize()} |" in section, name


def test_the_closest_flags_leave_only_pypis_own_checks(rows: list[Row]) -> None:
    """With PyPI's eight architectures, no floors, uppercase and PyPI's linux tags allowed,
    the recommended profile still refuses odd numbers and accepts what PyPI's filename
    rules refuse: the rest agrees."""
    pypi_arches = default_pypi_rules().manylinux_architectures
    closest = IndexPolicy(
        known_architectures=pypi_arches,
        enforce_floors=False,
        require_lowercase=False,
        allow_linux=True,
        linux_architectures=frozenset({"armv6l", "armv7l"}),
    )
    tags = [row for row in rows if not row[0].endswith(".whl")]
    default = sum(check_upload(s).accepted == accepted for s, accepted, *_ in tags)
    close = sum(check_upload(s, closest).accepted == accepted for s, accepted, *_ in tags)
    assert default < close < len(tags)
