"""Read ``policies/``, flatten baselines written as deltas, and validate the whole set.

Layout of the directory (documented for reviewers in ``policies/README.md``)::

    sources.toml  architectures.toml  families.toml  distributions.toml  baselines/*.toml
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from reference_impl.errors import PolicyError
from reference_impl.policy.fields import Table, read_toml
from reference_impl.policy.model import (
    STATUSES,
    Amendment,
    Architecture,
    Baseline,
    Distribution,
    Family,
    GlibcVersion,
    LegacyAlias,
    PolicySet,
    Source,
)
from reference_impl.policy.snapshot import cached_load
from reference_impl.policy.validate import check_supersets
from reference_impl.record import field, record

POLICY_DIR_ENV = "PERENNIAL_POLICY_DIR"
"""Environment variable naming another policy directory (e.g. a proposed change)."""

_BASELINE_KEYS = (
    "name",
    "glibc",
    "extends",
    "based_on",
    "status",
    "provenance",
    "aliases",
    "isa",
    "add",
    "remove",
    "lift",
    "amendment",
)


def default_policy_dir() -> Path:
    """Where the policy data is: the env override, the installed copy, or the source tree."""
    override = os.environ.get(POLICY_DIR_ENV)
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent
    installed = package / "policies"
    return installed if installed.is_dir() else package.parent / "policies"


@lru_cache(maxsize=1)
def default_policies() -> PolicySet:
    """The policy data this installation ships (loaded once per process, from the snapshot
    of these very files when there is one)."""
    return cached_load(default_policy_dir(), load_policies)


def load_policies(directory: Path) -> PolicySet:
    """Load and validate every policy file under ``directory``."""
    directory = Path(directory)
    if not (directory / "baselines").is_dir():
        raise PolicyError(str(directory), "not a policy directory (no baselines/ folder)")
    reader = _Reader(directory)
    sources = reader.sources()
    architectures = reader.architectures(sources)
    families = reader.families(sources)
    raw = reader.raw_baselines(architectures, families, sources)
    baselines = _flatten(raw, architectures)
    check_supersets(baselines, raw_removals={r.name: r.removals for r in raw.values()})
    aliases = _legacy_aliases(baselines)
    distributions = reader.distributions(architectures, sources)
    return PolicySet(directory, baselines, architectures, families, aliases, distributions, sources)


@record
class _RawBaseline:
    """One baseline file as written, before flattening."""

    name: str
    glibc: GlibcVersion
    extends: str | None
    file: Path
    table: Table
    based_on: str
    status: str
    provenance: dict[str, str]
    aliases: dict[str, str]
    isa: dict[str, str]
    add_architectures: tuple[str, ...]
    add_libraries: tuple[str, ...]
    add_symbols: dict[str, dict[str, tuple[str, ...]]]
    add_forbidden: dict[str, tuple[str, ...]]
    lift_forbidden: dict[str, tuple[str, ...]]
    removals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    amendments: tuple[Amendment, ...] = ()


class _Reader:
    """Reads each file into model objects, checking the schema as it goes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _open(self, relative: str) -> Table:
        shown = f"{self.directory.name}/{relative}"
        return Table(read_toml(self.directory / relative, shown), shown)

    def _entries(self, relative: str, key: str) -> dict[str, Table]:
        """The tables under ``[key.*]`` of a file that holds nothing else."""
        top = self._open(relative)
        top.only([key])
        return top.table(key, required=True).tables()

    def sources(self) -> dict[str, Source]:
        found = {}
        for source_id, entry in self._entries("sources.toml", "sources").items():
            entry.only(["title", "url", "what"])
            found[source_id] = Source(
                source_id, entry.text("title"), entry.text("url"), entry.text("what")
            )
        return found

    def architectures(self, sources: dict[str, Source]) -> dict[str, Architecture]:
        entries = self._entries("architectures.toml", "architectures")
        found = {}
        for name, entry in entries.items():
            entry.only(
                [
                    "description",
                    "floor",
                    "floor_source",
                    "bits",
                    "endianness",
                    "elf_machine",
                    "loader",
                    "loader_source",
                    "compat32",
                    "isa_levels",
                    "isa_source",
                    "arm_eabi_version",
                    "arm_float_abi",
                    "default_stack",
                    "default_stack_source",
                    "source",
                ]
            )
            source_keys = {"floor": "floor_source", "identity": "source", "loader": "loader_source"}
            if entry.has("isa_source"):
                source_keys["isa_levels"] = "isa_source"
            if entry.has("default_stack"):
                source_keys["default_stack"] = "default_stack_source"
            provenance = {fact: entry.text(key) for fact, key in source_keys.items()}
            for fact, source_id in provenance.items():
                _known_source(entry, source_keys[fact], source_id, sources)
            bits = entry.integer("bits")
            if bits not in (32, 64):
                raise entry.fail("bits", f"expected 32 or 64, got {bits}")
            endianness = entry.text("endianness")
            if endianness not in ("little", "big"):
                raise entry.fail("endianness", f"expected 'little' or 'big', got '{endianness}'")
            stack = entry.optional_text("default_stack")
            if stack not in (None, "executable", "not-executable"):
                raise entry.fail(
                    "default_stack", f"expected 'executable' or 'not-executable', got '{stack}'"
                )
            found[name] = Architecture(
                name=name,
                description=entry.text("description"),
                floor=_glibc(entry, "floor"),
                bits=bits,
                endianness=endianness,
                elf_machine=entry.text("elf_machine"),
                loader=entry.text("loader"),
                compat32=entry.optional_text("compat32"),
                isa_levels=entry.strings("isa_levels"),
                arm_eabi_version=entry.integer("arm_eabi_version")
                if entry.has("arm_eabi_version")
                else None,
                arm_float_abi=entry.optional_text("arm_float_abi"),
                executable_stack_default=None if stack is None else stack == "executable",
                provenance=provenance,
            )
        for arch in found.values():
            if arch.compat32 is not None and arch.compat32 not in found:
                raise entries[arch.name].fail("compat32", f"unknown architecture '{arch.compat32}'")
        return found

    def families(self, sources: dict[str, Source]) -> dict[str, Family]:
        found = {}
        for name, entry in self._entries("families.toml", "families").items():
            entry.only(
                [
                    "description",
                    "prefix",
                    "libraries",
                    "introduced_in",
                    "introduced_source",
                    "source",
                ]
            )
            _known_source(entry, "source", entry.text("source"), sources)
            for source_id in entry.strings("introduced_source"):
                _known_source(entry, "introduced_source", source_id, sources)
            introduced = entry.table("introduced_in")
            found[name] = Family(
                name=name,
                description=entry.text("description"),
                prefix=entry.text("prefix"),
                libraries=entry.strings("libraries", None),
                introduced_in={version: _glibc(introduced, version) for version in introduced.data},
                source=entry.text("source"),
                introduced_sources=entry.strings("introduced_source"),
            )
        return found

    def raw_baselines(
        self,
        architectures: dict[str, Architecture],
        families: dict[str, Family],
        sources: dict[str, Source],
    ) -> dict[str, _RawBaseline]:
        raw: dict[str, _RawBaseline] = {}
        for path in sorted((self.directory / "baselines").glob("*.toml")):
            baseline = self._baseline(path, architectures, families, sources)
            raw[baseline.name] = baseline
        if not raw:
            raise PolicyError(f"{self.directory.name}/baselines", "holds no baseline files")
        return raw

    def _baseline(
        self,
        path: Path,
        architectures: dict[str, Architecture],
        families: dict[str, Family],
        sources: dict[str, Source],
    ) -> _RawBaseline:
        table = self._open(f"baselines/{path.name}")
        table.only(_BASELINE_KEYS)
        name = table.text("name")
        glibc = _glibc(table, "glibc")
        if name != path.stem:
            raise table.fail("name", f"'{name}' does not match the file name '{path.stem}'")
        if name != f"manylinux_{glibc.tag_part}":
            raise table.fail(
                "name",
                f"'{name}' does not match glibc {glibc} (expected manylinux_{glibc.tag_part})",
            )

        status = table.optional_text("status") or "adopted"
        if status not in STATUSES:
            raise table.fail("status", f"'{status}' is not one of {', '.join(STATUSES)}")

        provenance_table = table.table("provenance", required=True)
        provenance = {key: provenance_table.text(key) for key in provenance_table.data}
        for key, source_id in provenance.items():
            _known_source(provenance_table, key, source_id, sources)

        add = table.table("add")
        add.only(["architectures", "libraries", "symbol_versions", "forbidden_symbols"])
        add_archs = add.strings("architectures")
        for arch in add_archs:
            _known_arch(add, "architectures", arch, architectures)
        symbols: dict[str, dict[str, tuple[str, ...]]] = {}
        for arch, per_family in add.table("symbol_versions").tables().items():
            _known_arch(add, f"symbol_versions.{arch}", arch, architectures)
            per_family.only(families)
            symbols[arch] = {family: per_family.strings(family) for family in per_family.data}
        forbidden = add.table("forbidden_symbols")
        lift_table = table.table("lift")
        lift_table.only(["forbidden_symbols"])
        lifted = lift_table.table("forbidden_symbols")

        remove = table.table("remove")
        remove.only(["architectures", "libraries"])
        removals = {key: remove.strings(key) for key in remove.data}

        aliases_table = table.table("aliases")
        aliases: dict[str, str] = {}
        for alias_name in aliases_table.data:
            for arch in aliases_table.strings(alias_name):
                _known_arch(aliases_table, alias_name, arch, architectures)
                if arch in aliases:
                    raise aliases_table.fail(
                        alias_name, f"architecture {arch} already has alias {aliases[arch]}"
                    )
                aliases[arch] = alias_name

        isa_table = table.table("isa")
        isa = {}
        for arch in isa_table.data:
            level = isa_table.text(arch)
            _known_arch(isa_table, arch, arch, architectures)
            if level not in architectures[arch].isa_levels:
                raise isa_table.fail(
                    arch,
                    f"'{level}' is not an ISA level of {arch} {architectures[arch].isa_levels}",
                )
            isa[arch] = level

        amendments = tuple(_amendment(entry) for entry in table.table_list("amendment"))
        justified = {
            (key, item) for a in amendments for key, items in a.removes.items() for item in items
        }
        for key, items in removals.items():
            for item in items:
                if (key, item) not in justified:
                    raise remove.fail(
                        key, f"removes '{item}' without an amendment whose `removes` lists it"
                    )

        present = {
            "architectures": bool(add_archs) or "architectures" in removals,
            "symbol_versions": bool(symbols),
            "libraries": add.has("libraries") or "libraries" in removals,
            "forbidden_symbols": bool(forbidden.data) or bool(lifted.data),
            "aliases": bool(aliases),
            "isa": bool(isa),
        }
        for section, is_present in present.items():
            if is_present and section not in provenance:
                raise provenance_table.fail(
                    section, "is required: every value section says where it comes from"
                )

        return _RawBaseline(
            name=name,
            glibc=glibc,
            extends=table.optional_text("extends"),
            file=path,
            table=table,
            based_on=table.text("based_on"),
            status=status,
            provenance=provenance,
            aliases=aliases,
            isa=isa,
            add_architectures=add_archs,
            add_libraries=add.strings("libraries"),
            add_symbols=symbols,
            add_forbidden={lib: forbidden.strings(lib) for lib in forbidden.data},
            lift_forbidden={lib: lifted.strings(lib) for lib in lifted.data},
            removals=removals,
            amendments=amendments,
        )

    def distributions(
        self, architectures: dict[str, Architecture], sources: dict[str, Source]
    ) -> tuple[Distribution, ...]:
        found = []
        for dist_id, entry in self._entries("distributions.toml", "distributions").items():
            entry.only(
                [
                    "name",
                    "release",
                    "glibc",
                    "architectures",
                    "released",
                    "end_of_life",
                    "end_of_free_lts",
                    "end_of_commercial_lts",
                    "build_image",
                    "source",
                ]
            )
            for source_id in entry.strings("source", None):
                _known_source(entry, "source", source_id, sources)
            for arch in entry.strings("architectures", None):
                _known_arch(entry, "architectures", arch, architectures)
            found.append(
                Distribution(
                    id=dist_id,
                    name=entry.text("name"),
                    release=entry.text("release"),
                    glibc=_glibc(entry, "glibc"),
                    architectures=entry.strings("architectures", None),
                    released=entry.day("released"),
                    end_of_life=entry.day("end_of_life"),
                    end_of_free_lts=entry.day("end_of_free_lts"),
                    end_of_commercial_lts=entry.day("end_of_commercial_lts"),
                    build_image=entry.boolean("build_image"),
                    sources=entry.strings("source", None),
                )
            )
        return tuple(sorted(found, key=lambda d: (d.glibc, d.id)))


def _glibc(table: Table, key: str) -> GlibcVersion:
    """A glibc version under ``key``; a bad one names the file and the key."""
    return GlibcVersion.parse(table.text(key), f"{table.file}: key {table.key(key)}")


def _amendment(entry: Table) -> Amendment:
    entry.only(["date", "change", "reason", "link", "adds", "removes"])
    if entry.day("date") in (None, "rolling", "unknown"):
        raise entry.fail("date", "is required as an ISO date")
    link = entry.text("link")
    if not link.startswith("https://"):
        raise entry.fail("link", f"'{link}' is not an https link")
    adds, removes = entry.table("adds"), entry.table("removes")
    return Amendment(
        date=entry.text("date"),
        change=entry.text("change"),
        reason=entry.text("reason"),
        link=link,
        adds={key: adds.strings(key) for key in adds.data},
        removes={key: removes.strings(key) for key in removes.data},
    )


def _known_source(table: Table, key: str, source_id: str, sources: dict[str, Source]) -> None:
    if source_id not in sources:
        raise table.fail(key, f"names unknown source '{source_id}' (see sources.toml)")


def _known_arch(table: Table, key: str, arch: str, architectures: dict[str, Architecture]) -> None:
    if arch not in architectures:
        raise table.fail(key, f"unknown architecture '{arch}' (known: {', '.join(architectures)})")


def _flatten(
    raw: dict[str, _RawBaseline], architectures: dict[str, Architecture]
) -> tuple[Baseline, ...]:
    """Resolve ``extends`` chains into complete baselines, oldest first."""
    done: dict[str, Baseline] = {}

    def build(name: str, chain: tuple[str, ...]) -> Baseline:
        if name in done:
            return done[name]
        item = raw[name]
        parent: Baseline | None = None
        if item.extends is not None:
            if item.extends not in raw:
                raise item.table.fail("extends", f"names unknown baseline '{item.extends}'")
            if item.extends in chain:
                raise item.table.fail("extends", f"forms a cycle through {' -> '.join(chain)}")
            parent = build(item.extends, (*chain, name))
            if parent.glibc >= item.glibc:
                raise item.table.fail("extends", f"{parent.name} is not older than {name}")
            if parent.proposed and item.status != "proposed":
                raise item.table.fail(
                    "status", f"must be proposed: it extends {parent.name}, which is proposed"
                )
        done[name] = _apply(item, parent, architectures)
        return done[name]

    for name in raw:
        build(name, ())
    return tuple(sorted(done.values(), key=lambda b: b.glibc))


def _apply(
    item: _RawBaseline, parent: Baseline | None, architectures: dict[str, Architecture]
) -> Baseline:
    removed = item.removals
    archs = [
        a
        for a in (parent.architectures if parent else ())
        if a not in removed.get("architectures", ())
    ]
    for arch in item.add_architectures:
        if arch in archs:
            raise item.table.fail(
                "add.architectures", f"{arch} is already covered by {item.extends}"
            )
        archs.append(arch)
    for arch in item.add_symbols:
        if arch not in archs:
            raise item.table.fail(
                f"add.symbol_versions.{arch}", f"{arch} is not an architecture of {item.name}"
            )
    for arch in item.aliases:
        if arch not in archs:
            raise item.table.fail("aliases", f"alias on {arch}, which {item.name} does not cover")

    symbol_versions: dict[str, dict[str, frozenset[str]]] = {}
    for arch in archs:
        inherited = (
            parent.symbol_versions.get(arch, {})
            if parent and arch not in item.add_architectures
            else {}
        )
        added = item.add_symbols.get(arch, {})
        merged = {family: set(versions) for family, versions in inherited.items()}
        for family, versions in added.items():
            merged.setdefault(family, set()).update(versions)
        if not merged.get("GLIBC"):
            raise item.table.fail(
                f"add.symbol_versions.{arch}", "no GLIBC versions for a covered architecture"
            )
        symbol_versions[arch] = {family: frozenset(v) for family, v in merged.items()}

    libraries = set(parent.libraries if parent else ()) | set(item.add_libraries)
    libraries -= set(removed.get("libraries", ()))
    forbidden = {
        lib: set(syms) for lib, syms in (parent.forbidden_symbols.items() if parent else ())
    }
    for lib, syms in item.add_forbidden.items():
        forbidden.setdefault(lib, set()).update(syms)
    for lib, syms in item.lift_forbidden.items():
        missing = set(syms) - forbidden.get(lib, set())
        if missing:
            raise item.table.fail(
                f"lift.forbidden_symbols.{lib}",
                f"lifts '{sorted(missing)[0]}', which is not forbidden",
            )
        forbidden[lib] -= set(syms)
    isa = {arch: level for arch, level in (parent.isa.items() if parent else ()) if arch in archs}
    isa.update(item.isa)
    for arch in archs:
        if architectures[arch].isa_levels and arch not in isa:
            raise item.table.fail("isa", f"no ISA level for {arch}, which has levels")
    provenance = dict(parent.provenance) if parent else {}
    provenance.update(item.provenance)

    return Baseline(
        name=item.name,
        glibc=item.glibc,
        previous=item.extends,
        based_on=item.based_on,
        architectures=tuple(archs),
        aliases=dict(item.aliases),
        symbol_versions=symbol_versions,
        libraries=frozenset(libraries),
        forbidden_symbols={lib: frozenset(s) for lib, s in forbidden.items() if s},
        isa=isa,
        amendments=item.amendments,
        provenance=provenance,
        file=item.file,
        status=item.status,
    )


def _legacy_aliases(baselines: tuple[Baseline, ...]) -> dict[str, LegacyAlias]:
    found: dict[str, LegacyAlias] = {}
    owner: dict[str, str] = {}
    for baseline in baselines:
        for arch, name in baseline.aliases.items():
            if name in owner and owner[name] != baseline.name:
                raise PolicyError(
                    str(baseline.file),
                    f"key aliases.{name}: alias already belongs to {owner[name]}",
                )
            owner[name] = baseline.name
            alias = LegacyAlias(name, arch, baseline.name, baseline.glibc)
            found[alias.tag] = alias
    return found
