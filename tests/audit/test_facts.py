"""Audit facts apart from verdicts: the JSON form round-trips, follows its schema, and a
verdict judged from facts read back is the verdict ``perennial audit`` gives."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.schema_check import errors
from reference_impl import audit
from reference_impl.audit import audit_wheel, judge
from reference_impl.audit_facts import (
    FactsError,
    FactsIncompleteError,
    FileFacts,
    NeededVersion,
    UndefinedSymbol,
    WheelFacts,
    facts_from_json,
    facts_json,
)
from reference_impl.audit_read import MAX_PLATFORM_TAGS, read_facts
from reference_impl.audit_report import wheel_json
from reference_impl.audit_resolve import Resolved
from reference_impl.errors import PerennialError, WheelError
from reference_impl.policy import default_policies
from reference_impl.record import replace

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reference_impl" / "schemas" / "audit-facts-v1.json").read_text())
CRAFTED = sorted((ROOT / "conformance" / "fixtures" / "wheels").glob("*/*.whl"))

text = st.text(max_size=12)
maybe_text = st.none() | text
texts = st.lists(text, max_size=3).map(tuple)
resolved = st.builds(Resolved, text, maybe_text, maybe_text, texts)
needed = st.builds(NeededVersion, text, text, maybe_text, st.booleans())
undefined = st.builds(UndefinedSymbol, text, maybe_text, st.booleans())
file_facts = st.builds(
    FileFacts,
    path=text,
    bits=st.sampled_from([32, 64]),
    endianness=st.sampled_from(["little", "big"]),
    machine=text,
    flags=st.integers(min_value=0, max_value=2**32 - 1),
    elf_type=text,
    interpreter=st.booleans(),
    soname=maybe_text,
    rpath=texts,
    runpath=texts,
    libraries=st.lists(resolved, max_size=3).map(tuple),
    needed_versions=st.lists(needed, max_size=3).map(tuple),
    undefined=st.lists(undefined, max_size=3).map(tuple),
    isa_needed=st.none() | st.integers(min_value=0, max_value=2**32 - 1),
    executable_stack=st.none() | st.booleans(),
)
wheel_facts = st.builds(
    WheelFacts,
    wheel=text,
    filename=text,
    dist_info=text,
    filename_tags=texts,
    wheel_tags=texts,
    files=st.lists(file_facts, max_size=3).map(tuple),
    symbol_vocabulary=st.frozensets(text, max_size=4),
)


@given(wheel_facts)
def test_facts_survive_a_json_round_trip(facts: WheelFacts) -> None:
    data = json.loads(json.dumps(facts_json(facts)))
    assert facts_from_json(data) == facts


@given(wheel_facts)
def test_facts_json_follows_its_schema(facts: WheelFacts) -> None:
    assert errors(facts_json(facts), SCHEMA) == []


@pytest.fixture(scope="module")
def crafted_facts() -> dict[str, WheelFacts]:
    """The facts of every crafted wheel the reader does not refuse, read once."""
    policies = default_policies()
    found = {}
    for wheel in CRAFTED:
        with contextlib.suppress(PerennialError):  # a refused wheel has no facts
            found[wheel.parent.name] = read_facts(wheel, policies=policies)
    return found


def test_judging_facts_read_back_gives_the_same_verdict(
    crafted_facts: dict[str, WheelFacts],
) -> None:
    # perennial audit is judge(read_facts(wheel)): the facts that went through JSON must
    # give every crafted wheel the verdict it gets straight from the wheel.
    policies = default_policies()
    assert len(crafted_facts) > 100
    for name, facts in crafted_facts.items():
        again = facts_from_json(json.loads(json.dumps(facts_json(facts))))
        assert wheel_json(judge(again, policies)) == wheel_json(judge(facts, policies)), name


def test_a_refused_wheel_has_no_facts_and_no_verdict() -> None:
    wheel = next(p for p in CRAFTED if p.parent.name == "corrupt-elf-member")
    with pytest.raises(PerennialError):
        read_facts(wheel)
    with pytest.raises(PerennialError):
        audit_wheel(wheel)


def test_facts_keep_only_symbols_a_policy_could_forbid() -> None:
    wheel = next(p for p in CRAFTED if p.parent.name == "x86_64-forbidden-symbol")
    facts = read_facts(wheel)
    kept = {u.name for f in facts.files for u in f.undefined}
    assert kept == {"pthread_getattr_default_np"}
    assert kept <= facts.symbol_vocabulary
    assert any(n.symbol == "malloc" for f in facts.files for n in f.needed_versions)


def test_a_census_can_keep_more_names_than_the_policies_forbid() -> None:
    wheel = next(p for p in CRAFTED if p.parent.name == "x86_64-minimal")
    facts = read_facts(wheel, keep=["malloc"])
    assert {u.name for f in facts.files for u in f.undefined} == {"malloc"}
    assert "malloc" in facts.symbol_vocabulary


def test_a_newly_forbidden_name_cannot_be_judged_from_facts() -> None:
    policies = default_policies()
    wheel = next(p for p in CRAFTED if p.parent.name == "x86_64-minimal")
    facts = read_facts(wheel, policies=policies)
    narrower = replace(facts, symbol_vocabulary=frozenset({"malloc"}))
    with pytest.raises(FactsIncompleteError, match="read the wheel again"):
        judge(narrower, policies)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d.update(version=2), "facts"),
        (lambda d: d.pop("files"), "facts.files"),
        (lambda d: d["files"][0].update(path=7), "facts.files[0].path"),
        (lambda d: d["files"][0]["elf"].update(bits=True), "facts.files[0].elf.bits"),
        (lambda d: d["files"][0].update(isa_needed=-1), "facts.files[0].isa_needed"),
        (lambda d: d["files"][0]["libraries"].append("libc.so.6"), "facts.files[0].libraries[1]"),
    ],
)
def test_malformed_facts_name_the_field(edit: Any, where: str) -> None:
    wheel = next(p for p in CRAFTED if p.parent.name == "x86_64-minimal")
    data = facts_json(read_facts(wheel))
    edit(data)
    with pytest.raises(FactsError) as raised:
        facts_from_json(data, "facts")
    assert raised.value.source == where


def test_the_shortcut_above_a_files_earliest_tag_changes_no_verdict(
    monkeypatch: pytest.MonkeyPatch, crafted_facts: dict[str, WheelFacts]
) -> None:
    # judge skips a file at versions above its earliest tag when the baselines only grow;
    # evaluating every version instead must give the same verdicts, blockers included.
    policies = default_policies()
    quick = [wheel_json(judge(f, policies)) for f in crafted_facts.values()]
    monkeypatch.setattr(audit._Judgement, "_satisfied_from", lambda *_: None)
    assert [wheel_json(judge(f, policies)) for f in crafted_facts.values()] == quick


def test_what_the_judge_remembers_per_policy_set_stays_bounded() -> None:
    """Version names come from input: a mirror of millions of them must not grow the memo
    without end, and an answer after the memo forgot is the same answer."""
    from reference_impl.audit_policy import MEMO_ENTRIES, policy_memo, version_class
    from reference_impl.policy import default_policy_dir, load_policies

    policies = load_policies(default_policy_dir())  # a fresh set: its memos start empty
    first = version_class(policies, "GLIBCXX_3.4.21")
    for n in range(MEMO_ENTRIES + 10):
        version_class(policies, f"HOSTILE_{n}")
    assert 0 < len(policy_memo(policies, "version-class")) <= MEMO_ENTRIES
    assert version_class(policies, "GLIBCXX_3.4.21") == first == ("GLIBCXX", "3.4.21", (3, 4, 21))


def test_a_wheel_declaring_too_many_platform_tags_has_no_facts(
    crafted_facts: dict[str, WheelFacts],
) -> None:
    """audit.bad-input.tag-count is a refusal of the reader, as every bad input is: a census
    stores no facts of such a wheel and a review never judges it. Facts made elsewhere with
    too many tags are refused by the judge too."""
    (wheel,) = (ROOT / "conformance" / "fixtures" / "wheels" / "hostile-many-platform-tags").glob(
        "*.whl"
    )
    with pytest.raises(WheelError, match="declares 65 distinct platform tags"):
        read_facts(wheel)
    assert "hostile-many-platform-tags" not in crafted_facts
    facts = crafted_facts["x86_64-minimal"]  # its filename: manylinux_2_5 and manylinux1
    many = tuple(f"cp312-cp312-manylinux_2_{5 + i}_x86_64" for i in range(MAX_PLATFORM_TAGS))
    with pytest.raises(WheelError, match="declares 65 distinct platform tags"):
        judge(replace(facts, wheel_tags=many), default_policies())
