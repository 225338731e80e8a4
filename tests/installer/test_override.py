"""The ``_manylinux`` override (spec/overrides.md), one test per clause."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from reference_impl.errors import OverrideError
from reference_impl.installer import check, platform_tags
from reference_impl.override import Override, find_override, load_override
from reference_impl.policy import PolicySet

from .helpers import glibc, tag


def _compatible(text: str, system_glibc: str, target: object) -> bool:
    """Whether ``text`` fits a glibc system of its own architecture under ``target``."""
    parsed = tag(text)
    system = glibc(system_glibc, parsed.arch or "x86_64")
    return check(parsed, system, override=Override(target)).compatible


def test_rule_out_only() -> None:
    always = SimpleNamespace(manylinux_compatible=lambda *_: True)
    assert not _compatible("manylinux_2_37_x86_64", "2.36", always)
    assert not _compatible("manylinux_2_5_aarch64", "2.36", always)  # below the floor


def test_per_tag() -> None:
    upto_2_17 = SimpleNamespace(
        manylinux_compatible=lambda major, minor, arch: (major, minor) <= (2, 17)
    )
    assert _compatible("manylinux_2_17_x86_64", "2.36", upto_2_17)
    assert _compatible("manylinux1_x86_64", "2.36", upto_2_17)
    assert not _compatible("manylinux_2_28_x86_64", "2.36", upto_2_17)


def test_call_gets_ints_and_the_twins_numbers() -> None:
    calls: list[tuple[object, ...]] = []

    def record(*args: object) -> None:
        calls.append(args)

    assert _compatible(
        "manylinux2014_aarch64", "2.28", SimpleNamespace(manylinux_compatible=record)
    )
    assert calls == [(2, 17, "aarch64")]
    assert all(type(a) is int for a in calls[0][:2])


@pytest.mark.parametrize(("answer", "expected"), [("no", True), (1, True), (0, False), ("", False)])
def test_truthy(answer: object, expected: bool) -> None:
    target = SimpleNamespace(manylinux_compatible=lambda *_: answer)
    assert _compatible("manylinux_2_17_x86_64", "2.36", target) is expected


def test_none_means_default_and_legacy_attributes_are_not_read() -> None:
    target = SimpleNamespace(manylinux_compatible=lambda *_: None, manylinux1_compatible=False)
    assert _compatible("manylinux_2_5_x86_64", "2.36", target)
    assert _compatible("manylinux1_x86_64", "2.36", target)


def test_precedence_of_manylinux_compatible() -> None:
    target = SimpleNamespace(manylinux_compatible=lambda *_: True, manylinux2014_compatible=False)
    assert _compatible("manylinux_2_17_x86_64", "2.36", target)


@pytest.mark.parametrize(
    "alias_tag", sorted(("manylinux1_x86_64", "manylinux2010_i686", "manylinux2014_s390x"))
)
def test_legacy_attributes_rule_out_their_version(alias_tag: str, policies: PolicySet) -> None:
    alias = policies.legacy_aliases[alias_tag]
    target = SimpleNamespace(**{f"{alias.name}_compatible": False})
    twin = f"manylinux_{alias.glibc.major}_{alias.glibc.minor}_{alias.arch}"
    assert not _compatible(alias_tag, "2.36", target)
    assert not _compatible(twin, "2.36", target)
    assert _compatible(alias_tag, "2.36", SimpleNamespace(**{f"{alias.name}_compatible": True}))


def test_manylinux2014_compatible_follows_the_prose() -> None:
    target = SimpleNamespace(manylinux2014_compatible=False)
    assert not _compatible("manylinux_2_17_x86_64", "2.36", target)
    assert not _compatible("manylinux2014_aarch64", "2.36", target)
    assert _compatible("manylinux_2_16_x86_64", "2.36", target)


def test_legacy_exact() -> None:
    target = SimpleNamespace(manylinux1_compatible=False)
    tags = [t.text for t in platform_tags(glibc("2.36"), override=Override(target))]
    assert "manylinux_2_5_x86_64" not in tags
    assert "manylinux1_x86_64" not in tags
    assert "manylinux_2_6_x86_64" in tags
    assert "manylinux_2_12_x86_64" in tags


def test_enumeration_drops_alias_with_its_twin() -> None:
    target = SimpleNamespace(manylinux_compatible=lambda major, minor, arch: minor != 17)
    tags = [t.text for t in platform_tags(glibc("2.28"), override=Override(target))]
    assert "manylinux_2_17_x86_64" not in tags
    assert "manylinux2014_x86_64" not in tags
    assert "manylinux_2_16_x86_64" in tags


def _boom(*_: object) -> bool:
    raise RuntimeError("disk on fire")


class _NoTruth:
    def __bool__(self) -> bool:
        raise ValueError("undecidable")


@pytest.mark.parametrize(
    "target",
    [
        SimpleNamespace(manylinux_compatible=_boom),
        SimpleNamespace(manylinux_compatible=True),
        SimpleNamespace(manylinux_compatible=lambda *_: _NoTruth()),
        SimpleNamespace(manylinux2014_compatible=_NoTruth()),
    ],
)
def test_error_names_the_override(target: object) -> None:
    with pytest.raises(OverrideError) as caught:
        check(tag("manylinux_2_17_x86_64"), glibc("2.36"), override=Override(target, "my_override"))
    assert str(caught.value).startswith("my_override: ")
    assert "\n" not in str(caught.value)


def test_error_on_import_names_the_file(tmp_path: Path) -> None:
    module = tmp_path / "_manylinux.py"
    module.write_text("raise RuntimeError('nope')\n")
    with pytest.raises(
        OverrideError, match=r"_manylinux \(.*_manylinux\.py\): raised RuntimeError: nope"
    ):
        load_override(tmp_path)
    with pytest.raises(OverrideError, match="no such file"):
        load_override(tmp_path / "absent.py")


def test_load_override_from_a_file(tmp_path: Path) -> None:
    module = tmp_path / "_manylinux.py"
    module.write_text("manylinux1_compatible = False\n")
    loaded = load_override(module)
    assert not check(tag("manylinux1_x86_64"), glibc("2.36"), override=loaded).compatible


def test_module_is_found_on_sys_path_but_not_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "_manylinux.py").write_text("manylinux_compatible = lambda *a: False\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), *sys.path])
    assert find_override() is None
    elsewhere = tmp_path / "site"
    elsewhere.mkdir()
    (elsewhere / "_manylinux.py").write_text("manylinux_compatible = lambda *a: False\n")
    monkeypatch.setattr(sys, "path", ["", str(elsewhere), *sys.path])
    found = find_override()
    assert found is not None
    assert str(elsewhere) in found.source


def test_module_search_takes_an_explicit_path_and_working_directory(tmp_path: Path) -> None:
    """The conformance suite lays out an interpreter's path elsewhere and asks about it."""
    cwd, pythonpath = tmp_path / "cwd", tmp_path / "pythonpath"
    for directory in (cwd, pythonpath):
        directory.mkdir()
    (cwd / "_manylinux.py").write_text("manylinux_compatible = lambda *a: False\n")
    assert find_override([str(cwd)], cwd=cwd) is None
    (pythonpath / "_manylinux.py").write_text("manylinux1_compatible = False\n")
    found = find_override([str(cwd), str(pythonpath)], cwd=cwd)
    assert found is not None
    assert str(pythonpath) in found.source
    assert find_override([str(cwd)], cwd=pythonpath) is not None


def test_cross_target_does_not_consult_the_running_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reference_impl.cli import build_parser
    from reference_impl.cli.system_options import describe_system

    site = tmp_path / "site"
    site.mkdir()
    (site / "_manylinux.py").write_text("manylinux_compatible = lambda *a: False\n")
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    parser = build_parser()
    described = describe_system(parser.parse_args(["tags", "--target", "manylinux_2_17_x86_64"]))
    assert described.override is None
    detected = describe_system(parser.parse_args(["tags"]))
    assert detected.override is not None
