"""The wheels that wrap the real-toolchain binaries hold them byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from conformance.craft.generate import FIXTURES
from conformance.craft.recipes import RECIPES, TOOLCHAIN_BUILT, RecipeError, load_all

WHEEL_RECIPES = sorted(p.stem for p in (RECIPES / "wheels").glob("toolchain-*.toml"))


def _toolchain_members(recipe: Path) -> dict[str, str]:
    import tomllib

    table = tomllib.loads(recipe.read_text())
    return {m["path"]: m["toolchain"] for m in table["members"] if "toolchain" in m}


@pytest.mark.parametrize("name", WHEEL_RECIPES)
def test_the_wheel_holds_the_compiler_bytes(name: str) -> None:
    members = _toolchain_members(RECIPES / "wheels" / f"{name}.toml")
    assert members, "a toolchain wheel wraps at least one real binary"
    (wheel,) = (FIXTURES / "wheels" / name).glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for path, built in members.items():
            assert archive.read(path) == (TOOLCHAIN_BUILT / built).read_bytes()


@pytest.mark.parametrize("bad", ["../x86_64/libtls.so", "x86_64", "x86_64/missing.so", "a/b/c"])
def test_a_toolchain_member_outside_the_built_files_is_refused(tmp_path: Path, bad: str) -> None:
    (tmp_path / "elf").mkdir()
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "w.toml").write_text(
        'name = "w"\nversion = "1"\ntags = "py3-none-any"\n'
        f'[[members]]\npath = "w/x.so"\ntoolchain = "{bad}"\n'
    )
    with pytest.raises(RecipeError, match="toolchain"):
        load_all(tmp_path)
