"""The installer and index commands: answers, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference_impl.cli import main

from .helpers import INTERPRETERS

LONG = "manylinux_2_17_" + "x" * 10_000


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("perennial: ")
    assert len(lines[0]) < 400
    assert "Traceback" not in err


def test_tags_for_a_described_system(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "tags", "--glibc", "2.17-centos", "--arch", "aarch64")
    assert code == 0
    assert out.split() == ["manylinux_2_17_aarch64", "manylinux2014_aarch64", "linux_aarch64"]


def test_tags_json_for_the_running_system(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "tags", "--json", "--no-override")
    data = json.loads(out)
    assert code == 0
    assert data["system"]["native"] is True
    assert data["tags"][-1].startswith("linux_")


def test_tags_with_no_manylinux_tag_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "tags", "--glibc", "unknown", "--arch", "x86_64")
    assert (code, out.split()) == (1, ["linux_x86_64"])
    assert "installer.glibc-unparseable" in err


def test_compatible_yes_and_no(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "compatible", "manylinux1_x86_64", "--target", "manylinux_2_17_x86_64"
    )
    assert code == 0
    assert out.startswith("yes: ")
    code, out, _ = _run(
        capsys, "compatible", "manylinux_2_28_x86_64", "--glibc", "2.17", "--arch", "x86_64"
    )
    assert code == 1
    assert out.startswith("no: ")
    assert "(installer.compatible)" in out


def test_compatible_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "compatible",
        "MANYLINUX2014_X86_64",
        "--glibc",
        "2.28",
        "--arch",
        "x86_64",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert (data["tag"], data["normalised"], data["compatible"]) == (
        "manylinux2014_x86_64",
        "manylinux_2_17_x86_64",
        True,
    )


@pytest.mark.parametrize(
    "nonsense", ["manylinux_x_y_z", "", LONG, "manylinux_02_17_x86_64", "m\u00e4ny"]
)
def test_compatible_nonsense_is_one_line_exit_3(
    capsys: pytest.CaptureFixture[str], nonsense: str
) -> None:
    code, out, err = _run(capsys, "compatible", nonsense, "--glibc", "2.28", "--arch", "x86_64")
    assert code == 3
    assert out == ""
    _one_line_error(err)


@pytest.mark.parametrize(
    "options",
    [
        ["--target", "manylinux_x_y_z"],
        ["--target", "linux_x86_64"],
        ["--arch", "X86_64!"],
        ["--target", "manylinux_2_17_x86_64", "--glibc", "2.17"],
        ["--glibc", "2.28", "--interpreter-elf", "/nonexistent/python"],
    ],
)
def test_bad_system_options_are_one_line_exit_3(
    capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    code, _, err = _run(capsys, "tags", *options)
    assert code == 3
    _one_line_error(err)


def test_interpreter_elf_option_decides_the_abi(capsys: pytest.CaptureFixture[str]) -> None:
    armel = str(INTERPRETERS / "armv7l-softfloat-interpreter")
    code, out, _ = _run(
        capsys,
        "compatible",
        "manylinux2014_armv7l",
        "--glibc",
        "2.28",
        "--arch",
        "armv7l",
        "--interpreter-elf",
        armel,
    )
    assert code == 1
    assert "installer.arch-abi" in out


def test_override_that_raises_is_one_line_exit_5(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "_manylinux.py").write_text(
        "def manylinux_compatible(*a):\n    raise KeyError('x')\n"
    )
    code, _, err = _run(
        capsys, "tags", "--glibc", "2.28", "--arch", "x86_64", "--override", str(tmp_path)
    )
    assert code == 5
    _one_line_error(err)
    assert "_manylinux" in err


def test_override_option_rules_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "_manylinux.py").write_text("manylinux2014_compatible = False\n")
    code, out, _ = _run(
        capsys,
        "compatible",
        "manylinux2014_x86_64",
        "--glibc",
        "2.28",
        "--arch",
        "x86_64",
        "--override",
        str(tmp_path),
    )
    assert code == 1
    assert "installer.override.legacy-attributes" in out


def test_select_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    system = ["--glibc", "2.28", "--arch", "x86_64"]
    good = "d-1.0-py3-none-manylinux_2_17_x86_64.whl"
    code, out, _ = _run(capsys, "select", good, "d-1.0-py3-none-linux_x86_64.whl", *system)
    assert code == 0
    assert out.splitlines()[0] == f"best: {good}"
    code, out, _ = _run(capsys, "select", "d-1.0-py3-none-manylinux_2_31_x86_64.whl", *system)
    assert code == 1
    assert out.splitlines()[0] == "best: none"
    code, out, err = _run(capsys, "select", good, "not-a-wheel.whl", *system)
    assert code == 3
    assert out.splitlines()[0] == f"best: {good}"
    _one_line_error(err)


def test_select_json_with_supported_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    wheels = [
        "d-1.0-cp311-abi3-manylinux_2_28_x86_64.whl",
        "d-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    ]
    code, out, _ = _run(
        capsys,
        "select",
        *wheels,
        "--supported",
        "cp311-cp311,cp311-abi3",
        "--glibc",
        "2.28",
        "--arch",
        "x86_64",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["best"] == wheels[1]


def test_select_bad_supported_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["select", "d-1.0-py3-none-any.whl", "--supported", "cp311"])
    assert caught.value.code == 2


def test_index_check_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _run(
            capsys,
            "index-check",
            "manylinux_2_17_x86_64",
            "d-1.0-py3-none-manylinux2014_aarch64.whl",
        )[0]
        == 0
    )
    code, out, _ = _run(capsys, "index-check", "manylinux_2_17_x86_64", "manylinux_2_17_legv8le")
    assert code == 1
    assert "index.accept.arch" in out
    code, _, err = _run(capsys, "index-check", "manylinux_2_17_legv8le", "manylinux_x_y_z")
    assert code == 3
    _one_line_error(err)


def test_index_check_policy_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "index-check", "linux_armv7l", "--allow-linux", "armv6l,armv7l")[0] == 0
    assert _run(capsys, "index-check", "linux_x86_64", "--allow-linux", "armv6l,armv7l")[0] == 1
    assert _run(capsys, "index-check", "manylinux_2_17_legv8le", "--known-arch", "legv8le")[0] == 0
    assert _run(capsys, "index-check", "manylinux_2_999_x86_64", "--max-glibc", "2.41")[0] == 1
    code, out, _ = _run(
        capsys, "index-check", "MANYLINUX_2_17_X86_64", "--allow-uppercase", "--json"
    )
    assert (code, json.loads(out)[0]["accepted"]) == (0, True)


@pytest.mark.parametrize("nonsense", ["", LONG])
def test_index_check_nonsense_is_exit_3(capsys: pytest.CaptureFixture[str], nonsense: str) -> None:
    code, _, err = _run(capsys, "index-check", nonsense)
    assert code == 3
    _one_line_error(err)


@pytest.mark.parametrize("command", ["tags", "compatible", "select", "index-check"])
def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "exit codes:" in capsys.readouterr().out


def test_module_entry_point_gives_one_line_and_exit_3() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "reference_impl",
            "compatible",
            "manylinux_x_y_z",
            "--glibc",
            "2.28",
            "--arch",
            "x86_64",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 3
    _one_line_error(completed.stderr)


HOSTILE = "x\n\x1b[31mperennial: forged\u202e"


def _honest(text: str) -> None:
    """Every line of the output is printable: no newline, escape or bidi control from input
    reached it raw."""
    assert all(line.isprintable() for line in text.splitlines()), text


@pytest.mark.parametrize("glibc", ["2.4294967296", "999999999.0", "65536.0", "2.1" + "0" * 5000])
@pytest.mark.parametrize("command", [["tags"], ["select", "d-1.0-py3-none-any.whl"]])
def test_a_glibc_no_tag_can_name_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: list[str], glibc: str
) -> None:
    """The enumeration goes down from the system's glibc: a number beyond what a tag can
    name (tag.number-range) would run for minutes, so the command line is refused."""
    with pytest.raises(SystemExit) as caught:
        main([*command, "--glibc", glibc, "--arch", "x86_64"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "tag.number-range" in err


def test_the_largest_glibc_a_tag_can_name_enumerates_every_tag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "tags", "--glibc", "2.65535", "--arch", "x86_64")
    tags = out.split()
    assert code == 0 and tags[0] == "manylinux_2_65535_x86_64" and tags[-1] == "linux_x86_64"
    assert "manylinux_2_5_x86_64" in tags and "manylinux_2_4_x86_64" not in tags


@pytest.mark.parametrize(
    "argv",
    [
        ["tags", "--bogus" + HOSTILE],
        ["compatible"],
        ["no-such-command" + HOSTILE],
        ["tags", "--libc", "glibc" + HOSTILE],
    ],
)
def test_a_wrong_command_line_is_one_escaped_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("perennial")
    _honest(err)


def test_input_in_answers_and_errors_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys,
        "compatible",
        "manylinux_2_17_x86_64",
        "--glibc",
        "2.17" + HOSTILE,
        "--arch",
        "x86_64",
    )
    assert code == 0 and "2.17x\\n\\x1b[31mperennial: forged\\u202e" in out
    _honest(out)
    code, out, err = _run(capsys, "select", "d-1.0-py3-none-any.whl", HOSTILE + ".whl")
    assert code == 3
    _honest(out)
    _one_line_error(err)
    _honest(err)
    code, _, err = _run(capsys, "compatible", HOSTILE, "--glibc", "2.17", "--arch", "x86_64")
    assert code == 3
    _one_line_error(err)
    _honest(err)


def test_json_output_escapes_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "select", "--json", HOSTILE + ".whl", "--glibc", "2.17", "--arch", "x86_64"
    )
    assert code == 3 and out.isascii()
    assert json.loads(out)["refused"][0]["filename"] == HOSTILE + ".whl"


def test_an_interpreter_elf_that_is_a_fifo_is_refused_without_blocking(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "python"
    os.mkfifo(fifo)
    code, _, err = _run(
        capsys, "tags", "--glibc", "2.17", "--arch", "x86_64", "--interpreter-elf", str(fifo)
    )
    assert code == 3 and "not a regular file but a FIFO" in err
    _one_line_error(err)
