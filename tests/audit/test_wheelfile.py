"""reference_impl.wheelfile: the member stream gives back exactly the bytes, however read."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from reference_impl.errors import WheelError
from reference_impl.wheelfile import SafeWheel


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
        assert wheel.metadata(path.name).wheel_tags[0].platform == "any"
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
    with SafeWheel(path) as wheel, pytest.raises(WheelError, match="Bad CRC-32"):
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
