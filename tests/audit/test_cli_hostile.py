"""``perennial audit`` on hostile inputs: each is refused in one escaped line with exit 3, the
other inputs are still audited, and a wrong command line is exit 2."""

from __future__ import annotations

import json
import os
import random
import zipfile
from pathlib import Path

import pytest

from conformance.craft import ElfSpec, Member, Symbol, WheelSpec, build_elf, build_wheel
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


def _wheel_of(tmp_path: Path, name: str, elves: list[bytes]) -> Path:
    members = tuple(Member(f"{name}/m{i}.so", elf) for i, elf in enumerate(elves))
    spec = WheelSpec(name, "1.0", "cp312-cp312-manylinux_2_17_x86_64", members)
    path = tmp_path / spec.wheel_filename()
    path.write_bytes(build_wheel(spec))
    return path


def _only_refused(capsys: pytest.CaptureFixture[str], fits: Path, over: Path, problem: str) -> None:
    """Auditing both wheels refuses ``over`` alone, in one line naming it and ``problem``
    (exit 3), and still audits ``fits``."""
    code, out, err = _audit(capsys, str(fits), str(over))
    assert code == 3
    assert _honest_lines(err) == [f"perennial: {over}: {problem}"]
    assert "fits-1.0" in out


def _with_symbols(count: int) -> bytes:
    symbols = tuple(Symbol(f"s{i}", "GLIBC_2.2.5", library="libc.so.6") for i in range(count))
    needs = (("libc.so.6", ("GLIBC_2.2.5",)),)
    return build_elf(
        ElfSpec(arch="x86_64", needed=("libc.so.6",), version_needs=needs, symbols=symbols)
    )


def test_an_elf_file_declaring_more_dynamic_symbols_than_the_limit_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each symbol read costs memory, and a member can declare millions: past the limit
    (lowered here to 300; :data:`~reference_impl.elf.MAX_DYNAMIC_SYMBOLS` is 2,097,152) the
    wheel is refused before its symbols are read, and a wheel at the limit is audited."""
    from reference_impl import elf

    monkeypatch.setattr(elf, "MAX_DYNAMIC_SYMBOLS", 300)
    # .dynsym holds the null symbol and the undefined ones
    fits = _wheel_of(tmp_path, "fits", [_with_symbols(299)])
    over = _wheel_of(tmp_path, "over", [_with_symbols(300)])
    problem = "member over/m0.so: refused: its .dynsym declares 301 symbols, more than the 300"
    _only_refused(capsys, fits, over, f"{problem} an auditor reads")


def test_a_wheel_whose_files_need_more_than_the_limit_together_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file's libraries, versions and kept symbols are held until the wheel's facts
    are made: past the limit (lowered here to 100; ``MAX_WHEEL_ENTRIES`` is 2,097,152) the
    wheel is refused, whatever each file holds alone."""
    from reference_impl import audit_read

    monkeypatch.setattr(audit_read, "MAX_WHEEL_ENTRIES", 100)
    elf = build_elf(ElfSpec(arch="x86_64", needed=tuple(f"lib{i}.so" for i in range(40))))
    fits = _wheel_of(tmp_path, "fits", [elf, elf])
    over = _wheel_of(tmp_path, "over", [elf, elf, elf])
    problem = "refused: its ELF files need more than 100 libraries, versions and symbols"
    _only_refused(capsys, fits, over, f"{problem} together")
