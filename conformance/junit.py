"""JUnit XML for CI systems, written beside a results file (``run --junit``).

One ``testsuite`` per conformance level, one ``testcase`` per case asked, and a last suite,
``run``, for what judges the run as a whole (enough answered, divergence file up to date, a
clean protocol session). A CI system that fails on ``<failure>`` or ``<error>`` agrees with
the exit status: an unexpected failure at a level the run is not judged on, or a declared
divergence, is reported as ``<skipped>`` with its reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from pathlib import Path

from conformance.harness import Run
from conformance.results import LEVELS, write_atomically
from reference_impl.display import shown


def write_junit(run: Run, path: Path, levels: Collection[str] = ("pep600",)) -> Path:
    """Write ``run`` judged on ``levels`` as JUnit XML to ``path`` (whole or not at all)."""
    root = ET.Element("testsuites", name=f"perennial conformance: {run.results.name}")
    for level in LEVELS:
        _level_suite(root, run, level, judged=level in levels)
    _run_suite(root, run, levels)
    _count(root)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    return write_atomically(path, text + "\n")


def _level_suite(root: ET.Element, run: Run, level: str, judged: bool) -> None:
    suite = ET.SubElement(root, "testsuite", name=level)
    for case_id, result in sorted(run.results.results.items()):
        if result.level != level:
            continue
        audience = case_id.split(".", 1)[0]
        case = ET.SubElement(suite, "testcase", classname=f"{level}.{audience}", name=case_id)
        if result.status == "skip":
            _child(case, "skipped", str(result.actual.get("skipped", "")))
        elif result.divergence is not None and result.status != "pass":
            link = f" ({result.link})" if result.link else ""
            _child(case, "skipped", f"declared divergence: {result.divergence}{link}")
        elif result.status in ("fail", "error"):
            why = run.unexpected.get(case_id, "")
            if judged:
                _child(case, "failure" if result.status == "fail" else "error", why)
            else:
                _child(case, "skipped", f"{level} level not judged in this run: {why}")
    _count(suite)


def _run_suite(root: ET.Element, run: Run, levels: Collection[str]) -> None:
    suite = ET.SubElement(root, "testsuite", name="run")
    for level in levels:
        summary = run.results.levels[level]
        case = ET.SubElement(suite, "testcase", classname="run", name=f"{level} answered enough")
        if not summary.enough_answered:
            _child(
                case,
                "failure",
                f"{summary.answered} of {summary.claimed} claimed cases answered, "
                f"{summary.counts['skip']} skipped, {summary.not_asked} not asked",
            )
    case = ET.SubElement(suite, "testcase", classname="run", name="divergence file up to date")
    if run.stale:
        _child(case, "failure", "; ".join(f"{k}: {v}" for k, v in sorted(run.stale.items())))
    session = run.results.session
    if session is not None:
        case = ET.SubElement(suite, "testcase", classname="run", name="protocol session")
        if session.problems:
            _child(case, "failure", "; ".join(session.problems))
    _count(suite)


def _child(case: ET.Element, kind: str, message: str) -> None:
    text = shown(message)
    ET.SubElement(case, kind, message=text[:500]).text = text


def _count(element: ET.Element) -> None:
    """Set the ``tests``, ``failures``, ``errors`` and ``skipped`` totals of a suite."""
    listed = list(element.iter("testcase"))
    element.set("tests", str(len(listed)))
    for kind, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        element.set(attribute, str(sum(case.find(kind) is not None for case in listed)))
