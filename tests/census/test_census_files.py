"""A census file is input: cut short, foreign, of another version or schema, damaged, edited,
mixed, out of step or made to exhaust memory, it is refused in one line that names the file
and the problem, with exit code 3, by every command that reads it; never a traceback, an
internal error or a silently wrong answer."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from reference_impl.census.store import Paths, merge, read_census
from reference_impl.census.table import ROW_GROUP_BYTES, VERSION, WRITER_OPTIONS, CensusFileError
from reference_impl.census.work import policy_digest
from reference_impl.policy import default_policy_dir

from .conftest import ROOT, Ran, copy_wheels, perennial, save_part

WHEELS = ["x86_64-minimal", "aarch64-ncursesw", "hostile-not-zip", "x86_64-getrandom"]
"""The first three are merged into the main tables, the last one waits in a part."""


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sound census (main tables and one part) of a mirror next to it, ``mirror/``."""
    top = tmp_path_factory.mktemp("made")
    wheels = copy_wheels(WHEELS, top / "mirror")
    out = top / "census" / "c.parquet"
    out.parent.mkdir()
    save_part(out, wheels[:3])
    merge(Paths.of(out), policy_digest(default_policy_dir()))
    save_part(out, wheels[3:])
    return out


@pytest.fixture
def census(made: Path, tmp_path: Path) -> Path:
    """A copy of the sound census for one test to damage."""
    shutil.copytree(made.parent.parent, tmp_path, dirs_exist_ok=True)
    return tmp_path / "census" / "c.parquet"


def part(out: Path) -> Path:
    return Paths.of(out).part(0)[0]


def rewrite(path: Path, table: pa.Table, **options: object) -> None:
    pq.write_table(table, path, **{**WRITER_OPTIONS, **options})


def with_metadata(table: pa.Table, **changes: object) -> pa.Table:
    key = b"perennial.census"
    metadata = json.loads(table.schema.metadata[key])
    metadata.update(changes)
    return table.replace_schema_metadata({key: json.dumps(metadata).encode()})


def cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_page_byte(path: Path) -> None:
    """Change one byte inside the first data page of the ``wheel`` column."""
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    data = bytearray(path.read_bytes())
    at = chunk.data_page_offset + chunk.total_compressed_size - 3
    data[at] ^= 0x55
    path.write_bytes(bytes(data))


def null_filename(path: Path) -> None:
    table = pq.read_table(path)
    index = table.schema.get_field_index("filename")
    loose = table.schema.set(index, pa.field("filename", pa.string()))
    names = table.column(index).to_pylist()
    table = table.cast(loose).set_column(index, "filename", pa.array([None, *names[1:]]))
    rewrite(path, table)


def twice(path: Path) -> None:
    table = pq.read_table(path)
    rewrite(path, pa.concat_tables([table, table.slice(0, 1)]))


DAMAGES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "a wheels table cut short": (
        lambda out: (cut_short(out), out)[1],
        "not a readable Parquet file",
    ),
    "a part cut short": (lambda out: (cut_short(part(out)), part(out))[1], "not a readable"),
    "a foreign Parquet file": (
        lambda out: (pq.write_table(pa.table({"wheel": ["x"]}), out), out)[1],
        "not a perennial census table",
    ),
    "a census of the previous version": (
        lambda out: (rewrite(out, with_metadata(pq.read_table(out), version=VERSION - 1)), out)[1],
        f"census version '{VERSION - 1}', and this perennial reads version {VERSION}",
    ),
    "a column missing": (
        lambda out: (rewrite(out, pq.read_table(out).drop_columns(["size"])), out)[1],
        "not the wheels table of a census: no column 'size'",
    ),
    "the files table in place of the wheels table": (
        lambda out: (shutil.copy(Paths.of(out).files, out), out)[1],
        "not the wheels table of a census",
    ),
    "a null where a census has none": (
        lambda out: (null_filename(out), out)[1],
        "column 'filename' is 'string', not 'string not null'",
    ),
    "a damaged page": (lambda out: (flip_a_page_byte(out), out)[1], "damaged ("),
    "dictionary pages": (
        lambda out: (rewrite(out, pq.read_table(out), use_dictionary=True), out)[1],
        "holds a kind of page a census is not written with",
    ),
    "pages without checksums": (
        lambda out: (rewrite(out, pq.read_table(out), write_page_checksum=False), out)[1],
        "holds a kind of page a census is not written with",
    ),
    "a wheel recorded twice": (lambda out: (twice(out), out)[1], "records the wheel '"),
    "a part made under other policy data": (
        lambda out: (
            rewrite(part(out), with_metadata(pq.read_table(part(out)), policies="0" * 64)),
            part(out),
        )[1],
        "made under other policy data",
    ),
}


def refused(ran: Ran, path: Path, problem: str) -> None:
    assert (ran.code, ran.out) == (3, ""), ran.err
    assert ran.err.count("\n") == 1 and "internal error" not in ran.err
    assert ran.err.startswith(f"perennial: {path}: ") and problem in ran.err, ran.err


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("command", ["summary", "resume", "review"])
def test_a_damaged_census_is_refused_in_one_line(census: Path, damage: str, command: str) -> None:
    make, problem = DAMAGES[damage]
    path = make(census)
    argv = {
        "summary": ["census", "--out", str(census)],
        "resume": ["census", str(census.parent.parent / "mirror"), "--out", str(census)],
        "review": ["policy", "review", "--census", str(census)],
    }[command]
    lock = Paths.of(census).lock  # empty, held while a census runs, left (see store.writing)
    before = {p: p.read_bytes() for p in census.parent.rglob("*") if p.is_file() and p != lock}
    refused(perennial(*argv), path, problem)
    after = {p: p.read_bytes() for p in census.parent.rglob("*") if p.is_file() and p != lock}
    assert after == before, "a refused census is left as it was"
    assert not lock.exists() or lock.read_bytes() == b""


def drop_rows_of_one_wheel(out: Path) -> None:
    files = pq.read_table(Paths.of(out).files)
    first = files.column("wheel")[0]
    rewrite(Paths.of(out).files, files.filter(pc.not_equal(files.column("wheel"), first)))


def swap_two_wheels(out: Path) -> None:
    files = pq.read_table(Paths.of(out).files)
    keys = files.column("wheel").to_pylist()
    first = keys.count(keys[0])
    rewrite(Paths.of(out).files, pa.concat_tables([files.slice(first), files.slice(0, first)]))


def files_of_another_census(out: Path) -> None:
    other = out.with_name("other.parquet")
    save_part(other, copy_wheels(["i686-minimal"], out.parent / "other-mirror"))
    merge(Paths.of(other), policy_digest(default_policy_dir()))
    shutil.copy(Paths.of(other).files, Paths.of(out).files)


@pytest.mark.parametrize(
    "damage", [drop_rows_of_one_wheel, swap_two_wheels, files_of_another_census]
)
def test_tables_out_of_step_are_refused_when_read_and_when_merged(
    census: Path, damage: Callable[[Path], None]
) -> None:
    damage(census)
    files = Paths.of(census).files
    with pytest.raises(CensusFileError) as raised:
        list(read_census(Paths.of(census)))
    assert raised.value.source == str(files)
    assert raised.value.problem.endswith("the two tables are out of step")
    resumed = perennial("census", str(census.parent.parent / "mirror"), "--out", str(census))
    refused(resumed, files, "the two tables are out of step")
    assert Paths.of(census).parts.is_dir(), "nothing merged"


def oversized(out: Path, understated: bool) -> Path:
    """The wheels table with one file name of 100 MB (a few kB once compressed), its
    footer saying so or, ``understated``, claiming that the column holds a few bytes."""
    table = pq.read_table(out)
    index = table.schema.get_field_index("filename")
    long_name = ["a" * (100 << 20), *table.column(index).to_pylist()[1:]]
    rewrite(out, table.set_column(index, table.schema.field(index), pa.array(long_name)))
    del long_name
    if understated:
        group = pq.ParquetFile(out).metadata.row_group(0)
        data = out.read_bytes()
        length = struct.unpack("<I", data[-8:-4])[0]
        footer = data[-8 - length : -8]
        for size in (group.column(index).total_uncompressed_size, group.total_byte_size):
            assert footer.count(_varint(size)) == 1
            footer = footer.replace(_varint(size), _varint(1000))
        out.write_bytes(data[: -8 - length] + footer + struct.pack("<I", len(footer)) + b"PAR1")
    return out


def _varint(number: int) -> bytes:
    """A Thrift compact i64: zigzag, then 7 bits a byte."""
    number = number << 1
    encoded = bytearray()
    while number >= 0x80:
        encoded.append(number & 0x7F | 0x80)
        number >>= 7
    return bytes([*encoded, number])


@pytest.mark.parametrize(
    ("understated", "problem"),
    [
        (False, f"over a census's limits of {ROW_GROUP_BYTES} bytes"),
        (True, "the pages of row group 0, column 'filename' disagree with its footer"),
    ],
)
def test_a_census_made_to_exhaust_memory_is_refused_before_it_is_read(
    census: Path, understated: bool, problem: str
) -> None:
    """pyarrow sizes a page's buffer from the page header: read, the 100 MB value costs
    some 300 MB, however small the footer says it is."""
    path = oversized(census, understated)
    command = [sys.executable, "-m", "reference_impl", "census", "--out", str(path)]
    ran = subprocess.run(
        [sys.executable, "-c", PEAK, *command], capture_output=True, text=True, cwd=ROOT
    )
    code, err, peak_kib = json.loads(ran.stdout)
    assert code == 3 and err == f"perennial: {path}: {err.split(': ', 2)[2]}", err
    assert problem in err
    assert peak_kib < 200 << 10, f"{peak_kib} KiB"


PEAK = """
import json, resource, subprocess, sys
ran = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps([ran.returncode, ran.stderr if not ran.stdout else ran.stdout, peak]))
"""
"""Run a command; print its exit code, what it printed on stderr (stdout, if anything),
and its peak memory in KiB."""
