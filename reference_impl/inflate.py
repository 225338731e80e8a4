"""The raw-deflate decompressor that wheel members are read with: zlib-ng when it is
installed, the standard library's zlib otherwise.

Inflating the ELF members is most of an audit's time. zlib-ng's inflate is a fork of zlib's:
it accepts and rejects the same streams, with the same error messages, and is about 1.6x
faster on the ELF members of real wheels (``benchmarks/audit_bench.py --inflate``). isal is a
little faster still, but it is a different inflate: it accepts some damaged streams that zlib
refuses, which would turn a clear error into a verdict on misread bytes. zlib-ng publishes
wheels only for x86_64 and aarch64 (and Windows, macOS): elsewhere zlib does the same work.
"""

from __future__ import annotations

import zlib
from types import ModuleType

TYPE_CHECKING = False  # typing costs an audit 10 ms to import; mypy reads it all the same
if TYPE_CHECKING:
    from typing import Protocol

    class Decompressor(Protocol):
        """What :mod:`reference_impl.wheelfile` uses of a ``decompressobj``."""

        @property
        def unconsumed_tail(self) -> bytes: ...

        def decompress(self, data: bytes, max_length: int = 0, /) -> bytes: ...


def _zlib_ng() -> ModuleType | None:
    try:
        from zlib_ng import zlib_ng
    except ImportError:  # no wheel for this platform: the standard library's zlib
        return None
    return zlib_ng


_backend = _zlib_ng()

BACKEND = "zlib-ng" if _backend is not None else "zlib"
"""The name of the decompressor in use (the benchmark reports it)."""

ERRORS: tuple[type[Exception], ...] = (zlib.error,) + (
    (_backend.error,) if _backend is not None else ()
)
"""What the decompressor raises on data that is not a deflate stream."""


def raw_deflate() -> Decompressor:
    """A decompressor for one raw deflate stream (a zip member's data, no zlib header)."""
    if _backend is not None:
        decompressor: Decompressor = _backend.decompressobj(-zlib.MAX_WBITS)
        return decompressor
    return zlib.decompressobj(-zlib.MAX_WBITS)
