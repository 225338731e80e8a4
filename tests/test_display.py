"""reference_impl.display.shown: input text printed as one honest line."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from reference_impl.display import shown


def test_plain_text_and_non_ascii_letters_are_unchanged() -> None:
    assert shown("numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.whl") == (
        "numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.whl"
    )
    assert shown("Größe.whl") == "Größe.whl"


def test_a_newline_cannot_forge_a_second_line() -> None:
    assert shown("a.whl\nperennial: b.whl: ok") == "a.whl\\nperennial: b.whl: ok"


def test_terminal_escapes_and_bidi_controls_are_spelled_out() -> None:
    assert shown("\x1b[31mred") == "\\x1b[31mred"
    assert shown("evil\u202egnp.whl") == "evil\\u202egnp.whl"
    assert shown("zero\u200bwidth") == "zero\\u200bwidth"


def test_undecodable_bytes_show_as_bytes() -> None:
    assert shown(os.fsdecode(b"bad\xff.whl")) == "bad\\xff.whl"


def test_backslashes_are_doubled_so_escapes_are_unambiguous() -> None:
    assert shown("a\\nb") == "a\\\\nb"


@given(st.text())
def test_the_result_is_always_one_printable_line(text: str) -> None:
    result = shown(text)
    assert result.isprintable()
    assert "\n" not in result
