"""The Content-Security-Policy of the wheel check's page, set in a ``<meta>`` element.

The page runs a reader's file through Python in the browser, so it gets the strictest policy
it works under: nothing is allowed that :data:`POLICY` does not name, and the page's own
inline script and styles (furo's theme switch, its code colours, its icons' style attributes)
are allowed by their SHA-256 digests, computed from the page as written, so nothing injected
later matches. A static site cannot send headers, hence the meta element; it is put first in
``<head>``, since a policy given in a meta element covers only what comes after it. The
worker is started from a ``blob:`` URL so that this policy governs it as well.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

POLICY: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Anything not named below is refused: frames, objects, fonts, media, manifests.
    ("default-src", ("'none'",)),
    # The site's own scripts (Sphinx's, furo's, page.js; in the worker, worker.mjs and
    # Pyodide's loader, imported from this origin), and the WebAssembly that Pyodide compiles
    # from the runtime it fetched: 'wasm-unsafe-eval' allows that and only that (no eval(),
    # no new Function). The digests of the page's inline scripts are added per page.
    ("script-src", ("'self'", "'wasm-unsafe-eval'")),
    # The site's style sheets; the digests of the page's inline <style> blocks are added.
    ("style-src", ("'self'",)),
    # furo's inline SVG icons carry style attributes: allowed by their digests only.
    ("style-src-attr", ("'unsafe-hashes'",)),
    # The favicon; furo's style sheet draws its icons as data: SVG images.
    ("img-src", ("'self'", "data:")),
    # The worker fetches Python's runtime, its standard library, the wheels and check.py.
    ("connect-src", ("'self'",)),
    # The worker, started from a blob: URL (page.js), so that it inherits this policy.
    ("worker-src", ("blob:",)),
    # The sidebar's search box submits to the site's search page.
    ("form-action", ("'self'",)),
    # No injected <base> may move where relative URLs point.
    ("base-uri", ("'none'",)),
)

_DIGESTS = {"script-src": "script", "style-src": "style", "style-src-attr": "attribute"}
"""Directive -> the kind of inline content whose digests it lists."""
_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')
_CHARSET = '<meta charset="utf-8">'


class _Inline(HTMLParser):
    """The page's inline scripts and style blocks (their text as the browser hashes it) and
    its style attributes' values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: dict[str, list[str]] = {"script": [], "style": [], "attribute": []}
        self._open: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found["attribute"].extend(v for k, v in attrs if k == "style" and v is not None)
        if tag in ("script", "style") and not (tag == "script" and dict(attrs).get("src")):
            self._open, self._text = tag, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found["attribute"].extend(v for k, v in attrs if k == "style" and v is not None)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open == tag:
            self.found[tag].append("".join(self._text))
            self._open = None


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(page: str) -> str:
    """The policy for ``page`` (its HTML): :data:`POLICY` and the digests of its inline parts."""
    parser = _Inline()
    parser.feed(_META.sub("", page))
    parser.close()
    parts = []
    for directive, sources in POLICY:
        kind = _DIGESTS.get(directive)
        digests = sorted({_digest(t) for t in parser.found[kind]}) if kind else []
        parts.append(" ".join([directive, *sources, *digests]))
    return "; ".join(parts)


def with_policy(page: str) -> str:
    """``page`` with its policy in a meta element first in ``<head>`` (replacing any before,
    so running it again on a page the build did not rewrite changes nothing)."""
    if _CHARSET not in page:
        raise ValueError(f"no {_CHARSET} to put the policy after")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(page)}">'
    page = _META.sub("", page)
    return page.replace(_CHARSET, _CHARSET + meta, 1)


def apply(path: Path) -> None:
    """Set the policy in the page written at ``path``."""
    page = path.read_text(encoding="utf-8")
    path.write_text(with_policy(page), encoding="utf-8")
