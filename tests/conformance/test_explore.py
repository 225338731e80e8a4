"""The differential explorer: it finds disagreements, and divergence patterns explain them."""

from __future__ import annotations

import pytest

from conformance.adapters import create
from conformance.adapters.base import Request
from conformance.divergences import Pattern
from conformance.explore import _search, explains, explore
from conformance.systems import load_overrides


def _request(tag: str) -> Request:
    return Request("x", "tag.parse", {"tag": tag}, None, load_overrides()["absent"], None)


def test_without_patterns_the_explorer_finds_and_shrinks_a_known_disagreement():
    reference, sample = create("reference"), create("pep600-sample")
    found = _search(reference, sample, (), "tag.parse", 200, 0)
    assert found is not None
    assert found.reference["valid"] is False and found.peer_answer["valid"] is True
    assert len(found.request.input["tag"]) < 30  # shrunk to a short tag
    reference.close()


def test_a_pattern_explains_only_inputs_its_predicate_holds_for():
    pattern = Pattern("zeros", "why", None, {"operation": "tag.parse", "tag_regex": "_0[0-9]"})
    assert explains(pattern, _request("manylinux_02_17_x86_64"))
    assert not explains(pattern, _request("manylinux_2_17_x86_64"))
    with pytest.raises(ValueError, match="unknown predicate"):
        explains(Pattern("bad", "why", None, {"colour": "red"}), _request("any"))


def test_every_disagreement_the_explorer_finds_is_a_known_category():
    assert [str(d) for d in explore(["packaging", "pep600-sample"], examples=200)] == []
