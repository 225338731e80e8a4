"""The design's import boundaries, checked on the source: reference_impl needs only the
standard library, packaging and pyelftools (and zlib-ng where it is installed), and never the
suite or the site."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
ALLOWED_THIRD_PARTY = {"packaging", "elftools", "zlib_ng"}
"""zlib_ng: a faster build of zlib's own inflate, optional (reference_impl/inflate.py falls
back to the standard library's zlib where it has no wheel)."""
CENSUS_EXTRA = {"dask", "distributed", "pyarrow"}
"""The optional ``census`` extra: allowed only in reference_impl/census, imported inside the
functions that need them, so the core install (and every command but ``census``) works
without them."""
CENSUS = ROOT / "reference_impl" / "census"


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
    offenders = {}
    for file, names in imported_top_level_names(ROOT / "reference_impl").items():
        extra = CENSUS_EXTRA if Path(file).parent == CENSUS.relative_to(ROOT) else set()
        if names - allowed - extra:
            offenders[file] = sorted(names - allowed - extra)
    assert not offenders


def test_the_census_extra_is_imported_only_inside_functions() -> None:
    for path in sorted(CENSUS.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            assert not names & CENSUS_EXTRA, f"{path.name} imports {names} at module level"


def test_importing_every_module_loads_nothing_of_the_census_extra() -> None:
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "reference_impl").rglob("*.py")
        if path.name != "__main__.py"
    )
    script = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(set({sorted(CENSUS_EXTRA)!r}) & {{m.split('.')[0] for m in sys.modules}}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_reference_impl_never_imports_the_suite_or_the_site() -> None:
    for file, names in imported_top_level_names(ROOT / "reference_impl").items():
        assert not names & {"conformance", "docs"}, file


def test_the_fixture_crafter_never_imports_the_reference() -> None:
    for file, names in imported_top_level_names(ROOT / "conformance" / "craft").items():
        assert "reference_impl" not in names, file


AUDIT_AVOIDS = {"dataclasses", "typing", "inspect", "email", "packaging", "elftools"}
"""What ``perennial audit`` does not import for a canonically named wheel once the policy
snapshot exists (the first run, which reads the TOML, imports tomllib and with it typing):
together 90 ms of its start-up (reference_impl/record.py and reference_impl/wheelname.py
say why)."""


def test_an_audit_of_a_canonical_wheel_imports_none_of_the_slow_modules(tmp_path: Path) -> None:
    wheel = next((ROOT / "conformance" / "fixtures" / "wheels" / "x86_64-collide-a").glob("*.whl"))
    script = (
        "import sys\nfrom reference_impl.cli import main\n"
        f"code = main(['audit', '--json', {str(wheel)!r}])\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
    )
    cache = {**os.environ, "PERENNIAL_CACHE_DIR": str(tmp_path)}
    for _ in range(2):  # the first run writes the policy snapshot the second one reads
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=cache
        )
    code, _, modules = done.stderr.strip().rpartition("\n")[2].partition(" ")
    assert code in {"0", "1"}, done.stderr
    assert list(tmp_path.glob("policies-*.pickle")), "no snapshot was written"
    assert not AUDIT_AVOIDS & set(ast.literal_eval(modules))
