"""benchmarks/pypi_size.py's pure parts: which files are manylinux wheels, the head's rule,
the sums, and the stratified estimator. No network."""

from __future__ import annotations

import importlib.util
import math
import random
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "pypi_size.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pypi_size", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


ps = _load()


@pytest.mark.parametrize(
    ("filename", "arch"),
    [
        ("numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "x86_64"),
        ("torch-1.0.0-cp27-cp27m-manylinux1_x86_64.whl", "x86_64"),
        ("pyyaml-6.0-cp39-cp39-manylinux2010_i686.whl", "i686"),
        ("lxml-6.1.3-cp312-cp312-manylinux_2_31_armv7l.whl", "armv7l"),
        ("x-1.0-cp312-cp312-manylinux2014_ppc64le.whl", "ppc64le"),
        ("x-1.0-py3-none-manylinux_2_28_aarch64.musllinux_1_2_aarch64.whl", "aarch64"),
    ],
)
def test_every_manylinux_spelling_gives_its_architecture(filename: str, arch: str) -> None:
    assert ps.manylinux_arch(filename) == arch


@pytest.mark.parametrize(
    "filename",
    [
        "x-1.0.tar.gz",
        "x-1.0-py3-none-any.whl",
        "x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl",
        "x-1.0-cp312-cp312-linux_x86_64.whl",
        "x-1.0-cp312-cp312-win_amd64.whl",
        "x-1.0-cp312-cp312-macosx_11_0_arm64.whl",
        "x-1.0-cp312-cp312-manylinux_x86_64.whl",  # no glibc version: not a manylinux tag
    ],
)
def test_other_files_are_not_manylinux(filename: str) -> None:
    assert ps.manylinux_arch(filename) is None


def test_a_bad_wheel_name_is_counted_apart_not_a_crash() -> None:
    with pytest.raises(ValueError):
        ps.manylinux_arch("not-a-wheel.whl")
    sums = ps.summed(
        [
            ("x-1.0-cp312-cp312-manylinux2014_x86_64.whl", 100, False),
            ("x-1.0-cp312-cp312-manylinux_2_28_aarch64.whl", 40, True),
            ("x-1.0.tar.gz", 7, False),
            ("x-1.0-cp312-manylinux1_x86_64.whl", 3, False),  # four parts: refused
        ]
    )
    assert (sums.files, sums.bytes) == (4, 150)
    assert sums.manylinux == {"x86_64": 100, "aarch64": 40}
    assert (sums.manylinux_bytes, sums.manylinux_files, sums.yanked_manylinux) == (140, 2, 40)
    assert (sums.bad_files, sums.bad_bytes) == (1, 3)
    assert sums.bad_names == ["x-1.0-cp312-manylinux1_x86_64.whl"]


def test_the_head_takes_listed_names_and_families_only() -> None:
    assert ps.in_head("tf-nightly")
    assert ps.in_head(ps.normalized("PySide2"))
    assert ps.in_head("nvidia-cudnn-cu12")
    assert ps.in_head("mxnet-cu101mkl")
    assert not ps.in_head("requests")
    assert not ps.in_head("numpy")


def test_the_index_page_gives_normalised_names_in_html_and_json() -> None:
    page = b'<html><body>\n<a href="a-b/">A_B</a>\n<a href="c/">c</a>\n<a href="a-b/">a.b</a>'
    assert ps.project_names(page, "text/html") == ["a-b", "c"]
    body = b'{"meta": {}, "projects": [{"name": "Zope.Interface"}, {"name": "c"}]}'
    assert ps.project_names(body, "application/vnd.pypi.simple.v1+json") == [
        "c",
        "zope-interface",
    ]


def test_a_whole_population_sample_has_the_exact_total_and_no_width() -> None:
    values = [5, 0, 0, 17, 2]
    estimate = ps.expanded(values, population=5)
    assert estimate.total == 24
    assert estimate.half_width == 0


def test_the_interval_is_the_standard_formula() -> None:
    values = [0, 0, 10, 30]
    n, population = len(values), 40
    expected = 1.96 * population * math.sqrt((1 - n / population) * statistics.variance(values) / n)
    estimate = ps.expanded(values, population)
    assert estimate.total == 400
    assert estimate.half_width == pytest.approx(expected)


def test_the_interval_covers_the_true_total_about_95_times_in_100() -> None:
    rng = random.Random(7)
    population = [rng.randrange(1000) for _ in range(2000)]
    truth = sum(population)
    covered = 0
    for _ in range(400):
        estimate = ps.expanded(rng.sample(population, 200), len(population))
        covered += estimate.low <= truth <= estimate.high
    assert 0.91 <= covered / 400 <= 0.99
