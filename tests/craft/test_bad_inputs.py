"""The bad-input fixtures really are bad, each in the one way its recipe says."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection, DynamicSegment
from elftools.elf.elffile import ELFFile

from conformance.craft.generate import FIXTURES
from conformance.craft.recipes import load_all

ELVES, WHEELS = load_all()
BROKEN = sorted(name for name, recipe in ELVES.items() if recipe.broken is not None)


def read_everything(path: Path) -> None:
    """What an auditor does: headers, every section, every dynamic tag."""
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        for section in elf.iter_sections():
            section.data()
            if isinstance(section, DynamicSection):
                list(section.iter_tags())
        for segment in elf.iter_segments():
            if isinstance(segment, DynamicSegment):
                list(segment.iter_tags())


def test_every_kind_of_damage_has_a_fixture() -> None:
    kinds = {ELVES[name].broken.kind for name in BROKEN}  # type: ignore[union-attr]
    assert kinds == {"truncate", "bad_magic", "bad_class", "shoff_past_eof", "dynamic_outside_file"}


@pytest.mark.parametrize("name", BROKEN)
def test_pyelftools_rejects_each_broken_elf(name: str) -> None:
    with pytest.raises(ELFError):
        read_everything(FIXTURES / ELVES[name].output)


@pytest.mark.parametrize("name", BROKEN)
def test_each_broken_elf_differs_from_its_valid_base_only_where_damaged(name: str) -> None:
    """The damage is precise: the rest of the file is the valid x86_64-minimal."""
    broken = (FIXTURES / ELVES[name].output).read_bytes()
    valid = (FIXTURES / ELVES["x86_64-minimal"].output).read_bytes()
    kind = ELVES[name].broken.kind  # type: ignore[union-attr]
    if kind == "truncate":
        assert valid.startswith(broken) and len(broken) < len(valid)
        return
    assert len(broken) == len(valid)
    changed = [i for i, (a, b) in enumerate(zip(broken, valid, strict=True)) if a != b]
    assert changed
    if kind in ("bad_magic", "bad_class"):
        assert max(changed) < 16  # only e_ident
    if kind == "shoff_past_eof":
        assert min(changed) >= 40 and max(changed) < 48  # only e_shoff (ELF64)


def _zip(name: str) -> Path:
    return FIXTURES / WHEELS[name].output


def test_member_named_dot_dot_is_in_the_zip() -> None:
    assert "../evil.so" in zipfile.ZipFile(_zip("hostile-dotdot")).namelist()


def test_member_with_absolute_path_is_in_the_zip() -> None:
    assert "/tmp/evil.so" in zipfile.ZipFile(_zip("hostile-absolute")).namelist()


def test_declared_size_is_absurd_and_false() -> None:
    archive = zipfile.ZipFile(_zip("hostile-absurd-size"))
    info = archive.getinfo("absurd/huge.bin")
    assert info.file_size == 10_000_000_000 and info.compress_size == 5
    assert archive.read(info) == b"small"


def test_two_directory_entries_share_one_local_header() -> None:
    archive = zipfile.ZipFile(_zip("hostile-overlap"))
    a, b = archive.getinfo("overlap/_a.so"), archive.getinfo("overlap/_b.so")
    assert a.header_offset == b.header_offset
    with pytest.raises(zipfile.BadZipFile):
        archive.read(b)


def test_not_a_zip_at_all() -> None:
    path = _zip("hostile-not-zip")
    assert path.suffix == ".whl" and not zipfile.is_zipfile(path)


def test_bomb_member_inflates_far_beyond_its_size_and_lies_about_it() -> None:
    path = _zip("hostile-bomb")
    archive = zipfile.ZipFile(path)
    info = archive.getinfo("bomb/zeros.bin")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.file_size == 200 * 1024 * 1024
    data = archive.open(info).read(4 * 1024 * 1024)
    assert data == bytes(1024 * 1024)
    assert len(data) / info.compress_size > 100
    assert path.stat().st_size < 10_000


def test_wheel_without_wheel_file() -> None:
    names = zipfile.ZipFile(_zip("no-wheel-file")).namelist()
    assert "nowheel-1.0.dist-info/METADATA" in names
    assert not any(n.endswith("/WHEEL") for n in names)
