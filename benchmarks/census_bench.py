"""Benchmark ``perennial census`` and ``perennial policy review --census`` on real wheels.

Not a test: it reads the corpus ``audit_bench.py`` downloads (every architecture PyPI has
manylinux wheels for), runs every command as a child process (wall time; peak RSS of the
command and of each Dask worker, sampled with psutil), and prints what it measured.

    .venv/bin/python benchmarks/census_bench.py corpus   # census with 1 and 2 workers
                                                           # against a loop of auditwheel show
    .venv/bin/python benchmarks/census_bench.py rejudge  # a policy change: re-judging the
                                                           # census against re-auditing
    .venv/bin/python benchmarks/census_bench.py scale --count 10000 [--max-mb 10]
                                                           # hard links of the corpus
    .venv/bin/python benchmarks/census_bench.py rejudge-scale  # review over that census
    .venv/bin/python benchmarks/census_bench.py releases  # every manylinux wheel of one
                                                           # release of 30 projects (real,
                                                           # 1.9 GB): census and reviews
    .venv/bin/python benchmarks/census_bench.py all --json out.json  # the four, in order
    .venv/bin/python benchmarks/census_bench.py verdicts --out before/  # not timed: every
                                                           # verdict, to compare after a change

Every stage also writes its measurements to ``--work``/STAGE.json, with the machine's load
average sampled while it ran (other jobs share the machine: read the numbers against it).

Everything it writes goes under ``--work`` (default /tmp/perennial-census-bench); the scale
mirror is hard links, so its disk use is the census output only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
sys.path.insert(0, str(REPO))
DEFAULT_CACHE = Path.home() / ".cache" / "perennial-bench" / "wheels"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "perennial-census-bench"
RELEASES_CACHE = Path.home() / ".cache" / "perennial-bench" / "releases"
RELEASES = [
    "pyyaml==6.0.4",
    "markupsafe==3.0.4",
    "msgpack==1.2.4",
    "charset-normalizer==3.5.3",
    "zstandard==0.25.0",
    "ujson==6.1.0",
    "regex==2026.11.19",
    "psutil==7.2.2",
    "cffi==2.1.1",
    "pillow==13.0.0",
    "lxml==6.1.3",
    "numpy==2.5.5",
    "aiohttp==3.14.5",
    "frozenlist==1.8.0",
    "multidict==7.2.1",
    "yarl==1.25.1",
    "propcache==0.5.4",
    "pydantic-core==2.50.5",
    "cryptography==50.0.2",
    "bcrypt==5.0.0",
    "rpds-py==2026.9.1",
    "wrapt==2.5.2",
    "greenlet==3.5.6",
    "kiwisolver==1.5.1",
    "pandas==3.1.1",
    "orjson==3.13.0",
    "cython==3.3.1",
    "grpcio==1.85.3",
    "h5py==3.16.0",
    "shapely==2.2.0",
]
"""The releases stage's mirror slice: every manylinux wheel of these releases (the newest of
each project on 2026-12-02), 1,051 wheels for every Python version and architecture they
ship: what a mirror holds of a release, where the corpus holds one wheel per architecture."""
SIMPLE = "https://pypi.org/simple/{name}/"
"""The index's simple API, asked for JSON (PEP 691)."""
CHANGE = (
    "baselines/manylinux_2_24.toml",
    'libraries = ["libmvec.so.1"]',
    'libraries = ["libmvec.so.1", "libncursesw.so.5"]',
)
"""The policy change re-judged: libncursesw.so.5 joins the allowed libraries from 2_24 on
(the example of docs/guides/propose-a-policy-change.md). It only changes what baselines
allow, so a review judges again only the wheels that need or bundle that library."""
FLOOR = (
    "architectures.toml",
    'Intel 64)"\nfloor = "2.5"',
    'Intel 64)"\nfloor = "2.12"',
)
"""x86_64's floor raised from glibc 2.5 to 2.12: a review judges again every wheel with an
x86_64 file or tag (a third of the corpus), and many verdicts change."""
UNSCOPED = ("baselines/manylinux_2_43.toml", "", None)
"""A change with no scope: the proposed baseline manylinux_2_43 withdrawn (the base has its
file, the work tree not). Every wheel is judged again under the head; its base outcome is
the census's own, since the census was made under the base (the shipped data), as a review
of a pull request against main reads a census made under main. (A family's description
edited, measured before 2026-12-02 as the unscoped change, is scoped now.)"""
ADDED = ("baselines/manylinux_2_43.toml", None, "")
"""manylinux_2_43 added (the base lacks its file), as its proposal's pull request would: no
scope either; the head is the data the census was made under, so every wheel is judged
under the base and its head outcome taken from the census (until 2026-12-02 evening, a
review took only the base's from a census, and judged both sides here)."""
Change = tuple[str, str | None, str | None]
CHANGES: tuple[tuple[str, Change, Change | None], ...] = (
    ("scoped", CHANGE, None),
    ("floor", FLOOR, None),
    ("unscoped", UNSCOPED, None),
    ("added", ADDED, None),
    ("both", UNSCOPED, FLOOR),
)
"""The changes every review stage measures: name, change, and a change already made in the
base (None: the base is the shipped data, which the census is made under). "both" is
manylinux_2_43 withdrawn over a base whose x86_64 floor was raised: neither side is the
census's data (a pull request against a main that moved on since the census), so every
wheel is judged under both."""
PROGRESS = re.compile(r"\] (\d+)/(\d+) wheels")


@dataclass
class Measured:
    """One child command: wall time, peak RSS of the command and of its children, and the
    RSS of each process at progress points (wheels done -> MiB)."""

    seconds: float = 0.0
    peak_mib: float = 0.0
    peak_worker_mib: float = 0.0
    code: int = 0
    stdout: str = ""
    at: dict[int, dict[str, float]] = field(default_factory=dict)


def measure(command: list[str], marks: tuple[int, ...] = ()) -> Measured:
    """Run ``command``; sample the RSS of it and its children every 0.5 s, and note them
    when its progress bar (``--progress`` on stderr) passes each of ``marks``."""
    result = Measured()
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process = psutil.Process(child.pid)
    done = [0]

    def sample() -> dict[str, float]:
        try:
            own = process.memory_info().rss
            kids = [c.memory_info().rss for c in process.children(recursive=True)]
        except psutil.Error:
            return {}
        result.peak_mib = max(result.peak_mib, own / 2**20)
        result.peak_worker_mib = max([result.peak_worker_mib, *(k / 2**20 for k in kids)])
        return {"command_mib": own / 2**20, "largest_worker_mib": max(kids, default=0) / 2**20}

    def read_progress() -> None:
        assert child.stderr is not None
        buffer = ""
        while chunk := child.stderr.read(256):
            buffer = (buffer + chunk)[-400:]
            found = PROGRESS.findall(buffer)
            if found:
                done[0] = int(found[-1][0])
                for mark in marks:
                    if mark not in result.at and done[0] >= mark:
                        result.at[mark] = {
                            **sample(),
                            "seconds": time.perf_counter() - start,
                        }

    output: list[str] = []

    def read_output() -> None:
        assert child.stdout is not None
        output.append(child.stdout.read())

    threads = [threading.Thread(target=f, daemon=True) for f in (read_progress, read_output)]
    for thread in threads:
        thread.start()
    while True:
        sample()
        try:
            child.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            continue
    result.seconds = time.perf_counter() - start
    for thread in threads:
        thread.join(timeout=5)
    result.code = child.returncode
    result.stdout = "".join(output)
    return result


def corpus_wheels(cache: Path) -> list[Path]:
    """The every-architecture corpus of audit_bench.py (its manylinux wheels)."""
    wheels = sorted(w for w in cache.glob("*.whl") if "manylinux" in w.name)
    if not wheels:
        sys.exit(f"no corpus in {cache}: run benchmarks/audit_bench.py first (it downloads it)")
    return wheels


def mirror_of(wheels: list[Path], folder: Path, count: int) -> Path:
    """``count`` wheels under ``folder``: hard links of the corpus, ``copyNNNN/`` each."""
    if folder.exists():
        shutil.rmtree(folder)
    made = 0
    while made < count:
        copy = folder / f"copy{made // len(wheels):04d}"
        copy.mkdir(parents=True)
        for wheel in wheels[: count - made]:
            os.link(wheel, copy / wheel.name)
            made += 1
    return folder


def census(
    folder: Path,
    out: Path,
    workers: int,
    marks: tuple[int, ...] = (),
    policies: Path | None = None,
) -> Measured:
    """``perennial census FOLDER --out OUT --workers N`` from scratch."""
    from reference_impl.census.store import Paths

    paths = Paths.of(out)
    shutil.rmtree(paths.parts, ignore_errors=True)
    paths.wheels.unlink(missing_ok=True)
    paths.files.unlink(missing_ok=True)
    command = [str(VENV_BIN / "perennial"), "census", str(folder), "--out", str(out)]
    command += ["--workers", str(workers), "--progress", "--json"]
    command += ["--policies", str(policies)] if policies else []
    measured = measure(command, marks)
    if measured.code != 0:
        sys.exit(f"census failed ({measured.code})")
    return measured


def stage_corpus(args: argparse.Namespace) -> dict[str, Any]:
    wheels = corpus_wheels(args.cache)
    folder = mirror_of(wheels, args.work / "corpus", len(wheels))
    rows: dict[str, Any] = {
        "wheels": len(wheels),
        "mb": sum(w.stat().st_size for w in wheels) / 1e6,
    }
    for workers in (1, 2):
        measured = census(folder, args.work / f"corpus-{workers}.parquet", workers)
        rows[f"census_{workers}_workers_s"] = measured.seconds
        rows[f"census_{workers}_workers_peak_mib"] = measured.peak_mib
        rows[f"census_{workers}_worker_peak_mib"] = measured.peak_worker_mib
        print(f"census, {workers} workers: {measured.seconds:.1f} s, command peak "
              f"{measured.peak_mib:.0f} MiB, largest worker {measured.peak_worker_mib:.0f} MiB",
              flush=True)  # fmt: skip
    start = time.perf_counter()
    for wheel in wheels:
        command = [str(VENV_BIN / "auditwheel"), "show", "--json", str(wheel)]
        subprocess.run(command, capture_output=True, check=False)
    rows["auditwheel_loop_s"] = time.perf_counter() - start
    print(f"auditwheel show, one call per wheel: {rows['auditwheel_loop_s']:.1f} s", flush=True)
    return rows


def changed_policies(work: Path, change: Change = CHANGE, prior: Change | None = None) -> Path:
    """A git work tree whose policies/ carry ``change`` over a commit without it: (file, old
    text, new text); old None: the change adds the file (the commit lacks it); new None: the
    change removes it. The commit is the shipped data with ``prior`` made, if given."""
    repo = work / "review-repo"
    if repo.exists():
        shutil.rmtree(repo)
    shutil.copytree(REPO / "policies", repo / "policies")
    if prior is not None:
        _edit(repo / "policies" / prior[0], prior[1], prior[2])
    path = repo / "policies" / change[0]
    text = path.read_text()
    if change[1] is None:
        path.unlink()
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "policies"],
        ["-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    if change[1] is None:
        path.write_text(text)
    else:
        _edit(path, change[1], change[2])
    return repo / "policies"


def _edit(path: Path, old: str | None, new: str | None) -> None:
    """Replace ``old`` by ``new`` in the file (new None: remove the file)."""
    if new is None:
        path.unlink()
        return
    text = path.read_text()
    assert old is not None and old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def stage_rejudge(args: argparse.Namespace) -> dict[str, Any]:
    """The change judged from the census (in process and as ``policy review``) against
    re-auditing every wheel under the changed policies (in process and as a census)."""
    from reference_impl.audit import audit_wheel, judge, judge_outcome
    from reference_impl.census.rows import FactsReader, facts_of
    from reference_impl.census.store import Paths, read_census
    from reference_impl.policy import load_policies

    wheels = corpus_wheels(args.cache)
    out = args.work / "corpus-1.parquet"
    if not out.exists():
        sys.exit(f"no {out}: run the corpus stage first")
    head_dir = changed_policies(args.work)
    head = load_policies(head_dir)
    next(read_census(Paths.of(out)))  # imports pyarrow, as re-auditing has its imports done

    start = time.perf_counter()
    facts = [facts_of(w, f, str(out)) for w, f in read_census(Paths.of(out)) if w["error"] is None]
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    for wheel in facts:
        judge(wheel, head)
    judged = time.perf_counter() - start
    head = load_policies(head_dir)  # the outcomes judged with cold caches too
    start = time.perf_counter()
    for wheel in facts:
        judge_outcome(wheel, head)
    outcomes = time.perf_counter() - start
    start = time.perf_counter()  # as a review reads and judges: each file's facts once
    reader = FactsReader(str(out))
    named = [reader.read(w, f) for w, f in read_census(Paths.of(out)) if w["error"] is None]
    loaded_named = time.perf_counter() - start
    head = load_policies(head_dir)
    start = time.perf_counter()
    for wheel, names in named:
        judge_outcome(wheel, head, names)
    shared = time.perf_counter() - start

    start = time.perf_counter()
    for wheel in wheels:
        audit_wheel(wheel, policies=head)
    reaudit = time.perf_counter() - start

    review = [str(VENV_BIN / "perennial"), "policy", "--policies", str(head_dir), "review"]
    reviewed = measure([*review, "--census", str(out), "--json"])
    rows = {
        "wheels": len(facts),
        "load_facts_s": loaded,
        "judge_head_s": judged,
        "judge_outcome_head_s": outcomes,
        "reaudit_in_process_s": reaudit,
        "ratio_in_process": reaudit / (loaded + judged),
        "ratio_in_process_outcomes": reaudit / (loaded + outcomes),
        "load_facts_named_s": loaded_named,
        "judge_outcome_shared_head_s": shared,
        "ratio_in_process_shared": reaudit / (loaded_named + shared),
        "review_command_s": reviewed.seconds,
        "review_changed": json.loads(reviewed.stdout)["wheels"]["changed"]["wheels"],
    }
    rows["recensus_1_worker_s"] = census(
        args.work / "corpus", args.work / "recensus.parquet", 1, policies=head_dir
    ).seconds
    rows["ratio_review_vs_recensus"] = rows["recensus_1_worker_s"] / reviewed.seconds
    for key, value in rows.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    return rows


def stage_scale(args: argparse.Namespace) -> dict[str, Any]:
    wheels = [
        w
        for w in corpus_wheels(args.cache)
        if args.max_mb is None or w.stat().st_size <= args.max_mb * 1e6
    ]
    folder = mirror_of(wheels, args.work / "scale", args.count)
    marks = tuple(m for m in (250, 1000, 2500, 5000, 7500, args.count) if m <= args.count)
    measured = census(folder, args.work / "scale.parquet", args.workers, marks)
    out = args.work / "scale.parquet"
    rows = {
        "wheels": args.count,
        "distinct": len(wheels),
        "input_gb": sum(p.stat().st_size for p in folder.rglob("*.whl")) / 1e9,
        "workers": args.workers,
        "seconds": measured.seconds,
        "wheels_per_second": args.count / measured.seconds,
        "per_worker": args.count / measured.seconds / args.workers,
        "command_peak_mib": measured.peak_mib,
        "worker_peak_mib": measured.peak_worker_mib,
        "output_mb": (out.stat().st_size + out.with_suffix(".files.parquet").stat().st_size) / 1e6,
        "at": measured.at,
    }
    (args.work / "scale.json").write_text(json.dumps(rows, indent=2))  # for rejudge-scale
    print(json.dumps(rows, indent=2))
    return rows


def reviews(work: Path, census: Path) -> Iterator[tuple[str, Measured, dict[str, Any]]]:
    """``policy review --census`` of each of :data:`CHANGES`: its name, what was measured,
    and the review's ``wheels`` part."""
    for name, change, prior in CHANGES:
        head_dir = changed_policies(work, change, prior)
        review = [str(VENV_BIN / "perennial"), "policy", "--policies", str(head_dir), "review"]
        measured = measure([*review, "--census", str(census), "--json"])
        yield name, measured, json.loads(measured.stdout)["wheels"]


def stage_rejudge_scale(args: argparse.Namespace) -> dict[str, Any]:
    """Each change of :data:`CHANGES` reviewed over the scale census, against the time that
    census took."""
    out = args.work / "scale.parquet"
    made = json.loads((args.work / "scale.json").read_text())  # written by the scale stage
    rows: dict[str, Any] = {"wheels": made["wheels"], "census_s": made["seconds"]}
    for name, measured, wheels in reviews(args.work, out):
        rows[name] = {
            "seconds": measured.seconds,
            "peak_mib": measured.peak_mib,
            "judged": wheels["judged"],
            "untouched": wheels["untouched"],
            "changed": wheels["changed"]["wheels"],
            "ratio_vs_census": made["seconds"] / measured.seconds,
        }
    print(json.dumps(rows, indent=2))
    return rows


def download_releases(cache: Path) -> list[Path]:
    """Every manylinux wheel of :data:`RELEASES` into ``cache``, each checked against the
    SHA-256 digest the index gives (what is already there is checked, not fetched)."""
    import hashlib
    import urllib.parse
    import urllib.request

    cache.mkdir(parents=True, exist_ok=True)
    wheels = []
    for pin in RELEASES:
        name, version = pin.split("==")
        index = SIMPLE.format(name=name)
        asked = urllib.request.Request(
            index, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with urllib.request.urlopen(asked, timeout=60) as answer:
            files = json.load(answer)["files"]
        for file in files:
            filename = file["filename"]
            project, _, rest = filename.partition("-")
            if (
                not filename.endswith(".whl")
                or "manylinux" not in filename
                or re.sub(r"[-_.]+", "_", project).lower() != re.sub(r"[-_.]+", "_", name)
                or not rest.startswith(f"{version}-")
            ):
                continue
            target = cache / filename
            if not target.exists():
                url = urllib.parse.urljoin(index, file["url"])  # a mirror may answer relative
                with urllib.request.urlopen(url, timeout=600) as answer:
                    body = answer.read()
                part = target.with_suffix(".part")
                part.write_bytes(body)
                part.rename(target)
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
            if digest != file["hashes"]["sha256"]:
                target.unlink()
                sys.exit(f"{filename}: its SHA-256 is not the one PyPI gives: removed, run again")
            wheels.append(target)
    return sorted(wheels)


def stage_releases(args: argparse.Namespace) -> dict[str, Any]:
    """A census of one release of 30 projects, every wheel a mirror holds of it, with 1 and
    2 workers; how many distinct file contents its ELF files hold; then each change of
    :data:`CHANGES` reviewed over it, against the census that re-auditing would be."""
    from reference_impl.census.rows import ERROR, FactsReader
    from reference_impl.census.store import FACTS_COLUMNS, Paths, read_census

    wheels = download_releases(args.releases)
    rows: dict[str, Any] = {
        "wheels": len(wheels),
        "input_gb": sum(w.stat().st_size for w in wheels) / 1e9,
    }
    for workers in (1, 2):
        out = args.work / f"releases-{workers}.parquet"
        rows[f"census_{workers}_worker_s"] = census(args.releases, out, workers).seconds
    out = args.work / "releases-1.parquet"
    reader = FactsReader(str(out))
    names = [
        name
        for wheel, files in read_census(Paths.of(out), None, FACTS_COLUMNS)
        if wheel["verdict"] != ERROR
        for name in reader.read(wheel, files)[1]
    ]
    rows["elf_files"], rows["distinct_file_facts"] = len(names), len(set(names))
    for name, measured, judged in reviews(args.work, out):
        rows[name] = {
            "seconds": measured.seconds,
            "judged": judged["judged"],
            "changed": judged["changed"]["wheels"],
            "ratio_vs_1_worker_census": rows["census_1_worker_s"] / measured.seconds,
            "ratio_vs_2_worker_census": rows["census_2_worker_s"] / measured.seconds,
        }
    print(json.dumps(rows, indent=2))
    return rows


def stage_verdicts(args: argparse.Namespace) -> dict[str, Any]:
    """Not a measurement: the verdicts a speed change must leave byte-identical, written to
    ``--out`` (compare two such folders with ``cmp``): ``judge`` of every corpus wheel's
    census facts under the shipped policies and under the floor change, as the audit
    JSON report writes them, and ``perennial audit --json`` over the corpus wheels."""
    from reference_impl.audit import judge
    from reference_impl.audit_report import wheel_json
    from reference_impl.census.rows import facts_of
    from reference_impl.census.store import Paths, read_census
    from reference_impl.policy import default_policies, load_policies

    out = args.work / "corpus-1.parquet"
    if not out.exists() or args.out is None:
        sys.exit(f"give --out, and run the corpus stage first (no {out})")
    args.out.mkdir(parents=True, exist_ok=True)
    facts = [facts_of(w, f, str(out)) for w, f in read_census(Paths.of(out)) if w["error"] is None]
    sides = {"shipped": default_policies(), "floor": load_policies(
        changed_policies(args.work, FLOOR))}  # fmt: skip
    for name, policies in sides.items():
        judged = [wheel_json(judge(wheel, policies)) for wheel in facts]
        (args.out / f"judge-{name}.json").write_text(json.dumps(judged, indent=1))
    wheels = [str(w) for w in corpus_wheels(args.cache)]
    audit = subprocess.run(
        [str(VENV_BIN / "perennial"), "audit", "--json", *wheels], capture_output=True, check=False
    )
    (args.out / "audit.json").write_bytes(audit.stdout)
    return {"wheels": len(facts), "audit_exit_code": audit.returncode, "out": str(args.out)}


STAGES = {
    "corpus": stage_corpus,
    "rejudge": stage_rejudge,
    "scale": stage_scale,
    "rejudge-scale": stage_rejudge_scale,
    "releases": stage_releases,
    "verdicts": stage_verdicts,
}


def under_load(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Stage ``name``, with the 1-minute load average sampled every 5 s while it ran and
    ``uptime`` before and after; its rows are also saved to ``--work``/NAME.json."""
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(5):
            samples.append(os.getloadavg()[0])

    def uptime() -> str:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    before = uptime()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rows = STAGES[name](args)
    stop.set()
    sampler.join()
    rows["load"] = {
        "uptime_before": before,
        "uptime_after": uptime(),
        "mean_1min": sum(samples) / len(samples) if samples else None,
        "max_1min": max(samples, default=None),
    }
    print(f"{name} load: {json.dumps(rows['load'])}", flush=True)
    (args.work / f"{name}.json").write_text(json.dumps(rows, indent=2))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=[*STAGES, "all"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--releases", type=Path, default=RELEASES_CACHE)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--max-mb", type=float, help="scale: only the corpus wheels up to this size (MB)"
    )
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--out", type=Path, help="verdicts: the folder to write them to")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    names = [s for s in STAGES if s != "verdicts"] if args.stage == "all" else [args.stage]
    rows = {name: under_load(name, args) for name in names}
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
