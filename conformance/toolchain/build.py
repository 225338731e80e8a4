"""Build the real-toolchain binaries with Debian's cross compilers, and record how.

The second fixture family (DESIGN.md, "Two fixture families"): small C and C++ shared objects
and executables from the sources in ``src/``, built for every architecture Debian has a cross
compiler for, stripped and written to ``built/ARCH/``. ``MANIFEST.json`` records, per
architecture, the compiler, binutils and C library packages with their versions, and per file
its sha256, size and the command that made it. Not bit-reproducible, and not meant to be:
the bytes are committed, and CI reads them without rebuilding.

    python -m conformance.toolchain.build [--install] [--only ARCH ...]

``--install`` first installs the missing compilers with apt-get (Debian, as root).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
BUILT = HERE / "built"
MANIFEST = HERE / "MANIFEST.json"


@dataclass(frozen=True)
class Target:
    """One architecture: our name for it, Debian's GNU triplet and the apt package that
    brings the C++ cross compiler (with gcc, binutils and the C library)."""

    arch: str
    triplet: str
    package: str


TARGETS = (
    Target("x86_64", "x86_64-linux-gnu", "g++"),
    Target("i686", "i686-linux-gnu", "g++-i686-linux-gnu"),
    Target("aarch64", "aarch64-linux-gnu", "g++-aarch64-linux-gnu"),
    Target("armv7l", "arm-linux-gnueabihf", "g++-arm-linux-gnueabihf"),
    Target("armel", "arm-linux-gnueabi", "g++-arm-linux-gnueabi"),
    Target("ppc64le", "powerpc64le-linux-gnu", "g++-powerpc64le-linux-gnu"),
    Target("ppc64", "powerpc64-linux-gnu", "g++-powerpc64-linux-gnu"),
    Target("s390x", "s390x-linux-gnu", "g++-s390x-linux-gnu"),
    Target("riscv64", "riscv64-linux-gnu", "g++-riscv64-linux-gnu"),
    Target("loongarch64", "loongarch64-linux-gnu", "g++-loongarch64-linux-gnu"),
)

COMMON = ("-Os", "-s", "-fPIC")
SHARED = (*COMMON, "-shared")
LIBDEMO = ("-L.", "-l:libdemo.so.1")


@dataclass(frozen=True)
class Product:
    """One file to build: its name, sources, whether C++, and the extra flags that make it."""

    name: str
    sources: tuple[str, ...]
    flags: tuple[str, ...]
    cxx: bool = False
    libraries: tuple[str, ...] = ()
    """Linked after the sources (the executables need the libdemo.so.1 built before them)."""
    only: tuple[str, ...] = ()
    """The architectures this file is built for, or () for all."""


PRODUCTS = (
    Product("libplain-sysv.so", ("plain.c",), (*SHARED, "-Wl,--hash-style=sysv")),
    Product("libplain-gnu.so", ("plain.c",), (*SHARED, "-Wl,--hash-style=gnu")),
    Product("libplain-both.so", ("plain.c",), (*SHARED, "-Wl,--hash-style=both")),
    Product(
        "libdemo.so.1",
        ("demo.c",),
        (*SHARED, "-Wl,-soname,libdemo.so.1", "-Wl,--version-script=demo.map"),
    ),
    Product("libcxx.so", ("cxx.cc",), (*SHARED, "-Wl,-soname,libcxx.so"), cxx=True),
    Product("libtls.so", ("tls.c",), (*SHARED, "-Wl,-soname,libtls.so")),
    Product(
        "demo-runpath",
        ("main.c",),
        (*COMMON, "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib"),
        libraries=LIBDEMO,
    ),
    Product(
        "demo-rpath",
        ("main.c",),
        (*COMMON, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib"),
        libraries=LIBDEMO,
    ),
    Product("demo-bare", ("main.c",), COMMON, libraries=LIBDEMO),
    Product(
        "libisa-v3.so",
        ("plain.c",),
        (*SHARED, "-march=x86-64-v3", "-Wl,-z,x86-64-v3"),
        only=("x86_64",),
    ),
    Product(
        "libtls-4k.so",
        ("tls.c",),
        (*SHARED, "-Wl,-soname,libtls.so", "-Wl,-z,max-page-size=0x1000"),
        only=("ppc64le", "ppc64"),
    ),
)
"""``libtls-4k.so`` is ``libtls.so`` aligned to 4 KiB pages instead of the 64 KiB PowerPC
default: the same dynamic tables in a file small enough to wrap in a committed wheel."""


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, env=_c_locale()
    )
    if done.returncode != 0:
        raise SystemExit(f"build: {' '.join(command)} failed:\n{done.stderr.strip()}")
    return done.stdout.strip()


def _c_locale() -> dict[str, str]:
    return {**os.environ, "LC_ALL": "C"}


def _owner(path: str) -> dict[str, str]:
    """The Debian package that installed ``path``, and its version."""
    real = os.path.realpath(path)
    found = subprocess.run(
        ["dpkg-query", "-S", real], capture_output=True, text=True, check=False, env=_c_locale()
    )
    if found.returncode != 0:  # merged /usr: dpkg may know the /lib spelling instead
        alias = real.replace("/usr/lib/", "/lib/", 1)
        found = subprocess.run(
            ["dpkg-query", "-S", alias], capture_output=True, text=True, check=False
        )
    package = found.stdout.split(":")[0].strip() if found.returncode == 0 else "unknown"
    version = (
        _run(["dpkg-query", "-W", "-f", "${Version}", package]) if package != "unknown" else ""
    )
    return {"package": package, "version": version}


def toolchain(target: Target) -> dict[str, object]:
    """What built this architecture: gcc, binutils (the linker) and the C library."""
    gcc = f"{target.triplet}-gcc"
    libc = _run([gcc, "-print-file-name=libc.so.6"])
    return {
        "triplet": target.triplet,
        "gcc": {"release": _run([gcc, "-dumpfullversion"]), **_owner(shutil.which(gcc) or gcc)},
        "binutils": {
            "release": _run([f"{target.triplet}-ld", "--version"]).splitlines()[0],
            **_owner(shutil.which(f"{target.triplet}-ld") or ""),
        },
        "libc": _owner(libc),
    }


def available(target: Target) -> bool:
    return shutil.which(f"{target.triplet}-g++") is not None


def install(targets: tuple[Target, ...]) -> None:
    """apt-get install the compilers that are missing and that Debian has."""
    missing = [t.package for t in targets if not available(t)]
    if not missing:
        return
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    for package in missing:  # one at a time: an architecture Debian lacks must not stop the rest
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def build(target: Target) -> dict[str, dict[str, object]]:
    """Build every product for one architecture into ``built/ARCH``; return their facts."""
    out = BUILT / target.arch
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for source in SOURCES.iterdir():
            shutil.copy(source, work / source.name)
        for product in PRODUCTS:
            if product.only and target.arch not in product.only:
                continue
            compiler = f"{target.triplet}-{'g++' if product.cxx else 'gcc'}"
            command = [
                compiler,
                *product.flags,
                "-o",
                product.name,
                *product.sources,
                *product.libraries,
            ]
            _run(command, cwd=work)
            data = (work / product.name).read_bytes()
            (out / product.name).write_bytes(data)
            files[product.name] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "command": " ".join(command),
            }
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="apt-get install the compilers")
    parser.add_argument("--only", nargs="*", metavar="ARCH", help="rebuild these architectures")
    args = parser.parse_args(argv)
    targets = tuple(t for t in TARGETS if not args.only or t.arch in args.only)
    if args.install:
        install(targets)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest.setdefault("architectures", {})
    manifest.setdefault("skipped", {})
    for target in targets:
        if not available(target):
            manifest["skipped"][target.arch] = (
                f"no {target.triplet}-g++: Debian has no package {target.package} here"
            )
            manifest["architectures"].pop(target.arch, None)
            print(f"skipped {target.arch}: {target.triplet}-g++ is not installed")
            continue
        manifest["skipped"].pop(target.arch, None)
        manifest["architectures"][target.arch] = {
            "toolchain": toolchain(target),
            "files": build(target),
        }
        print(f"built {target.arch}")
    manifest["generator"] = "python -m conformance.toolchain.build"
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
