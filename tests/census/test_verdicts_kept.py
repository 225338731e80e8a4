"""Re-judging is made fast without changing a verdict: every crafted auditor fixture's facts,
judged directly and after the facts' JSON round trip (what a census stores), under the
shipped policies and two changes, give the audit JSON report recorded in
``verdict_digests.json`` (a SHA-256 per wheel and policy set).

This is a regression record, not a conformance expectation: the conformance cases carry the
expected verdicts derived from the spec. It was written before the judge was made faster
(issue 13) so that any speed work that changes a byte of a verdict fails here. A change that
is meant to alter verdicts (new rules, new policy data) rewrites it:

    .venv/bin/python -m tests.census.test_verdicts_kept
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference_impl.audit import judge, judge_outcome, outcome
from reference_impl.audit_facts import (
    FactsError,
    WheelFacts,
    _checked_facts,
    _quick_facts,
    _Unusual,
    facts_from_json,
    facts_json,
)
from reference_impl.audit_read import read_facts
from reference_impl.audit_report import wheel_json
from reference_impl.errors import PerennialError
from reference_impl.policy import PolicySet, default_policies, default_policy_dir, load_policies

from .conftest import FIXTURES, ROOT

RECORD = Path(__file__).with_name("verdict_digests.json")
CHANGES = {
    "shipped": None,
    "x86_64-floor-2.12": (
        "architectures.toml",
        'Intel 64)"\nfloor = "2.5"',
        'Intel 64)"\nfloor = "2.12"',
    ),
    "ncursesw-from-2_24": (
        "baselines/manylinux_2_24.toml",
        'libraries = ["libmvec.so.1"]',
        'libraries = ["libmvec.so.1", "libncursesw.so.5"]',
    ),
}
"""The policy sets judged under: the shipped one, one change every wheel is judged again
under, and one that only allows more."""


def policy_sets(scratch: Path) -> Iterator[tuple[str, PolicySet]]:
    for name, change in CHANGES.items():
        if change is None:
            yield name, default_policies()
            continue
        folder = scratch / name
        shutil.copytree(default_policy_dir(), folder)
        path = folder / change[0]
        text = path.read_text()
        assert change[1] in text, change
        path.write_text(text.replace(change[1], change[2], 1))
        yield name, load_policies(folder)


def fixture_facts(policies: PolicySet) -> Iterator[tuple[str, WheelFacts | None]]:
    """Each fixture's facts under its path relative to the repository (None if refused)."""
    for path in sorted(FIXTURES.rglob("*.whl")):
        name = path.relative_to(ROOT).as_posix()
        try:
            with path.open("rb") as stream:
                yield name, read_facts(stream, path.name, policies)
        except PerennialError:
            yield name, None


def digest(facts: WheelFacts, policies: PolicySet) -> str:
    report = json.dumps(wheel_json(judge(facts, policies)), sort_keys=True)
    return hashlib.sha256(report.encode()).hexdigest()


def digests() -> dict[str, dict[str, str]]:
    """wheel -> policy set -> digest of its verdict; "refused" for a wheel read_facts refuses.
    Asserts along the way that the facts' JSON round trip judges alike."""
    out: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        sets = dict(policy_sets(Path(scratch)))
        for name, facts in fixture_facts(sets["shipped"]):
            if facts is None:
                out[name] = {"facts": "refused"}
                continue
            stored = facts_from_json(json.loads(json.dumps(facts_json(facts))))
            out[name] = {}
            for label, policies in sets.items():
                direct = digest(facts, policies)
                assert digest(stored, policies) == direct, (name, label)
                out[name][label] = direct
    return out


def test_every_fixture_verdict_is_byte_identical_to_the_record() -> None:
    recorded = json.loads(RECORD.read_text())
    now = digests()
    assert sorted(now) == sorted(recorded), "fixtures added or removed: rewrite the record"
    changed = [f"{wheel} under {label}" for wheel in now for label in now[wheel]
               if recorded[wheel].get(label) != now[wheel][label]]  # fmt: skip
    assert not changed, f"{len(changed)} verdicts changed: {changed[:5]}"


def test_judging_an_outcome_decides_what_the_full_verdict_decides() -> None:
    """A review compares :func:`judge_outcome`, which stops at a file's first blocker; every
    fixture under every policy set must get the decisions of its full verdict. The delta of
    each fixture between the shipped policies and a change must be the full verdicts' too."""
    compared = 0
    with tempfile.TemporaryDirectory() as scratch:
        sets = dict(policy_sets(Path(scratch)))
        for _, facts in fixture_facts(sets["shipped"]):
            if facts is None:
                continue
            for policies in sets.values():
                assert judge_outcome(facts, policies) == outcome(judge(facts, policies))
                compared += 1
    assert compared > 3 * 100


def test_judgements_shared_between_files_of_the_same_facts_decide_alike() -> None:
    """A review judges a census's facts read by FactsReader, which names each file's facts
    but its path, and judge_outcome works each name out once per policy set: every fixture,
    judged after all the others have filled those shared judgements, must still get the
    decisions of its own full verdict, under every policy set."""
    from reference_impl.census.rows import FACTS_KEYS, FactsReader

    reader = FactsReader("fixtures")
    names_at: dict[bytes, set[str]] = {}
    compared = 0
    with tempfile.TemporaryDirectory() as scratch:
        sets = dict(policy_sets(Path(scratch)))
        read = [facts for _, facts in fixture_facts(sets["shipped"]) if facts is not None]
        for facts in read + read[::-1]:  # each judged after the others, in both orders
            document = json.loads(json.dumps(facts_json(facts)))
            again, names = reader.read({k: document[k] for k in FACTS_KEYS}, document["files"])
            assert again == facts
            for file, name in zip(facts.files, names, strict=True):
                names_at.setdefault(name, set()).add(file.path)
            for policies in sets.values():
                assert judge_outcome(again, policies, names) == outcome(judge(facts, policies))
                compared += 1
    assert compared > 2 * 3 * 100
    assert sum(len(paths) > 1 for paths in names_at.values()) > 10, "nothing was shared"


def test_a_file_judged_with_an_error_its_wheel_gives_it_shares_no_judgement(
    tmp_path: Path,
) -> None:
    """The same library (same facts, same path) is bundled by one wheel, whose extension
    loads it, under its published name: an error of that wheel's, on that file
    (audit.bundled-soname-unique); another wheel ships it unused, without the error. What
    the file decides with an error its wheel gives it must not be shared with the other
    wheel's copy, whichever wheel is judged first."""
    from conformance.craft import ElfSpec, Member, WheelSpec, build_elf, build_wheel
    from reference_impl.census.rows import FACTS_KEYS, FactsReader

    library = build_elf(ElfSpec(arch="x86_64", soname="libfoo.so.1", needed=("libc.so.6",)))
    extension = build_elf(
        ElfSpec(arch="x86_64", needed=("libfoo.so.1", "libc.so.6"), rpath="$ORIGIN")
    )

    def facts_of(name: str, members: dict[str, bytes]) -> WheelFacts:
        spec = WheelSpec(
            name,
            "1.0",
            "cp312-cp312-manylinux_2_17_x86_64",
            tuple(Member(path, data) for path, data in members.items()),
        )
        path = tmp_path / spec.wheel_filename()
        path.write_bytes(build_wheel(spec))
        return read_facts(path)

    bundling = facts_of("bundling", {"pkg/ext.so": extension, "pkg/libfoo.so.1": library})
    unused = facts_of("unused", {"pkg/libfoo.so.1": library})
    policies = default_policies()
    fresh = {f.wheel: outcome(judge(f, policies)) for f in (bundling, unused)}
    assert fresh[bundling.wheel].earliest is None  # its own error blocks every tag
    assert fresh[unused.wheel].earliest is not None
    for order in ((bundling, unused), (unused, bundling)):
        reader = FactsReader("census")
        named = []
        for facts in order:
            document = json.loads(json.dumps(facts_json(facts)))
            named.append(reader.read({k: document[k] for k in FACTS_KEYS}, document["files"]))
        assert named[0][1][-1] == named[1][1][-1]  # the library: one content name
        fresh_policies = load_policies(default_policy_dir())  # nothing shared yet
        for (again, names), facts in zip(named, order, strict=True):
            assert judge_outcome(again, fresh_policies, names) == fresh[facts.wheel]


def test_the_quick_facts_reader_reads_what_the_checking_reader_reads() -> None:
    documents = [
        json.loads(json.dumps(facts_json(facts)))
        for _, facts in fixture_facts(default_policies())
        if facts is not None
    ]
    assert sum(len(d["files"]) for d in documents) > 100
    for document in documents:
        assert _quick_facts(document) == _checked_facts(document, "facts")


@pytest.mark.parametrize(
    ("field", "value"),
    [("bits", True), ("flags", -1), ("interpreter", 1), ("type", None)],
)
def test_the_quick_facts_reader_leaves_anything_unusual_to_the_checking_reader(
    field: str, value: object
) -> None:
    (facts,) = (f for name, f in fixture_facts(default_policies()) if "x86_64-minimal/" in name)
    assert facts is not None
    document = json.loads(json.dumps(facts_json(facts)))
    document["files"][0]["elf"][field] = value
    with pytest.raises(_Unusual):
        _quick_facts(document)
    with pytest.raises(FactsError, match=rf"files\[0\]\.elf\.{field}"):
        facts_from_json(document)


if __name__ == "__main__":
    RECORD.write_text(json.dumps(digests(), indent=1, sort_keys=True) + "\n")
    sys.exit(0)


def test_the_judgements_shared_between_files_stay_bounded() -> None:
    """A mirror holds millions of distinct files: the shared judgements of one policy set
    are forgotten past SHARED_FILES, and a file judged after that is judged alike."""
    from reference_impl.audit import SHARED_FILES
    from reference_impl.audit_policy import policy_memo
    from reference_impl.policy import default_policy_dir, load_policies

    policies = load_policies(default_policy_dir())  # a fresh set: its memos start empty
    facts = next(f for _, f in fixture_facts(policies) if f is not None and f.files)
    expected = judge_outcome(facts, policies)
    for n in range(SHARED_FILES + 10):
        names = [n.to_bytes(8, "big") + bytes([i]) for i in range(len(facts.files))]
        assert judge_outcome(facts, policies, names) == expected
    assert 0 < len(policy_memo(policies, "shared-files")) <= SHARED_FILES


def test_the_files_a_facts_reader_keeps_decoded_stay_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past REMEMBERED decoded contents the reader forgets the older half, and reads alike."""
    from reference_impl.census import rows
    from reference_impl.census.rows import FACTS_KEYS, FactsReader

    monkeypatch.setattr(rows, "REMEMBERED", 8)
    reader = FactsReader("fixtures")
    read = [f for _, f in fixture_facts(default_policies()) if f is not None and f.files]
    for facts in read:
        document = json.loads(json.dumps(facts_json(facts)))
        again, _ = reader.read({k: document[k] for k in FACTS_KEYS}, document["files"])
        assert again == facts
        assert len(reader._decoded) <= 8 + len(facts.files)
    assert sum(len(f.files) for f in read) > 4 * 8
