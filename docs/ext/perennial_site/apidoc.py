"""The API reference's renderer: sphinx-autodoc2's MyST renderer, minus its stray "None".

autodoc2 records a value of None both for an attribute without a value (a dataclass field, an
annotation) and for one it cannot evaluate (``Literal[...]``, a call), and writes every value
as a folded option that MyST reads as the first paragraph of the description, so hundreds of
entries began with a bare "None". This renderer writes the value on the option's line (it
shows as ``= value`` in the signature) and looks at the assignment in the source when
autodoc2 has none: no value shows nothing, a real ``None`` stays, anything else shows its
source text.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from autodoc2.render.myst_ import MystRenderer

LONGEST = 100


@cache
def _parsed(path: str) -> tuple[str, ast.Module]:
    source = Path(path).read_text(encoding="utf-8")
    return source, ast.parse(source)


def assigned_text(path: str, line: int) -> str | None:
    """The source of the value assigned on ``line`` of ``path``; None when there is none."""
    source, tree = _parsed(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.lineno == line:
            if node.value is None:
                return None
            text = ast.get_source_segment(source, node.value) or ""
            text = " ".join(text.split())
            return text if len(text) <= LONGEST else text[:LONGEST] + "..."
    return None


class Renderer(MystRenderer):
    """autodoc2's MyST renderer, showing a data item's value only when the source has one."""

    def _module_file(self, full_name: str) -> str | None:
        parts = full_name.split(".")
        for end in range(len(parts) - 1, 0, -1):
            item = self.get_item(".".join(parts[:end]))
            if item is not None and item.get("type") in ("module", "package"):
                file = item.get("file_path")
                return str(file) if file else None
        return None

    def render_data(self, item: Any) -> Iterable[str]:
        lines = list(super().render_data(item))
        if ":value: >" not in lines:
            yield from lines
            return
        at = lines.index(":value: >")
        shown: str | None = lines[at + 1].strip()
        if item.get("value") is None:
            file = self._module_file(item["full_name"])
            span = item.get("range")
            shown = assigned_text(file, span[0]) if file and span else None
        # One single-quoted line: MyST reads a folded ">" option's next line as the body (the
        # value showed up as a stray first paragraph) and a bare value may hold a colon.
        quoted = "'" + shown.replace("'", "''") + "'" if shown is not None else None
        lines[at : at + 2] = [f":value: {quoted}"] if quoted is not None else []
        yield from lines
