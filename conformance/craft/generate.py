"""Build every fixture from its recipe, write them with a digest manifest, or check them.

``generate`` makes ``conformance/fixtures/`` exactly what the recipes say (stale files are
removed); ``check`` rebuilds in memory and lists every difference from what is committed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conformance.craft.recipes import RECIPES, build_elf_recipe, load_all
from conformance.craft.wheel import build_wheel

FIXTURES = RECIPES.parent / "fixtures"
MANIFEST = "MANIFEST.json"
MANIFEST_FORMAT = 1


def build_all(recipes: Path = RECIPES) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Fixture path (relative to ``fixtures/``) -> (bytes, facts for the manifest)."""
    elves, wheels = load_all(recipes)
    out: dict[str, tuple[bytes, dict[str, str]]] = {}
    for elf in elves.values():
        facts = {"recipe": f"elf/{elf.name}.toml", "description": elf.description}
        out[elf.output] = (build_elf_recipe(elf), facts)
    for wheel in wheels.values():
        data = wheel.raw if wheel.raw is not None else build_wheel(wheel.spec)
        facts = {"recipe": f"wheels/{wheel.name}.toml", "description": wheel.description}
        out[wheel.output] = (data, facts)
    return dict(sorted(out.items()))


def manifest_text(built: dict[str, tuple[bytes, dict[str, str]]]) -> str:
    """The manifest: for every fixture its sha256, size, recipe and description."""
    files = {
        path: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), **facts}
        for path, (data, facts) in built.items()
    }
    document = {"format": MANIFEST_FORMAT, "generator": "python -m conformance.craft generate"}
    return json.dumps({**document, "files": files}, indent=1, sort_keys=True) + "\n"


def fixture(recipe: str, fixtures: Path = FIXTURES) -> Path:
    """The committed file a recipe makes: ``fixture("wheels/x86_64-getrandom")`` or
    ``fixture("elf/armv7l-interpreter")``. Reads the manifest, so it builds nothing."""
    files: dict[str, dict[str, str]] = json.loads((fixtures / MANIFEST).read_text())["files"]
    for path, entry in files.items():
        if entry["recipe"] == f"{recipe}.toml":
            return fixtures / str(path)
    raise KeyError(f"no fixture is made by recipe {recipe!r} (see {fixtures / MANIFEST})")


def _on_disk(fixtures: Path) -> set[str]:
    if not fixtures.is_dir():
        return set()
    return {
        p.relative_to(fixtures).as_posix()
        for p in fixtures.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


def generate(recipes: Path = RECIPES, fixtures: Path = FIXTURES) -> list[str]:
    """Write every fixture and the manifest; return the paths written or removed."""
    built = build_all(recipes)
    changed = []
    for stale in sorted(_on_disk(fixtures) - set(built)):
        (fixtures / stale).unlink()
        changed.append(f"removed {stale}")
    for directory in sorted(fixtures.rglob("*"), reverse=True) if fixtures.is_dir() else []:
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    for path, (data, _) in built.items():
        target = fixtures / path
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed.append(f"wrote {path}")
    manifest = fixtures / MANIFEST
    text = manifest_text(built)
    if not manifest.is_file() or manifest.read_text() != text:
        manifest.write_text(text)
        changed.append(f"wrote {MANIFEST}")
    return changed


def check(recipes: Path = RECIPES, fixtures: Path = FIXTURES) -> list[str]:
    """Every way the committed fixtures differ from their recipes (empty: all agree)."""
    built = build_all(recipes)
    problems = []
    for path in sorted(_on_disk(fixtures) - set(built)):
        problems.append(f"{path}: no recipe makes this file")
    for path, (data, _) in built.items():
        target = fixtures / path
        if not target.is_file():
            problems.append(f"{path}: missing (run python -m conformance.craft generate)")
        elif target.read_bytes() != data:
            problems.append(f"{path}: differs from what its recipe makes")
    manifest = fixtures / MANIFEST
    if not manifest.is_file() or manifest.read_text() != manifest_text(built):
        problems.append(f"{MANIFEST}: digests or entries differ from the recipes")
    return problems
