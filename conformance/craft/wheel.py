"""Write wheels (and deliberately hostile zips) byte for byte, deterministically.

The zip writer is our own rather than :mod:`zipfile` so that a fixture can lie: declare a
size it does not have, point two directory entries at one local header, carry a member named
``../evil.so``. Every member is stored uncompressed (deflate output differs between zlib
builds), except the zip-bomb member, whose deflate stream is written by hand below. Times are
1980-01-01 00:00, permissions 0644 (0755 for executables), members sorted by path with the
``.dist-info`` files last and RECORD the very last, as the wheel spec recommends.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import zlib
from dataclasses import dataclass, field

from conformance.craft.layouts import ZIP64_EXTRA, ZIP_CENTRAL, ZIP_END, ZIP_LOCAL

LOCAL_SIG, CENTRAL_SIG, END_SIG = 0x04034B50, 0x02014B50, 0x06054B50
STORED, DEFLATED = 0, 8
DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1
DOS_TIME_MIDNIGHT = 0
UNIX_MADE_BY = (3 << 8) | 20
ZIP64_MARKER = 0xFFFFFFFF


@dataclass(frozen=True)
class Member:
    """One zip entry. ``declared_size`` lies about the uncompressed size (zip64 if > 4 GiB)."""

    path: str
    data: bytes
    mode: int = 0o644
    deflate_zeros: int = 0  # if set, the member is this many zero bytes, deflated
    declared_size: int | None = None

    @property
    def content(self) -> bytes:
        """What the member really holds once inflated (its CRC and RECORD digest are of this)."""
        return bytes(self.deflate_zeros) if self.deflate_zeros else self.data


@dataclass(frozen=True)
class Alias:
    """An extra central-directory entry that points at another member's local header."""

    path: str
    target: str


@dataclass(frozen=True)
class WheelSpec:
    """A wheel: distribution name, version, tags, members; switches for broken variants."""

    name: str
    version: str
    tags: str
    members: tuple[Member, ...]
    filename: str | None = None
    wheel_tags: tuple[str, ...] | None = None
    wheel_file: bool = True
    record: bool = True
    root_is_purelib: bool = False
    aliases: tuple[Alias, ...] = field(default=())

    @property
    def dist_info(self) -> str:
        """``{name}-{version}.dist-info`` with the name escaped as the wheel spec says."""
        return f"{self.name.replace('-', '_')}-{self.version}.dist-info"

    def wheel_filename(self) -> str:
        """The file name: the recipe's own, or ``{name}-{version}-{tags}.whl``."""
        return self.filename or f"{self.name.replace('-', '_')}-{self.version}-{self.tags}.whl"

    def tag_lines(self) -> tuple[str, ...]:
        """The WHEEL ``Tag:`` values: the recipe's own, or the expansion of the filename tags."""
        if self.wheel_tags is not None:
            return self.wheel_tags
        pythons, abis, platforms = (part.split(".") for part in self.tags.split("-"))
        return tuple("-".join(t) for t in itertools.product(pythons, abis, platforms))


def record_hash(data: bytes) -> str:
    """``sha256=`` + urlsafe base64 without padding, as RECORD wants."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def deflate_zeros(count: int) -> bytes:
    """A raw deflate stream of ``count`` zero bytes, written by hand so it never varies.

    One fixed-Huffman block: a literal 0, then back-references of length 258 (code 285) at
    distance 1 (distance code 0), a shorter final match if needed, and end-of-block. About
    13 bits per 258 bytes: a ratio near 160:1 from a file a few kilobytes long.
    """
    bits: list[int] = []

    def put(value: int, width: int, huffman: bool) -> None:
        # Huffman codes go most significant bit first, everything else least significant first.
        order = range(width - 1, -1, -1) if huffman else range(width)
        bits.extend((value >> i) & 1 for i in order)

    def length_code(length: int) -> None:
        # Fixed Huffman: symbols 256-279 are 7 bits (0b0000000 + n), 280-287 are 8 bits.
        bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67]
        bases += [83, 99, 115, 131, 163, 195, 227, 258]
        extra = [0] * 8 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4 + [0]
        index = max(i for i, b in enumerate(bases) if b <= length)
        symbol = 257 + index
        if symbol <= 279:
            put(symbol - 256, 7, True)
        else:
            put(0b11000000 + symbol - 280, 8, True)
        put(length - bases[index], extra[index], False)
        put(0, 5, True)  # distance code 0 = distance 1, no extra bits

    put(1, 1, False)  # BFINAL
    put(1, 2, False)  # BTYPE = 01, fixed Huffman
    if count:
        put(0b00110000, 8, True)  # literal 0
        left = count - 1
        while left >= 3:
            step = 258 if left >= 258 + 3 or left == 258 else min(left, 255)
            length_code(step)
            left -= step
        for _ in range(left):
            put(0b00110000, 8, True)
    put(0, 7, True)  # end of block
    bits.extend([0] * (-len(bits) % 8))
    return bytes(
        sum(bit << i for i, bit in enumerate(bits[n : n + 8])) for n in range(0, len(bits), 8)
    )


def _sort_key(path: str, dist_info: str) -> tuple[int, str]:
    if path == f"{dist_info}/RECORD":
        return (2, path)
    return (1 if path.startswith(f"{dist_info}/") else 0, path)


def build_zip(members: tuple[Member, ...], aliases: tuple[Alias, ...] = ()) -> bytes:
    """A zip of ``members`` in the order given; ``aliases`` add directory-only entries."""
    out = bytearray()
    central: list[bytes] = []
    headers: dict[str, tuple[bytes, int]] = {}
    for member in members:
        if member.deflate_zeros:
            payload, method = deflate_zeros(member.deflate_zeros), DEFLATED
        else:
            payload, method = member.data, STORED
        content = member.content
        crc = zlib.crc32(content)
        size = len(content) if member.declared_size is None else member.declared_size
        name = member.path.encode()
        zip64 = size >= ZIP64_MARKER
        extra = b""
        if zip64:
            extra = ZIP64_EXTRA.pack(
                header_id=1, data_size=16, uncompressed_size=size, compressed_size=len(payload)
            )
        common = {
            "version_needed": 45 if zip64 else 20,
            "method": method,
            "mtime": DOS_TIME_MIDNIGHT,
            "mdate": DOS_DATE_1980_01_01,
            "crc32": crc,
            "compressed_size": ZIP64_MARKER if zip64 else len(payload),
            "uncompressed_size": ZIP64_MARKER if zip64 else size,
            "name_length": len(name),
            "extra_length": len(extra),
        }
        offset = len(out)
        out += ZIP_LOCAL.pack(signature=LOCAL_SIG, **common) + name + extra + payload
        entry = ZIP_CENTRAL.pack(
            signature=CENTRAL_SIG,
            version_made_by=UNIX_MADE_BY,
            external_attr=(0o100000 | member.mode) << 16,
            local_header_offset=offset,
            **common,
        )
        headers[member.path] = (entry, len(name) + len(extra))
        central.append(entry + name + extra)
    for alias in aliases:
        entry, _ = headers[alias.target]
        fields = dict(ZIP_CENTRAL.unpack(entry))
        name = alias.path.encode()
        fields.update(name_length=len(name), extra_length=0)
        central.append(ZIP_CENTRAL.pack(**fields) + name)
    cd_offset = len(out)
    for entry in central:
        out += entry
    out += ZIP_END.pack(
        signature=END_SIG,
        disk_entries=len(central),
        total_entries=len(central),
        cd_size=len(out) - cd_offset,
        cd_offset=cd_offset,
    )
    return bytes(out)


def build_wheel(spec: WheelSpec) -> bytes:
    """The wheel's bytes: members plus WHEEL, METADATA and RECORD under ``.dist-info``."""
    dist_info = spec.dist_info
    members = list(spec.members)
    metadata = f"Metadata-Version: 2.1\nName: {spec.name}\nVersion: {spec.version}\n\n"
    members.append(Member(f"{dist_info}/METADATA", metadata.encode()))
    if spec.wheel_file:
        purelib = "true" if spec.root_is_purelib else "false"
        wheel = "Wheel-Version: 1.0\nGenerator: perennial-craft 1\n"
        wheel += f"Root-Is-Purelib: {purelib}\n"
        wheel += "".join(f"Tag: {tag}\n" for tag in spec.tag_lines())
        members.append(Member(f"{dist_info}/WHEEL", wheel.encode()))
    members.sort(key=lambda m: _sort_key(m.path, dist_info))
    if spec.record:
        lines = []
        for m in members:
            content = m.content
            lines.append(f"{m.path},{record_hash(content)},{len(content)}\n")
        lines.append(f"{dist_info}/RECORD,,\n")
        members.append(Member(f"{dist_info}/RECORD", "".join(lines).encode()))
    return build_zip(tuple(members), spec.aliases)
