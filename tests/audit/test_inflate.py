"""The faster inflate answers exactly as zlib does, and zlib takes over where it is absent."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from reference_impl.inflate import BACKEND, ERRORS, raw_deflate

ROOT = Path(__file__).parents[2]
WHEELS = sorted((ROOT / "conformance" / "fixtures" / "wheels").glob("toolchain-*/*.whl"))


def _inflate(decompressor: object, data: bytes) -> tuple[str, bytes | str]:
    """All output in 256 KiB pieces, as wheelfile reads it, or the error's text."""
    try:
        out = decompressor.decompress(data, 1 << 18)  # type: ignore[attr-defined]
        while decompressor.unconsumed_tail:  # type: ignore[attr-defined]
            out += decompressor.decompress(decompressor.unconsumed_tail, 1 << 18)  # type: ignore[attr-defined]
    except ERRORS as error:
        return "error", str(error)
    return "ok", out


def test_zlib_ng_is_used_where_it_is_installed() -> None:
    installed = importlib.util.find_spec("zlib_ng") is not None
    assert ("zlib-ng" if installed else "zlib") == BACKEND


def test_damaged_streams_get_zlibs_own_answer_and_message() -> None:
    generator = random.Random(600)
    data = generator.randbytes(2000) + bytes(300_000) + b"\x7fELF" * 20_000
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = packer.compress(data) + packer.flush()
    assert _inflate(raw_deflate(), stream) == ("ok", data)
    errors = 0
    for _ in range(400):
        damaged = bytearray(stream)
        for _ in range(generator.randint(1, 4)):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        cut = bytes(
            damaged[: generator.randrange(len(damaged))] if generator.random() < 0.2 else damaged
        )
        expected = _inflate(zlib.decompressobj(-zlib.MAX_WBITS), cut)
        assert _inflate(raw_deflate(), cut) == expected
        errors += expected[0] == "error"
    assert errors > 20  # the damage was real


AUDIT = "from reference_impl.cli import main; raise SystemExit(main(sys.argv[1:]))"
WITHOUT_ZLIB_NG = (
    "import sys; sys.modules['zlib_ng'] = None\n"
    "from reference_impl import inflate; assert inflate.BACKEND == 'zlib'\n"
)


@pytest.mark.skipif(not WHEELS, reason="toolchain wheels not generated")
def test_without_zlib_ng_the_audit_is_the_same() -> None:
    arguments = ["audit", "--json", *map(str, WHEELS)]
    runs = [
        subprocess.run(
            [sys.executable, "-c", prelude + AUDIT, *arguments],
            capture_output=True,
            text=True,
            check=False,
        )
        for prelude in ("import sys\n", WITHOUT_ZLIB_NG)
    ]
    assert runs[0].stderr == runs[1].stderr == ""
    assert (runs[1].returncode, runs[1].stdout) == (runs[0].returncode, runs[0].stdout)
    assert runs[0].stdout.count('"verdict"') >= len(WHEELS)
