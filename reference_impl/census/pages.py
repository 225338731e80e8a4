"""The page headers of a Parquet column chunk, read without decoding a page.

pyarrow sizes what it allocates from each page's header, not from the file's footer: a file
whose footer declares small pages can still make it allocate gigabytes. A census table is
input, so :mod:`.store` reads these headers first and refuses a table whose pages disagree
with its footer or that uses an encoding a census is not written with. Only the few fields
that matter are kept; the rest of each header (Thrift compact protocol) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

DATA_PAGE = 0
"""PageType of a version 1 data page (the only kind a census table holds)."""
PLAIN, RLE, BIT_PACKED = 0, 3, 4
"""The Encoding values of the Parquet format."""
_MAX_HEADER = 1 << 16
"""Bytes a page header may take (Arrow's own limit is 16 MiB; a census page's is ~40)."""
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY = range(9)
_LIST, _SET, _MAP, _STRUCT, _UUID = 9, 10, 11, 12, 13


class PageError(ValueError):
    """A page header that cannot be read."""


@dataclass(frozen=True)
class Page:
    """What a page header declares."""

    type: int
    header_size: int
    uncompressed_size: int
    compressed_size: int
    values: int
    """``num_values`` of its data or dictionary page header (-1: none)."""
    encodings: tuple[int, ...]
    """A data page's encoding, then those of its definition and repetition levels."""
    checksum: bool
    """Whether it carries a CRC-32 of its bytes."""


def read_pages(file: BinaryIO, start: int, length: int) -> list[Page]:
    """The headers of the pages filling ``length`` bytes from ``start``; PageError if they
    do not fill it exactly."""
    pages = []
    offset = start
    while offset < start + length:
        file.seek(offset)
        reader = _Reader(file.read(min(_MAX_HEADER, start + length - offset)))
        page = _page_header(reader)
        if page.compressed_size < 0 or page.uncompressed_size < 0:
            raise PageError(f"a page at byte {offset} declares a negative size")
        pages.append(page)
        offset += page.header_size + page.compressed_size
    if offset != start + length:
        raise PageError(f"the pages from byte {start} overrun their column chunk")
    return pages


class _Reader:
    """Thrift compact protocol over one header's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise PageError("a page header is cut short")
        self.at += 1
        return self.data[self.at - 1]

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise PageError("a page header holds an overlong number")

    def integer(self) -> int:
        """A zigzag varint (i16, i32, i64)."""
        raw = self.varint()
        return (raw >> 1) ^ -(raw & 1)

    def skip_bytes(self, count: int) -> None:
        if count < 0 or self.at + count > len(self.data):
            raise PageError("a page header is cut short")
        self.at += count

    def skip(self, kind: int, depth: int = 0) -> None:
        """Skip one value of compact type ``kind``."""
        if depth > 16:
            raise PageError("a page header nests too deeply")
        if kind in (_TRUE, _FALSE):
            return
        if kind == _BYTE:
            self.skip_bytes(1)
        elif kind in (_I16, _I32, _I64):
            self.varint()
        elif kind == _DOUBLE:
            self.skip_bytes(8)
        elif kind == _UUID:
            self.skip_bytes(16)
        elif kind == _BINARY:
            self.skip_bytes(self.varint())
        elif kind in (_LIST, _SET):
            head = self.byte()
            size = head >> 4 if head >> 4 != 15 else self.varint()
            for _ in range(size):
                self.skip_element(head & 0x0F, depth + 1)
        elif kind == _MAP:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.skip_element(types >> 4, depth + 1)
                    self.skip_element(types & 0x0F, depth + 1)
        elif kind == _STRUCT:
            self.struct(lambda _field, kind: self.skip(kind, depth + 1))
        else:
            raise PageError(f"a page header holds an unknown Thrift type {kind}")

    def skip_element(self, kind: int, depth: int) -> None:
        """Skip one element of a list, set or map: a boolean there is a byte of its own, so
        every element reads at least one byte and a huge declared size soon runs out."""
        if kind in (_TRUE, _FALSE):
            self.skip_bytes(1)
        else:
            self.skip(kind, depth)

    def struct(self, field: Callable[[int, int], None]) -> None:
        """Call ``field(id, type)`` for each field of a struct, which reads or skips it."""
        last = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == _STOP:
                return
            delta = head >> 4
            last = last + delta if delta else self.integer()
            field(last, kind)


def _page_header(reader: _Reader) -> Page:
    """PageHeader: type (1), uncompressed (2) and compressed (3) sizes, whether it has a
    CRC (4), and num_values and
    the encodings of its data page header (5) or num_values of its dictionary header (7)."""
    found: dict[str, int] = {}
    encodings: list[int] = []

    def sub_header(field: int, kind: int) -> None:
        if kind == _I32 and field == 1:
            found["values"] = reader.integer()
        elif kind == _I32 and field in (2, 3, 4) and found.get("in_data") == 1:
            encodings.append(reader.integer())
        else:
            reader.skip(kind)

    def header(field: int, kind: int) -> None:
        if kind == _I32 and field in (1, 2, 3, 4):
            found[("type", "uncompressed", "compressed", "crc")[field - 1]] = reader.integer()
        elif kind == _STRUCT and field in (5, 7):
            found["in_data"] = int(field == 5)
            reader.struct(sub_header)
        else:
            reader.skip(kind)

    reader.struct(header)
    if not {"type", "uncompressed", "compressed"} <= found.keys():
        raise PageError("a page header lacks its type or sizes")
    return Page(
        type=found["type"],
        header_size=reader.at,
        uncompressed_size=found["uncompressed"],
        compressed_size=found["compressed"],
        values=found.get("values", -1),
        encodings=tuple(encodings),
        checksum="crc" in found,
    )
