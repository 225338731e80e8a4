"""The crafter never imports the reference implementation it is meant to check."""

from __future__ import annotations

import ast
from pathlib import Path

import conformance.craft

CRAFT = Path(conformance.craft.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            modules.update(str(getattr(arg, "value", "")) for arg in node.args[:1])
    return modules


def test_no_craft_module_imports_reference_impl() -> None:
    sources = sorted(CRAFT.glob("*.py"))
    assert len(sources) >= 8
    for source in sources:
        for module in _imported_modules(source):
            assert module.split(".")[0] != "reference_impl", f"{source.name} imports {module}"
            assert module.split(".")[0] in {
                "__future__",
                "argparse",
                "base64",
                "collections",
                "conformance",
                "dataclasses",
                "functools",
                "hashlib",
                "itertools",
                "json",
                "pathlib",
                "re",
                "struct",
                "sys",
                "tomllib",
                "typing",
                "zlib",
            }, f"{source.name} imports {module}: the crafter uses the standard library only"


def test_the_scan_would_catch_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from reference_impl.elf import read\nimport reference_impl.policy\n")
    assert _imported_modules(sample) == {"reference_impl.elf", "reference_impl.policy"}
