"""Measure the bytes of PyPI's manylinux wheels from PyPI's public simple API, dated.

Not a test. No dated public figure for the size of PyPI's manylinux wheels exists (see
benchmarks/README.md, "A whole-PyPI census, on paper"), so this script measures it: the
project list from ``https://pypi.org/simple/``, then each chosen project's file list (PEP
691/700 JSON: each file's ``filename`` and ``size``). It is a stratified estimate:

- the head, measured completely: the projects most likely to be large, chosen by the rule
  :data:`HEAD_PROJECTS` + :data:`HEAD_FAMILIES`, declared here before any measuring. Its
  exact sum is a hard lower bound on the bytes of PyPI's manylinux wheels;
- the tail, every other project: a seeded uniform random sample, scaled up by the tail's
  size, with a 95% interval from the standard formula for a simple random sample without
  replacement (normal approximation), the two strata added (the head has no variance).

    .venv/bin/python benchmarks/pypi_size.py --sample 16000 --json out.json

Polite to PyPI: at most 8 requests at a time, a User-Agent naming the project, a timeout
and retries with backoff. Each project's file list (name, size, yanked only) is cached
under ~/.cache/perennial-bench/pypi-size/DAY/, DAY the day the project list was read, so a
rerun with ``--day DAY`` reads no network and gives the same figure.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import math
import random
import re
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from reference_impl.display import shown  # noqa: E402
from reference_impl.errors import TagError  # noqa: E402
from reference_impl.tags import parse_platform_tag  # noqa: E402

INDEX = "https://pypi.org/simple/"
ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
"""JSON (PEP 691) where the index gives it; its HTML page list is read too (the project list
answered HTML here on 2026-12-02, each project's page JSON)."""
USER_AGENT = "perennial-manylinux-bench/pypi_size (https://github.com/perennial-manylinux)"
DEFAULT_CACHE = Path.home() / ".cache" / "perennial-bench" / "pypi-size"
CONCURRENCY = 8
TIMEOUT = 60.0
ATTEMPTS = 5

# The head's rule, fixed before any measuring: these projects, and every project whose
# normalised name matches one of HEAD_FAMILIES. Each name is here because a dated public
# source calls it one of PyPI's largest projects (sources as recorded in
# /work/notes/pypi-size.md and benchmarks/README.md).
HEAD_PROJECTS = (
    # pypi-data/data stats/totals.json, "projects_by_files" (the 15 projects with the most
    # files inside their releases), every name in any of its 466 versions, 2023-07-29 to
    # 2024-10-19 (github.com/pypi-data/data, commits 57916c22 ... ad98ee19)
    "tensorflow",
    "tensorflow-gpu",
    "tensorflow-cpu",
    "lalsuite",
    "tf-nightly",
    "tf-nightly-gpu",
    "tf-nightly-cpu",
    "tf-nightly-cpu-aws",
    "tf-nightly-intel",
    "tf-nightly-macos",
    "tf-nightly-tpu",
    "graphscope-client",
    "tensorflow-io-nightly",
    "paddlepaddle-gpu",
    "catboost-dev",
    "fbgemm-gpu-nightly",
    "openvisus",
    "xformers",
    "pulumi-azure-native",
    "frida",
    "tensorflow-io-2-0-preview",
    "cupy-cuda90",
    "cupy-cuda91",
    "chellow",
    "pyside2",
    "panda3d",
    # pypi/support#243, 2020-03-05: mxnet 36 GB, mxnet-cu100 119 GB, mxnet-cu100mkl 113 GB,
    # mxnet-cu101 77 GB, mxnet-cu101mkl 73 GB
    "mxnet",
    "mxnet-cu100",
    "mxnet-cu100mkl",
    "mxnet-cu101",
    "mxnet-cu101mkl",
    # pypi/support#3836, 2024-04-05: torch 139.7 GiB; its companions ship alongside
    "torch",
    "torchvision",
    "torchaudio",
    # pypi/support#1304, 2021-09-15: jaxlib's limit request ("only 20 projects ... 50 GB")
    "jaxlib",
    # pypi/support#2311, 2022-10-19: Open3D's CUDA wheels, 4 x 400 MB a release
    "open3d",
    # pypi/support#11080, 2026-06-16: cuPyNumeric, 8 Linux wheels of about 275 MB a release
    "cupynumeric",
    # pypi/support#1870, 2022-04-22 (tensorflow-cpu, above); pypi/warehouse#3458, 2018-03-28:
    # tf-nightly, tf-nightly-gpu, tensorflow-gpu, tensorflow (above), ~12% of PyPI then
)
HEAD_FAMILIES = (
    r"^nvidia-",  # NVIDIA's CUDA libraries, e.g. nvidia-cudnn-cu12 (pypi/support#3408, #7035)
    r"nightly",  # nightly builds: tf-nightly, fbgemm-gpu-nightly (above)
    r"-cu\d",  # CUDA builds: mxnet-cu100 (above), cupy-cuda*, *-cu12
    r"cuda",
    r"gpu",  # GPU builds: tensorflow-gpu, paddlepaddle-gpu (above), "~20%" of PyPI 2022-12-20
    r"^tensorflow",
    r"^tf-",
    r"^mxnet",
    r"^paddle",
    r"^cupy",
    r"^onnxruntime",
    r"^jax",
)


def normalized(name: str) -> str:
    """A project name as PEP 503 normalises it (the simple API's URLs use this form)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def in_head(name: str) -> bool:
    """Whether the head's rule takes the project (``name`` normalised)."""
    return name in _HEAD_NAMES or any(re.search(f, name) for f in HEAD_FAMILIES)


_HEAD_NAMES = frozenset(normalized(n) for n in HEAD_PROJECTS)


def manylinux_arch(filename: str) -> str | None:
    """The architecture of a manylinux wheel's file name; ``None`` for any other file.

    A file tagged for several platforms counts once, under its first manylinux tag's
    architecture in sorted order. Raises ValueError for a ``.whl`` name packaging refuses."""
    if not filename.endswith(".whl"):
        return None
    try:
        tags = parse_wheel_filename(filename)[3]
    except (InvalidWheelFilename, InvalidVersion) as error:
        raise ValueError(str(error)) from error
    arches = sorted(arch for t in tags if (arch := _manylinux_arch(t.platform)))
    return arches[0] if arches else None


def _manylinux_arch(platform: str) -> str | None:
    """The architecture of a manylinux platform tag (PEP 600's or a legacy alias, read as
    the spec reads them, the aliases from policies/); None for any other tag."""
    try:
        tag = parse_platform_tag(platform)
    except TagError:
        return None  # begins like a manylinux tag but is none (manylinux_x86_64)
    return tag.arch if tag.is_manylinux else None


@dataclass
class Sums:
    """What one project (or a stratum) holds: bytes of every file, of manylinux wheels per
    architecture, and the files whose wheel name packaging refuses."""

    files: int = 0
    bytes: int = 0
    manylinux_files: int = 0
    manylinux: Counter[str] = field(default_factory=Counter)
    yanked_manylinux: int = 0
    bad_files: int = 0
    bad_bytes: int = 0
    bad_names: list[str] = field(default_factory=list)

    @property
    def manylinux_bytes(self) -> int:
        return sum(self.manylinux.values())

    def add(self, other: Sums) -> None:
        self.files += other.files
        self.bytes += other.bytes
        self.manylinux_files += other.manylinux_files
        self.manylinux.update(other.manylinux)
        self.yanked_manylinux += other.yanked_manylinux
        self.bad_files += other.bad_files
        self.bad_bytes += other.bad_bytes
        self.bad_names.extend(other.bad_names[: max(0, 20 - len(self.bad_names))])


def summed(files: Iterable[tuple[str, int, bool]]) -> Sums:
    """The sums of one project's files, each (filename, size in bytes, yanked)."""
    sums = Sums()
    for filename, size, yanked in files:
        sums.files += 1
        sums.bytes += size
        try:
            arch = manylinux_arch(filename)
        except ValueError:
            sums.bad_files += 1
            sums.bad_bytes += size
            sums.bad_names.append(filename)
            continue
        if arch is not None:
            sums.manylinux_files += 1
            sums.manylinux[arch] += size
            sums.yanked_manylinux += size if yanked else 0
    return sums


@dataclass(frozen=True)
class Estimate:
    """A stratum's total estimated from a simple random sample without replacement."""

    total: float
    half_width: float
    """Half the 95% interval: 1.96 standard errors."""

    @property
    def low(self) -> float:
        return self.total - self.half_width

    @property
    def high(self) -> float:
        return self.total + self.half_width


def expanded(values: list[int], population: int) -> Estimate:
    """The total of a stratum of ``population`` units from a uniform sample of ``values``:
    N times the sample mean, with variance N^2 (1 - n/N) s^2 / n (s^2 the sample variance
    with n - 1), and a 95% interval of 1.96 standard errors (normal approximation)."""
    n = len(values)
    if n == 0:
        return Estimate(math.nan, math.nan) if population else Estimate(0.0, 0.0)
    mean = sum(values) / n
    if n == 1:
        return Estimate(population * mean, math.inf if population > 1 else 0.0)
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    spread = population**2 * (1 - n / population) * variance / n
    return Estimate(population * mean, 1.96 * math.sqrt(max(spread, 0.0)))


ANCHOR = re.compile(r"<a\b[^>]*>([^<]*)</a>", re.IGNORECASE)
"""An anchor of a PEP 503 HTML index page; its text is the project's name."""


def project_names(body: bytes, content_type: str) -> list[str]:
    """The normalised, sorted, distinct project names of the simple index's root page."""
    if "json" in content_type:
        names = [p["name"] for p in json.loads(body)["projects"]]
    else:
        names = [html.unescape(n) for n in ANCHOR.findall(body.decode("utf-8"))]
    return sorted({normalized(n) for n in names if n.strip()})


class Gone(Exception):
    """The index answered 404 or 410: the project has no files (any more)."""


def fetched(url: str) -> tuple[bytes, str]:
    """The body and content type of ``url``, retried with backoff on a timeout, a network
    error, 429 or a 5xx; :class:`Gone` on 404 and 410; the last error after the retries."""
    asked = urllib.request.Request(
        url, headers={"Accept": ACCEPT, "User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
    )
    for attempt in range(ATTEMPTS):
        try:
            with urllib.request.urlopen(asked, timeout=TIMEOUT) as answer:
                body = answer.read()
                if answer.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return body, answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            if error.code in (404, 410):
                raise Gone(url) from error
            if (error.code != 429 and error.code < 500) or attempt == ATTEMPTS - 1:
                raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == ATTEMPTS - 1:
                raise
        time.sleep(2**attempt + random.random())
    raise AssertionError("unreachable")


def project_files(name: str, cache: Path) -> list[tuple[str, int, bool]] | None:
    """One project's files as (filename, size, yanked), from the cache or the index (then
    cached); ``None`` if the index has no such project."""
    path = cache / "projects" / f"{name}.json.gz"
    if path.exists():
        kept = json.loads(gzip.decompress(path.read_bytes()))
        return None if kept is None else [(f, s, y) for f, s, y in kept]
    try:
        body, _ = fetched(f"{INDEX}{name}/")
        files = [
            (f["filename"], int(f.get("size") or 0), bool(f.get("yanked")))
            for f in json.loads(body)["files"]
        ]
    except Gone:
        files = None
    part = path.with_suffix(".part")
    part.write_bytes(gzip.compress(json.dumps(files).encode(), compresslevel=5))
    part.rename(path)
    return files


@dataclass
class Stratum:
    """The sums of a stratum's measured projects, and who was gone or failed."""

    sums: Sums = field(default_factory=Sums)
    manylinux: list[int] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    arches: list[Counter[str]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    largest: list[tuple[int, str]] = field(default_factory=list)


def measured(names: list[str], cache: Path, label: str) -> Stratum:
    """Each project of ``names`` summed, at most :data:`CONCURRENCY` requests at a time;
    only the sums are kept. A project 404 counts as no files; a failure is set apart."""

    def one(name: str) -> tuple[str, Sums | Exception | None]:
        try:
            files = project_files(name, cache)
        except Exception as error:  # reported per project, the run goes on
            return name, error
        return name, None if files is None else summed(files)

    stratum = Stratum()
    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for done, (name, sums) in enumerate(pool.map(one, names), 1):
            if isinstance(sums, Exception):
                stratum.failed.append(f"{name}: {sums}")
                continue
            if sums is None:
                stratum.gone.append(name)
                sums = Sums()
            stratum.sums.add(sums)
            stratum.manylinux.append(sums.manylinux_bytes)
            stratum.bytes.append(sums.bytes)
            stratum.arches.append(sums.manylinux)
            stratum.largest = sorted([*stratum.largest, (sums.manylinux_bytes, name)])[-10:]
            if done % 500 == 0 or done == len(names):
                print(
                    f"{label}: {done}/{len(names)} projects, {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return stratum


def index_names(cache: Path) -> tuple[list[str], str]:
    """The simple index's project names, and when they were read (UTC, ISO 8601), cached."""
    path = cache / "index.json.gz"
    if not path.exists():
        read_at = datetime.now(UTC).isoformat(timespec="seconds")
        body, content_type = fetched(INDEX)
        kept = {"read_at": read_at, "names": project_names(body, content_type)}
        path.write_bytes(gzip.compress(json.dumps(kept).encode()))
    kept = json.loads(gzip.decompress(path.read_bytes()))
    return kept["names"], kept["read_at"]


def split(names: list[str], sample: int, seed: int) -> tuple[list[str], list[str], int]:
    """The head (by the declared rule), the tail's seeded uniform sample, the tail's size."""
    head = [n for n in names if in_head(n)]
    tail = [n for n in names if not in_head(n)]
    return head, sorted(random.Random(seed).sample(tail, min(sample, len(tail)))), len(tail)


def result(head: Stratum, tail: Stratum, tail_size: int, read_at: str) -> dict[str, Any]:
    """The measurement as JSON: the head's exact sums, the tail's estimates, their sum."""
    arches = sorted(set(head.sums.manylinux) | set(tail.sums.manylinux))
    per_arch = {}
    for arch in arches:
        estimate = expanded([a.get(arch, 0) for a in tail.arches], tail_size)
        per_arch[arch] = {
            "head": head.sums.manylinux[arch],
            "tail": round(estimate.total),
            "total": round(head.sums.manylinux[arch] + estimate.total),
            "interval": [
                round(head.sums.manylinux[arch] + max(estimate.low, 0)),
                round(head.sums.manylinux[arch] + estimate.high),
            ],
        }
    s = expanded(tail.manylinux, tail_size)
    t = expanded(tail.bytes, tail_size)
    total_s = head.sums.manylinux_bytes + s.total
    total_t = head.sums.bytes + t.total

    def stratum(st: Stratum, projects: int) -> dict[str, Any]:
        return {
            "projects": projects,
            "measured": len(st.manylinux),
            "gone_404": len(st.gone),
            "failed": st.failed,
            "files": st.sums.files,
            "bytes": st.sums.bytes,
            "manylinux_files": st.sums.manylinux_files,
            "manylinux_bytes": st.sums.manylinux_bytes,
            "yanked_manylinux_bytes": st.sums.yanked_manylinux,
            "bad_wheel_names": st.sums.bad_files,
            "bad_wheel_bytes": st.sums.bad_bytes,
            "bad_wheel_examples": st.sums.bad_names[:5],
            "largest_manylinux": [[n, b] for b, n in reversed(st.largest)],
        }

    return {
        "index_read_at": read_at,
        "index": INDEX,
        "projects": len(head.manylinux) + len(head.failed) + tail_size,
        "head": stratum(head, len(head.manylinux) + len(head.failed)),
        "tail": stratum(tail, tail_size),
        "interval_method": "stratified: head exact; tail N*mean, 95% = 1.96*N*sqrt((1-n/N)s^2/n)",
        "manylinux_bytes": {
            "lower_bound": head.sums.manylinux_bytes,
            "estimate": round(total_s),
            "interval": [
                round(head.sums.manylinux_bytes + max(s.low, 0)),
                round(head.sums.manylinux_bytes + s.high),
            ],
            "tail_estimate": round(s.total),
            "per_arch": per_arch,
        },
        "all_bytes_of_these_projects": {
            "head": head.sums.bytes,
            "estimate": round(total_t),
            "interval": [round(head.sums.bytes + max(t.low, 0)), round(head.sums.bytes + t.high)],
        },
        "manylinux_share": {
            "head": head.sums.manylinux_bytes / head.sums.bytes if head.sums.bytes else None,
            "tail": s.total / t.total if t.total else None,
            "all": total_s / total_t if total_t else None,
        },
    }


def tb(n: float) -> str:
    return f"{n / 1e12:.2f} TB"


def summary(r: dict[str, Any]) -> Iterator[str]:
    """A few lines for a person; the JSON has the rest."""
    m = r["manylinux_bytes"]
    yield f"PyPI's manylinux wheels, index read {r['index_read_at']} ({r['projects']} projects)"
    yield (
        f"  estimate {tb(m['estimate'])}, 95% interval {tb(m['interval'][0])} to "
        f"{tb(m['interval'][1])}; lower bound (head, exact) {tb(m['lower_bound'])}"
    )
    for arch, a in sorted(m["per_arch"].items(), key=lambda kv: -kv[1]["total"]):
        yield f"  {arch}: {tb(a['total'])} (head {tb(a['head'])})"
    share = r["manylinux_share"]
    yield (
        f"  all files of these projects {tb(r['all_bytes_of_these_projects']['estimate'])}; "
        f"manylinux share {share['all']:.1%} (head {share['head']:.1%})"
    )
    for name in ("head", "tail"):
        s = r[name]
        yield (
            f"  {name}: {s['measured']} of {s['projects']} projects measured, "
            f"{s['gone_404']} gone (404), {len(s['failed'])} failed, "
            f"{s['bad_wheel_names']} bad wheel names"
        )
        for failure in s["failed"][:5]:
            yield f"    failed: {shown(failure)}"
    yield "  largest in the head: " + ", ".join(
        f"{shown(n)} {tb(b)}" for n, b in r["head"]["largest_manylinux"][:5]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=16000, help="tail projects sampled")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--day", help="reuse the cache of this day (YYYY-MM-DD) instead of today's")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    day = args.day or datetime.now(UTC).date().isoformat()
    cache = args.cache / day
    if args.day and not cache.is_dir():
        sys.exit(f"pypi_size: {cache}: no cache for that day")
    (cache / "projects").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    names, read_at = index_names(cache)
    head_names, sample, tail_size = split(names, args.sample, args.seed)
    print(
        f"{len(names)} projects: head {len(head_names)}, tail {tail_size} "
        f"(sampling {len(sample)}, seed {args.seed})",
        file=sys.stderr,
    )
    head = measured(head_names, cache, "head")
    tail = measured(sample, cache, "tail")
    r = result(head, tail, tail_size, read_at)
    r.update(seed=args.seed, cache_day=day, seconds=round(time.monotonic() - started, 1))
    print(json.dumps(r, indent=2))
    for line in summary(r):
        print(line, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
