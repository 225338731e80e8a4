"""``perennial audit``: explained text, JSON per the v2 schema, exit codes, hostile inputs."""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conformance.schema_check import errors
from reference_impl.cli import main
from reference_impl.policy import default_policies

from .helpers import GETRANDOM, PLAIN, Build, MakeWheel

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reference_impl" / "schemas" / "audit-v2.json").read_text())


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_explains_what_blocks_a_claim(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = make_wheel({"foo/_bar.so": build(GETRANDOM)}, name="foo")
    code, out, err = run([str(wheel)], capsys)
    assert code == 1 and err == ""
    assert "needs glibc 2.25 (getrandom@GLIBC_2.25 in foo/_bar.so)" in out
    assert "earliest tag manylinux_2_25_x86_64: glibc 2.25 is forced by getrandom@GLIBC_2.25" in out
    assert "manylinux_2_5_x86_64 to manylinux_2_24_x86_64 (4 baselines) are blocked by" in out
    assert "in foo/_bar.so" in out


def test_exit_zero_when_every_wheel_earns_its_tags(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = make_wheel({"demo/_x.so": build(PLAIN)})
    code, out, _ = run([str(wheel)], capsys)
    assert code == 0 and ": OK" in out


def test_json_follows_the_schema(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    make_wheel({"demo/_x.so": build(GETRANDOM)}, name="rand")
    make_wheel({"demo/_x.so": build(PLAIN, "-Wl,-z,execstack")}, name="stack")
    (tmp_path / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    code, out, _ = run([str(tmp_path), "--json"], capsys)
    assert code == 3
    document = json.loads(out)
    assert errors(document, SCHEMA) == []
    rand, stack = document["wheels"]
    assert rand["earliest"]["tag"] == "manylinux_2_25_x86_64"
    assert rand["needs"]["glibc"]["symbol"] == "getrandom@GLIBC_2.25"
    assert stack["earliest"]["tag"] is None
    assert stack["earliest"]["why_none"][0]["clause"] == "audit.executable-stack"
    assert document["errors"][0]["exit_code"] == 3


def test_a_wheel_outside_pep600_is_not_judged(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = make_wheel({"demo/_x.so": build(PLAIN)}, tags="cp311-cp311-musllinux_1_2_x86_64")
    code, out, _ = run([str(wheel)], capsys)
    assert code == 1 and ": NOT JUDGED" in out and "OK" not in out
    code, out, _ = run([str(wheel), "--json"], capsys)
    assert code == 1 and json.loads(out)["wheels"][0]["verdict"] == "not-judged"


def test_repeated_findings_are_one_line_with_a_count(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str]
) -> None:
    foo = build("int foo(void) { return 7; }\n", "-Wl,-soname,libfoo.so.1")
    ext = build("int foo(void);\nint bar(void) { return foo(); }\n", link={"libfoo.so.1": foo})
    members = {f"demo/bin/tool{i}": ext for i in range(16)}
    _, out, _ = run([str(make_wheel(members))], capsys)
    missing = [line for line in out.splitlines() if "libfoo.so.1 (needed" in line]
    assert len(missing) == 3  # the earliest tag, the blocked baselines, the unearned claim
    assert all("in demo/bin/tool0 and 15 more files" in line for line in missing)
    count = len(default_policies().for_arch("x86_64"))
    assert f"({count} baselines)" in out


def test_text_from_the_wheel_is_escaped(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = make_wheel({"demo/\x1b[31mred\u202e.so": build(GETRANDOM)})
    code, out, _ = run([str(wheel)], capsys)
    assert code == 1
    assert "\x1b" not in out and "\u202e" not in out
    assert "demo/\\x1b[31mred\\u202e.so" in out


def test_jobs_give_the_same_answer(
    build: Build, make_wheel: MakeWheel, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    make_wheel({"demo/_x.so": build(GETRANDOM)}, name="one")
    make_wheel({"demo/_x.so": build(PLAIN)}, name="two")
    single = run([str(tmp_path), "--json"], capsys)
    double = run([str(tmp_path), "--json", "--jobs", "2"], capsys)
    assert single == double and single[0] == 1


# --- hostile and broken inputs: one line each, exit 3, the other wheels still audited ---


def _patch_central(path: Path, edit: Any) -> None:
    """Apply ``edit(data, central_entry_offsets)`` to the archive's bytes."""
    data = bytearray(path.read_bytes())
    entries = []
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        entries.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    edit(data, entries)
    path.write_bytes(bytes(data))


def bad_not_a_zip(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    path = where / "nozip-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    path.write_bytes(b"\x7fELF this is not a zip at all")
    return path


def bad_truncated_elf(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    data = build(GETRANDOM)
    return make_wheel({"trunc/_x.so": data[: len(data) // 3]}, name="trunc")


def bad_tiny_elf(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    return make_wheel({"tiny/_x.so": b"\x7fELF\x02"}, name="tiny")


def bad_corrupt_elf(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    data = bytearray(build(GETRANDOM))
    data[0x20:0x28] = struct.pack("<Q", 1 << 40)  # e_phoff far past the end
    return make_wheel({"corrupt/_x.so": bytes(data)}, name="corrupt")


def bad_absurd_size(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    path = make_wheel({"absurd/_x.so": build(PLAIN)}, name="absurd")

    def edit(data: bytearray, entries: list[int]) -> None:
        data[entries[0] + 24 : entries[0] + 28] = struct.pack("<I", 0xFFFFFF00)

    _patch_central(path, edit)
    return path


def bad_overlap(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    path = make_wheel(
        {"overlap/_a.so": build(PLAIN), "overlap/_b.so": build(PLAIN)}, name="overlap"
    )

    def edit(data: bytearray, entries: list[int]) -> None:
        first = data[entries[0] + 42 : entries[0] + 46]
        data[entries[1] + 42 : entries[1] + 46] = first

    _patch_central(path, edit)
    return path


def bad_dotdot(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    return make_wheel({"../evil.so": build(PLAIN)}, name="dotdot")


def bad_absolute(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    return make_wheel({"/tmp/evil.so": build(PLAIN)}, name="absolute")


def bad_no_wheel_file(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    return make_wheel({"nowheel/_x.so": build(PLAIN)}, name="nowheel", with_wheel_file=False)


def bad_filename(make_wheel: MakeWheel, build: Build, where: Path) -> Path:
    path = where / "not-a-wheel-name.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x", b"")
    return path


@pytest.mark.parametrize(
    ("maker", "words"),
    [
        (bad_not_a_zip, "not a readable zip"),
        (bad_truncated_elf, "trunc/_x.so: truncated or corrupt ELF"),
        (bad_corrupt_elf, "corrupt/_x.so: truncated or corrupt ELF"),
        (bad_tiny_elf, "tiny/_x.so: truncated or corrupt ELF"),
        (bad_absurd_size, "absurd/_x.so declares 4294967040 bytes"),
        (bad_overlap, "members overlap/_a.so and overlap/_b.so overlap"),
        (bad_dotdot, "unsafe member name '../evil.so'"),
        (bad_absolute, "unsafe member name '/tmp/evil.so'"),
        (bad_no_wheel_file, ".dist-info/WHEEL file: not a wheel"),
        (bad_filename, "not a valid wheel filename"),
    ],
)
def test_bad_input_is_one_line_and_exit_3(
    maker: Any,
    words: str,
    build: Build,
    make_wheel: MakeWheel,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    bad = maker(make_wheel, build, tmp_path)
    good = make_wheel({"demo/_x.so": build(PLAIN)}, name="good")
    before = sorted(os.listdir(tmp_path))
    code, out, err = run([str(bad), str(good)], capsys)
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"perennial: {bad}: ") and words in lines[0]
    assert "Traceback" not in err
    assert "good-1.0" in out and ": OK" in out  # the other wheel was still audited
    assert sorted(os.listdir(tmp_path)) == before  # nothing written


@pytest.mark.parametrize(
    "name",
    [
        "hostile-not-zip",
        "hostile-dotdot",
        "hostile-absolute",
        "hostile-overlap",
        "hostile-absurd-size",
        "hostile-bomb",
        "no-wheel-file",
        "corrupt-elf-member",
    ],
)
def test_crafted_hostile_wheels_exit_3(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = ROOT / "conformance" / "fixtures" / "wheels" / name
    if not folder.is_dir():
        pytest.skip("crafted fixtures not generated")
    code, _, err = run([str(folder)], capsys)
    assert code == 3 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_path_is_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run([str(tmp_path / "absent-1.0-py3-none-any.whl")], capsys)
    assert code == 3 and "absent-1.0" in err


def test_empty_directory_is_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run([str(tmp_path)], capsys)
    assert code == 3 and "no wheels found" in err


def test_progress_bar_on_a_terminal_only(
    build: Build,
    make_wheel: MakeWheel,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    make_wheel({"demo/_x.so": build(PLAIN)}, name="one")
    make_wheel({"demo/_x.so": build(PLAIN)}, name="two")
    _, _, quiet = run([str(tmp_path)], capsys)
    assert quiet == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    _, out, err = run([str(tmp_path)], capsys)
    assert "2/2 wheels" in err and "wheels" not in out
