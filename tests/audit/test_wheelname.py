"""The wheel-name reader gives packaging's answer on every name, canonical or not: the
canonical forms it reads itself, the others it hands over."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from packaging.tags import parse_tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

from reference_impl import wheelname
from reference_impl.wheelname import WheelNameError, parse_tag_set, split_wheel_filename

NAMES = ["demo", "Demo_Pkg", "zope.interface", "a__b", "_x", "x-y", "", "café", "a.b_c9"]
VERSIONS = [
    "1.0",
    "0.4.2.dev3",
    "2.0rc1",
    "1.0.post1",
    "1.0+cu121",
    "01.0",
    "1!2.0",
    "1.0-1",
    "1.0.0alpha1",
    "1.0+CU121",
    "1.0+01",
    "x",
    "1.0a1.post2.dev3+ab.12",
]
BUILDS = [None, "1", "01", "2abc", "x"]
TAGS = [
    "py3-none-any",
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "py2.py3-none-any",
    "CP311-abi3-Linux_X86_64",
    "cp311-cp311",
    "1x-none-any",
    "py3--any",
    "py3-none-",
    "cp311-abi3-manylinux_2_28_aarch64",
]


def packaging_answer(filename: str) -> tuple[object, ...]:
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion) as error:
        return ("error", str(error))
    return (str(name), str(version), build or None, tuple(sorted(map(str, tags))))


def our_answer(filename: str) -> tuple[object, ...]:
    try:
        parsed = split_wheel_filename(filename)
    except WheelNameError as error:
        return ("error", str(error))
    return (parsed.name, parsed.version, parsed.build, parsed.tags)


@settings(max_examples=400)
@given(
    st.sampled_from(NAMES) | st.text("aZ0._-é", max_size=6),
    st.sampled_from(VERSIONS) | st.text("0123.abcdeprost+!-", max_size=8),
    st.sampled_from(BUILDS),
    st.sampled_from(TAGS),
)
@example("demo", "1.0", None, "py3-none-any")
def test_every_filename_gets_packagings_answer(
    name: str, version: str, build: str | None, tags: str
) -> None:
    filename = "-".join(p for p in (name, version, build, tags) if p is not None) + ".whl"
    assert our_answer(filename) == packaging_answer(filename)


@given(st.sampled_from(TAGS) | st.text("py3-.nonecp_A", max_size=16))
def test_every_tag_set_gets_packagings_answer(text: str) -> None:
    try:
        want: object = tuple(sorted(str(tag) for tag in parse_tag(text)))
    except ValueError:
        want = "error"
    try:
        got: object = parse_tag_set(text)
    except WheelNameError:
        got = "error"
    assert got == want


def test_real_canonical_names_are_read_without_packaging(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(filename: str) -> None:
        raise AssertionError(f"handed to packaging: {filename}")

    monkeypatch.setattr(wheelname, "_packaging_parse", refuse)
    for filename in [
        "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "numpy-1.21.6-cp37-cp37m-manylinux_2_12_i686.manylinux2010_i686.whl",
        "pydantic_core-2.50.4-cp311-cp311-manylinux2014_s390x.manylinux_2_17_s390x.whl",
        "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_5_i686.manylinux1_i686.whl",
    ]:
        assert split_wheel_filename(filename).tags


def test_a_tag_set_of_too_many_tags_is_refused() -> None:
    members = ".".join(f"p{i}" for i in range(30))
    with pytest.raises(WheelNameError, match="more than"):
        parse_tag_set(f"{members}-{members}-{members}")
