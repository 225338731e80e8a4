"""Detecting and describing systems (spec/installers.md, glibc and architecture clauses)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reference_impl.errors import SystemProbeError
from reference_impl.installer import check, platform_tags
from reference_impl.policy import GlibcVersion
from reference_impl.system import TargetSystem, detect, glibc_version_string, parse_glibc_version

from .helpers import INTERPRETERS, interpreter, tag


def _detect_glibc_2_28(stand_in: str, platform: str) -> TargetSystem:
    """The system ``detect`` sees with a crafted interpreter and glibc 2.28 reported."""
    executable = str(INTERPRETERS / f"{stand_in}-interpreter")
    return detect(confstr=lambda _: "glibc 2.28", platform=platform, executable=executable)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("2.17", (2, 17)),
        ("2.17-centos", (2, 17)),
        ("2.20-2014.11", (2, 20)),
        ("2.36.9000", (2, 36)),
        ("3.0", (3, 0)),
    ],
)
def test_glibc_vendor_suffix_is_ignored(text: str, version: tuple[int, int]) -> None:
    assert parse_glibc_version(text) == version


@pytest.mark.parametrize(
    "text", ["2", "", "glibc", "two.seventeen", "-2.17", "\u0662.\u0661\u0667"]
)
def test_glibc_unparseable_is_unknown(text: str) -> None:
    assert parse_glibc_version(text) is None
    system = TargetSystem.for_glibc(text, "x86_64")
    assert system.glibc is None
    assert [t.kind for t in platform_tags(system)] == ["linux"]
    assert check(tag("manylinux_2_5_x86_64"), system).clause == "installer.glibc-unparseable"


def test_glibc_detect_prefers_confstr_with_two_fields() -> None:
    assert glibc_version_string(lambda _: "glibc 2.17", lambda: "9.9") == "2.17"


@pytest.mark.parametrize("confstr_value", [None, "", "glibc 2.17 extra", "2.17"])
def test_glibc_detect_falls_back_to_ctypes(confstr_value: str | None) -> None:
    assert glibc_version_string(lambda _: confstr_value, lambda: "2.28") == "2.28"


def test_glibc_detect_none_means_not_glibc() -> None:
    system = detect(confstr=lambda _: None, ctypes_probe=lambda: None, platform="linux-x86_64")
    assert system.libc == "unknown"
    assert system.glibc is None
    assert [t.text for t in platform_tags(system)] == ["linux_x86_64"]


def test_detect_reads_the_running_interpreter() -> None:
    system = detect()
    assert system.native
    running = os.confstr("CS_GNU_LIBC_VERSION")
    assert running is not None
    assert str(system.glibc) == running.split()[1]
    assert system.interpreter_elf is not None


def test_detect_survives_an_unreadable_interpreter(tmp_path: Path) -> None:
    system = detect(platform="linux-x86_64", executable=str(tmp_path / "missing"))
    assert system.interpreter_elf is None
    assert system.arch == "x86_64"


@pytest.mark.parametrize(
    ("stand_in", "platform", "arch"),
    [
        ("i686", "linux-x86_64", "i686"),
        ("armv7l", "linux-armv8l", "armv7l"),
        ("armv7l", "linux-aarch64", "armv7l"),
        ("armv7l", "linux-armv7l", "armv7l"),
        ("x86_64", "linux-x86_64", "x86_64"),
        ("ppc64le", "linux-ppc64le", "ppc64le"),
        ("ppc64", "linux-ppc64", "ppc64"),
    ],
)
def test_arch_comes_from_the_interpreter_header(stand_in: str, platform: str, arch: str) -> None:
    system = _detect_glibc_2_28(stand_in, platform)
    assert system.arch == arch
    assert platform_tags(system)[0].text == f"manylinux_2_28_{arch}"


def test_arch_32bit_on_64bit_gets_no_x86_64_tags() -> None:
    system = _detect_glibc_2_28("i686", "linux-x86_64")
    assert not check(tag("manylinux_2_17_x86_64"), system).compatible
    assert check(tag("manylinux2014_i686"), system).compatible


@pytest.mark.parametrize(
    ("stand_in", "platform", "refused"),
    [
        ("armv7l-softfloat", "linux-armv7l", "manylinux_2_17_armv7l"),
        ("x32", "linux-x86_64", "manylinux_2_17_x86_64"),
        ("x32", "linux-x86_64", "linux_x86_64"),
    ],
)
def test_arch_abi_mismatch_gets_no_tags(stand_in: str, platform: str, refused: str) -> None:
    system = _detect_glibc_2_28(stand_in, platform)
    assert platform_tags(system) == ()
    assert check(tag(refused), system).clause == "installer.arch-abi"


def test_described_system_checks_a_given_interpreter_header() -> None:
    armel = TargetSystem("armv7l", "glibc", "2.28", interpreter_elf=interpreter("armv7l-softfloat"))
    armhf = TargetSystem("armv7l", "glibc", "2.28", interpreter_elf=interpreter("armv7l"))
    assert not check(tag("manylinux2014_armv7l"), armel).compatible
    assert check(tag("manylinux2014_armv7l"), armhf).compatible


def test_unknown_arch_header_contradicts_nothing() -> None:
    system = TargetSystem("legv8le", "glibc", "2.28", interpreter_elf=interpreter("x86_64"))
    assert check(tag("manylinux_2_17_legv8le"), system).compatible


@pytest.mark.parametrize("header", [b"", b"\x7fELF", b"MZ" + bytes(62)])
def test_described_system_refuses_a_broken_header(header: bytes) -> None:
    with pytest.raises(SystemProbeError):
        TargetSystem("x86_64", "glibc", "2.28", interpreter_elf=header)


@pytest.mark.parametrize("arch", ["", "X86_64"])
def test_described_system_refuses_a_bad_arch(arch: str) -> None:
    with pytest.raises(SystemProbeError):
        TargetSystem(arch, "glibc", "2.28")


def test_target_from_a_tag_is_that_glibc_and_arch() -> None:
    system = TargetSystem.from_tag(tag("manylinux2014_aarch64"))
    assert (system.glibc, system.arch, system.native) == (GlibcVersion(2, 17), "aarch64", False)
    with pytest.raises(SystemProbeError):
        TargetSystem.from_tag(tag("linux_x86_64"))


@pytest.mark.parametrize(
    ("platform", "arch"), [("linux-x86_64", "i686"), ("linux-aarch64", "armv7l")]
)
def test_arch_32bit_without_a_header_uses_compat32(
    tmp_path: Path, platform: str, arch: str
) -> None:
    system = detect(
        confstr=lambda _: "glibc 2.28",
        platform=platform,
        executable=str(tmp_path / "missing"),
        pointer_bits=32,
    )
    assert system.arch == arch


@pytest.mark.parametrize("text", ["2.65536", "65536.1", "2.4294967296", "2." + "9" * 5000])
def test_a_glibc_number_no_tag_can_name_is_refused(text: str) -> None:
    """tag.number-range bounds MAJOR and MINOR by 65535; a system beyond it has no tag to
    enumerate from and is a bad input, not minutes of enumeration."""
    with pytest.raises(SystemProbeError, match=r"tag\.number-range"):
        parse_glibc_version(text)
    with pytest.raises(SystemProbeError):
        TargetSystem.for_glibc(text, "x86_64")


def test_leading_zeros_do_not_count_against_the_bound() -> None:
    assert parse_glibc_version("2." + "0" * 5000 + "17") == (2, 17)
    assert parse_glibc_version("65535.65535-vendor") == (65535, 65535)
