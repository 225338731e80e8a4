"""The design's import boundaries, checked on the source: reference_impl needs only the
standard library, packaging and pyelftools (and zlib-ng where it is installed), and never the
suite or the site."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
ALLOWED_THIRD_PARTY = {"packaging", "elftools", "zlib_ng"}
"""zlib_ng: a faster build of zlib's own inflate, optional (reference_impl/inflate.py falls
back to the standard library's zlib where it has no wheel)."""


def imported_top_level_names(package: Path) -> dict[str, set[str]]:
    """Top-level module names each file of a package imports (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        names = found.setdefault(str(path.relative_to(ROOT)), set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return found


def test_reference_impl_imports_only_stdlib_packaging_and_pyelftools() -> None:
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {"reference_impl"}
    offenders = {
        file: sorted(names - allowed)
        for file, names in imported_top_level_names(ROOT / "reference_impl").items()
        if names - allowed
    }
    assert not offenders


def test_reference_impl_never_imports_the_suite_or_the_site() -> None:
    for file, names in imported_top_level_names(ROOT / "reference_impl").items():
        assert not names & {"conformance", "docs"}, file


def test_the_fixture_crafter_never_imports_the_reference() -> None:
    for file, names in imported_top_level_names(ROOT / "conformance" / "craft").items():
        assert "reference_impl" not in names, file
