"""auditwheel 6.8.2, through its own Python API, reads the fixtures as their recipes say.

Per ELF file: ``auditwheel.lddtree.ldd`` (architecture, DT_NEEDED, RPATH/RUNPATH, interpreter,
x86-64 ISA level) and ``auditwheel.elfutils.elf_find_versioned_symbols``. Per wheel:
``auditwheel.wheel_abi.analyze_wheel_abi``, the function behind ``auditwheel show``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from auditwheel.elfutils import elf_find_versioned_symbols
from auditwheel.lddtree import ldd
from auditwheel.wheel_abi import analyze_wheel_abi
from auditwheel.wheeltools import get_wheel_architecture, get_wheel_libc
from elftools.elf.elffile import ELFFile

from conformance.craft.elf import ElfSpec
from conformance.craft.generate import FIXTURES
from conformance.craft.recipes import load_all

from .craft_expect import Subject, arch_facts, subject_ids

_, WHEELS = load_all()
HOSTILE_OR_PURE = {"hostile-", "tags-unknown-arch", "musllinux-"}  # musllinux: glibc ELF ignored


def _expanded(path_list: str | None, origin: Path) -> tuple[str, ...]:
    if path_list is None:
        return ()
    return tuple(os.path.normpath(p.replace("$ORIGIN", str(origin))) for p in path_list.split(":"))


@pytest.mark.parametrize("subject_id", subject_ids())
def test_auditwheel_reads_each_elf_file(subject_id: str, subjects: dict[str, Subject]) -> None:
    subject = subjects[subject_id]
    spec = subject.spec
    tree = ldd(subject.path, ldpaths={"conf": [], "env": [], "interp": []})
    arch = arch_facts(spec).auditwheel
    if arch is None:
        with pytest.raises(ValueError):
            tree.platform.baseline_architecture  # noqa: B018 - the property raises
    else:
        assert tree.platform.baseline_architecture.value == arch
    if spec.isa_needed:
        level = max(spec.isa_needed).replace("-", "_")
        assert str(tree.platform.extended_architecture) == level
    assert list(tree.needed) == list(spec.needed)
    origin = subject.path.parent
    assert tree.rpath == _expanded(spec.rpath, origin)
    assert tree.runpath == _expanded(spec.runpath, origin)
    assert (tree.interpreter is not None) == (spec.kind != "shared")
    with subject.path.open("rb") as handle:
        versioned = set(elf_find_versioned_symbols(ELFFile(handle)))
    assert versioned == {(lib, v) for lib, versions in spec.version_needs for v in versions}


def _members_auditwheel_accepts(name: str) -> list[ElfSpec]:
    """The ELF members of the wheel's own architecture (auditwheel ignores the others)."""
    wheel = WHEELS[name]
    arch = get_wheel_architecture(wheel.spec.wheel_filename()).value
    return [spec for _, spec in wheel.elf_specs if arch_facts(spec).auditwheel == arch]


def _analysable() -> list[str]:
    return [
        name
        for name, wheel in WHEELS.items()
        if wheel.raw is None
        and not any(name.startswith(p) for p in HOSTILE_OR_PURE)
        and _members_auditwheel_accepts(name)
    ]


@pytest.mark.parametrize("name", _analysable())
def test_auditwheel_show_sees_the_wheel_as_crafted(name: str) -> None:
    wheel = WHEELS[name]
    path = FIXTURES / wheel.output
    arch = get_wheel_architecture(path.name)
    specs = _members_auditwheel_accepts(name)
    info = analyze_wheel_abi(
        get_wheel_libc(path.name),
        arch,
        path,
        frozenset(),
        disable_isa_ext_check=False,
        allow_graft=False,
    )
    assert info.overall_policy.name.endswith(f"_{arch.value}")
    bundled = {spec.soname for _, spec in wheel.elf_specs}
    wanted: dict[str, set[str]] = {}
    for spec in specs:
        for lib, versions in spec.version_needs:
            if lib not in bundled:
                wanted.setdefault(lib, set()).update(versions)
    assert {k: set(v) for k, v in info.versioned_symbols.items()} == wanted


def test_auditwheel_refuses_what_it_must() -> None:
    """Soft-float armv7l and x32 members are not the architecture their tag names."""
    from auditwheel.error import NonPlatformWheelError

    for name in ("armv7l-softfloat-minimal", "x32-minimal"):
        path = FIXTURES / WHEELS[name].output
        with pytest.raises(NonPlatformWheelError):
            analyze_wheel_abi(
                None,
                get_wheel_architecture(path.name),
                path,
                frozenset(),
                disable_isa_ext_check=False,
                allow_graft=False,
            )


def test_auditwheel_show_json_command_reads_a_crafted_wheel() -> None:
    """The command-line path too, once: the spec's GLIBC_2.25 example."""
    import json
    import subprocess
    import sys

    path = FIXTURES / WHEELS["x86_64-getrandom"].output
    script = "import sys; from auditwheel.main import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", script, "show", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["wheel"] == path.name
    assert set(report["versioned_symbols"]["libc.so.6"]) == {"GLIBC_2.2.5", "GLIBC_2.25"}
    assert report["overall_tag"].endswith("_x86_64")
