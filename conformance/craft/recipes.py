"""Read the declarative recipes in ``conformance/recipes/`` into ELF and wheel specs.

``recipes/elf/NAME.toml`` describes one ELF file, ``recipes/wheels/NAME.toml`` one wheel; the
file stem is the fixture's stable name. The format is documented in
``conformance/recipes/README.md``. Every problem is a :class:`RecipeError` naming the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from conformance.craft.damage import damage
from conformance.craft.elf import ElfSpec, ElfSpecError, Symbol, build_elf
from conformance.craft.wheel import Alias, Member, WheelSpec

RECIPES = Path(__file__).resolve().parent.parent / "recipes"
TOOLCHAIN_BUILT = RECIPES.parent / "toolchain" / "built"
"""Where ``toolchain = "ARCH/FILE"`` members come from: bytes made by real compilers
(``conformance/toolchain/build.py``), wrapped as they are."""
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
STACKS = {"noexec": False, "exec": True, "absent": None}
BREAKS = ("truncate", "bad_magic", "bad_class", "shoff_past_eof", "dynamic_outside_file")

ELF_KEYS = {
    "description",
    "extends",
    "arch",
    "kind",
    "soname",
    "needed",
    "rpath",
    "runpath",
    "version_needs",
    "version_defs",
    "symbols",
    "isa_needed",
    "stack",
    "interp",
    "machine",
    "flags",
    "broken",
}
# A symbol table is passed to Symbol(**entry) as it is, so its keys are Symbol's fields.
SYMBOL_KEYS = {f.name for f in fields(Symbol)}
WHEEL_KEYS = {
    "description",
    "name",
    "version",
    "tags",
    "filename",
    "wheel_tags",
    "wheel_file",
    "record",
    "root_is_purelib",
    "raw",
    "members",
    "aliases",
}
MEMBER_KEYS = {"path", "elf", "toolchain", "text", "mode", "declared_size", "deflate_zeros"}
MEMBER_SOURCES = ("elf", "toolchain", "text", "deflate_zeros")


class RecipeError(Exception):
    """A recipe that cannot be read or built: ``source`` is the file, ``problem`` one line."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


@dataclass(frozen=True)
class Breakage:
    """How to damage a valid ELF file after building it (for bad-input fixtures)."""

    kind: str
    size: int = 0


@dataclass(frozen=True)
class ElfRecipe:
    """A named ELF fixture: its spec and, for bad-input fixtures, the damage to apply."""

    name: str
    source: Path
    spec: ElfSpec
    broken: Breakage | None = None
    description: str = ""

    @property
    def output(self) -> str:
        """Path under ``fixtures/``: shared objects end in ``.so``, executables have no suffix."""
        return f"elf/{self.name}.so" if self.spec.kind == "shared" else f"elf/{self.name}"


@dataclass(frozen=True)
class WheelRecipe:
    """A named wheel fixture (``raw`` set: not a zip at all, just these bytes)."""

    name: str
    spec: WheelSpec
    raw: bytes | None = None
    description: str = ""
    elf_specs: tuple[tuple[str, ElfSpec], ...] = ()
    """Member path -> the spec of each valid ELF member, so tests can check what they read."""

    @property
    def output(self) -> str:
        """Path under ``fixtures/``: one directory per recipe holding the real wheel filename."""
        return f"wheels/{self.name}/{self.spec.wheel_filename()}"


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(RECIPES.parent.parent))
    except ValueError:
        return str(path)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RecipeError(_relative(path), f"cannot read: {error}") from None


def _check_keys(source: str, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RecipeError(source, f"{where}unknown key {unknown[0]!r}; allowed: {sorted(allowed)}")


def _elf_table(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The recipe's table with ``extends`` resolved (the named recipe's keys, then ours)."""
    source = _relative(path)
    if path in seen:
        raise RecipeError(source, "extends itself through a cycle")
    table = _load_toml(path)
    _check_keys(source, "", table, ELF_KEYS)
    base_name = table.pop("extends", None)
    if base_name is None:
        return table
    base_path = path.parent / f"{base_name}.toml"
    if not base_path.is_file():
        raise RecipeError(source, f"extends {base_name!r}, which is not in {path.parent.name}/")
    base = _elf_table(base_path, (*seen, path))
    base.pop("broken", None)
    base.pop("description", None)
    return {**base, **table}


def elf_spec_from_table(source: str, table: Mapping[str, Any]) -> ElfSpec:
    """An :class:`ElfSpec` from a recipe table (a file's or a wheel member's inline one)."""
    _check_keys(source, "", table, ELF_KEYS - {"extends"})
    try:
        needed = list(table.get("needed", []))
        needs: dict[str, list[str]] = {
            lib: list(v) for lib, v in dict(table.get("version_needs", {})).items()
        }
        symbols = []
        for index, entry in enumerate(table.get("symbols", [])):
            _check_keys(source, f"symbols[{index}]: ", entry, SYMBOL_KEYS)
            symbol = Symbol(**entry)
            if not symbol.defined and symbol.version and symbol.library:
                # Convenience: an import that names its library declares the need itself.
                if symbol.library not in needed:
                    needed.append(symbol.library)
                versions = needs.setdefault(symbol.library, [])
                if symbol.version not in versions:
                    versions.append(symbol.version)
            symbols.append(symbol)
        stack = table.get("stack", "noexec")
        if stack not in STACKS:
            raise RecipeError(source, f"stack must be one of {sorted(STACKS)}, not {stack!r}")
        return ElfSpec(
            arch=table["arch"],
            kind=table.get("kind", "shared"),
            soname=table.get("soname"),
            needed=tuple(needed),
            rpath=table.get("rpath"),
            runpath=table.get("runpath"),
            version_needs=tuple((lib, tuple(v)) for lib, v in needs.items()),
            version_defs=tuple(table.get("version_defs", [])),
            symbols=tuple(symbols),
            isa_needed=tuple(table.get("isa_needed", [])),
            execstack=STACKS[stack],
            interp=table.get("interp"),
            machine=table.get("machine"),
            flags=table.get("flags"),
        )
    except KeyError as error:
        raise RecipeError(source, f"missing key {error.args[0]!r}") from None
    except TypeError as error:
        raise RecipeError(source, f"malformed value: {error}") from None


def _check_name(path: Path) -> str:
    if not NAME.match(path.stem):
        raise RecipeError(_relative(path), "recipe names are lowercase [a-z0-9._-]")
    return path.stem


def load_elf_recipe(path: Path) -> ElfRecipe:
    """One ELF recipe file."""
    source = _relative(path)
    table = _elf_table(path)
    broken = None
    if "broken" in table:
        given = dict(table.pop("broken"))
        _check_keys(source, "broken: ", given, {"kind", "size"})
        if given.get("kind") not in BREAKS:
            raise RecipeError(source, f"broken.kind must be one of {BREAKS}")
        broken = Breakage(given["kind"], int(given.get("size", 0)))
    description = str(table.pop("description", ""))
    spec = elf_spec_from_table(source, table)
    return ElfRecipe(_check_name(path), path, spec, broken, description)


def load_wheel_recipe(path: Path, elves: Mapping[str, ElfRecipe]) -> WheelRecipe:
    """One wheel recipe file; ``elf = "NAME"`` members refer to ``elves``."""
    source = _relative(path)
    table = _load_toml(path)
    _check_keys(source, "", table, WHEEL_KEYS)
    members = []
    elf_specs = []
    for index, entry in enumerate(table.get("members", [])):
        where = f"members[{index}]: "
        _check_keys(source, where, entry, MEMBER_KEYS)
        if "path" not in entry:
            raise RecipeError(source, f"{where}missing key 'path'")
        member, elf_spec = _member(source, where, entry, elves)
        members.append(member)
        if elf_spec is not None:
            elf_specs.append((member.path, elf_spec))
    aliases = tuple(Alias(str(a["path"]), str(a["target"])) for a in table.get("aliases", []))
    known = {m.path for m in members}
    for alias in aliases:
        if alias.target not in known:
            raise RecipeError(source, f"alias {alias.path!r} targets unknown {alias.target!r}")
    try:
        wheel_tags = table.get("wheel_tags")
        spec = WheelSpec(
            name=table["name"],
            version=table["version"],
            tags=table["tags"],
            members=tuple(members),
            filename=table.get("filename"),
            wheel_tags=None if wheel_tags is None else tuple(wheel_tags),
            wheel_file=bool(table.get("wheel_file", True)),
            record=bool(table.get("record", True)),
            root_is_purelib=bool(table.get("root_is_purelib", False)),
            aliases=aliases,
        )
    except KeyError as error:
        raise RecipeError(source, f"missing key {error.args[0]!r}") from None
    if spec.wheel_tags is None and len(spec.tags.split("-")) != 3:
        raise RecipeError(source, "tags must be python-abi-platform (or give wheel_tags)")
    raw = table.get("raw")
    return WheelRecipe(
        _check_name(path),
        spec,
        None if raw is None else str(raw).encode(),
        str(table.get("description", "")),
        tuple(elf_specs),
    )


def _member(
    source: str, where: str, entry: Mapping[str, Any], elves: Mapping[str, ElfRecipe]
) -> tuple[Member, ElfSpec | None]:
    """The member, and the spec of its ELF content when that is a valid ELF file."""
    kinds = [k for k in MEMBER_SOURCES if k in entry]
    if len(kinds) != 1:
        raise RecipeError(source, f"{where}give exactly one of {', '.join(MEMBER_SOURCES)}")
    data = b""
    spec = None
    if "text" in entry:
        data = str(entry["text"]).encode()
    elif "toolchain" in entry:
        data = _toolchain_bytes(source, where, str(entry["toolchain"]))
    elif isinstance(entry.get("elf"), str):
        if entry["elf"] not in elves:
            raise RecipeError(source, f"{where}no ELF recipe named {entry['elf']!r}")
        recipe = elves[entry["elf"]]
        data = build_elf_recipe(recipe)
        spec = recipe.spec if recipe.broken is None else None
    elif "elf" in entry:
        spec = elf_spec_from_table(f"{source} {where.strip(': ')}", entry["elf"])
        try:
            data = build_elf(spec)
        except ElfSpecError as error:
            raise RecipeError(source, f"{where}{error}") from None
    member = Member(
        path=str(entry["path"]),
        data=data,
        mode=int(entry.get("mode", 0o644)),
        deflate_zeros=int(entry.get("deflate_zeros", 0)),
        declared_size=entry.get("declared_size"),
    )
    return member, spec


def _toolchain_bytes(source: str, where: str, name: str) -> bytes:
    """The bytes of a real-toolchain binary, named ``ARCH/FILE`` under ``TOOLCHAIN_BUILT``."""
    path = (TOOLCHAIN_BUILT / name).resolve()
    if not NAME.match(name.replace("/", "")) or path.parent.parent != TOOLCHAIN_BUILT:
        raise RecipeError(source, f"{where}toolchain must be ARCH/FILE, not {name!r}")
    if not path.is_file():
        raise RecipeError(source, f"{where}no toolchain binary {name!r} (see toolchain/build.py)")
    return path.read_bytes()


def build_elf_recipe(recipe: ElfRecipe) -> bytes:
    """The fixture's bytes: the valid file, then the recipe's damage if it has any."""
    try:
        data = build_elf(recipe.spec)
    except ElfSpecError as error:
        raise RecipeError(_relative(recipe.source), str(error)) from None
    return data if recipe.broken is None else damage(data, recipe.broken)


def load_all(root: Path = RECIPES) -> tuple[dict[str, ElfRecipe], dict[str, WheelRecipe]]:
    """Every recipe under ``root``, by name, in name order."""
    elves = {r.name: r for r in map(load_elf_recipe, sorted((root / "elf").glob("*.toml")))}
    wheels = {
        r.name: r
        for r in (load_wheel_recipe(p, elves) for p in sorted((root / "wheels").glob("*.toml")))
    }
    return elves, wheels
