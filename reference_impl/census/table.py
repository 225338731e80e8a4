"""One census table, described (its schema and how it is written) and opened as input.

A census file may come from another machine or another version, or be cut short, edited or
made to exhaust memory, so :func:`open_table` checks a table before any row is decoded: its
metadata and version, its exact schema, and what its pages hold. Every row group must stay
within :data:`ROW_GROUP_BYTES` and :data:`ROW_GROUP_VALUES`, as its page headers say (pyarrow
sizes its buffers from them), and use only the encodings a census is written with, which
expand no value (no dictionary pages): what one row group takes in memory is then bounded
whatever the file declares. Each page carries a checksum, which pyarrow verifies. pyarrow
is imported inside the functions that use it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl import __version__
from reference_impl.census.pages import BIT_PACKED, DATA_PAGE, PLAIN, RLE, PageError, read_pages
from reference_impl.display import quoted
from reference_impl.errors import PerennialError

FORMAT = "perennial-census"
VERSION = 3
"""2: required columns are declared so, ``elf_files`` counts each wheel's file rows, and no
dictionary pages (version 1 had neither). 3: each wheel row keeps the baselines it satisfies
and which code judged it (``satisfied``, ``judged_by``), so a review need not judge it again
under the census's own policies."""
METADATA_KEY = b"perennial.census"
BATCH = 2048
"""Rows read at a time, and at most the rows of a row group written."""
WRITE_BYTES = 4 << 20
"""A written row group is split until it holds at most this much Arrow data (or one row):
each value takes two bytes or more, so it holds fewer than :data:`ROW_GROUP_VALUES`. A
census row takes some 1.6 kB in 90 values; 2048 of them, 3.3 MB."""
ROW_GROUP_BYTES = 32 << 20
"""The most uncompressed page bytes a row group may hold (headers included)."""
ROW_GROUP_VALUES = 2 << 20
"""The most values (list items and nulls included) a row group may hold over its columns:
with :data:`ROW_GROUP_BYTES`, what reading a row group costs: under 300 MB at worst, once
its rows are Python objects."""
WRITER_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "use_dictionary": False,
    "write_statistics": False,
    "data_page_version": "1.0",
    "write_page_checksum": True,
}
"""How every census table is written: values stored plainly (zstd shrinks the repeats a
dictionary would), page headers without statistics (a long value would bloat them) but with
a checksum (a damaged page is then refused, not read as other values)."""
_LEVELS = frozenset({RLE, BIT_PACKED})


class CensusFileError(PerennialError):
    """A census output that is not one, is damaged, or was made under other policy data."""


def schemas(policy_digest: str) -> tuple[Any, Any]:
    """The wheels and files table schemas, with the census metadata."""
    import pyarrow as pa

    def required(name: str, kind: Any) -> Any:
        return pa.field(name, kind, nullable=False)

    def strings() -> Any:
        return pa.list_(required("item", pa.string()))

    def items(*fields: Any) -> Any:
        return pa.list_(required("item", pa.struct(list(fields))))

    text, boolean, i64 = pa.string(), pa.bool_(), pa.int64()
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
    claim = items(
        required("tag", text),
        required("source", text),
        ("manylinux_tag", text),
        ("earned", boolean),
    )
    blocker = items(
        required("tag", text), required("clause", text), ("subject", text), ("file", text)
    )
    wheels = pa.schema(
        [
            required("wheel", text),
            required("size", i64),
            required("mtime_ns", i64),
            required("filename", text),
            ("dist_info", text),
            required("filename_tags", strings()),
            required("wheel_tags", strings()),
            required("symbol_vocabulary", strings()),
            required("verdict", text),
            ("architecture", text),
            ("earliest_tag", text),
            ("minimal_glibc", text),
            ("best_baseline", text),
            required("claims", claim),
            required("blockers", blocker),
            ("error", text),
            ("exit_code", pa.int16()),
            required("elf_files", pa.int32()),
            required("satisfied", strings()),
            ("judged_by", text),
        ],
        metadata=metadata,
    )
    elf = pa.struct(
        [
            required("bits", i64),
            required("endianness", text),
            required("machine", text),
            required("flags", i64),
            required("type", text),
            required("interpreter", boolean),
        ]
    )
    library = items(
        required("name", text),
        ("bundled_at", text),
        ("via", text),
        required("elsewhere", strings()),
    )
    need = items(
        required("library", text),
        required("version", text),
        ("symbol", text),
        required("weak", boolean),
    )
    undefined = items(required("name", text), ("version", text), required("weak", boolean))
    files = pa.schema(
        [
            required("wheel", text),
            required("path", text),
            required("elf", elf),
            ("soname", text),
            required("rpath", strings()),
            required("runpath", strings()),
            required("libraries", library),
            required("needed_versions", need),
            required("undefined", undefined),
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


KINDS = ("wheels", "files")
"""The two tables of a census, in the order :func:`schemas` gives them."""


@dataclass(frozen=True)
class Table:
    """A census table whose metadata, schema and pages were checked. It holds no open file
    (a census may have thousands of parts): :meth:`batches` opens it again."""

    path: Path
    kind: str
    metadata: dict[str, Any]
    identity: tuple[int, ...]
    """Device, inode, size and modification time of the file checked."""

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[Any]:
        """Its rows, :data:`BATCH` at a time, only ``columns`` read (None: all), from the
        very file that was checked."""
        import pyarrow as pa

        with _opened(self.path, self.kind) as (file, _, identity):
            if identity != self.identity:
                raise CensusFileError(str(self.path), "replaced while the census was read")
            try:
                yield from file.iter_batches(batch_size=BATCH, columns=columns)
            except (OSError, ValueError, pa.ArrowException) as error:
                raise CensusFileError(str(self.path), f"damaged ({_said(error)})") from None


_checked: dict[tuple[int, ...], dict[str, Any]] = {}
"""The metadata of tables already checked, by :attr:`Table.identity`: a census read several
times in one command is checked once."""


def open_table(path: Path, kind: str) -> Table:
    """The census table ``path`` of ``kind`` (wheels or files), checked (see the module
    docstring); CensusFileError naming the file and the problem otherwise."""
    with _opened(path, kind) as (_, metadata, identity):
        return Table(path, kind, metadata, identity)


@contextlib.contextmanager
def _opened(path: Path, kind: str) -> Iterator[tuple[Any, dict[str, Any], tuple[int, ...]]]:
    """The table's ``ParquetFile``, checked metadata and identity, its file closed after."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pa.OSFile(str(path))
    except (OSError, ValueError, pa.ArrowException) as error:
        raise CensusFileError(str(path), f"cannot be read ({_said(error)})") from None
    try:
        try:
            file = pq.ParquetFile(source, page_checksum_verification=True)
        except (OSError, ValueError, pa.ArrowException) as error:
            problem = f"not a readable Parquet file ({_said(error)})"
            raise CensusFileError(str(path), problem) from None
        status = os.fstat(source.fileno())
        identity = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
        if identity not in _checked:
            _checked[identity] = _checked_metadata(path, kind, file, source)
        yield file, _checked[identity], identity
    finally:
        source.close()


def _checked_metadata(path: Path, kind: str, file: Any, source: Any) -> dict[str, Any]:
    schema = file.schema_arrow
    metadata = _census_metadata(path, schema)
    expected = schemas(str(metadata.get("policies")))[KINDS.index(kind)]
    if not schema.equals(expected, check_metadata=False):
        difference = _difference(schema, expected)
        raise CensusFileError(str(path), f"not the {kind} table of a census: {difference}")
    problem: str | None
    try:
        problem = _page_problem(file.metadata, source, source.size())
    except PageError as error:
        problem = f"damaged ({error})"
    except (OSError, ValueError) as error:
        problem = f"damaged ({_said(error)})"
    if problem:
        raise CensusFileError(str(path), problem)
    return metadata


def _census_metadata(path: Path, schema: Any) -> dict[str, Any]:
    raw = (schema.metadata or {}).get(METADATA_KEY)
    try:
        metadata = json.loads(raw) if raw else None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CensusFileError(str(path), "not a perennial census table")
    version = metadata.get("version")
    if type(version) is not int or version != VERSION:
        raise CensusFileError(
            str(path),
            f"census version {quoted(str(version))}, and this perennial reads version "
            f"{VERSION}: make the census again with a new --out",
        )
    return metadata


def _difference(schema: Any, expected: Any) -> str:
    """The first way ``schema`` differs from ``expected``, in words."""
    names, wanted = schema.names, expected.names
    missing = [name for name in wanted if name not in names]
    if missing:
        return f"no column {quoted(missing[0])}"
    extra = [name for name in names if name not in wanted]
    if extra:
        return f"an unknown column {quoted(extra[0])}"
    if names != wanted:
        return "its columns are in another order"
    for field in schema:
        other = expected.field(field.name)
        if not field.equals(other):
            return f"column {quoted(field.name)} is {_typed(field)}, not {_typed(other)}"
    return "its schema differs"


def _typed(field: Any) -> str:
    return quoted(f"{field.type}{'' if field.nullable else ' not null'}")


def _page_problem(metadata: Any, source: Any, file_size: int) -> str | None:
    """What is wrong with the pages of the table, or None: every row group must hold only
    pages a census writes and stay within the limits, as its page headers (not only its
    footer) say."""
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        size = values = 0
        for index in range(row_group.num_columns):
            chunk = row_group.column(index)
            where = f"row group {group}, column {quoted(chunk.path_in_schema)}"
            start = chunk.data_page_offset
            if chunk.has_dictionary_page:
                return f"{where} holds a kind of page a census is not written with"
            if start < 0 or start + chunk.total_compressed_size > file_size:
                return f"damaged ({where} lies outside the file)"
            pages = read_pages(source, start, chunk.total_compressed_size)
            for page in pages:
                encoding, *levels = page.encodings or (None,)
                written = encoding == PLAIN and _LEVELS.issuperset(levels) and page.checksum
                if page.type != DATA_PAGE or not written:
                    return f"{where} holds a kind of page a census is not written with"
            declared = sum(p.header_size + p.uncompressed_size for p in pages)
            counted = sum(p.values for p in pages)
            if declared != chunk.total_uncompressed_size or counted != chunk.num_values:
                return f"damaged (the pages of {where} disagree with its footer)"
            size += max(declared, chunk.total_compressed_size)
            values += counted
        if size > ROW_GROUP_BYTES or values > ROW_GROUP_VALUES:
            return (
                f"row group {group} holds {size} bytes in {values} values, over a census's "
                f"limits of {ROW_GROUP_BYTES} bytes and {ROW_GROUP_VALUES} values"
            )
    return None


def _said(error: Exception) -> str:
    """An exception's text, on one line."""
    return " ".join(str(error).split()) or type(error).__name__
