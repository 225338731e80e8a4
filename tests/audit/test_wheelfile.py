"""reference_impl.wheelfile: the member stream gives back exactly the bytes, however read."""

from __future__ import annotations

import os
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.display import shown
from reference_impl.errors import WheelError
from reference_impl.wheelfile import MAX_LZMA_DICTIONARY, SafeWheel, header_values


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("step", [1, 4096, 1 << 20, 3 << 20])
def test_stream_returns_the_member_whatever_the_read_size(
    tmp_path: Path, method: int, step: int
) -> None:
    data = os.urandom(1 << 19) + bytes(3 << 20) + os.urandom(12345)
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("demo/blob", data)
    with SafeWheel(path) as wheel, wheel.stream("demo/blob") as stream:
        assert stream.read(4) == data[:4]
        stream.seek(0)
        if step == 1:
            assert stream.read() == data
        else:
            pieces = []
            while piece := stream.read(step):
                pieces.append(piece)
            assert b"".join(pieces) == data
        stream.seek(0)
        assert stream.read(10) == data[:10]


WHEEL_TEXT = b"Wheel-Version: 1.0\nTag: py3-none-any\n"


def _write(path: Path, method: int = zipfile.ZIP_DEFLATED, **options: bool) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("demo-1.0.dist-info/WHEEL", WHEEL_TEXT)
        with archive.open("demo/blob", "w", force_zip64=options.get("zip64", False)) as member:
            member.write(b"payload" * 1000)
        if options.get("comment"):
            archive.comment = b"built by hand" * 100
    return path


@pytest.mark.parametrize(
    "options", [{}, {"zip64": True}, {"comment": True}], ids=["plain", "zip64", "comment"]
)
@pytest.mark.parametrize("prefix", [b"", b"#!/bin/sh\nexit 0\n" * 50], ids=["", "prepended"])
def test_directory_is_read_as_zipfile_reads_it(
    tmp_path: Path, options: dict[str, bool], prefix: bytes
) -> None:
    """zip64 records, an archive comment and data before the archive (a self-extracting
    stub) move the directory; members are found where zipfile finds them."""
    path = _write(tmp_path / "demo-1.0-py3-none-any.whl", **options)
    path.write_bytes(prefix + path.read_bytes())
    with SafeWheel(path) as wheel:
        assert sorted(wheel.files()) == ["demo-1.0.dist-info/WHEEL", "demo/blob"]
        assert wheel.metadata(path.name).wheel_tags == ("py3-none-any",)
        with wheel.stream("demo/blob") as stream:
            assert stream.read() == b"payload" * 1000


def test_other_compression_methods_are_read_through_zipfile(tmp_path: Path) -> None:
    path = _write(tmp_path / "demo-1.0-py3-none-any.whl", zipfile.ZIP_BZIP2)
    with SafeWheel(path) as wheel:
        assert wheel.metadata(path.name).version == "1.0"
        with wheel.stream("demo/blob") as stream:
            assert stream.read() == b"payload" * 1000


def _stored_wheel_file(tmp_path: Path, old: bytes, new: bytes) -> Path:
    """A wheel of only a stored WHEEL file, with its first ``old`` bytes replaced by ``new``."""
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("demo-1.0.dist-info/WHEEL", WHEEL_TEXT)
    path.write_bytes(path.read_bytes().replace(old, new, 1))
    return path


def test_wheel_file_with_a_wrong_crc_is_refused(tmp_path: Path) -> None:
    path = _stored_wheel_file(tmp_path, b"Tag: py3", b"Tag: py2")
    with SafeWheel(path) as wheel, pytest.raises(WheelError, match="does not match its CRC-32"):
        wheel.metadata(path.name)


def test_wheel_file_whose_local_header_names_another_is_refused(tmp_path: Path) -> None:
    path = _stored_wheel_file(tmp_path, b"demo-1.0.dist-info/WHEEL", b"demo-1.0.dist-info/EVIL!")
    with pytest.raises(WheelError, match="local header names another file"):
        SafeWheel(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x05\x06", b"not a zip" * 100, b"PK\x05\x06" + bytes(10) + b"\xff" * 8 + bytes(2)],
)
def test_not_a_zip_is_one_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_bytes(content)
    with pytest.raises(WheelError, match="not a readable zip archive"):
        SafeWheel(path)


def _one_member_wheel(tmp_path: Path, method: int, data: bytes = b"\x7fELF" + bytes(3000)) -> Path:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("demo-1.0.dist-info/WHEEL", WHEEL_TEXT)
        archive.writestr("demo/blob.so", data)
    return path


def _headers_of(data: bytes | bytearray, name: bytes) -> list[tuple[int, int]]:
    """(offset, kind) of the local (30) and central (46) headers of member ``name``."""
    found = []
    for signature, size, name_at in ((b"PK\x03\x04", 30, 26), (b"PK\x01\x02", 46, 28)):
        at = data.find(signature)
        while at >= 0:
            length = int.from_bytes(data[at + name_at : at + name_at + 2], "little")
            if data[at + size : at + size + length] == name:
                found.append((at, size))
            at = data.find(signature, at + 1)
    return found


def _read_member(path: Path, name: str = "demo/blob.so") -> bytes:
    with SafeWheel(path) as wheel, wheel.stream(name) as stream:
        return stream.read()


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_DEFLATED])
def test_corrupt_member_data_names_the_member_and_the_cause(tmp_path: Path, method: int) -> None:
    path = _one_member_wheel(tmp_path, method, b"".join(b"line %d\n" % i for i in range(2000)))
    data = bytearray(path.read_bytes())
    local, size = _headers_of(data, b"demo/blob.so")[0]
    start = local + size + len(b"demo/blob.so") + 12
    data[start : start + 64] = bytes(b ^ 0x5A for b in data[start : start + 64])
    path.write_bytes(data)
    with pytest.raises(WheelError, match=r"member demo/blob\.so: its \w+ data") as caught:
        _read_member(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_wrong_crc_in_a_zipfile_read_member_is_damaged_data(tmp_path: Path, method: int) -> None:
    path = _one_member_wheel(tmp_path, method)
    data = bytearray(path.read_bytes())
    for at, size in _headers_of(data, b"demo/blob.so"):
        data[at + (14 if size == 30 else 16)] ^= 0xFF
    path.write_bytes(data)
    with pytest.raises(WheelError, match=r"member demo/blob\.so: .*does not match its CRC-32"):
        _read_member(path)


@pytest.mark.parametrize("dictionary", [MAX_LZMA_DICTIONARY + 1, 1619001344, (1 << 32) - 1])
def test_an_lzma_member_declaring_a_huge_dictionary_is_refused_before_it_is_allocated(
    tmp_path: Path, dictionary: int
) -> None:
    """Found by the fuzz campaign (seed 1, zip:1430): the decoder allocates the dictionary
    the header declares, so the answer depended on the memory at hand (a MemoryError under
    a limit, gigabytes reserved without one). Now it is refused from the header alone."""
    payload = b"\x7fELF" + bytes(3000)
    path = _one_member_wheel(tmp_path, zipfile.ZIP_LZMA, payload)
    data = bytearray(path.read_bytes())
    local, size = _headers_of(data, b"demo/blob.so")[0]
    properties = local + size + len(b"demo/blob.so") + 4
    assert data[properties + 1 : properties + 5] == (8 << 20).to_bytes(4, "little")
    data[properties + 1 : properties + 5] = MAX_LZMA_DICTIONARY.to_bytes(4, "little")
    path.write_bytes(data)
    assert _read_member(path) == payload, "the largest dictionary allowed still decodes"
    data[properties + 1 : properties + 5] = dictionary.to_bytes(4, "little")
    path.write_bytes(data)
    with pytest.raises(WheelError, match=f"member demo/blob.so: .* dictionary of {dictionary} "):
        _read_member(path)


def test_an_encrypted_member_is_refused_not_read_as_plain_text(tmp_path: Path) -> None:
    """A stored member flagged as encrypted holds ciphertext: reading its bytes as they are
    would judge garbage; zipfile asks for a password. The wheel is refused."""
    path = _one_member_wheel(tmp_path, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    for at, size in _headers_of(data, b"demo/blob.so"):
        data[at + (6 if size == 30 else 8)] |= 1
    path.write_bytes(data)
    with pytest.raises(WheelError, match=r"member demo/blob\.so is encrypted"):
        SafeWheel(path)


def _with_zip64_offset(tmp_path: Path, offset: int) -> Path:
    """A wheel whose second member's local header offset is ``offset``, held in a zip64
    extra field of its central directory entry."""
    path = _one_member_wheel(tmp_path, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    central = next(at for at, size in _headers_of(data, b"demo/blob.so") if size == 46)
    data[central + 42 : central + 46] = b"\xff\xff\xff\xff"
    extra = (1).to_bytes(2, "little") + (8).to_bytes(2, "little") + offset.to_bytes(8, "little")
    at = central + 46 + len(b"demo/blob.so")
    data[at:at] = extra
    data[central + 30 : central + 32] = len(extra).to_bytes(2, "little")
    end = data.rfind(b"PK\x05\x06")
    size = int.from_bytes(data[end + 12 : end + 16], "little") + len(extra)
    data[end + 12 : end + 16] = size.to_bytes(4, "little")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("offset", [2**63, 2**63 - 1, 2**64 - 1, 2**40])
def test_an_offset_beyond_the_archive_is_a_damaged_zip(tmp_path: Path, offset: int) -> None:
    path = _with_zip64_offset(tmp_path, offset)
    with pytest.raises(WheelError, match=f"damaged zip file.*offset {offset} lies outside"):
        SafeWheel(path)


def test_a_truncated_zip_is_told_apart_from_a_file_that_is_no_zip(tmp_path: Path) -> None:
    path = _one_member_wheel(tmp_path, zipfile.ZIP_DEFLATED)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(WheelError, match=r"a damaged zip file .*end-of-central-directory"):
        SafeWheel(path)
    path.write_bytes(b"just some text, " * 100)
    with pytest.raises(WheelError, match="not a zip file at all"):
        SafeWheel(path)
    path.write_bytes(b"")
    with pytest.raises(WheelError, match="the file is empty"):
        SafeWheel(path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "x.whl"
    os.mkfifo(fifo)
    with pytest.raises(WheelError, match="not a regular file but a FIFO"):
        SafeWheel(fifo)


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), (".", "a directory")]
)
def test_other_non_regular_files_are_refused(path: str, kind: str) -> None:
    with pytest.raises(WheelError, match=f"not a regular file but {kind}"):
        SafeWheel(path)


def test_a_system_error_names_its_cause() -> None:
    """ "cannot be read (Invalid argument)" said nothing of why; /proc/self/mem is a regular
    file that refuses to seek to its end."""
    with pytest.raises(WheelError, match=r"its end cannot be found \(seeking there: .*\(EINVAL\)"):
        SafeWheel("/proc/self/mem")


def test_an_unsafe_member_name_is_quoted_as_it_is_and_escaped_once_when_printed(
    tmp_path: Path,
) -> None:
    """The error carries the name raw (JSON escapes it, text output escapes it once through
    display.shown), so an escape in it reads ``\\x1b`` and not ``\\\\x1b``."""
    name = "../\x1b[31m\nx.so"
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo-1.0.dist-info/WHEEL", WHEEL_TEXT)
        archive.writestr(name, b"\x7fELF")
    with pytest.raises(WheelError) as caught, SafeWheel(path) as wheel:
        wheel.metadata(path.name)
    assert f"unsafe member name '{name}'" in str(caught.value)
    assert "unsafe member name '../\\x1b[31m\\nx.so'" in shown(str(caught.value))


@settings(max_examples=2000)
@given(
    st.lists(
        st.sampled_from(
            [
                "Tag",
                "tag",
                "TAG",
                ":",
                " ",
                "\t",
                "\n",
                "\r",
                "\r\n",
                "x",
                "From ",
                "A-B",
                "\x0b",
                "é",
            ]
        ),
        max_size=16,
    )
)
def test_header_fields_are_read_as_the_email_parser_reads_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert header_values(text, "Tag") == (HeaderParser().parsestr(text).get_all("Tag") or [])
