"""The census on disk: two Parquet tables, saved in parts while it runs, merged at the end.

Layout and columns are documented in :mod:`reference_impl.census`. pyarrow is imported inside
the functions that need it (it comes with the ``census`` extra).

A part is complete once its wheels table exists: its files table is renamed into place
first. Merging writes each table to a temporary name and renames it over the old one (the
files table first), then renames the parts folder to ``NAME.parquet.parts.merged`` and
removes it (or what is left of it, at the next merge). Rows of a wheel found in a part replace the
rows of the same wheel in the main tables, so a merge interrupted anywhere gives the same
result when it runs again.

**Test hook.** ``PERENNIAL_CENSUS_KILL=POINT[@N]`` makes the process kill itself with SIGKILL
the N-th time (default: the first) it reaches POINT, so a test can prove that a census killed
anywhere resumes exactly. The points are ``TABLE:writing`` (the table's temporary file is
half written) and ``TABLE:renamed`` (it has just been renamed into place), TABLE being
``part.files``, ``part.wheels``, ``merge.files`` or ``merge.wheels``, and ``merge.cleanup``
(a part has just been removed). Unset, it does nothing.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl import __version__
from reference_impl.census.rows import CensusRows
from reference_impl.census.scope import Scope
from reference_impl.errors import PerennialError

FORMAT = "perennial-census"
VERSION = 1
METADATA_KEY = b"perennial.census"
KILL_HOOK = "PERENNIAL_CENSUS_KILL"
_BATCH = 2048
_reached_times: dict[str, int] = {}


class CensusFileError(PerennialError):
    """A census output that is not one, is damaged, or was made under other policy data."""


@dataclass(frozen=True)
class Paths:
    """Where the tables of a census named ``NAME.parquet`` live."""

    wheels: Path
    files: Path
    parts: Path

    @classmethod
    def of(cls, out: Path) -> Paths:
        """The paths of the census ``out`` (which must end in ``.parquet``)."""
        if out.suffix != ".parquet":
            raise PerennialError(str(out), "a census output must end in .parquet")
        return cls(out, out.with_suffix(".files.parquet"), out.with_name(out.name + ".parts"))

    def part(self, number: int) -> tuple[Path, Path]:
        """The wheels and files tables of part ``number``."""
        return (
            self.parts / f"{number:06d}.wheels.parquet",
            self.parts / f"{number:06d}.files.parquet",
        )

    def complete_parts(self) -> list[tuple[Path, Path]]:
        """The parts whose wheels table exists, in the order they were written."""
        if not self.parts.is_dir():
            return []
        numbers = sorted(
            int(p.name.split(".")[0])
            for p in self.parts.glob("*.wheels.parquet")
            if p.name.split(".")[0].isdigit()
        )
        return [self.part(n) for n in numbers]

    def tables(self) -> list[tuple[Path, Path]]:
        """Every (wheels, files) pair holding rows: the main tables, then the parts."""
        main = [(self.wheels, self.files)] if self.wheels.exists() else []
        return main + self.complete_parts()


def schemas(policy_digest: str) -> tuple[Any, Any]:
    """The wheels and files table schemas, with the census metadata."""
    import pyarrow as pa

    text, boolean, i64 = pa.string(), pa.bool_(), pa.int64()
    texts = pa.list_(text)
    metadata = {
        METADATA_KEY: json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "policies": policy_digest,
                "perennial": __version__,
            }
        ).encode()
    }
    claim = pa.struct(
        [("tag", text), ("source", text), ("manylinux_tag", text), ("earned", boolean)]
    )
    blocker = pa.struct([("tag", text), ("clause", text), ("subject", text), ("file", text)])
    wheels = pa.schema(
        [
            pa.field("wheel", text, nullable=False),
            pa.field("size", i64, nullable=False),
            pa.field("mtime_ns", i64, nullable=False),
            ("filename", text),
            ("dist_info", text),
            ("filename_tags", texts),
            ("wheel_tags", texts),
            ("symbol_vocabulary", texts),
            ("verdict", text),
            ("architecture", text),
            ("earliest_tag", text),
            ("minimal_glibc", text),
            ("best_baseline", text),
            ("claims", pa.list_(claim)),
            ("blockers", pa.list_(blocker)),
            ("error", text),
            ("exit_code", pa.int16()),
        ],
        metadata=metadata,
    )
    elf = pa.struct(
        [
            ("bits", i64),
            ("endianness", text),
            ("machine", text),
            ("flags", i64),
            ("type", text),
            ("interpreter", boolean),
        ]
    )
    library = pa.struct([("name", text), ("bundled_at", text), ("via", text), ("elsewhere", texts)])
    need = pa.struct([("library", text), ("version", text), ("symbol", text), ("weak", boolean)])
    undefined = pa.struct([("name", text), ("version", text), ("weak", boolean)])
    files = pa.schema(
        [
            pa.field("wheel", text, nullable=False),
            ("path", text),
            ("elf", elf),
            ("soname", text),
            ("rpath", texts),
            ("runpath", texts),
            ("libraries", pa.list_(library)),
            ("needed_versions", pa.list_(need)),
            ("undefined", pa.list_(undefined)),
            ("isa_needed", i64),
            ("executable_stack", boolean),
            ("architecture", text),
            ("needs_glibc", text),
            ("minimal_glibc", text),
            ("forced_by", text),
        ],
        metadata=metadata,
    )
    return wheels, files


def census_metadata(path: Path) -> dict[str, Any]:
    """The ``perennial.census`` metadata of a census table; CensusFileError if it has none."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise CensusFileError(str(path), f"not a readable Parquet file ({error})") from None
    raw = (schema.metadata or {}).get(METADATA_KEY)
    try:
        metadata = json.loads(raw) if raw else None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CensusFileError(str(path), "not a perennial census table")
    if metadata.get("version") != VERSION:
        raise CensusFileError(
            str(path), f"census version {metadata.get('version')!r}, not {VERSION}"
        )
    return metadata


def check_census(paths: Paths, policy_digest: str | None) -> None:
    """Refuse an output that is not a census, or (given a digest) one made under other
    policy data."""
    for wheels, files in paths.tables():
        for table in (wheels, files):
            made_with = census_metadata(table).get("policies")
            if policy_digest is not None and made_with != policy_digest:
                raise CensusFileError(
                    str(table),
                    f"made under other policy data (digest {str(made_with)[:12]}, now "
                    f"{policy_digest[:12]}): finish it with that data, or start a new --out",
                )


def recorded(paths: Paths) -> dict[str, tuple[int, int]]:
    """Each recorded wheel's (size, mtime_ns), the latest part winning."""
    import pyarrow.parquet as pq

    found: dict[str, tuple[int, int]] = {}
    for wheels, _ in paths.tables():
        table = pq.read_table(wheels, columns=["wheel", "size", "mtime_ns"])
        columns = [table.column(name).to_pylist() for name in ("wheel", "size", "mtime_ns")]
        for wheel, size, mtime in zip(*columns, strict=True):
            found[wheel] = (size, mtime)
    return found


class PartWriter:
    """Buffers census rows and writes them as complete parts, ``every`` wheels at a time."""

    def __init__(self, paths: Paths, policy_digest: str, every: int) -> None:
        self.paths = paths
        self.schemas = schemas(policy_digest)
        self.every = every
        self.buffer: list[CensusRows] = []
        done = paths.complete_parts()
        self.next_part = int(done[-1][0].name.split(".")[0]) + 1 if done else 0

    def add(self, rows: CensusRows) -> None:
        """Keep one wheel's rows; write a part when ``every`` wheels are waiting."""
        self.buffer.append(rows)
        if len(self.buffer) >= self.every:
            self.flush()

    def flush(self) -> None:
        """Write the waiting rows as one complete part (nothing when none wait)."""
        if not self.buffer:
            return
        import pyarrow as pa

        self.paths.parts.mkdir(parents=True, exist_ok=True)
        wheels_path, files_path = self.paths.part(self.next_part)
        wheel_schema, file_schema = self.schemas
        files = [f for rows in self.buffer for f in rows.files]
        files_table = pa.Table.from_pylist(files, schema=file_schema)
        _write_whole(files_path, [files_table], file_schema, "part.files")
        wheels = [rows.wheel for rows in self.buffer]
        wheels_table = pa.Table.from_pylist(wheels, schema=wheel_schema)
        _write_whole(wheels_path, [wheels_table], wheel_schema, "part.wheels")
        self.buffer.clear()
        self.next_part += 1


def merge(paths: Paths, policy_digest: str) -> None:
    """Fold the parts into the two main tables (see the module docstring)."""
    retired = paths.parts.with_name(paths.parts.name + ".merged")
    _remove(retired)  # left by a merge killed while removing its parts
    if not paths.parts.is_dir():
        return
    if paths.complete_parts():
        wheel_schema, file_schema = schemas(policy_digest)
        live = _live_sources(paths)
        file_batches = (b for _, source in live for b in source.files())
        _write_whole(paths.files, file_batches, file_schema, "merge.files")
        wheel_batches = (b for _, source in live for b in source.wheels())
        _write_whole(paths.wheels, wheel_batches, wheel_schema, "merge.wheels")
    os.replace(paths.parts, retired)  # every part leaves at once: none is ever half removed
    _remove(retired)


def _remove(folder: Path) -> None:
    """Remove a folder of parts, if it exists."""
    if not folder.is_dir():
        return
    for part in folder.iterdir():
        part.unlink()
        _reached("merge.cleanup")
    folder.rmdir()


def read_census(
    paths: Paths, only: set[str] | None = None
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every wheel row with its file rows, main tables then parts, a replaced wheel's old
    rows left out; memory stays one batch of each table. Given ``only``, the file rows of
    other wheels are not read (they come with no file rows). CensusFileError if the two
    tables do not match."""
    wanted = None if only is None else _value_set(only)
    for table, source in _live_sources(paths):
        file_rows = (
            row for batch in source.files() for row in _filtered(batch, None, wanted).to_pylist()
        )
        pending: dict[str, Any] | None = next(file_rows, None)
        for batch in source.wheels():
            for wheel in batch.to_pylist():
                files = []
                while pending is not None and pending["wheel"] == wheel["wheel"]:
                    files.append(pending)
                    pending = next(file_rows, None)
                yield wheel, files
        if pending is not None:
            problem = f"file rows of {pending['wheel']!r} are out of step with the wheels table"
            raise CensusFileError(str(table), problem)


def touched_wheels(paths: Paths, scope: Scope, vocabulary: frozenset[str]) -> set[str]:
    """The wheels of the census whose files or tags name a value of ``scope``
    (:mod:`reference_impl.census.scope`), and those whose facts did not keep every name of
    ``vocabulary`` (judging them says so). Computed on the columns: no facts decoded."""
    found: set[str] = set()
    columns = ["wheel", "symbol_vocabulary", "filename_tags", "wheel_tags"]
    for _, source in _live_sources(paths):
        for batch in source.wheels(columns):
            for row in batch.to_pylist():
                tags = row["filename_tags"] + row["wheel_tags"]
                if not vocabulary <= set(row["symbol_vocabulary"]) or any(
                    arch in tag for tag in tags for arch in scope.architectures
                ):
                    found.add(row["wheel"])
        for batch in source.files():
            keys = batch.column("wheel").to_pylist()
            found.update(keys[row] for row in _rows_naming(batch, scope))
    return found


def _rows_naming(batch: Any, scope: Scope) -> set[int]:
    """The rows of a files-table batch that name a library, version or symbol of ``scope``,
    are ELF files of one of its architectures, or need an ISA level when ``scope.isa``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows: set[int] = set()

    def naming(values: Any, parents: Any, names: frozenset[str]) -> None:
        """Add the rows where ``values`` (of the rows ``parents`` names, or one per row)
        holds one of ``names``."""
        if not names:
            return
        hits = pc.fill_null(pc.is_in(values, value_set=pa.array(sorted(names), pa.string())), False)
        where = parents.filter(hits) if parents is not None else pc.indices_nonzero(hits)
        rows.update(where.to_pylist())

    def field_of(column: str, name: str) -> tuple[Any, Any]:
        lists = batch.column(column)
        return pc.struct_field(pc.list_flatten(lists), name), pc.list_parent_indices(lists)

    def basename(values: Any) -> Any:
        return pc.replace_substring_regex(values, pattern="^.*/", replacement="")

    for column, name, names in (
        ("libraries", "name", scope.libraries),
        ("needed_versions", "version", scope.versions),
        ("undefined", "name", scope.symbols),
    ):
        naming(*field_of(column, name), names)
    bundled, parents = field_of("libraries", "bundled_at")
    naming(basename(bundled), parents, scope.libraries)
    naming(batch.column("soname"), None, scope.libraries)
    naming(basename(batch.column("path")), None, scope.libraries)
    elf = batch.column("elf")
    for bits, endianness, machine in scope.elf_identities:
        same = pc.and_(
            pc.and_(
                pc.equal(pc.struct_field(elf, "bits"), bits),
                pc.equal(pc.struct_field(elf, "endianness"), endianness),
            ),
            pc.equal(pc.struct_field(elf, "machine"), machine),
        )
        rows.update(pc.indices_nonzero(pc.fill_null(same, False)).to_pylist())
    if scope.isa:
        needs_isa = pc.fill_null(pc.not_equal(batch.column("isa_needed"), 0), False)
        rows.update(pc.indices_nonzero(needs_isa).to_pylist())
    return rows


def wheel_rows(paths: Paths, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The live rows of the wheels table, only ``columns`` read."""
    for _, source in _live_sources(paths):
        for batch in source.wheels(columns):
            yield from batch.to_pylist()


class _Source:
    """One (wheels, files) pair read in batches, rows of some wheels left out."""

    def __init__(self, wheels: Path, files: Path, dropped: set[str], kept: set[str] | None):
        self.wheels_path, self.files_path = wheels, files
        self.dropped = _value_set(dropped) if dropped else None
        self.kept = _value_set(kept) if kept is not None else None
        """Only file rows of these wheels (None: every wheel not dropped): a main files table
        renamed into place by a merge that stopped before its wheels table may hold rows of
        wheels the main wheels table does not have yet."""

    def wheels(self, columns: Sequence[str] | None = None) -> Iterator[Any]:
        for batch in _batches(self.wheels_path, columns):
            yield _filtered(batch, self.dropped, None)

    def files(self) -> Iterator[Any]:
        if not self.files_path.exists():
            raise CensusFileError(str(self.files_path), "missing: the files table of the census")
        for batch in _batches(self.files_path, None):
            yield _filtered(batch, self.dropped, self.kept)


def _live_sources(paths: Paths) -> list[tuple[Path, _Source]]:
    """Each table pair with the wheels that later parts replace left out."""
    import pyarrow.parquet as pq

    pairs = paths.tables()
    keys = [set(pq.read_table(w, columns=["wheel"]).column(0).to_pylist()) for w, _ in pairs]
    sources = []
    for i, (wheels, files) in enumerate(pairs):
        later = set().union(*keys[i + 1 :])
        kept = keys[i] - later if wheels == paths.wheels else None
        sources.append((wheels, _Source(wheels, files, later, kept)))
    return sources


def _value_set(keys: set[str]) -> Any:
    import pyarrow as pa

    return pa.array(sorted(keys), pa.string())


def _batches(path: Path, columns: Sequence[str] | None) -> Iterator[Any]:
    import pyarrow.parquet as pq

    census_metadata(path)
    try:
        yield from pq.ParquetFile(path).iter_batches(batch_size=_BATCH, columns=columns)
    except (OSError, ValueError) as error:
        raise CensusFileError(str(path), f"damaged ({error})") from None


def _filtered(batch: Any, dropped: Any, kept: Any) -> Any:
    """``batch`` without the rows of ``dropped`` wheels and, given ``kept``, only its rows."""
    if dropped is None and kept is None:
        return batch
    import pyarrow.compute as pc

    keys = batch.column(batch.schema.get_field_index("wheel"))
    mask = None
    if dropped is not None:
        mask = pc.invert(pc.is_in(keys, value_set=dropped))
    if kept is not None:
        inside = pc.is_in(keys, value_set=kept)
        mask = inside if mask is None else pc.and_(mask, inside)
    return batch.filter(mask)


def _write_whole(path: Path, tables: Any, schema: Any, point: str) -> None:
    """Write record batches or tables to ``path`` all or nothing: a temporary file renamed
    into place once complete. ``point`` names it for the test hook."""
    import pyarrow.parquet as pq

    temporary = path.with_name(path.name + ".tmp")
    try:
        with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
            for table in tables:
                if table.num_rows:
                    writer.write(table)
                    _reached(f"{point}:writing")
        os.replace(temporary, path)
        _reached(f"{point}:renamed")
    finally:
        temporary.unlink(missing_ok=True)


def _reached(point: str) -> None:
    """The test hook (see the module docstring): SIGKILL this process if it is asked to die
    at ``point`` and this is the time."""
    wanted = os.environ.get(KILL_HOOK)
    if not wanted:
        return
    name, _, nth = wanted.partition("@")
    if name != point:
        return
    _reached_times[point] = _reached_times.get(point, 0) + 1
    if _reached_times[point] == (int(nth) if nth.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
