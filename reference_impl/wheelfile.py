"""Open a wheel for reading without trusting it: names, sizes and layout are checked first.

A wheel is a zip archive written by someone else. Before any member is decompressed, this
module refuses archives whose member names could escape a directory, whose members overlap
(the shape of a zip bomb built from one shared stream), or whose declared sizes are absurd;
reading a member never returns more bytes than it declared. Nothing is extracted to disk.
"""

from __future__ import annotations

import io
import itertools
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple, cast

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from reference_impl.errors import WheelError

MAX_MEMBER_BYTES = 4 << 30
"""The most one member may declare when decompressed (4 GiB); larger is refused as absurd."""
MAX_TOTAL_BYTES = 16 << 30
"""The most all members together may declare when decompressed (16 GiB)."""
MAX_RATIO = 1000
"""A member over 1 MiB may not declare more than this many times its compressed size."""
MAX_METADATA_BYTES = 1 << 20
"""WHEEL is a few lines; more than 1 MiB is refused."""

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_RAW_CHUNK = 1 << 18
_PEEK_CHUNK = 1 << 12
_OUT_CHUNK = 1 << 18
_LOCAL_MAGIC = 0x04034B50


class Member(NamedTuple):
    """What the auditor keeps of one checked member: a tuple, a fraction of a ``ZipInfo``
    (PyTorch's 12,000 members take 9 MB as ``ZipInfo`` objects)."""

    compress_type: int
    compress_size: int
    file_size: int
    data_at: int
    """Where the member's compressed data starts in the archive."""


@dataclass(frozen=True)
class WheelMetadata:
    """What a wheel says about itself: its filename's tags and its WHEEL file's tags."""

    filename: str
    name: str
    version: str
    filename_tags: frozenset[Tag]
    wheel_tags: tuple[Tag, ...]
    dist_info: str


class SafeWheel:
    """A wheel archive whose member names and layout were checked when it was opened."""

    def __init__(self, source: str | Path | BinaryIO, display: str | None = None) -> None:
        self.display = display or (str(source) if isinstance(source, (str, Path)) else "<wheel>")
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
            raise WheelError(
                self.display, f"not a readable zip archive ({_short(error)})"
            ) from None
        try:
            infos = _check_members(self._zip, self.display)
            data_at = _check_layout(self._zip, infos, self.display)
        except BaseException:
            self._zip.close()
            raise
        self.members: dict[str, Member] = {
            name: Member(i.compress_type, i.compress_size, i.file_size, data_at.get(name, -1))
            for name, i in infos.items()
        }
        # zipfile reads only the WHEEL files (CRC checked) and what the fast stream cannot
        # (other compression methods); every other ZipInfo is dropped.
        self._infos = {
            name: info
            for name, info in infos.items()
            if _is_wheel_file(name) or not _fast(info.compress_type)
        }
        self._zip.filelist = []
        self._zip.NameToInfo = {}
        del infos

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeWheel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, name: str) -> IO[bytes]:
        """A stream of one member's content through zipfile (CRC checked); never yields more
        than its declared size. Only for ``*/WHEEL`` and members :meth:`stream` cannot read
        itself (compressed with another method than deflate)."""
        try:
            return self._zip.open(self._infos[name])
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as error:
            raise WheelError(
                self.display, f"member {name}: cannot be read ({_short(error)})"
            ) from None

    def stream(self, name: str) -> IO[bytes]:
        """A fast stream of one member's content for reading front to back (``seek(0)`` to
        restart): raw deflate without zipfile's per-read CRC, never past the declared size."""
        info = self.members[name]
        if not _fast(info.compress_type) or self._zip.fp is None or info.data_at < 0:
            return self.open(name)
        reader = _MemberStream(self._zip.fp, info, f"member {name}", self.display)
        return cast(IO[bytes], reader)

    def size(self, name: str) -> int:
        return self.members[name].file_size

    def files(self) -> Iterator[str]:
        """The names of the regular files, in archive order."""
        return (name for name in self.members if not name.endswith("/"))

    def metadata(self, filename: str) -> WheelMetadata:
        """The filename's tags and the WHEEL file's ``Tag:`` lines."""
        try:
            name, version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as error:
            raise WheelError(
                self.display, f"not a valid wheel filename ({_short(error)})"
            ) from None
        dist_infos = {
            n.split("/", 1)[0]
            for n in self._infos
            if _is_wheel_file(n) and _names_this_wheel(n.split("/", 1)[0], str(name), str(version))
        }
        if len(dist_infos) != 1:
            expected = f"{name}-{version}.dist-info/WHEEL"
            problem = f"no {expected} file" if not dist_infos else f"several {expected} files"
            raise WheelError(self.display, f"{problem}: not a wheel")
        dist_info = dist_infos.pop()
        wheel_name = f"{dist_info}/WHEEL"
        if self.size(wheel_name) > MAX_METADATA_BYTES:
            raise WheelError(self.display, f"{wheel_name} declares an absurd size")
        with self.open(wheel_name) as stream:
            text = self._read_all(stream, wheel_name).decode("utf-8", "replace")
        message = HeaderParser().parsestr(text)
        wheel_tags: list[Tag] = []
        for line in message.get_all("Tag") or []:
            try:
                wheel_tags.extend(parse_tag(line.strip()))
            except ValueError:
                raise WheelError(
                    self.display, f"{wheel_name}: malformed Tag line {line!r}"
                ) from None
        return WheelMetadata(filename, str(name), str(version), tags, tuple(wheel_tags), dist_info)

    def _read_all(self, stream: IO[bytes], name: str) -> bytes:
        try:
            return stream.read()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise WheelError(
                self.display, f"member {name}: cannot be read ({_short(error)})"
            ) from None


def _is_wheel_file(name: str) -> bool:
    """Whether a member is some ``*.dist-info/WHEEL`` file."""
    return name.count("/") == 1 and name.endswith(".dist-info/WHEEL")


def _names_this_wheel(dist_info: str, name: str, version: str) -> bool:
    """Whether a ``.dist-info`` directory is the one of the wheel's own name and version
    (names compare normalised, versions by value, as installers compare them)."""
    stem = dist_info.removesuffix(".dist-info")
    dist_name, _, dist_version = stem.rpartition("-")
    try:
        same_version = Version(dist_version) == Version(version)
    except InvalidVersion:
        return False
    return same_version and canonicalize_name(dist_name) == canonicalize_name(name)


def installed_path(name: str) -> str:
    """Where a member lands relative to site-packages: ``.data/purelib|platlib`` go to the root."""
    head, _, rest = name.partition("/")
    if head.endswith(".data") and rest:
        scheme, _, inner = rest.partition("/")
        if scheme in ("purelib", "platlib") and inner:
            return inner
    return name


class _MemberStream(io.RawIOBase):
    """Decompress one stored or deflated member straight from the archive's file."""

    def __init__(self, archive: IO[bytes], info: Member, label: str, display: str) -> None:
        self._archive = archive
        self._display = display
        self._start = info.data_at
        self._info = info
        self._label = label
        self._pieces = 0
        self._pos = 0
        self._out_left = 0
        self.seek(0)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise io.UnsupportedOperation("only seek(0) is supported")
        if self._pieces == 1:  # still in the first piece: rewind it for free
            self._out_left += self._pos
            self._pos = 0
            return 0
        self._pieces = 0
        self._raw_left = self._info.compress_size
        self._raw_at = self._start
        self._out_left = self._info.file_size
        self._zlib = zlib.decompressobj(-15) if self._info.compress_type else None
        self._pending = b""
        self._pos = 0
        return 0

    def read(self, size: int | None = -1) -> bytes:
        want = self._out_left if size is None or size < 0 else min(size, self._out_left)
        parts: list[bytes] = []
        got = 0
        while got < want:
            if self._pos < len(self._pending):
                take = self._pending[self._pos : self._pos + want - got]  # one copy at most
                self._pos += len(take)
                parts.append(take)
                got += len(take)
                continue
            self._pending, self._pos = self._more(), 0
            self._pieces += 1
            if not self._pending:
                break
        self._out_left -= got
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _more(self) -> bytes:
        """The next piece of decompressed output (empty at the end of the member)."""
        if self._zlib is not None and self._zlib.unconsumed_tail:
            return self._inflate(self._zlib.unconsumed_tail)
        while self._raw_left > 0:
            self._archive.seek(self._raw_at)
            # The first read is small: most members are only peeked at for the ELF magic.
            chunk = _RAW_CHUNK if self._pieces else _PEEK_CHUNK
            raw = self._archive.read(min(chunk, self._raw_left))
            if not raw:
                raise WheelError(self._display, f"{self._label}: compressed data ends early")
            self._raw_at += len(raw)
            self._raw_left -= len(raw)
            out = raw if self._zlib is None else self._inflate(raw)
            if out:
                return out
        return b""

    def _inflate(self, raw: bytes) -> bytes:
        assert self._zlib is not None
        try:
            return self._zlib.decompress(raw, _OUT_CHUNK)
        except zlib.error as error:
            raise WheelError(self._display, f"{self._label}: corrupt data ({error})") from None


def _fast(compress_type: int) -> bool:
    """Whether :class:`_MemberStream` reads this compression method itself."""
    return compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _check_members(archive: zipfile.ZipFile, display: str) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        name = info.filename
        _check_name(name, display)
        if name in members:
            raise WheelError(display, f"member {name} appears twice")
        if info.file_size > MAX_MEMBER_BYTES:
            raise WheelError(
                display, f"member {name} declares an absurd size ({info.file_size} bytes)"
            )
        if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise WheelError(
                display,
                f"member {name} declares {info.file_size} bytes from {info.compress_size}"
                " compressed"
                " (a zip bomb's ratio)",
            )
        total += info.file_size
        members[name] = info
    if total > MAX_TOTAL_BYTES:
        raise WheelError(display, f"members declare {total} bytes in total, an absurd size")
    return members


def _check_name(name: str, display: str) -> None:
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
    ):
        raise WheelError(display, f"unsafe member name {name!r}")
    if posixpath.normpath(name).startswith(".."):
        raise WheelError(display, f"unsafe member name {name!r}")


def _check_layout(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], display: str
) -> dict[str, int]:
    """Each member's local header and data must lie apart from every other and before the
    central directory. Returns where each member's compressed data starts."""
    stream = archive.fp
    data_at: dict[str, int] = {}
    if stream is None:
        return data_at
    start_dir = getattr(archive, "start_dir", None)
    spans: list[tuple[int, int, str]] = []
    for name, info in members.items():
        stream.seek(info.header_offset)
        raw = stream.read(_LOCAL_HEADER.size)
        if len(raw) < _LOCAL_HEADER.size or _LOCAL_HEADER.unpack(raw)[0] != _LOCAL_MAGIC:
            raise WheelError(display, f"member {name}: local header missing or corrupt")
        fields = _LOCAL_HEADER.unpack(raw)
        data_start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
        data_at[name] = data_start
        spans.append((info.header_offset, data_start + info.compress_size, name))
    spans.sort()
    for (_start_a, end_a, name_a), (start_b, _end_b, name_b) in itertools.pairwise(spans):
        if end_a > start_b:
            raise WheelError(display, f"members {name_a} and {name_b} overlap")
    if spans and isinstance(start_dir, int) and spans[-1][1] > start_dir:
        raise WheelError(display, f"member {spans[-1][2]} overlaps the central directory")
    return data_at


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:160] or type(error).__name__
