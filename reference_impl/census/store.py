"""The census on disk: two Parquet tables, saved in parts while it runs, merged at the end.

Layout and columns are documented in :mod:`reference_impl.census`; what a table holds and
how it is checked when read, in :mod:`.table`. pyarrow is imported inside the functions that
need it (it comes with the ``census`` extra).

A part is complete once its wheels table exists: its files table is renamed into place
first. Merging writes each table to a temporary name and renames it over the old one (the
files table first), then renames the parts folder to ``NAME.parquet.parts.merged`` and
removes it (or what is left of it, at the next merge). Each table is flushed to disk before
its rename, and its folder after, so not even a power cut leaves half a table under a final
name. Rows of a wheel found in a part replace the rows of the same wheel in the main tables,
so a merge interrupted anywhere gives the same result when it runs again.

Read back, each pair of tables must agree: every wheel once in its wheels table, and as
many rows in step in its files table as its ``elf_files`` column counts; all tables of a
census must be made under the same policy data.

**Test hook.** ``PERENNIAL_CENSUS_KILL=POINT[@N]`` makes the process kill itself with SIGKILL
the N-th time (default: the first) it reaches POINT, so a test can prove that a census killed
anywhere resumes exactly. The points are ``TABLE:writing`` (the table's temporary file is
half written) and ``TABLE:renamed`` (it has just been renamed into place), TABLE being
``part.files``, ``part.wheels``, ``merge.files`` or ``merge.wheels``, and ``merge.cleanup``
(a part has just been removed). Unset, it does nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from reference_impl.census.rows import FACTS_KEYS, FILE_FACTS_KEYS, CensusRows
from reference_impl.census.scope import Scope
from reference_impl.census.table import (
    BATCH,
    WRITE_BYTES,
    WRITER_OPTIONS,
    CensusFileError,
    Table,
    open_table,
    schemas,
)
from reference_impl.display import quoted
from reference_impl.errors import ExitCode, PerennialError, os_cause

KILL_HOOK = "PERENNIAL_CENSUS_KILL"
_PART = re.compile(r"([0-9]{6})\.wheels\.parquet")
_reached_times: dict[str, int] = {}


@dataclass(frozen=True)
class Paths:
    """Where the tables of a census named ``NAME.parquet`` live."""

    wheels: Path
    files: Path
    parts: Path
    lock: Path
    """Held (``flock``) by the census writing these tables, for as long as it runs."""

    @classmethod
    def of(cls, out: Path) -> Paths:
        """The paths of the census ``out`` (which must end in ``.parquet``)."""
        if out.suffix != ".parquet":
            raise PerennialError(str(out), "a census output must end in .parquet")
        return cls(
            out,
            out.with_suffix(".files.parquet"),
            out.with_name(out.name + ".parts"),
            out.with_name(out.name + ".lock"),
        )

    def part(self, number: int) -> tuple[Path, Path]:
        """The wheels and files tables of part ``number``."""
        return (
            self.parts / f"{number:06d}.wheels.parquet",
            self.parts / f"{number:06d}.files.parquet",
        )

    def complete_parts(self) -> list[tuple[Path, Path]]:
        """The parts whose wheels table exists, in the order they were written (other
        files in the folder are no parts)."""
        if not self.parts.is_dir():
            return []
        numbers = sorted(
            int(match[1]) for p in self.parts.iterdir() if (match := _PART.fullmatch(p.name))
        )
        return [self.part(n) for n in numbers]

    def tables(self) -> list[tuple[Path, Path]]:
        """Every (wheels, files) pair holding rows: the main tables, then the parts."""
        main = [(self.wheels, self.files)] if self.wheels.exists() else []
        return main + self.complete_parts()


@contextlib.contextmanager
def writing(paths: Paths) -> Iterator[None]:
    """Hold the census's lock while it is written: two censuses writing one ``--out`` at
    once would number their parts alike and merge each other's halves. The kernel drops an
    ``flock`` with its process, so a census killed leaves nothing to clean up (the empty
    lock file stays: removing it could let a third census lock a file no other one sees)."""
    import fcntl

    try:
        handle = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise CensusFileError(str(paths.lock), _unwritable(error)) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CensusFileError(
                str(paths.wheels),
                "another census is writing it now (it holds "
                f"{paths.lock.name}): wait for it to end, or give another --out",
            ) from None
        yield
    finally:
        os.close(handle)


def check_census(paths: Paths, policy_digest: str | None) -> str | None:
    """Refuse a census whose tables are not census tables, disagree, or were made under
    different policy data (under other data than ``policy_digest``, when given); the digest
    of the policy data it was made under (None for a census of no tables)."""
    sources = _live_sources(paths, policy_digest)
    return str(sources[0].wheels_table.metadata.get("policies")) if sources else None


def recorded(paths: Paths) -> dict[str, tuple[int, int]]:
    """Each recorded wheel's (size, mtime_ns), the latest part winning; a wheel whose row
    is an internal error (exit 70: a worker that died, a bug) is left out, so a resumed
    census audits it again rather than keep a row that says nothing about the wheel."""
    found: dict[str, tuple[int, int]] = {}
    for row in wheel_rows(paths, ["wheel", "size", "mtime_ns", "exit_code"]):
        if row["exit_code"] == ExitCode.INTERNAL:
            found.pop(row["wheel"], None)
        else:
            found[row["wheel"]] = (row["size"], row["mtime_ns"])
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
        if not paths.parts.is_dir():  # now, so an output that cannot be written fails first
            try:
                paths.parts.mkdir(parents=True)
                _sync_folder(paths.parts.parent)
            except OSError as error:
                raise PerennialError(str(paths.parts), _unwritable(error)) from None

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

        wheels_path, files_path = self.paths.part(self.next_part)
        wheel_schema, file_schema = self.schemas
        files = [f for rows in self.buffer for f in rows.files]
        files_table = pa.Table.from_pylist(files, schema=file_schema)
        _write_whole(files_path, [files_table], file_schema, "part.files")
        wheels = [{**rows.wheel, "elf_files": len(rows.files)} for rows in self.buffer]
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
        live = _live_sources(paths, policy_digest)
        for source in live:  # out of step tables are refused, not merged
            for _ in source.pairs(None, KEY_COLUMNS):
                pass
        file_batches = (b for source in live for b in source.files(None))
        _write_whole(paths.files, file_batches, file_schema, "merge.files")
        wheel_batches = (b for source in live for b in source.wheels())
        _write_whole(paths.wheels, wheel_batches, wheel_schema, "merge.wheels")
    os.replace(paths.parts, retired)  # every part leaves at once: none is ever half removed
    _sync_folder(paths.parts.parent)
    _remove(retired)


def _remove(folder: Path) -> None:
    """Remove a folder of parts, if it exists."""
    if not folder.is_dir():
        return
    for part in folder.iterdir():
        part.unlink()
        _reached("merge.cleanup")
    folder.rmdir()


KEY_COLUMNS = (("wheel", "elf_files"), ("wheel",))
"""The columns that checking the two tables in step reads."""
FACTS_COLUMNS = (
    ("elf_files", "verdict", *FACTS_KEYS),
    ("wheel", *FILE_FACTS_KEYS),
)
"""The columns of the wheels and files tables that a wheel's facts are read back from
(:func:`~reference_impl.census.rows.facts_of`), with those of the order check and the
verdict that marks an error row: what a review reads, and nothing it does not."""


def read_census(
    paths: Paths,
    only: set[str] | None = None,
    columns: tuple[Sequence[str], Sequence[str]] | None = None,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every wheel row with its file rows, main tables then parts, a replaced wheel's old
    rows left out; memory stays one batch of each table. Given ``only``, the file rows of
    other wheels are not read (they come with no file rows); given ``columns`` (of the
    wheels table, of the files table, each with ``wheel``, the first with ``elf_files``),
    only those are read. CensusFileError if the two tables are out of step."""
    for source in _live_sources(paths, None):
        yield from source.pairs(only, columns)


def touched_wheels(paths: Paths, scope: Scope, vocabulary: frozenset[str]) -> set[str]:
    """The wheels of the census whose files or tags name a value of ``scope``
    (:mod:`reference_impl.census.scope`), and those whose facts did not keep every name of
    ``vocabulary`` (judging them says so). Computed on the columns: no facts decoded."""
    found: set[str] = set()
    columns = ["wheel", "symbol_vocabulary", "filename_tags", "wheel_tags"]
    for source in _live_sources(paths, None):
        for batch in source.wheels(columns):
            for row in batch.to_pylist():
                tags = row["filename_tags"] + row["wheel_tags"]
                if not vocabulary <= set(row["symbol_vocabulary"]) or any(
                    arch in tag for tag in tags for arch in scope.architectures
                ):
                    found.add(row["wheel"])
        for batch in source.files(None):
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
    for source in _live_sources(paths, None):
        for batch in source.wheels(columns):
            yield from batch.to_pylist()


class _Source:
    """One checked (wheels, files) pair read in batches, rows of some wheels left out."""

    def __init__(self, wheels: Table, files: Table, dropped: set[str]) -> None:
        self.wheels_table, self.files_table = wheels, files
        self.dropped = _value_set(dropped) if dropped else None

    def wheels(self, columns: Sequence[str] | None = None) -> Iterator[Any]:
        for batch in self.wheels_table.batches(columns):
            yield _filtered(batch, self.dropped, None)

    def files(self, kept: Any, columns: Sequence[str] | None = None) -> Iterator[Any]:
        """Its file rows, given ``kept`` (an array of keys) only those of these wheels."""
        for batch in self.files_table.batches(columns):
            yield _filtered(batch, self.dropped, kept)

    def pairs(
        self,
        only: set[str] | None,
        columns: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Each wheel row with its file rows, checking that the files table is in step: as
        many rows of each wheel, in the order of the wheels, as its ``elf_files`` counts.
        Given ``only``, the rows of other wheels are not decoded: they hold their ``wheel``
        and ``verdict`` alone, with no file rows. Given ``columns`` (wheels, files), only
        those are read."""
        wheel_columns, file_columns = columns or (None, None)
        wanted = None if only is None else _value_set(only)
        file_rows = (row for batch in self.files(wanted, file_columns) for row in batch.to_pylist())
        pending: dict[str, Any] | None = next(file_rows, None)
        for batch in self.wheels(wheel_columns):
            for wheel in batch.to_pylist() if only is None else _rows_of(batch, only):
                files = []
                while pending is not None and pending["wheel"] == wheel["wheel"]:
                    files.append(pending)
                    pending = next(file_rows, None)
                if (only is None or wheel["wheel"] in only) and len(files) != wheel["elf_files"]:
                    self._out_of_step(
                        f"holds {len(files)} rows of the wheel {quoted(wheel['wheel'])} where "
                        f"{self.wheels_table.path.name} counts {wheel['elf_files']}"
                    )
                yield wheel, files
        if pending is not None:
            where = f"{self.wheels_table.path.name} lists no such wheel there"
            self._out_of_step(f"holds rows of {quoted(pending['wheel'])} where {where}")

    def _out_of_step(self, problem: str) -> NoReturn:
        raise CensusFileError(
            str(self.files_table.path), f"{problem}: the two tables are out of step"
        )


def _rows_of(batch: Any, only: set[str]) -> Iterator[dict[str, Any]]:
    """The rows of a wheels-table batch, those of wheels not in ``only`` as their key and
    verdict alone (a review of a scoped change decodes only the wheels it judges)."""
    keys = batch.column("wheel").to_pylist()
    names = batch.schema.names
    verdicts = batch.column("verdict").to_pylist() if "verdict" in names else [None] * len(keys)
    inside = [key in only for key in keys]
    rows = [row for row, wanted in enumerate(inside) if wanted]
    decoded = iter(batch.take(rows).to_pylist() if rows else ())  # pyarrow takes no 0 rows
    for key, verdict, wanted in zip(keys, verdicts, inside, strict=True):
        yield next(decoded) if wanted else {"wheel": key, "verdict": verdict}


def _live_sources(paths: Paths, policy_digest: str | None) -> list[_Source]:
    """Each table pair, checked, with the wheels that later parts replace left out.

    A main files table renamed into place by a merge that stopped before its wheels table
    may hold rows of wheels the main wheels table does not have yet: they are all wheels of
    the parts, so every wheel of the parts is left out of the main tables."""
    pairs = []
    for wheels_path, files_path in paths.tables():
        wheels = open_table(wheels_path, "wheels")
        if not files_path.exists():
            raise CensusFileError(str(files_path), "missing: the files table of the census")
        pairs.append((wheels, open_table(files_path, "files")))
    tables = [table for pair in pairs for table in pair]
    first = str(tables[0].metadata.get("policies")) if tables else ""
    for table in tables:
        digest = str(table.metadata.get("policies"))
        if policy_digest is not None and digest != policy_digest:
            raise CensusFileError(
                str(table.path),
                f"made under other policy data (digest {digest[:12]}, now "
                f"{policy_digest[:12]}): finish it with that data, or start a new --out",
            )
        if digest != first:
            raise CensusFileError(
                str(table.path),
                f"made under other policy data than {tables[0].path.name} (digest "
                f"{digest[:12]}, not {first[:12]}): the census mixes two",
            )
    sources = []
    later: set[str] = set()  # the wheels of the parts after the one at hand
    for wheels, files in reversed(pairs):
        keys = _keys(wheels)
        if wheels.path == paths.wheels:  # the main tables come first, so last here
            sources.append(_Source(wheels, files, later))
        else:
            sources.append(_Source(wheels, files, keys & later))
            later |= keys
    return sources[::-1]


def _keys(table: Table) -> set[str]:
    """The wheels of a wheels table; CensusFileError if one is there twice."""
    keys: set[str] = set()
    for batch in table.batches(["wheel"]):
        for key in batch.column(0).to_pylist():
            if key in keys:
                raise CensusFileError(str(table.path), f"records the wheel {quoted(key)} twice")
            keys.add(key)
    return keys


def _value_set(keys: set[str]) -> Any:
    import pyarrow as pa

    return pa.array(sorted(keys), pa.string())


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
    """Write record batches or tables to ``path`` all or nothing: a temporary file, flushed
    to disk and renamed into place once complete. ``point`` names it for the test hook."""
    import pyarrow.parquet as pq

    temporary = path.with_name(path.name + ".tmp")
    try:
        with pq.ParquetWriter(temporary, schema, **WRITER_OPTIONS) as writer:
            for table in tables:
                for row_group in _row_groups(table):
                    writer.write(row_group)
                    _reached(f"{point}:writing")
        _sync(temporary)
        os.replace(temporary, path)
        _sync_folder(path.parent)
        _reached(f"{point}:renamed")
    except OSError as error:  # a full disk, a folder gone; pyarrow's write errors included
        raise PerennialError(str(path), _unwritable(error)) from None
    finally:
        temporary.unlink(missing_ok=True)


def _unwritable(error: OSError) -> str:
    return f"cannot be written ({os_cause(error)})"


def _row_groups(table: Any) -> Iterator[Any]:
    """``table`` in slices a reader accepts: :data:`BATCH` rows at most, halved until each
    holds at most :data:`WRITE_BYTES` (a single row is written whole)."""
    for start in range(0, table.num_rows, BATCH):
        pieces = [table.slice(start, BATCH)]
        while pieces:
            piece = pieces.pop()
            if piece.num_rows > 1 and piece.nbytes > WRITE_BYTES:
                half = piece.num_rows // 2
                pieces += [piece.slice(half), piece.slice(0, half)]
            else:
                yield piece


def _sync(path: Path) -> None:
    """Flush a written file to disk, so a rename never publishes a file the disk lacks."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename or a new file in it survives a crash."""
    _sync(folder)


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
