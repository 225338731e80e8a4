"""reference_impl.wheelfile: the member stream gives back exactly the bytes, however read."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

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
