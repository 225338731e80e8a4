"""Cases: a family, an index and the campaign seed give the inputs and the command line.

Each family writes its inputs into the worker's folder and returns the ``perennial``
arguments and the names an error line must mention (the input it is about). A case is a
pure function of (seed, family, index), so ``--replay`` rebuilds any one of them.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import mutate
from .seeds import ARCHES, FILENAMES, GLIBC_STRINGS, TAGS, Seeds

FAMILIES = ("elf", "zip", "policy", "tags")


@dataclass(frozen=True)
class Case:
    """What to run and which names an error about it must mention (any one of them)."""

    family: str
    index: int
    argv: tuple[str, ...]
    names: tuple[str, ...]


Builder = Callable[[random.Random, Seeds, Path], tuple[list[str], list[str]]]


def build(seeds: Seeds, seed: int, family: str, index: int, folder: Path) -> Case:
    """Write the inputs of one case into ``folder`` (emptied first) and describe it."""
    rng = random.Random(f"{seed}:{family}:{index}")
    _empty(folder)
    argv, names = BUILDERS[family](rng, seeds, folder)
    return Case(family, index, tuple(argv), tuple(names))


def _empty(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


_WHEEL_TEXT = "Wheel-Version: 1.0\nGenerator: fuzz\nRoot-Is-Purelib: false\nTag: {tag}\n"
_ARCH_OF_SEED = ("x86_64", "aarch64", "i686", "armv7l", "ppc64le", "ppc64", "s390x", "riscv64")


def _elf_case(rng: random.Random, seeds: Seeds, folder: Path) -> tuple[list[str], list[str]]:
    """A mutated ELF file inside a small wheel (or as a stand-in interpreter)."""
    name, blob = rng.choice(seeds.elf)
    mutated = mutate.elf_mutation(rng, blob)
    if rng.random() < 0.05:
        path = folder / "python"
        path.write_bytes(mutated)
        return ["tags", "--glibc", "2.28", "--arch", "x86_64", "--interpreter-elf", str(path)], [
            str(path)
        ]
    arch = next((a for a in _ARCH_OF_SEED if a in name.replace("/", "-")), "x86_64")
    tag = f"cp311-cp311-manylinux_2_17_{arch}"
    path = folder / f"fz-1.0-{tag}.whl"
    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("fz-1.0.dist-info/WHEEL", _WHEEL_TEXT.format(tag=tag))
        archive.writestr(f"fz/_m{rng.randrange(3)}.so", mutated)
    return ["audit", *(["--json"] if rng.random() < 0.2 else []), str(path)], [str(path)]


_HOSTILE_FILE_NAMES = (
    "fz\n\x1b[31mperennial: forged\u202e-1.0-py3-none-any.whl",
    "\udcff\udcfe.whl",
)


def _zip_case(rng: random.Random, seeds: Seeds, folder: Path) -> tuple[list[str], list[str]]:
    """A mutated wheel, sometimes recompressed first or saved under a hostile name."""
    name, blob = rng.choice(seeds.wheels)
    if rng.random() < 0.25:
        blob = _recompress(rng, blob)
    filename = Path(name).name
    if rng.random() < 0.1:
        filename = rng.choice(_HOSTILE_FILE_NAMES)
    path = folder / filename
    path.write_bytes(mutate.zip_mutation(rng, blob))
    return ["audit", *(["--json"] if rng.random() < 0.2 else []), str(path)], [str(path)]


def _recompress(rng: random.Random, blob: bytes) -> bytes:
    """The same wheel with each member stored again by a random compression method (a seed
    that zipfile cannot read, one of the hostile fixtures, stays as it is)."""
    methods = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                target.writestr(info.filename, source.read(info), rng.choice(methods))
    except (zipfile.BadZipFile, ValueError, OSError):
        return blob
    return out.getvalue()


_VALUES = (
    '"2.' + "9" * 30 + '"',
    '"2.65536"',
    "1",
    "true",
    "[]",
    "{}",
    '"\\u001b[31m\\nperennial: forged\\u202e"',
    "[" * 300 + "]" * 300,
    '"2.17\\n"',
    "nan",
    "1979-05-27",
    '[1, "a", {}]',
)


def _policy_case(rng: random.Random, seeds: Seeds, folder: Path) -> tuple[list[str], list[str]]:
    """A copy of the policy data with one file damaged, read by a policy-driven command."""
    directory = folder / "fuzzpolicies"
    shutil.copytree(seeds.policies, directory)
    files = sorted(p for p in directory.rglob("*.toml"))
    target = rng.choice(files)
    _damage(rng, target)
    argv = rng.choice(
        [
            ["policy", "--policies", str(directory), "list"],
            ["policy", "--policies", str(directory), "show", "manylinux2014", "--json"],
            ["tags", "--policies", str(directory), "--glibc", "2.28", "--arch", "x86_64"],
        ]
    )
    return argv, [str(directory), directory.name]


def _damage(rng: random.Random, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    kind = rng.randrange(10)
    if kind == 0:
        data = bytearray(text.encode())
        mutate.flip_bits(rng, data)
        path.write_bytes(bytes(data))
    elif kind == 1:
        path.write_bytes(
            text.encode(rng.choice(["utf-16", "utf-32", "latin-1"]), "replace") + b"\xff"
        )
    elif kind == 2:
        path.write_text(text[: rng.randrange(len(text) + 1)])
    elif kind == 3 and lines:
        del lines[rng.randrange(len(lines))]
        path.write_text("\n".join(lines))
    elif kind == 4 and lines:
        at = rng.randrange(len(lines))
        lines.insert(at, lines[rng.randrange(len(lines))])
        path.write_text("\n".join(lines))
    elif kind == 5:
        path.unlink()
        _special(rng, path)
    elif kind in (6, 7) and "=" in text:
        at = rng.choice([i for i, line in enumerate(lines) if "=" in line])
        key, _, _value = lines[at].partition("=")
        lines[at] = f"{key}= {rng.choice(_VALUES)}"
        path.write_text("\n".join(lines))
    elif kind == 8:
        key = mutate.string_mutation(rng, "glibc").replace('"', "").replace("\\", "")
        escaped = key.encode("unicode_escape").decode("ascii").replace("\\x", "\\u00")
        path.write_text(f'"{escaped}" = 1\n' + text)
    else:
        path.write_text(text + "\nx = " + "[" * rng.choice([50, 500, 5000]) + "\n")


def _special(rng: random.Random, path: Path) -> None:
    """Put something other than a regular file where a policy file should be."""
    kind = rng.randrange(4)
    if kind == 0:
        os.mkfifo(path)
    elif kind == 1:
        path.mkdir()
    elif kind == 2:
        path.symlink_to("/dev/zero")


def _tags_case(rng: random.Random, seeds: Seeds, folder: Path) -> tuple[list[str], list[str]]:
    """Mutated tags, glibc strings, architectures and wheel filenames on the command line."""

    def maybe(values: tuple[str, ...], chance: float) -> str:
        value = rng.choice(values)
        return mutate.string_mutation(rng, value) if rng.random() < chance else value

    tag, glibc, arch = maybe(TAGS, 0.9), maybe(GLIBC_STRINGS, 0.5), maybe(ARCHES, 0.3)
    system = ["--glibc", glibc, "--arch", arch]
    kind = rng.randrange(5)
    if kind == 0:
        return ["compatible", tag, *system], [tag, glibc, arch]
    if kind == 1:
        return ["tags", *system, *(["--json"] if rng.random() < 0.3 else [])], [glibc, arch]
    if kind == 2:
        wheels = [maybe(FILENAMES, 0.8) for _ in range(rng.randint(1, 3))]
        return ["select", *wheels, *system], [*wheels, glibc, arch]
    if kind == 3:
        return ["tags", "--target", tag], [tag]
    return ["index-check", tag], [tag]


BUILDERS: dict[str, Builder] = {
    "elf": _elf_case,
    "zip": _zip_case,
    "policy": _policy_case,
    "tags": _tags_case,
}
