"""Text that came from input, made safe to print on one line.

A file name, a tag, a policy key or an ELF string may hold a newline (which would forge a
second error line), an escape sequence (which would drive the terminal) or a bidirectional
control (which would reorder what the reader sees). :func:`shown` spells each such character
as a Python-style escape so every message stays one honest line. JSON output needs no extra
step: ``json.dumps`` with its default ``ensure_ascii`` escapes the same characters.
"""

from __future__ import annotations

_QUOTED_LENGTH = 60
"""How much of a long input a message quotes (hostile input stays short)."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}

_BIDI_AND_INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)
"""Format characters that reorder or hide text (Unicode's Bidi_Control set and the
zero-width characters)."""


def shown(text: str) -> str:
    """``text`` with control, format, bidirectional and unpaired surrogate characters
    escaped (``\\n``, ``\\x1b``, ``\\u202e``; an undecodable byte kept by surrogateescape
    shows as ``\\xff``). Printable text, including non-ASCII letters, is unchanged."""
    if text.isprintable() and "\\" not in text and not _BIDI_AND_INVISIBLE.intersection(text):
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    if char in _BIDI_AND_INVISIBLE or not char.isprintable():
        if code <= 0xFF:
            return f"\\x{code:02x}"
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def quoted(text: str) -> str:
    """``text`` in single quotes for a message, cut short if long (hostile input stays short).

    The characters stay as they are: a message is escaped once, where it is printed
    (:func:`shown`, or ``json.dumps``), so a newline in a tag reads
    ``\\n`` on a terminal and ``\\n`` in JSON, never ``\\\\n``.
    """
    if len(text) <= _QUOTED_LENGTH:
        return f"'{text}'"
    return f"'{text[:_QUOTED_LENGTH]}'... ({len(text)} characters)"
