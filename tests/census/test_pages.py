"""The page-header reader meets bytes an attacker chose: on any of them it returns pages or
raises PageError, and it ends (every step reads a byte or stops)."""

from __future__ import annotations

import contextlib
import io
from functools import cache

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.census.pages import PLAIN, RLE, PageError, read_pages
from reference_impl.census.table import WRITER_OPTIONS


@cache
def census_chunk() -> bytes:
    """The first column chunk of a small table written as a census writes it."""
    sink = io.BytesIO()
    pq.write_table(pa.table({"s": ["a", None, "bc"] * 100}), sink, **WRITER_OPTIONS)
    data = sink.getvalue()
    chunk = pq.ParquetFile(pa.BufferReader(data)).metadata.row_group(0).column(0)
    return data[chunk.data_page_offset : chunk.data_page_offset + chunk.total_compressed_size]


def test_the_header_of_a_census_page_is_read() -> None:
    chunk = census_chunk()
    (page,) = read_pages(io.BytesIO(chunk), 0, len(chunk))
    assert (page.type, page.values, page.encodings, page.checksum) == (
        0,
        300,
        (PLAIN, RLE, RLE),
        True,
    )
    assert page.header_size + page.compressed_size == len(chunk)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_pages_or_a_page_error(data: bytes) -> None:
    with contextlib.suppress(PageError):
        read_pages(io.BytesIO(data), 0, len(data))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), st.integers(0, 255))
def test_a_header_changed_anywhere_gives_pages_or_a_page_error(at: int, byte: int) -> None:
    chunk = bytearray(census_chunk())
    chunk[at] = byte
    with contextlib.suppress(PageError):
        read_pages(io.BytesIO(bytes(chunk)), 0, len(chunk))


def test_a_huge_collection_of_booleans_is_cut_short_not_looped_over() -> None:
    """A map of booleans declaring 2**60 entries: each entry is a byte, so the header runs
    out (it looped for ever, reading nothing per entry)."""
    header = bytes([0x1B]) + _varint(1 << 60) + bytes([0x11]) + b"\0" * 8  # 1: map<bool,bool>
    with pytest.raises(PageError, match="cut short"):
        read_pages(io.BytesIO(header), 0, len(header))


def _varint(number: int) -> bytes:
    encoded = bytearray()
    while number >= 0x80:
        encoded.append(number & 0x7F | 0x80)
        number >>= 7
    return bytes([*encoded, number])
