"""Open a wheel for reading without trusting it: names, sizes and layout are checked first.

A wheel is a zip archive written by someone else. Before any member is decompressed, this
module refuses archives whose member names could escape a directory, whose members overlap
(the shape of a zip bomb built from one shared stream), whose declared sizes or offsets are
absurd, or whose members are encrypted; reading a member never returns more bytes than it
declared, and a member whose data cannot be decompressed is a :class:`WheelError` naming it
and the cause. Only regular files are opened (a FIFO would block for ever, a device would
never end). Nothing is extracted to disk.
"""

from __future__ import annotations

import io
import itertools
import lzma
import os
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from reference_impl.display import quoted
from reference_impl.errors import WheelError, os_cause
from reference_impl.files import NotRegularFileError, open_regular
from reference_impl.inflate import ERRORS as INFLATE_ERRORS
from reference_impl.inflate import raw_deflate
from reference_impl.record import record, replace
from reference_impl.wheelname import (
    WheelNameError,
    canonical_name,
    parse_tag_set,
    same_version,
    split_wheel_filename,
)

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import IO, BinaryIO

MAX_MEMBER_BYTES = 4 << 30
"""The most one member may declare when decompressed (4 GiB); larger is refused as absurd."""
MAX_TOTAL_BYTES = 16 << 30
"""The most all members together may declare when decompressed (16 GiB)."""
MAX_RATIO = 1000
"""A member over 1 MiB may not declare more than this many times its compressed size."""
MAX_METADATA_BYTES = 1 << 20
"""WHEEL is a few lines; more than 1 MiB is refused."""
MAX_LZMA_DICTIONARY = 64 << 20
"""The largest LZMA dictionary a member may declare: that of xz's and 7-Zip's strongest
presets (64 MiB). The decoder allocates what the header declares, up to 4 GiB, before it
reads a byte, so a larger one is refused instead of depending on the memory at hand."""

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_MAX_COMMENT = (1 << 16) - 1
_RAW_CHUNK = 1 << 18
_PEEK_CHUNK = 1 << 12
_OUT_CHUNK = 1 << 18
_LOCAL_MAGIC = 0x04034B50
_ENCRYPTED = 0x1
"""General-purpose flag bit 0: the member is encrypted (APPNOTE 4.4.4)."""
_METHODS = {zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
_DECOMPRESSION_ERRORS = (
    zipfile.BadZipFile,
    lzma.LZMAError,
    zlib.error,
    OSError,  # bz2 and the archive's own reads
    EOFError,
    RuntimeError,  # zipfile: "File is encrypted"
    NotImplementedError,  # zipfile: an unsupported compression method
    ValueError,
    MemoryError,  # an LZMA dictionary larger than the memory left
)
"""What zipfile and the decompressors raise on data that is not what its header says."""


@record(slots=True)
class Member:
    """What the auditor keeps of one checked member: four numbers in slots, a fraction of a
    ``ZipInfo`` (PyTorch's 12,000 members take 9 MB as ``ZipInfo`` objects)."""

    compress_type: int
    compress_size: int
    file_size: int
    data_at: int
    """Where the member's compressed data starts in the archive."""


@record
class WheelMetadata:
    """What a wheel says about itself: its filename's tags and its WHEEL file's tags."""

    filename: str
    name: str
    version: str
    filename_tags: tuple[str, ...]
    """Every tag of the filename's tag set, sorted."""
    wheel_tags: tuple[str, ...]
    """Every tag of the WHEEL file's ``Tag:`` lines, in their order (each line's set sorted)."""
    dist_info: str


class SafeWheel:
    """A wheel archive whose member names and layout were checked when it was opened."""

    def __init__(self, source: str | Path | BinaryIO, display: str | None = None) -> None:
        self.display = display or (str(source) if isinstance(source, (str, Path)) else "<wheel>")
        self._fallback: zipfile.ZipFile | None = None
        self._owned = isinstance(source, (str, Path))
        # closed by close(), like zipfile's own handle
        self._fp = _open(source, self.display) if isinstance(source, (str, Path)) else source
        self._read_at = _positional_reader(self._fp, self._owned)
        try:
            try:
                entries, start_dir = _read_directory(self._fp)
                self.members, self._crc = _check_members(entries, self.display)
                _check_layout(self._fp, self.members, start_dir, self.display)
            except _NotAZip as error:
                raise WheelError(self.display, f"not a readable zip archive: {error}") from None
            except OSError as error:
                raise WheelError(self.display, f"reading it failed: {os_cause(error)}") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback.close()
        if self._owned:
            self._fp.close()

    def __enter__(self) -> SafeWheel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, name: str) -> IO[bytes]:
        """A stream of one member's content through zipfile, for compression methods other
        than deflate (zipfile then reads the directory again); never past the declared size.
        Every decompression error while reading becomes a :class:`WheelError` naming the
        member and the cause."""
        method = self.members[name].compress_type
        label = f"member {name}"
        if method == zipfile.ZIP_LZMA:
            self._check_lzma_dictionary(name, label)
        try:
            if self._fallback is None:
                self._fallback = zipfile.ZipFile(self._fp)
            inner = self._fallback.open(name)
        except _DECOMPRESSION_ERRORS as error:
            raise _unreadable(self.display, label, method, error) from None
        return _CheckedStream(inner, self.display, label, method)  # type: ignore[return-value]

    def _check_lzma_dictionary(self, name: str, label: str) -> None:
        """Refuse an LZMA member whose header declares a dictionary over
        :data:`MAX_LZMA_DICTIONARY` (APPNOTE 5.8.8: version, properties size, then the five
        LZMA properties, the last four the dictionary size). Other damage is zipfile's."""
        self._fp.seek(self.members[name].data_at)
        header = self._fp.read(9)
        if len(header) < 9 or header[2:4] != b"\x05\x00":
            return
        dictionary = int.from_bytes(header[5:9], "little")
        if dictionary > MAX_LZMA_DICTIONARY:
            raise WheelError(
                self.display,
                f"{label}: its LZMA data declares a dictionary of {dictionary} bytes, "
                f"more than the {MAX_LZMA_DICTIONARY >> 20} MiB of the strongest LZMA presets",
            )

    def stream(self, name: str) -> IO[bytes]:
        """A fast stream of one member's content for reading front to back (``seek(0)`` to
        restart): raw deflate without zipfile's per-read CRC, never past the declared size."""
        info = self.members[name]
        if not _fast(info.compress_type):
            return self.open(name)
        reader = _MemberStream(self._read_at, info, f"member {name}", self.display)
        return reader  # type: ignore[return-value]

    def size(self, name: str) -> int:
        return self.members[name].file_size

    def reads_in_threads(self, name: str) -> bool:
        """Whether :meth:`stream` of this member may run beside other such streams in other
        threads (stored and deflated members read the archive at explicit offsets; the other
        methods go through zipfile's shared position)."""
        return _fast(self.members[name].compress_type)

    def files(self) -> Iterator[str]:
        """The names of the regular files, in archive order."""
        return (name for name in self.members if not name.endswith("/"))

    def metadata(self, filename: str) -> WheelMetadata:
        """The filename's tags and the WHEEL file's ``Tag:`` lines."""
        try:
            parsed = split_wheel_filename(filename)
        except WheelNameError as error:
            raise WheelError(
                self.display, f"not a valid wheel filename ({_short(error)})"
            ) from None
        name, version = parsed.name, parsed.version
        dist_infos = {
            n.split("/", 1)[0]
            for n in self._crc
            if _is_wheel_file(n) and _names_this_wheel(n.split("/", 1)[0], name, version)
        }
        if len(dist_infos) != 1:
            expected = f"{name}-{version}.dist-info/WHEEL"
            problem = f"no {expected} file" if not dist_infos else f"several {expected} files"
            raise WheelError(self.display, f"{problem}: not a wheel")
        dist_info = dist_infos.pop()
        wheel_name = f"{dist_info}/WHEEL"
        if self.size(wheel_name) > MAX_METADATA_BYTES:
            raise WheelError(self.display, f"{wheel_name} declares an absurd size")
        text = self._read_checked(wheel_name).decode("utf-8", "replace")
        wheel_tags: list[str] = []
        for line in header_values(text, "Tag"):
            try:
                wheel_tags.extend(parse_tag_set(line.strip()))
            except ValueError:
                raise WheelError(
                    self.display, f"{wheel_name}: malformed Tag line '{line.strip()}'"
                ) from None
        return WheelMetadata(filename, name, version, parsed.tags, tuple(wheel_tags), dist_info)

    def _read_checked(self, name: str) -> bytes:
        """A whole member, checked as zipfile checks it: its local header names it and its
        content matches the CRC-32 of the directory."""
        problem = None
        try:
            with self.stream(name) as stream:
                data = stream.read()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            problem = _short(error)
        else:
            if zlib.crc32(data) != self._crc[name]:
                problem = "its content does not match its CRC-32"
        if problem:
            raise WheelError(self.display, f"member {name}: cannot be read ({problem})")
        return data


def _is_wheel_file(name: str) -> bool:
    """Whether a member is some ``*.dist-info/WHEEL`` file."""
    return name.count("/") == 1 and name.endswith(".dist-info/WHEEL")


def _names_this_wheel(dist_info: str, name: str, version: str) -> bool:
    """Whether a ``.dist-info`` directory is the one of the wheel's own name and version
    (names compare normalised, versions by value, as installers compare them)."""
    stem = dist_info.removesuffix(".dist-info")
    dist_name, _, dist_version = stem.rpartition("-")
    # ``version`` is valid (the file name was read), so the same text is the same version.
    same = dist_version == version or same_version(dist_version, version)
    return same and canonical_name(dist_name) == canonical_name(name)


def header_values(text: str, key: str) -> list[str]:
    """The values of every ``key:`` field of the header block of a WHEEL or METADATA file, as
    Python's ``email`` parser reads them: the block is the lines up to the first that is
    neither a field nor indented (an empty line, body text); names compare without case; an
    indented line continues the field above. Importing that parser costs 26 ms, so it reads
    only a text with a mailbox ``From`` line, whose rules are its own."""
    if _MAILBOX_LINE.search(text):
        from email.parser import HeaderParser

        return HeaderParser().parsestr(text).get_all(key) or []
    found: list[list[str]] = []
    field: list[str] = []
    for line in _LINES.findall(text):
        if line[0] in " \t":
            field.append(line)
        elif _FIELD_NAME.match(line):
            name, _, value = line.partition(":")
            field = [value.lstrip(" \t")]
            if name.lower() == key.lower():
                found.append(field)
        else:
            break
    return ["".join(parts).rstrip("\r\n") for parts in found]


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
"""Lines as the email parser splits them (only CR, LF and CRLF end a line)."""
_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]*:")
"""A field name (printable ASCII but the colon) and its colon."""
_MAILBOX_LINE = re.compile(r"(?:^|[\r\n])From ")


def installed_path(name: str) -> str:
    """Where a member lands relative to site-packages: ``.data/purelib|platlib`` go to the root."""
    head, _, rest = name.partition("/")
    if head.endswith(".data") and rest:
        scheme, _, inner = rest.partition("/")
        if scheme in ("purelib", "platlib") and inner:
            return inner
    return name


class _CheckedStream(io.RawIOBase):
    """A zipfile member stream whose decompression errors name the wheel and the member."""

    def __init__(self, inner: IO[bytes], display: str, label: str, method: int) -> None:
        self._inner = inner
        self._display = display
        self._label = label
        self._method = method

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._inner.read(-1 if size is None else size)
        except _DECOMPRESSION_ERRORS as error:
            raise _unreadable(self._display, self._label, self._method, error) from None

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._inner.seek(offset, whence)
        except _DECOMPRESSION_ERRORS as error:
            raise _unreadable(self._display, self._label, self._method, error) from None

    def close(self) -> None:
        self._inner.close()
        super().close()


def _unreadable(display: str, label: str, method: int, error: BaseException) -> WheelError:
    """The one-line error for a member whose data cannot be decompressed."""
    kind = _METHODS.get(method, f"compression method {method}")
    if isinstance(error, NotImplementedError):
        problem = f"uses {kind}, which is not supported"
    elif isinstance(error, RuntimeError) and "encrypted" in str(error):
        problem = "is encrypted"
    elif isinstance(error, zipfile.BadZipFile) and "CRC" in str(error):
        problem = "its content does not match its CRC-32 (damaged data)"
    elif isinstance(error, EOFError):
        problem = f"its {kind} data ends early (damaged data)"
    elif isinstance(error, MemoryError):
        problem = f"its {kind} data needs more memory to decompress than is available"
    elif isinstance(error, OSError) and error.errno is not None:
        problem = f"reading it failed: {os_cause(error)}"
    else:
        problem = f"its {kind} data is corrupt ({_short(error)})"
    return WheelError(display, f"{label}: {problem}")


class _MemberStream(io.RawIOBase):
    """Decompress one stored or deflated member straight from the archive's file."""

    def __init__(
        self, read_at: Callable[[int, int], bytes], info: Member, label: str, display: str
    ) -> None:
        self._read_at = read_at
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
        self._zlib = raw_deflate() if self._info.compress_type else None
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
            # The first read is small: most members are only peeked at for the ELF magic.
            chunk = _RAW_CHUNK if self._pieces else _PEEK_CHUNK
            try:
                raw = self._read_at(self._raw_at, min(chunk, self._raw_left))
            except OSError as error:
                raise WheelError(
                    self._display, f"{self._label}: reading it failed: {os_cause(error)}"
                ) from None
            if not raw:
                raise WheelError(self._display, f"{self._label}: its data ends early (damaged)")
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
        except INFLATE_ERRORS as error:
            raise _unreadable(self._display, self._label, self._info.compress_type, error) from None


def _positional_reader(archive: BinaryIO, own: bool) -> Callable[[int, int], bytes]:
    """``read_at(offset, size)`` on the archive, safe to call from several threads at once:
    ``os.pread`` on a file we opened (no shared position), else seek and read under a lock
    (a caller's file object may not be a plain file from offset 0)."""
    if own and hasattr(os, "pread"):
        descriptor = archive.fileno()
        return lambda offset, size: os.pread(descriptor, size, offset)
    lock = threading.Lock()

    def read_at(offset: int, size: int) -> bytes:
        with lock:
            archive.seek(offset)
            return archive.read(size)

    return read_at


def _fast(compress_type: int) -> bool:
    """Whether :class:`_MemberStream` reads this compression method itself."""
    return compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _open(path: str | Path, display: str) -> BinaryIO:
    try:
        return open_regular(path)
    except NotRegularFileError as error:
        raise WheelError(display, f"{error.strerror}: not a wheel") from None
    except OSError as error:
        raise WheelError(display, f"cannot be opened: {os_cause(error)}") from None
    except ValueError as error:  # a NUL in the name
        raise WheelError(display, f"cannot be opened: {_short(error)}") from None


class _NotAZip(Exception):
    """The archive is not a zip file, or a damaged one: the message says which, and why."""


def _damaged(problem: str) -> _NotAZip:
    return _NotAZip(f"a damaged zip file ({problem})")


def _read_directory(fp: BinaryIO) -> tuple[Iterator[tuple[str, Member, int, int]], int]:
    """The central directory's entries as (name, member, CRC-32, flags), ``data_at`` still
    the local header's offset, and where the directory starts. Read as zipfile reads it (the
    end record, zip64 records, data prepended to the archive), without a ``ZipInfo`` each.
    A file that begins like a zip archive but has no end record is told apart from a file
    that is no zip archive at all."""
    try:
        size = fp.seek(0, 2)
    except OSError as error:  # /proc/self/mem and its kind: regular files that cannot seek
        raise _NotAZip(f"its end cannot be found (seeking there: {os_cause(error)})") from None
    if size == 0:
        raise _NotAZip("the file is empty")
    tail_length = min(size, _END.size + _MAX_COMMENT)
    fp.seek(size - tail_length)
    tail = fp.read(tail_length)
    at = tail.rfind(b"PK\005\006")
    if at < 0 or len(tail) - at < _END.size:
        fp.seek(0)
        if fp.read(4) == b"PK\003\004":
            raise _damaged(
                "it begins like one but its end-of-central-directory record is missing: cut short?"
            )
        raise _NotAZip("not a zip file at all (no end-of-central-directory record)")
    _sig, _disk, _disk_dir, _here, _count, dir_size, dir_offset, _comment = _END.unpack_from(
        tail, at
    )
    end_at = size - tail_length + at
    concat = end_at - dir_size - dir_offset
    if end_at >= _END64_LOCATOR.size:
        fp.seek(end_at - _END64_LOCATOR.size)
        locator = fp.read(_END64_LOCATOR.size)
        if len(locator) == _END64_LOCATOR.size and locator[:4] == b"PK\006\007":
            _sig, disk, _at, disks = _END64_LOCATOR.unpack(locator)
            if disk or disks > 1:
                raise _NotAZip("a zip file that spans several disks, which a wheel cannot be")
            record = b""
            if end_at >= _END64_LOCATOR.size + _END64.size:
                fp.seek(end_at - _END64_LOCATOR.size - _END64.size)
                record = fp.read(_END64.size)
            if len(record) == _END64.size and record[:4] == b"PK\006\006":
                fields = _END64.unpack(record)
                dir_size, dir_offset = fields[8], fields[9]
                concat = end_at - dir_size - dir_offset - _END64.size - _END64_LOCATOR.size
    start_dir = dir_offset + concat
    if not 0 <= start_dir <= end_at or dir_size > end_at - start_dir:
        raise _damaged(
            f"its central directory of {dir_size} bytes at offset {dir_offset} lies outside "
            f"the file of {size} bytes"
        )
    fp.seek(start_dir)
    directory = fp.read(dir_size)
    if len(directory) != dir_size:
        raise _damaged("its central directory is cut short")
    return _entries(directory, concat, start_dir), start_dir


def _entries(
    directory: bytes, concat: int, start_dir: int
) -> Iterator[tuple[str, Member, int, int]]:
    at = 0
    while at < len(directory):
        if len(directory) - at < _CENTRAL.size:
            raise _damaged("its central directory is cut short")
        fields = _CENTRAL.unpack_from(directory, at)
        if fields[0] != b"PK\001\002":
            raise _damaged("an entry of its central directory has the wrong signature")
        flags, method, crc, compressed, size = (
            fields[5],
            fields[6],
            fields[9],
            fields[10],
            fields[11],
        )
        name_length, extra_length, comment_length = fields[12], fields[13], fields[14]
        offset = fields[18]
        at += _CENTRAL.size
        raw_name = directory[at : at + name_length]
        at += name_length
        extra = directory[at : at + extra_length]
        at += extra_length + comment_length
        if at > len(directory):
            raise _damaged("its central directory is cut short")
        try:
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            shown_name = quoted(raw_name.decode("utf-8", "surrogateescape"))
            raise _damaged(f"a member name {shown_name} is not the UTF-8 it claims") from None
        if "\0" in name:  # zipfile cuts a name at its first NUL
            name = name[: name.index("\0")]
        if fields[3] > 63:
            raise _NotAZip(f"zip file version {fields[3] / 10:.1f}, newer than a wheel may need")
        size, compressed, offset = _zip64_extra(extra, size, compressed, offset)
        if not 0 <= offset + concat <= start_dir - _LOCAL_HEADER.size:
            raise _damaged(
                f"member {name}: its local header offset {offset} lies outside the "
                f"{start_dir} bytes before the central directory"
            )
        if compressed > start_dir:
            raise _damaged(
                f"member {name}: its compressed size {compressed} exceeds the "
                f"{start_dir} bytes before the central directory"
            )
        yield name, Member(method, compressed, size, offset + concat), crc, flags


def _zip64_extra(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset that a zip64 extra field holds in place of 0xFFFFFFFF, checked as
    zipfile checks every extra field."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        if at + 4 + length > len(extra):
            raise _damaged(f"extra field {kind:04x} of {length} bytes overruns its entry")
        if kind == 0x0001:
            values = iter(
                struct.unpack_from(f"<{length // 8}Q", extra, at + 4) if length >= 8 else ()
            )
            try:
                if size == 0xFFFFFFFF:
                    size = next(values)
                if compressed == 0xFFFFFFFF:
                    compressed = next(values)
                if offset == 0xFFFFFFFF:
                    offset = next(values)
            except StopIteration:
                raise _damaged("a zip64 extra field lacks a value it must hold") from None
        at += 4 + length
    return size, compressed, offset


def _check_members(
    entries: Iterable[tuple[str, Member, int, int]], display: str
) -> tuple[dict[str, Member], dict[str, int]]:
    """The members by name, and the CRC-32 of each ``*.dist-info/WHEEL`` file."""
    members: dict[str, Member] = {}
    crcs: dict[str, int] = {}
    total = 0
    for name, info, crc, flags in entries:
        _check_name(name, display)
        if name in members:
            raise WheelError(display, f"member {name} appears twice")
        if flags & _ENCRYPTED:
            raise WheelError(display, f"member {name} is encrypted: no installer can read it")
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
        if _is_wheel_file(name):
            crcs[name] = crc
    if total > MAX_TOTAL_BYTES:
        raise WheelError(display, f"members declare {total} bytes in total, an absurd size")
    return members, crcs


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
        raise WheelError(display, f"unsafe member name '{name}'")
    if posixpath.normpath(name).startswith(".."):
        raise WheelError(display, f"unsafe member name '{name}'")


def _check_layout(
    stream: BinaryIO, members: dict[str, Member], start_dir: int, display: str
) -> None:
    """Each member's local header and data must lie apart from every other and before the
    central directory; each member's ``data_at`` becomes where its compressed data starts.
    The WHEEL files' local headers must name them (zipfile checks this when it reads)."""
    spans: list[tuple[int, int, str]] = []
    for name, info in members.items():
        header_offset = info.data_at
        stream.seek(header_offset)
        raw = stream.read(_LOCAL_HEADER.size)
        fields = _LOCAL_HEADER.unpack(raw) if len(raw) == _LOCAL_HEADER.size else None
        if fields is None or fields[0] != _LOCAL_MAGIC:
            raise WheelError(display, f"member {name}: local header missing or corrupt")
        if _is_wheel_file(name) and stream.read(fields[9]) != name.encode():
            raise WheelError(display, f"member {name}: its local header names another file")
        data_start = header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
        members[name] = replace(info, data_at=data_start)
        spans.append((header_offset, data_start + info.compress_size, name))
    spans.sort()
    for (_start_a, end_a, name_a), (start_b, _end_b, name_b) in itertools.pairwise(spans):
        if end_a > start_b:
            raise WheelError(display, f"members {name_a} and {name_b} overlap")
    if spans and spans[-1][1] > start_dir:
        raise WheelError(display, f"member {spans[-1][2]} overlaps the central directory")


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:160] or type(error).__name__
