"""The wheel fixtures have the layout their recipes describe, and the zips are deterministic."""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import zipfile

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from conformance.craft.generate import FIXTURES
from conformance.craft.recipes import load_all
from conformance.craft.wheel import deflate_zeros

_, WHEELS = load_all()
ZIPS = sorted(n for n, w in WHEELS.items() if w.raw is None)


def _archive(name: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(FIXTURES / WHEELS[name].output)


def _dist_info(name: str) -> str:
    return WHEELS[name].spec.dist_info


@pytest.mark.parametrize("name", ZIPS)
def test_zip_is_deterministic_and_ordered(name: str) -> None:
    archive = _archive(name)
    infos = [
        i for i in archive.infolist() if name != "hostile-overlap" or i.filename != "overlap/_b.so"
    ]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    assert all((i.external_attr >> 16) in (0o100644, 0o100755) for i in infos)
    names = [i.filename for i in infos]
    dist_info = _dist_info(name)
    payload = [n for n in names if not n.startswith(dist_info + "/")]
    assert payload == sorted(payload)
    assert names[-1] == f"{dist_info}/RECORD"


@pytest.mark.parametrize("name", ZIPS)
def test_record_lists_every_member_with_its_real_digest(name: str) -> None:
    archive = _archive(name)
    record = archive.read(f"{_dist_info(name)}/RECORD").decode().splitlines()
    rows = {line.rsplit(",", 2)[0]: line.rsplit(",", 2)[1:] for line in record}
    for info in archive.infolist():
        if info.filename.endswith("/RECORD") or (
            name == "hostile-overlap" and "_b.so" in info.filename
        ):
            continue
        data = archive.open(info).read(8 << 20)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert rows[info.filename] == [f"sha256={digest}", str(len(data))]


@pytest.mark.parametrize("name", ZIPS)
def test_wheel_file_tags(name: str) -> None:
    spec = WHEELS[name].spec
    names = _archive(name).namelist()
    if not spec.wheel_file:
        assert f"{spec.dist_info}/WHEEL" not in names
        return
    lines = _archive(name).read(f"{spec.dist_info}/WHEEL").decode().splitlines()
    tags = [line.removeprefix("Tag: ") for line in lines if line.startswith("Tag: ")]
    assert "Wheel-Version: 1.0" in lines
    # Stated here, not by the crafter's tag_lines(): the recipe's own lines, or every
    # python-abi-platform combination of the filename's compressed tag set, in order.
    want = spec.wheel_tags
    if want is None:
        pythons, abis, platforms = (part.split(".") for part in spec.tags.split("-"))
        want = tuple(f"{p}-{a}-{plat}" for p in pythons for a in abis for plat in platforms)
    assert tuple(tags) == want


def test_compressed_tag_set_expands_to_every_combination() -> None:
    lines = _archive("tags-many-compressed").read("compressed-1.0.dist-info/WHEEL").decode()
    tags = [line[5:] for line in lines.splitlines() if line.startswith("Tag: ")]
    assert len(tags) == 2 * 1 * 5
    assert "py2-none-manylinux2010_x86_64" in tags and "py3-none-linux_x86_64" in tags


def test_filename_and_wheel_tag_disagree_where_meant_to() -> None:
    path = FIXTURES / WHEELS["tag-disagrees"].output
    assert path.name.endswith("-manylinux_2_17_x86_64.whl")
    wheel = zipfile.ZipFile(path).read("disagree-1.0.dist-info/WHEEL").decode()
    assert "Tag: cp312-cp312-manylinux_2_28_x86_64" in wheel
    assert "manylinux_2_17" not in wheel


def test_uppercase_filename() -> None:
    assert (FIXTURES / WHEELS["tags-uppercase"].output).name == (
        "upper-1.0-CP312-CP312-MANYLINUX_2_17_X86_64.whl"
    )


def _elf(data: bytes) -> ELFFile:
    return ELFFile(io.BytesIO(data))


def _dynamic(data: bytes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section in _elf(data).iter_sections():
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                for key in ("needed", "soname", "rpath", "runpath"):
                    if hasattr(tag, key):
                        out.setdefault(key, []).append(getattr(tag, key))
    return out


BUNDLING = sorted(n for n, w in WHEELS.items() if any(".libs/" in m.path for m in w.spec.members))


@pytest.mark.parametrize("name", BUNDLING)
def test_bundled_libraries_resolve_through_rpath_or_runpath(name: str) -> None:
    """auditwheel's layout: {name}.libs/ next to the package, found via $ORIGIN paths."""
    archive = _archive(name)
    files = {
        n: archive.read(n)
        for n in archive.namelist()
        if not n.endswith((".py", "/RECORD", "/WHEEL", "/METADATA"))
    }
    libs_dir = f"{WHEELS[name].spec.name}.libs"
    bundled = {n: d for n, d in files.items() if n.startswith(libs_dir + "/")}
    assert bundled
    for lib_path, data in bundled.items():
        assert _dynamic(data)["soname"] == [posixpath.basename(lib_path)]
    users = [n for n in files if n not in bundled]
    assert users
    for path in users:
        dynamic = _dynamic(files[path])
        search = [p for key in ("rpath", "runpath") for p in dynamic.get(key, [])]
        assert len(search) == 1
        directory = posixpath.normpath(search[0].replace("$ORIGIN", posixpath.dirname(path)))
        assert directory == libs_dir
        for needed in dynamic["needed"]:
            if needed != "libc.so.6":
                assert f"{directory}/{needed}" in bundled


def test_colliding_wheels_bundle_different_files_with_one_soname() -> None:
    for arch in ("x86_64", "aarch64"):
        a = _archive(f"{arch}-collide-a").read("collide_a.libs/libfoo.so.1")
        b = _archive(f"{arch}-collide-b").read("collide_b.libs/libfoo.so.1")
        assert a != b
        assert _dynamic(a)["soname"] == _dynamic(b)["soname"] == ["libfoo.so.1"]


def test_executable_under_bin_is_executable_and_finds_its_library() -> None:
    archive = _archive("x86_64-bin-executable")
    info = archive.getinfo("binexe/bin/helper-tool")
    assert info.external_attr >> 16 == 0o100755
    elf = _elf(archive.read(info))
    assert elf.header.e_type == "ET_DYN"
    assert any(s.header.p_type == "PT_INTERP" for s in elf.iter_segments())


def test_mixed_wheel_holds_two_architectures() -> None:
    archive = _archive("mixed-arches")
    machines = {
        _elf(archive.read(n)).header.e_machine for n in archive.namelist() if n.endswith(".so")
    }
    assert machines == {"EM_X86_64", "EM_AARCH64"}


@pytest.mark.parametrize("count", [0, 1, 2, 3, 257, 258, 259, 260, 261, 516, 100_000])
def test_hand_written_deflate_stream_inflates_to_zeros(count: int) -> None:
    import zlib

    assert zlib.decompress(deflate_zeros(count), wbits=-15) == bytes(count)
