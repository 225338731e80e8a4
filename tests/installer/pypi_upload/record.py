"""Record what PyPI's own upload check says about a corpus of platform tags and wheel filenames.

This is how ``table.json`` beside it was made; ``tests/installer/test_index_pypi.py`` asserts
that ``perennial index-check --profile pypi`` agrees with every row. It runs warehouse's own
functions, read from a checkout at a pinned commit, never copied into this repository:

- ``_validate_filename`` (characters, extension) and the module-level data it and
  ``_valid_platform_tag`` use, from ``warehouse/forklift/legacy.py``;
- the two steps that store the upload under its filename in a temporary directory, the
  wheel and then its METADATA as ``FILENAME.metadata`` (legacy.py ``file_upload``);
- the wheel block of ``file_upload`` (``if filename.endswith(".whl"):`` up to the line that
  takes the basename): ``packaging.utils.parse_wheel_filename``, ``_valid_platform_tag`` on
  every platform, the project-name and version checks.

Run it with a throw-away interpreter that has warehouse's pinned packaging, outside the
repository::

    python3 -m venv /tmp/pypi-scratch/venv
    /tmp/pypi-scratch/venv/bin/pip install packaging==26.2
    /tmp/pypi-scratch/venv/bin/python tests/installer/pypi_upload/record.py \\
        --warehouse /work/.mirror/pypi+warehouse/repo --commit 6b62157124ab... \\
        --out tests/installer/pypi_upload/table.json

The model of an upload: the metadata names the project that the filename's name part
normalises to (and is otherwise valid), that project exists, the archive's content is
valid, and the filename reaches warehouse unchanged. What PyPI then refuses depends on the
filename alone. A bare platform tag TAG stands for the wheel ``demo-1.0-py3-none-TAG.whl``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LEGACY = "warehouse/forklift/legacy.py"
FORMS = "warehouse/forklift/forms.py"
PROJECT_UTILS = "warehouse/utils/project.py"
PACKAGING = "26.2"
"""warehouse's pin (requirements/main.txt); the run refuses any other version."""

_LEGACY_NAMES = (
    "_allowed_platforms",
    "_macosx_platform_re",
    "_macosx_arches",
    "_macosx_major_versions",
    "_ios_platform_re",
    "_ios_arches",
    "_android_platform_re",
    "_android_arches",
    "_linux_platform_re",
    "_jointlinux_arches",
    "_manylinux_arches",
    "_musllinux_arches",
    "_pyemscripten_platform_re",
    "_valid_platform_tag",
    "_dist_file_re",
    "_validate_filename",
)
"""The top-level definitions of legacy.py that the checks need, in file order."""

# warehouse's metrics reason -> the rule of the PyPI profile (spec/indexes.md)
_RULE_OF_REASON = {
    "reason:invalid-filename": "index.pypi.wheel-filename",
    "reason:unsupported-platform-tag": "index.pypi.platform-tag",
    "reason:invalid-filename-normalized": "index.pypi.project-name",
    "reason:invalid-filename-projectname": "index.pypi.project-name",
}


class Refused(Exception):
    """What warehouse's ``_exc_with_message`` would have built: an HTTP 400 with a message."""


def _exc_with_message(exc: Any, message: str, **kwargs: Any) -> Refused:
    return Refused(message)


class _Metrics:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def increment(self, name: str, tags: list[str] | None = None) -> None:
        self.reasons.extend(tag for tag in tags or [] if tag.startswith("reason:"))


class _Namespace:
    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


def _git_show(repo: Path, commit: str, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={repo}", "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _parseable(source: str) -> str:
    """The source with PEP 758 ``except A, B:`` lines parenthesised, so Python < 3.14 can
    build its syntax tree; lines keep their numbers, and only the tree is read from it."""
    return re.sub(r"^(\s*except )([\w.]+(?:, [\w.]+)+):$", r"\1(\2):", source, flags=re.M)


def _segment(lines: list[str], node: ast.stmt) -> str:
    assert node.end_lineno is not None
    return "".join(lines[node.lineno - 1 : node.end_lineno])


def _top_level(source: str, names: tuple[str, ...]) -> str:
    """The original text of the named top-level assignments and functions, in file order."""
    tree = ast.parse(_parseable(source))
    lines = source.splitlines(keepends=True)
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            found[node.name] = _segment(lines, node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in names:
                    found[target.id] = _segment(lines, node)
    missing = [name for name in names if name not in found]
    if missing:
        raise SystemExit(f"record: not found in the warehouse source: {missing}")
    return "".join(found[name] for name in names)


def _wheel_block(source: str) -> str:
    """The statements of ``file_upload``'s ``if filename.endswith(".whl"):`` block that judge
    the filename, up to the line that takes the basename, dedented into a function body."""
    tree = ast.parse(_parseable(source))
    lines = source.splitlines(keepends=True)
    upload = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "file_upload"
    )
    for node in ast.walk(upload):
        if (
            isinstance(node, ast.If)
            and ast.unparse(node.test) == "filename.endswith('.whl')"
            and "parse_wheel_filename" in ast.unparse(node.body[0])
        ):
            body: list[str] = []
            for statement in node.body:
                if ast.unparse(statement).startswith("filename = os.path.basename("):
                    text = "".join(body)
                    indent = len(text) - len(text.lstrip())
                    dedented = "".join(line[indent:] for line in text.splitlines(keepends=True))
                    head = "def wheel_checks(filename, request, project, meta, form):\n"
                    return head + "".join(f"    {line}" for line in dedented.splitlines(True))
                body.append(_segment(lines, statement))
    raise SystemExit("record: the wheel block of file_upload was not found")


def load_checks(repo: Path, commit: str) -> dict[str, Any]:
    """warehouse's functions and data, executed from its source at ``commit``."""
    import packaging
    import packaging.tags
    import packaging.utils
    import packaging.version

    if packaging.__version__ != PACKAGING:
        raise SystemExit(f"record: needs packaging {PACKAGING}, found {packaging.__version__}")
    legacy = _git_show(repo, commit, LEGACY)
    namespace: dict[str, Any] = {
        "re": re,
        "os": os,
        "packaging": packaging,
        "HTTPBadRequest": object(),
        "_exc_with_message": _exc_with_message,
    }
    exec(_top_level(_git_show(repo, commit, FORMS), ("_filetype_extension_mapping",)), namespace)
    exec(_top_level(_git_show(repo, commit, PROJECT_UTILS), ("PROJECT_NAME_RE",)), namespace)
    exec(_top_level(legacy, _LEGACY_NAMES), namespace)
    exec(_wheel_block(legacy), namespace)
    return namespace


def judge(filename: str, checks: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The rule of the PyPI profile that refuses ``filename`` first, in PyPI's order (None:
    accepted), and the platform members that ``_valid_platform_tag`` refuses."""
    import packaging.utils
    import packaging.version

    refused = _refused_members(filename, checks)
    try:
        checks["_validate_filename"](filename, "bdist_wheel")
    except Refused:
        return "index.pypi.filename", refused
    if not _can_store(filename):
        return "index.pypi.stored-name", refused
    name_part = filename.split("-", 1)[0]
    canonical = packaging.utils.canonicalize_name(name_part)
    try:
        version: Any = packaging.utils.parse_wheel_filename(filename)[1]
    except packaging.utils.InvalidWheelFilename:
        version = None
    metrics = _Metrics()
    request = _Namespace(metrics=metrics)
    project = _Namespace(name=canonical, normalized_name=canonical)
    meta = _Namespace(name=canonical, version=version)
    form = _Namespace(filetype=_Namespace(data="bdist_wheel"))
    try:
        checks["wheel_checks"](filename, request, project, meta, form)
    except Refused:
        return _RULE_OF_REASON[metrics.reasons[-1]], refused
    if refused:
        raise SystemExit(f"record: {filename!r} passed though members were refused: {refused}")
    if not checks["PROJECT_NAME_RE"].match(canonical):
        return "index.pypi.project-name", refused
    if not _can_store(filename + ".metadata"):
        return "index.pypi.stored-name", refused
    return None, refused


def _refused_members(filename: str, checks: dict[str, Any]) -> list[str]:
    """The platform members, as written, that ``_valid_platform_tag`` refuses once packaging
    has read them (lowercased by ``Tag``): every one, although PyPI names only the first it
    meets. Judged whenever the filename has a platform part (4 or 5 '-'), even where an
    earlier check refuses the upload."""
    import packaging.tags

    stem = filename[: -len(".whl")]
    if stem.count("-") not in (4, 5):
        return []
    written = stem.rsplit("-", 1)[-1].split(".")
    return [
        member
        for member in dict.fromkeys(written)
        if not checks["_valid_platform_tag"](packaging.tags.Tag("py3", "none", member).platform)
    ]


def _can_store(name: str) -> bool:
    """Whether file_upload can create a file of this name in its temporary directory: the
    upload itself (``open(temporary_filename, "wb")``) and, for a wheel, its METADATA beside
    it (``open(temporary_filename + ".metadata", "wb")``, refused as "Filename is too long")."""
    try:
        with tempfile.TemporaryDirectory() as scratch, open(os.path.join(scratch, name), "wb"):
            return True
    except (OSError, ValueError, UnicodeError):
        return False


def upload_name(subject: str) -> str:
    """The filename a subject stands for: itself, or a bare tag as a wheel's platform part."""
    return subject if subject.endswith(".whl") else f"demo-1.0-py3-none-{subject}.whl"


# -- the corpus -----------------------------------------------------------------------------

_PYPI_ARCHES = ("x86_64", "i686", "aarch64", "armv7l", "ppc64le", "ppc64", "s390x", "riscv64")
_OTHER_ARCHES = (
    "loongarch64", "armv6l", "armv8l", "legv8le", "mips64", "mips64el", "ppc", "sparc64",
    "x86_64_v3", "x86_64_extra", "", "x86", "amd64", "arm64", "universal2", "X86_64",
    "Aarch64", "x86_64 ", "x86_64_", "_x86_64", "x86__64", "s390", "riscv32",
)  # fmt: skip
_NUMBERS = (
    "0", "1", "2", "3", "4", "10", "99", "65535", "65536", "99999",
    "12345678901234567890", "02", "00", "002", "\u0662", "\uff12", "+2", "-2", "", "x",
    " 2",
)  # fmt: skip
_MINORS = (
    "0", "5", "12", "16", "17", "26", "28", "31", "36", "41", "50", "999", "65535", "65536",
    "70000", "017", "00", "07", "\u0661\u0667", "+17", "", "a", "17 ",
)  # fmt: skip
_VERSIONS = (
    (0, 0), (1, 99), (2, 5), (2, 12), (2, 16), (2, 17), (2, 26), (2, 27), (2, 28), (2, 30),
    (2, 31), (2, 35), (2, 36), (2, 38), (2, 41), (3, 0),
)  # fmt: skip


def _tags() -> Iterator[str]:
    for major in _NUMBERS:
        for minor in _MINORS:
            yield f"manylinux_{major}_{minor}_x86_64"
    for major, minor in _VERSIONS:
        for arch in _PYPI_ARCHES + _OTHER_ARCHES:
            yield f"manylinux_{major}_{minor}_{arch}"
    for prefix in ("MANYLINUX", "Manylinux", "manyLinux", "musllinux", "MUSLLINUX", "many_linux",
                   "manylinux_", "xmanylinux", "manylinux_glibc", "linux", "Linux"):  # fmt: skip
        for arch in ("x86_64", "aarch64", "loongarch64", "X86_64"):
            yield f"{prefix}_2_17_{arch}"
    for alias in ("manylinux1", "manylinux2010", "manylinux2014", "manylinux2024", "manylinux2",
                  "manylinux2_24", "MANYLINUX2014", "Manylinux1", "manylinux01"):  # fmt: skip
        for arch in (*_PYPI_ARCHES, "loongarch64", "armv8l", "armv6l", "X86_64", ""):
            yield f"{alias}_{arch}"
    for major, minor in ((1, 1), (1, 2), (0, 0), (2, 0), (1, "02"), (1, "\u0662")):
        for arch in (*_PYPI_ARCHES, "loongarch64", "armv6l", "", "X86_64"):
            yield f"musllinux_{major}_{minor}_{arch}"
    for arch in _PYPI_ARCHES + _OTHER_ARCHES:
        yield f"linux_{arch}"
        yield f"LINUX_{arch}"
    yield from _other_platforms()
    yield from _odd_tags()


def _other_platforms() -> Iterator[str]:
    for major in (
        "9",
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "25",
        "26",
        "27",
        "010",
        "\u0661\u0660",
    ):
        for minor in ("0", "1", "9", "15", "00", "\u0660"):
            yield f"macosx_{major}_{minor}_x86_64"
    for version in ("10_9", "11_0", "26_0", "12_1", "10_15"):
        for arch in ("x86_64", "arm64", "universal2", "intel", "fat", "fat3", "fat64",
                     "universal", "ppc", "ppc64", "i386", "riscv64", "aarch64", ""):  # fmt: skip
            yield f"macosx_{version}_{arch}"
    yield from (
        "any", "win32", "win_amd64", "win_arm64", "win_ia64", "win_x86", "ANY", "Win32",
        "WIN_AMD64", "cygwin", "freebsd_13_x86_64", "solaris_2_11_i86pc", "netbsd_10_0_amd64",
        "emscripten_3_1_58_wasm32", "pyodide_2024_0_wasm32", "wasi", "", "linux", "manylinux",
        "musllinux", "macosx", "none", "py3",
        "ios_13_0_arm64_iphoneos", "ios_13_0_arm64_iphonesimulator",
        "ios_13_0_x86_64_iphonesimulator", "ios_12_0_arm64_iphoneos_extra",
        "ios_13_0_arm64_iphoneos_x86_64_iphoneos", "ios_13_0_armv7_iphoneos",
        "ios_13_0_arm64", "ios_\u0661\u0663_0_arm64_iphoneos", "ios_13_0_arm64_ipados",
        "ios_13_0__iphoneos", "ios_13_0_x86_64_iphonesimulator_iphoneos",
        "IOS_13_0_ARM64_IPHONEOS",
        "android_21_arm64_v8a", "android_21_armeabi_v7a", "android_21_x86",
        "android_21_x86_64", "android_21_mips", "android_arm64_v8a",
        "android_\u0662\u0661_x86", "android_21_arm64", "ANDROID_21_X86_64",
        "pyemscripten_2024_0_wasm32", "pyemscripten_2024_0_wasm32_extra",
        "pyemscripten_2024_wasm32", "pyemscripten_2024_0_wasm64",
        "PYEMSCRIPTEN_2024_0_WASM32",
    )  # fmt: skip


def _odd_tags() -> Iterator[str]:
    base = "manylinux_2_17_x86_64"
    for odd in ("\n", "\x00", "\x1b", "\x7f", "\t", " ", "/", "\\", "-", ".", "..", "\u200b",
                "\u202e", "\u00e9", "\u212a", "\u0130"):  # fmt: skip
        yield base + odd
        yield odd + base
    yield "manylinux_2_17_x86_\u212a"  # KELVIN SIGN lowercases to 'k'
    yield "MANYL\u0130NUX_2_17_X86_64"  # dotted capital I lowercases to two characters
    yield f"{base}.manylinux2014_x86_64"
    yield f"{base}.linux_x86_64"
    yield f"{base}.{base.upper()}"
    yield f"{base}.manylinux_2_17_legv8le.linux_x86_64"
    for count in range(9, 13):
        yield ".".join([base] * count)
        yield ".".join([base] * (count - 1) + ["linux_armv7l"])
    for length in (200, 217, 218, 219, 240, 300):
        yield "manylinux_2_17_" + "x" * length
    for length in (108, 109, 110, 120):
        yield "manylinux_2_17_" + "\u00e9" * length


def _filenames() -> Iterator[str]:
    platforms = (
        "any", "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux2014_x86_64.manylinux_2_17_x86_64", "linux_x86_64",
        "manylinux_2_17_x86_64.linux_x86_64", "manylinux_2_17_legv8le.linux_x86_64",
        "MANYLINUX_2_17_X86_64", "Manylinux2014_x86_64.manylinux_2_17_X86_64",
        "manylinux_2_17_x86_64..manylinux2014_x86_64", ".manylinux_2_17_x86_64",
        "manylinux_2_17_x86_64.", "manylinux_2_017_x86_64.manylinux2014_riscv64",
        "manylinux_2_17_x86_64.manylinux_2_17_x86_64",
        "manylinux_2_17_x86_64.MANYLINUX_2_17_X86_64",
        "musllinux_1_2_x86_64.manylinux_2_17_x86_64", "manylinux_2_36_loongarch64",
        "manylinux_2_17_legv8le.manylinux_2_17_armv8l.linux_x86_64.manylinux_2_5_aarch64",
        "linux_armv6l.linux_armv7l", "macosx_11_0_arm64.macosx_10_9_x86_64",
        "win_amd64", "",
    )  # fmt: skip
    for platform in platforms:
        yield f"demo-1.0-py3-none-{platform}.whl"
        yield f"demo-1.0-1-cp312-cp312-{platform}.whl"
    for name in ("demo", "Demo", "DEMO", "demo_pkg", "demo.pkg", "demo__pkg", "_demo", "demo_",
                 "d\u00e9mo", "d", "1", "", "demo pkg", "demo\u212a", "zope.interface",
                 "zope_interface", "a_b_c", "\u0661", "demo+pkg", "demo,pkg"):  # fmt: skip
        yield f"{name}-1.0-py3-none-any.whl"
    for version in ("1.0", "1.0.0", "1", "v1.0", "1.0.post1", "1.0.dev0", "1.0rc1", "1!1.0",
                    "1.0+local", "1.0+local.1", "1.0 ", " 1.0", "x", "", "1.0.x",
                    "\u0661.\u0660", "1_0", "1.0_1", "1.0a", "V1.0", "1.0.POST1",
                    "1.0+LOCAL", "01.00", "1.0+"):  # fmt: skip
        yield f"demo-{version}-py3-none-any.whl"
    for build in ("1", "1abc", "abc", "\u0661", "01", "", "1-2", "1_", " 1"):
        yield f"demo-1.0-{build}-py3-none-any.whl"
    for python, abi in (("py2.py3", "none"), ("", "none"), ("py3..py2", "none"),
                        ("cp312.CP313", "CP312"), ("py3!", "none"), ("p\u00fd3", "none"),
                        ("py 3", "none"), ("py3", ""), ("py3", "none.abi3"),
                        ("3py", "none")):  # fmt: skip
        yield f"demo-1.0-{python}-{abi}-manylinux_2_17_x86_64.whl"
    for odd in ("\x00", "\n", "\x7f", "\x1b", "/", "\\", " ", "\u202e"):
        yield f"demo{odd}-1.0-py3-none-any.whl"
        yield f"demo-1.0-py3-none-any{odd}.whl"
    yield from ("dir/demo-1.0-py3-none-any.whl", "C:\\demo-1.0-py3-none-any.whl",
                "/demo-1.0-py3-none-any.whl", "demo.whl", "demo-1.0.whl",
                "demo-1.0-py3-none.whl", "a-b-c-d-e-f-g.whl", ".whl", "-.whl", "----.whl",
                "-----.whl", "------.whl", "x.whl", "demo-1.0-py3-none-any.tar.gz.whl",
                "demo-1.0-py3-none-any.zip.whl")  # fmt: skip
    for length in (224, 225, 226, 227, 234, 235):  # 246 bytes and 255 bytes are the limits
        yield "a" * length + "-1.0-py3-none-any.whl"
    for length in (77, 78, 79):
        yield "d\u00e9" * length + "-1.0-py3-none-any.whl"
    long_set = ".".join(["manylinux_2_17_x86_64"] * 11)
    yield f"d-1.0-py3-none-{long_set}.whl"
    yield f"demo-1.0-py3-none-{long_set}.linux_x86_64.whl"


def corpus() -> list[str]:
    """Every subject once, tags first, in a stable order."""
    return list(dict.fromkeys([*_tags(), *_filenames()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="warehouse's git dir")
    parser.add_argument("--commit", required=True, help="the commit to read")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    checks = load_checks(args.warehouse, args.commit)
    date = _git_show_date(args.warehouse, args.commit)
    rows = []
    for subject in corpus():
        rule, refused = judge(upload_name(subject), checks)
        rows.append([subject, rule is None, rule, refused])
    table = {
        "source": {
            "repository": "https://github.com/pypi/warehouse",
            "commit": args.commit,
            "date": date,
            "file": LEGACY,
            "functions": [
                "_validate_filename",
                "_valid_platform_tag",
                "file_upload (the wheel block; the temporary files FILENAME and FILENAME.metadata)",
            ],
            "packaging": PACKAGING,
            "python": sys.version.split()[0],
        },
        "model": " ".join(__doc__.split("The model of an upload: ", 1)[1].split()),
        "columns": ["subject", "accepted", "first_refusing_rule", "refused_platform_members"],
        "rows": rows,
    }
    args.out.write_text(_one_row_a_line(table), encoding="utf-8")
    accepted = sum(1 for row in rows if row[1])
    print(f"record: {len(rows)} subjects, {accepted} accepted, written to {args.out}")
    return 0


def _one_row_a_line(table: dict[str, Any]) -> str:
    """JSON with one row a line, so a review of a new recording reads as a diff of rows."""
    head = json.dumps({k: v for k, v in table.items() if k != "rows"}, indent=1)[:-2]
    rows = ",\n".join(json.dumps(row) for row in table["rows"])
    return f'{head},\n "rows": [\n{rows}\n ]\n}}\n'


def _git_show_date(repo: Path, commit: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={repo}", "show", "-s", "--format=%cs", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
