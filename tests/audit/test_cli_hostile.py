"""``perennial audit`` on hostile inputs: each is refused in one escaped line with exit 3, the
other inputs are still audited, and a wrong command line is exit 2."""

from __future__ import annotations

import json
import os
import random
import zipfile
from pathlib import Path

import pytest

from conformance.craft import ElfSpec, Member, WheelSpec, build_elf, build_wheel
from reference_impl.audit_read import MAX_PLATFORM_TAGS
from reference_impl.cli import main

from .helpers import PLAIN, Build, MakeWheel

EVIL = "evil\n\x1b[31mperennial: forged line\u202e"


def _audit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _honest_lines(err: str) -> list[str]:
    """The error lines, each checked to be one printable line from perennial."""
    lines = err.splitlines()
    for line in lines:
        assert line.startswith("perennial: "), line
        assert line.isprintable(), line
    return lines


def test_a_fifo_is_refused_and_the_next_wheel_is_still_audited(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "x.whl"
    os.mkfifo(fifo)
    good = make_wheel({"demo/_x.so": build(PLAIN)}, name="good")
    code, out, err = _audit(capsys, str(fifo), str(good))
    assert code == 3
    assert _honest_lines(err) == [
        f"perennial: {fifo}: not a regular file but a FIFO (named pipe): not a wheel"
    ]
    assert "good-1.0" in out


def test_a_fifo_in_a_folder_is_refused_not_skipped(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    make_wheel({"demo/_x.so": build(PLAIN)}, name="good")
    os.mkfifo(tmp_path / "pipe.whl")
    code, out, err = _audit(capsys, str(tmp_path))
    assert code == 3
    assert len(_honest_lines(err)) == 1 and "pipe.whl: not a regular file" in err
    assert "good-1.0" in out


@pytest.mark.parametrize("jobs", ["0", "-1", "two", "100000", "1" * 40])
def test_a_wrong_job_count_is_a_usage_error(capsys: pytest.CaptureFixture[str], jobs: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["audit", "--jobs", jobs, "x.whl"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--jobs" in err


def test_a_file_name_cannot_forge_an_error_line(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    evil = tmp_path / f"{EVIL}.whl"
    evil.write_bytes(b"not a zip")
    good = make_wheel({"demo/_x.so": build(PLAIN)}, name="good")
    code, _, err = _audit(capsys, str(evil), str(good))
    assert code == 3
    (line,) = _honest_lines(err)
    assert "evil\\n\\x1b[31mperennial: forged line\\u202e.whl" in line


def test_json_errors_carry_the_input_escaped_by_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    evil = tmp_path / f"{EVIL}.whl"
    evil.write_bytes(b"PK\x03\x04 cut short")
    code, out, err = _audit(capsys, "--json", str(evil))
    assert code == 3 and out.isascii()
    (error,) = json.loads(out)["errors"]
    assert error["input"] == str(evil) and error["exit_code"] == 3
    assert "damaged zip file" in error["problem"]
    assert len(_honest_lines(err)) == 1


def test_corrupt_lzma_member_is_bad_input_naming_the_member(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        archive.writestr("demo/blob.so", b"\x7fELF" + random.Random(1).randbytes(3000))
    data = bytearray(path.read_bytes())
    at = data.find(b"demo/blob.so") + len(b"demo/blob.so") + 40
    data[at : at + 50] = bytes(b ^ 0x55 for b in data[at : at + 50])
    path.write_bytes(data)
    code, _, err = _audit(capsys, str(path))
    assert code == 3
    (line,) = _honest_lines(err)
    assert "member demo/blob.so: its LZMA data is corrupt" in line


def test_a_wheel_declaring_more_platform_tags_than_the_limit_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """audit.bad-input.tag-count: 64 distinct platform tags are judged, 65 refused (each tag
    is judged against every file), and the other wheel is still audited."""
    elf = build_elf(ElfSpec(arch="x86_64", needed=("libc.so.6",)))

    def wheel(name: str, count: int) -> Path:
        tags = tuple(f"py3-none-manylinux_2_{17 + i}_x86_64" for i in range(count))
        first = tags[0]
        spec = WheelSpec(name, "1.0", first, (Member(f"{name}/x.so", elf),), wheel_tags=tags)
        path = tmp_path / spec.wheel_filename()
        path.write_bytes(build_wheel(spec))
        return path

    fits, over = wheel("fits", MAX_PLATFORM_TAGS), wheel("over", MAX_PLATFORM_TAGS + 1)
    code, out, err = _audit(capsys, "--json", str(fits), str(over))
    assert code == 3
    assert _honest_lines(err) == [
        f"perennial: {over}: declares 65 distinct platform tags, more than the 64 a wheel is "
        "judged with (each is judged against every file)"
    ]
    (audited,) = json.loads(out)["wheels"]
    assert audited["wheel"] == str(fits)
    assert len({claim["tag"] for claim in audited["claims"]}) == MAX_PLATFORM_TAGS
