"""Benchmark ``perennial audit`` against ``auditwheel show`` on real wheels from PyPI.

Not a test: it downloads a corpus into a cache outside the repository, runs both auditors on
each wheel in a child process (wall time and peak RSS from ``/usr/bin/time``), measures the
floor (only decompressing each wheel's ELF members), and prints both verdicts side by side.

    .venv/bin/python benchmarks/audit_bench.py [--cache DIR] [--only SUBSTRING] [--json OUT]
    .venv/bin/python benchmarks/audit_bench.py --verdicts   # verdicts only, no timing
    .venv/bin/python benchmarks/audit_bench.py --startup    # start-up on the smallest wheel
    .venv/bin/python benchmarks/audit_bench.py --inflate    # zlib, zlib-ng, isal on ELF members
    .venv/bin/python benchmarks/audit_bench.py --markdown out.json  # README tables of a run
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
sys.path.insert(0, str(REPO))
DEFAULT_CACHE = Path.home() / ".cache" / "perennial-bench" / "wheels"

PACKAGES = [
    "numpy", "scipy", "pandas", "pyarrow", "opencv-python-headless", "h5py", "scikit-learn",
    "psycopg2-binary", "lxml", "pillow", "cryptography",
]  # fmt: skip
ARCHES = ["x86_64", "aarch64"]
WIDE_PACKAGES = [
    "pydantic-core==2.50.4", "charset-normalizer", "markupsafe", "pyyaml", "lxml", "msgpack",
    "zstandard",
]  # fmt: skip
"""Popular small and mid-size projects that ship manylinux wheels for many architectures."""
WIDE_ARCHES = ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"]
"""Every architecture PyPI has manylinux wheels for (ppc64 big-endian and loongarch64: none
of these projects publishes one)."""
EXTRA = [
    # (requirement, python version, platforms): the old legacy tags and the big one
    ("numpy==1.21.1", "3.7", ["manylinux1_x86_64"]),
    ("numpy==1.21.6", "3.9", ["manylinux2010_x86_64"]),
    ("torch==2.13.0", "3.11", ["manylinux_2_28_x86_64"]),  # from the machine's wheel dir
]


def download(cache: Path) -> None:
    """``pip download`` the corpus into ``cache`` (pip skips what is already there)."""
    cache.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, str, list[str]]] = []
    for arch in ARCHES:
        platforms = [f"manylinux_2_28_{arch}", f"manylinux_2_17_{arch}", f"manylinux2014_{arch}"]
        jobs.extend((pkg, "3.11", platforms) for pkg in PACKAGES)
    for arch in WIDE_ARCHES:
        jobs.extend((pkg, "3.11", _platforms(arch)) for pkg in WIDE_PACKAGES)
    jobs.extend(EXTRA)
    for requirement, python, platforms in jobs:
        command = [str(VENV_BIN / "pip"), "download", "-q", "--no-deps", "--only-binary=:all:"]
        for platform in platforms:
            command += ["--platform", platform]
        command += ["--python-version", python, "-d", str(cache), requirement]
        subprocess.run(command, check=False)


def _platforms(arch: str) -> list[str]:
    """Every manylinux tag of ``arch`` a project may use, so pip takes its best wheel."""
    glibcs = (39, 35, 34, 31, 28, 27, 24, 17, 12, 5)
    aliases = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags = [f"manylinux_2_{minor}_{arch}" for minor in glibcs]
    return tags + [f"{alias}_{arch}" for alias in aliases.values()]


@dataclass
class Run:
    seconds: float
    peak_kb: int
    output: str
    code: int


def timed(command: list[str]) -> Run:
    """Run a command, returning its wall time, peak RSS and stdout."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%M", *command],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        lines = [x for x in Path(report.name).read_text().split() if x.isdigit()]
    return Run(elapsed, int(lines[-1]) if lines else 0, done.stdout, done.returncode)


def floor(wheel: Path) -> float:
    """Seconds to only decompress the wheel's ELF members (what any auditor must at least do)."""
    start = time.perf_counter()
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            with archive.open(info) as stream:
                if stream.read(4) != b"\x7fELF":
                    continue
                while stream.read(1 << 20):
                    pass
    return time.perf_counter() - start


def in_process(wheel: Path) -> float:
    """Seconds for ``audit_wheel`` alone, imports and policies already loaded: the number to
    hold against the floor, which is measured the same way."""
    from reference_impl.audit import audit_wheel
    from reference_impl.errors import PerennialError

    start = time.perf_counter()
    with contextlib.suppress(PerennialError):
        audit_wheel(wheel)
    return time.perf_counter() - start


def agree(mine: str, theirs_: str) -> bool:
    """Same maintained baseline, or both no manylinux tag (auditwheel says ``linux``)."""
    return mine.split(" ")[0] == theirs_ or (
        mine.startswith("none") and theirs_.startswith("linux")
    )


def ours(run: Run) -> str:
    try:
        wheel = json.loads(run.output)["wheels"][0]
    except (ValueError, KeyError, IndexError):
        return f"error (exit {run.code})"
    return f"{wheel['best_baseline'] or 'none'} (earliest {wheel['earliest']['glibc']})"


def theirs(run: Run) -> str:
    try:
        data = json.loads(run.output)
    except ValueError:
        return f"error (exit {run.code})"
    tag = str(data.get("overall_tag", data.get("error", "?")))
    match = re.match(r"^(manylinux_[0-9]+_[0-9]+)_", tag)
    return match[1] if match else tag


def architecture(wheel: Path) -> str:
    """The architecture of a wheel's first manylinux platform tag."""
    match = re.search(r"manylinux(?:1|2010|2014|_\d+_\d+)_([a-z0-9_]+?)(?:\.|\.whl$)", wheel.name)
    return match[1] if match else "?"


def compare_verdicts(wheels: list[Path]) -> int:
    """Our verdict beside ``auditwheel show``'s, wheel by wheel, and the agreement per
    architecture. Exit 1 if we refuse a wheel that auditwheel reads."""
    print(f"{'wheel':70} {'arch':8} {'ours':34} auditwheel")
    rows = []
    refused = []
    for wheel in wheels:
        mine = ours(timed([str(VENV_BIN / "perennial"), "audit", "--json", str(wheel)]))
        aw = theirs(timed([str(VENV_BIN / "auditwheel"), "show", "--json", str(wheel)]))
        if mine.startswith("error") and not aw.startswith("error"):
            refused.append(wheel.name)
        rows.append({"arch": architecture(wheel), "ours": mine, "auditwheel": aw})
        mark = "" if agree(mine, aw) else "  DIFFERENT"
        print(f"{wheel.name[:70]:70} {architecture(wheel):8} {mine:34} {aw}{mark}", flush=True)
    for arch, (agreeing, total) in sorted(agreement(rows).items()):
        print(f"{arch:8} {total:3} wheels, {agreeing:3} agree with auditwheel")
    print(f"refused by us although auditwheel reads them: {len(refused)} {refused}")
    return 1 if refused else 0


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): other jobs share its two cores."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wall(command: list[str], runs: int) -> dict[str, float]:
    """Best and median wall milliseconds of ``runs`` runs of a short command (after one run
    to warm the page cache and the policy snapshot)."""
    subprocess.run(command, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return {"min_ms": round(min(times), 1), "median_ms": round(statistics.median(times), 1)}


def installed_copy(folder: Path) -> Path:
    """A plain (non-editable) install of this checkout in a fresh venv: its ``perennial``."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO)]
    subprocess.run(pip, check=True, capture_output=True)
    return folder / "bin" / "perennial"


def startup(wheels: list[Path], runs: int = 20) -> dict[str, object]:
    """``perennial audit --json`` on the smallest wheel beside ``python -c pass``, as the
    README installs it (editable) and as a plain install, and ``auditwheel show``."""
    tiny = min(wheels, key=lambda w: w.stat().st_size)
    found: dict[str, object] = {"wheel": tiny.name, "load_before": load()}
    with tempfile.TemporaryDirectory() as folder:
        plain = installed_copy(Path(folder) / "venv")
        commands = {
            "python -c pass": [str(VENV_BIN / "python"), "-c", "pass"],
            "perennial audit (editable, .venv)": [str(VENV_BIN / "perennial"), "audit", "--json"],
            "perennial audit (plain install)": [str(plain), "audit", "--json"],
            "auditwheel show": [str(VENV_BIN / "auditwheel"), "show", "--json"],
        }
        for label, command in commands.items():
            if label != "python -c pass":
                command.append(str(tiny))
            found[label] = wall(command, runs)
            print(f"  {label:36} {found[label]}", flush=True)
    found["load_after"] = load()
    return found


def _elf_members(wheel: Path) -> list[tuple[bytes, int]]:
    """The raw deflate data and inflated size of each ELF member of a wheel."""
    members = []
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED:
                continue
            with archive.open(info) as stream:
                if stream.read(4) != b"\x7fELF":
                    continue
            assert archive.fp is not None
            archive.fp.seek(info.header_offset + 26)
            names = archive.fp.read(4)
            skip = int.from_bytes(names[:2], "little") + int.from_bytes(names[2:], "little")
            archive.fp.seek(info.header_offset + 30 + skip)
            members.append((archive.fp.read(info.compress_size), info.file_size))
    return members


def _inflate_all(decompressobj: Callable[[int], object], members: list[tuple[bytes, int]]) -> None:
    """Inflate every member in 256 KiB pieces, as ``reference_impl.wheelfile`` reads them."""
    for raw, size in members:
        stream: Any = decompressobj(-15)
        out = 0
        for at in range(0, len(raw), 1 << 18):
            out += len(stream.decompress(raw[at : at + (1 << 18)], 1 << 18))
            while stream.unconsumed_tail:
                out += len(stream.decompress(stream.unconsumed_tail, 1 << 18))
        assert out == size, "a backend inflated a member to another size"


def inflate_backends(wheels: list[Path]) -> dict[str, float]:
    """CPU seconds each installed deflate backend takes over the corpus's ELF members."""
    backends: dict[str, Callable[[int], object]] = {"zlib": zlib.decompressobj}
    for label, module in (("zlib-ng", "zlib_ng.zlib_ng"), ("isal", "isal.isal_zlib")):
        with contextlib.suppress(ImportError):
            backends[label] = importlib.import_module(module).decompressobj
    totals = dict.fromkeys(backends, 0.0)
    for wheel in wheels:
        members = _elf_members(wheel)
        for label, decompressobj in backends.items():
            start = time.process_time()
            _inflate_all(decompressobj, members)
            totals[label] += time.process_time() - start
    for label, seconds in totals.items():
        print(f"  {label:8} {seconds:6.2f} s  ({totals['zlib'] / seconds:.2f}x zlib's speed)")
    return {label: round(seconds, 2) for label, seconds in totals.items()}


def agreement(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Per architecture: wheels that get auditwheel's verdict, and wheels."""
    per_arch: dict[str, list[int]] = {}
    for row in rows:
        counts = per_arch.setdefault(row["arch"], [0, 0])
        counts[0] += agree(row["ours"], row["auditwheel"])
        counts[1] += 1
    return per_arch


def markdown(report: dict[str, Any]) -> None:
    """The tables of ``benchmarks/README.md``, from one run's ``--json`` file."""
    print(
        "| wheel | arch | MB | floor s | in process s | `perennial audit` s | `auditwheel show` s"
        " | speed-up | ours MB | auditwheel MB | ours: best baseline (earliest glibc) | auditwheel"
        " | same |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
    for r in report["wheels"]:
        name = "-".join(r["wheel"].split("-")[:2])
        print(
            f"| {name} | {r['arch']} | {r['mb']:.2f} | {r['floor_s']:.2f}"
            f" | {r['ours_in_process_s']:.2f} | {r['ours_s']:.2f} | {r['auditwheel_s']:.2f}"
            f" | {r['auditwheel_s'] / r['ours_s']:.1f}x | {r['ours_peak_mb']:.1f}"
            f" | {r['auditwheel_peak_mb']:.1f} | {r['ours']} | {r['auditwheel']}"
            f" | {'yes' if agree(r['ours'], r['auditwheel']) else '**no**'} |"
        )
    t = report["totals"]
    aw = t["auditwheel_s"]
    print(
        f"| **total** | | | **{t['floor_s']:.1f}** | **{t['ours_in_process_s']:.1f}**"
        f" | **{t['ours_s']:.1f}** | **{aw:.1f}** | | | | | | |"
    )
    print()
    print(f"| | time | auditwheel ({aw:.1f} s, one call per wheel) divided by it |")
    print("|---|---:|---:|")
    for label, key in (
        ("the floor: inflating every ELF member with zlib, in process", "floor_s"),
        ("`audit_wheel` on every wheel, in process", "ours_in_process_s"),
        ("`perennial audit`, one call per wheel", "ours_s"),
        ("`perennial audit` over the corpus, one call", "folder_s"),
        ("the same with `--jobs 2`", "folder_jobs2_s"),
    ):
        print(f"| {label} | {t[key]:.1f} s | {aw / t[key]:.1f}x |")


def compile_bytecode() -> None:
    """Compile our modules once, as pip does for the peers it installs.

    ``.venv`` holds this checkout as an editable install and this machine sets
    PYTHONDONTWRITEBYTECODE, so without this every ``perennial`` start would compile its
    sources (about 40 ms) while auditwheel starts from the bytecode pip wrote.
    """
    import compileall

    for package in ("reference_impl", "conformance"):
        compileall.compile_dir(REPO / package, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", default="", help="only wheels whose name contains this")
    parser.add_argument("--no-download", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument(
        "--verdicts", action="store_true", help="only compare verdicts with auditwheel's"
    )
    parser.add_argument("--startup", action="store_true", help="only measure start-up")
    parser.add_argument("--inflate", action="store_true", help="only compare deflate backends")
    parser.add_argument("--markdown", type=Path, help="print the README tables of a --json run")
    args = parser.parse_args()
    if args.markdown:
        markdown(json.loads(args.markdown.read_text()))
        return 0
    if not args.no_download:
        download(args.cache)
    compile_bytecode()
    # a project without a wheel for some architecture may give pip its pure wheel: not ours
    wheels = sorted(
        w for w in args.cache.glob("*.whl") if args.only in w.name and "manylinux" in w.name
    )
    if args.verdicts:
        return compare_verdicts(wheels)
    report: dict[str, Any] = {"load_before": load()}
    print(f"load average before: {report['load_before']}")
    if not args.inflate:
        print("start-up, wall ms (best, median of 20):")
        report["startup"] = startup(wheels)
    if not args.startup:
        print("inflating every ELF member of the corpus, CPU s:")
        report["inflate"] = inflate_backends(wheels)
    if not (args.startup or args.inflate):
        report["wheels"] = rows = per_wheel(wheels)
        report["totals"] = totals(rows, wheels)
    report["load_after"] = load()
    print(f"load average after: {report['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def per_wheel(wheels: list[Path]) -> list[dict[str, Any]]:
    """Floor, in-process audit, both commands and both verdicts, wheel by wheel."""
    rows = []
    header = f"{'wheel':58} {'MB':>6} {'floor':>6} {'in-pr':>6} {'ours':>6} {'aw':>7} {'x':>5} {'oursMB':>6} {'awMB':>6}  verdicts (ours | auditwheel)"  # noqa: E501
    print(header)
    for wheel in wheels:
        size = wheel.stat().st_size / 1e6
        base = floor(wheel)
        inside = in_process(wheel)
        mine = timed([str(VENV_BIN / "perennial"), "audit", "--json", str(wheel)])
        aw = timed([str(VENV_BIN / "auditwheel"), "show", "--json", str(wheel)])
        row = {
            "wheel": wheel.name,
            "arch": architecture(wheel),
            "mb": round(size, 2),
            "floor_s": round(base, 3),
            "ours_in_process_s": round(inside, 3),
            "ours_s": round(mine.seconds, 3),
            "auditwheel_s": round(aw.seconds, 3),
            "ours_peak_mb": round(mine.peak_kb / 1024, 1),
            "auditwheel_peak_mb": round(aw.peak_kb / 1024, 1),
            "ours": ours(mine),
            "auditwheel": theirs(aw),
        }
        rows.append(row)
        print(
            f"{wheel.name[:58]:58} {size:6.2f} {base:6.2f} {inside:6.2f} {mine.seconds:6.2f}"
            f" {aw.seconds:7.2f}"
            f" {aw.seconds / mine.seconds:5.1f} {row['ours_peak_mb']:6.1f}"
            f" {row['auditwheel_peak_mb']:6.1f}  {row['ours']} | {row['auditwheel']}"
            f"{'' if agree(row['ours'], row['auditwheel']) else '  DIFFERENT'}",
            flush=True,
        )
    return rows


def totals(rows: list[dict[str, Any]], wheels: list[Path]) -> dict[str, Any]:
    """The sums against the targets, memory where ours is above, agreement per architecture."""
    total: dict[str, Any] = {
        key: round(sum(r[key] for r in rows), 2)
        for key in ("floor_s", "ours_in_process_s", "ours_s", "auditwheel_s")
    }
    # One invocation over the whole corpus, as a user would run it (one interpreter start-up).
    paths = [str(w) for w in wheels]
    whole = timed([str(VENV_BIN / "perennial"), "audit", "--json", *paths])
    jobs2 = timed([str(VENV_BIN / "perennial"), "audit", "--json", "--jobs", "2", *paths])
    total["folder_s"], total["folder_jobs2_s"] = round(whole.seconds, 2), round(jobs2.seconds, 2)
    total["folder_peak_mb"] = round(whole.peak_kb / 1024, 1)
    aw = total["auditwheel_s"]
    print(
        f"total: floor {total['floor_s']} s, in process {total['ours_in_process_s']} s,"
        f" one call per wheel {total['ours_s']} s ({aw / total['ours_s']:.1f}x),"
        f" auditwheel {aw} s"
    )
    print(
        f"one call over the corpus: {whole.seconds:.1f} s ({aw / whole.seconds:.1f}x),"
        f" --jobs 2: {jobs2.seconds:.1f} s ({aw / jobs2.seconds:.1f}x),"
        f" peak {total['folder_peak_mb']} MB"
    )
    above = [r for r in rows if r["ours_peak_mb"] > r["auditwheel_peak_mb"]]
    total["memory_above_auditwheel"] = {
        r["wheel"]: round(r["ours_peak_mb"] - r["auditwheel_peak_mb"], 1) for r in above
    }
    print(f"peak memory above auditwheel's on {len(above)} of {len(rows)} wheels:")
    for wheel, by in total["memory_above_auditwheel"].items():
        print(f"  +{by} MB  {wheel}")
    total["agreement"] = agreement(rows)
    for arch, (agreeing, count) in sorted(total["agreement"].items()):
        print(f"  {arch:8} {count:3} wheels, {agreeing:3} get auditwheel's verdict")
    return total


if __name__ == "__main__":
    sys.exit(main())
