"""The differential explorer: it finds disagreements, and divergence patterns explain them."""

from __future__ import annotations

import pytest

from conformance.adapters import create
from conformance.adapters.base import Request
from conformance.divergences import Pattern
from conformance.explore import (
    TAGS_PER_SYSTEM,
    _search,
    _search_batched,
    _unexplained,
    batch,
    explains,
    explore,
)
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


@pytest.mark.parametrize("peer", ["packaging", "pep600-sample", "distlib", "dep-logic", "nab"])
def test_every_disagreement_the_explorer_finds_in_process_is_a_known_category(peer):
    assert [str(d) for d in explore([peer], examples=200)] == []


def test_a_batch_gives_each_system_its_own_name_and_each_question_its_own_project():
    """Black-box adapters keep one emulated interpreter per system name and one project per
    request ID: a shared name would pose two systems as one."""
    asked = batch(4 * TAGS_PER_SYSTEM)
    systems = {request.system.name: request.system for request in asked}
    assert len(systems) == 4
    assert len({request.case_id for request in asked}) == len(asked) == 4 * TAGS_PER_SYSTEM
    for request in asked:
        assert request.operation == "installer.compatible"
        assert request.input["profile"] == request.system.name


def test_a_batched_search_reports_the_simplest_unexplained_disagreement():
    """The batched path, through an adapter cheap enough to ask many times: without patterns
    the PEP's sample disagrees somewhere, and no other disagreement found is simpler (no
    override before an override, then a shorter tag)."""
    reference, sample = create("reference"), create("pep600-sample")
    try:
        (found,) = _search_batched(reference, sample, (), 100, 0)
        asked = batch(100)
        theirs = sample.answer_all(asked)
        differing = [
            request
            for request in asked
            if _unexplained(reference.answer_safely(request), theirs[request.case_id], request, ())
        ]
        assert found.request.case_id in {request.case_id for request in differing}

        def rank(request: Request) -> tuple[bool, int]:
            return (not request.override.absent, len(request.input["tag"]))

        assert rank(found.request) == min(rank(request) for request in differing)
    finally:
        reference.close()


@pytest.mark.slow
@pytest.mark.parametrize("peer", ["pip", "uv"])
def test_every_disagreement_the_explorer_finds_with_a_black_box_installer_is_known(peer):
    """pip and uv answer for generated systems and tags in batches (one run per system)."""
    assert [str(d) for d in explore([peer], examples=4 * TAGS_PER_SYSTEM)] == []
