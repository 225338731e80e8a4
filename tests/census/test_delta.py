"""The verdict delta judges facts under two policy sets; facts that lack a symbol the new
policies forbid are counted apart, never judged by guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_impl.audit_read import read_facts
from reference_impl.census.delta import tag_order, verdict_delta
from reference_impl.policy import default_policies, load_policies

from .conftest import FIXTURES

WHEELS = ["x86_64-minimal", "x86_64-ncursesw", "x86_64-getrandom"]


def wheel(folder: str) -> Path:
    (path,) = (FIXTURES / folder).glob("*.whl")
    return path


def edited(policy_copy: Path, name: str, old: str, new: str) -> Path:
    path = policy_copy / "baselines" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return policy_copy


def test_a_library_allowed_from_2_24_gains_exactly_the_later_tags(policy_copy: Path) -> None:
    base = default_policies()
    head = load_policies(
        edited(
            policy_copy,
            "manylinux_2_24.toml",
            'libraries = ["libmvec.so.1"]',
            'libraries = ["libmvec.so.1", "libncursesw.so.5"]',
        )
    )
    facts = [read_facts(wheel(name), policies=base) for name in WHEELS]
    delta = verdict_delta(facts, base, head)
    later = {b.tag("x86_64") for b in head.for_arch("x86_64") if b.glibc >= (2, 24)}
    assert delta.judged == 3 and delta.changed.count == 1
    assert set(delta.tags_gained) == later and not delta.tags_lost
    assert {t.examples[0] for t in delta.tags_gained.values()} == {wheel("x86_64-ncursesw").name}
    assert delta.earlier.count == 1 and delta.later.count == 0
    assert "-> manylinux_2_24_x86_64)" in delta.earlier.examples[0]


def test_forbidding_a_symbol_the_facts_did_not_keep_is_counted_not_guessed(
    policy_copy: Path,
) -> None:
    base = default_policies()
    forbid = '[add.forbidden_symbols]\n"libc.so.6" = [\n'
    head = load_policies(
        edited(policy_copy, "manylinux_2_5.toml", forbid, forbid + '    "malloc",\n')
    )
    facts = [read_facts(wheel(name), policies=base) for name in WHEELS]
    incomplete = verdict_delta(facts, base, head)
    assert incomplete.judged == 0 and incomplete.incomplete.count == 3

    kept = [read_facts(wheel(name), policies=base, keep=["malloc"]) for name in WHEELS]
    users = {
        f.filename for f in kept for file in f.files for u in file.undefined if u.name == "malloc"
    }
    delta = verdict_delta(kept, base, head)
    assert delta.judged == 3 and delta.incomplete.count == 0 and users
    assert delta.tags_lost and not delta.tags_gained
    assert {name for t in delta.tags_lost.values() for name in t.examples} == users
    assert delta.claims_lost
    assert all(set(t.examples) <= users for t in delta.claims_lost.values())


@pytest.mark.parametrize(
    ("tags", "ordered"),
    [
        (
            ["manylinux_2_5_x86_64", "manylinux_2_17_aarch64", "manylinux_2_12_x86_64", "odd"],
            ["manylinux_2_17_aarch64", "manylinux_2_5_x86_64", "manylinux_2_12_x86_64", "odd"],
        ),
        (
            ["manylinux_2_\u0664_x86_64", "manylinux_2_4_x86_64"],
            ["manylinux_2_4_x86_64", "manylinux_2_\u0664_x86_64"],
        ),
    ],
)
def test_tags_sort_by_architecture_then_glibc(tags: list[str], ordered: list[str]) -> None:
    assert sorted(tags, key=tag_order) == ordered
