"""Builders for the audit tests: shared objects from gcc, and wheels around them."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from .helpers import Build, MakeWheel


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Compile C or C++ into a shared object and return its bytes (cached by arguments)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    where = tmp_path_factory.mktemp("so")
    cache: dict[tuple[object, ...], bytes] = {}

    def _build(
        source: str, *flags: str, cxx: bool = False, link: Mapping[str, bytes] = {}
    ) -> bytes:
        key = (source, flags, cxx, tuple(sorted(link)))
        if key in cache:
            return cache[key]
        n = len(cache)
        src = where / f"s{n}.{'cc' if cxx else 'c'}"
        src.write_text(source)
        out = where / f"o{n}.so"
        libdir = where / f"l{n}"
        libdir.mkdir()
        extra: list[str] = []
        for soname, data in link.items():
            (libdir / soname).write_bytes(data)
            extra.append(f"-l:{soname}")
        subprocess.run(
            ["g++" if cxx else "gcc", "-shared", "-fPIC", "-O1", "-o", str(out), str(src),
             f"-L{libdir}", *extra, *flags],
            check=True,
            capture_output=True,
        )  # fmt: skip
        cache[key] = out.read_bytes()
        return cache[key]

    return _build


@pytest.fixture
def make_wheel(tmp_path: Path) -> MakeWheel:
    """Write a wheel named for ``tags`` with these members and a WHEEL file (or without)."""

    def _make(
        members: Mapping[str, bytes],
        tags: str = "cp311-cp311-manylinux_2_17_x86_64",
        wheel_tags: list[str] | None = None,
        name: str = "demo",
        with_wheel_file: bool = True,
    ) -> Path:
        path = tmp_path / f"{name}-1.0-{tags}.whl"
        interp, abi, plats = tags.split("-")
        listed = wheel_tags
        if listed is None:
            listed = [
                f"{i}-{a}-{p}"
                for i in interp.split(".")
                for a in abi.split(".")
                for p in plats.split(".")
            ]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
            if with_wheel_file:
                text = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                text += "".join(f"Tag: {t}\n" for t in listed)
                archive.writestr(f"{name}-1.0.dist-info/WHEEL", text)
            archive.writestr(f"{name}-1.0.dist-info/METADATA", f"Name: {name}\nVersion: 1.0\n")
        return path

    return _make
