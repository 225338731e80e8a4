"""The wheel check page's Content-Security-Policy (docs/ext/perennial_site/csp.py): what it
allows of a page's inline parts, where it is put, and that the built page carries it. That the
browser enforces it, and that the page works under it, is tests/site/test_wheel_check.py."""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "docs" / "ext"))

from perennial_site.csp import POLICY, policy, with_policy

PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>t</title>'
    '<script src="a.js"></script><style>b { color: red }</style></head>'
    '<body><script>run("x")</script><svg style="display: none;"><line style="a &amp; b"/>'
    "</svg></body></html>"
)


def digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(text: str) -> dict[str, list[str]]:
    parts = (part.split() for part in text.split(";"))
    return {words[0]: words[1:] for words in parts}


def test_inline_parts_are_allowed_by_their_digests_only() -> None:
    found = directives(policy(PAGE))
    assert found["script-src"] == ["'self'", "'wasm-unsafe-eval'", digest('run("x")')]
    assert found["style-src"] == ["'self'", digest("b { color: red }")]
    # an attribute is hashed as the browser reads it, its entities decoded
    assert sorted(found["style-src-attr"][1:]) == sorted([digest("display: none;"),
                                                          digest("a & b")])  # fmt: skip
    assert found["default-src"] == ["'none'"]
    assert list(found) == [directive for directive, _ in POLICY]


def test_the_policy_comes_first_in_the_head_and_setting_it_again_changes_nothing() -> None:
    once = with_policy(PAGE)
    head = once[once.index("<head>") : once.index("<title>")]
    assert re.fullmatch(
        r'<head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="[^"]+">',
        head,
    )
    assert with_policy(once) == once
    assert once.count("Content-Security-Policy") == 1


def test_a_page_without_a_charset_is_refused() -> None:
    with pytest.raises(ValueError, match="charset"):
        with_policy("<html><head></head></html>")


def test_the_built_wheel_check_page_carries_its_policy(built_site: Path) -> None:
    page = (built_site / "docs" / "wheel-check.html").read_text(encoding="utf-8")
    (content,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert content == policy(page)
    assert "'unsafe-inline'" not in content and "'unsafe-eval'" not in content
    # only that page: the others load nothing a reader gave them
    matrix = (built_site / "docs" / "matrix.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" not in matrix
