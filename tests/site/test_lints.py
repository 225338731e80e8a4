"""The clause lints fail the build, shown on a throwaway project that uses the extension.

Each test writes a tiny Sphinx project in tmp_path (a spec page or two, a case file, maybe a
waiver) and runs Sphinx as `make site` does; the lints must turn a seeded mistake into a
failed build that names the clause and the page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.clauses import load_registry

ROOT = Path(__file__).resolve().parents[2]
Build = Callable[..., subprocess.CompletedProcess[str]]

CONF = f"""
import sys
sys.path[:0] = [{str(ROOT / "docs" / "ext")!r}, {str(ROOT)!r}]
extensions = ["myst_parser", "perennial_site"]
myst_enable_extensions = ["colon_fence"]
root_doc = "index"
include_patterns = ["index.md", "spec/**"]
perennial_policies_dir = ""
perennial_results_dir = ""
"""

INDEX = """# Test

```{toctree}
spec/rules
spec/more
```
"""

RULES = """# Rules

:::{clause} demo.must-rule
:level: MUST
:aliases: demo.old-name
A tool must do the thing.
:::

:::{clause} demo.may-rule
:level: MAY
A tool may do the other thing; see {clause}`demo.old-name`.
:::
"""

MORE = """# More rules

:::{clause} demo.should-rule
:level: SHOULD
A tool should be kind.
:::
"""

CASE = """
[[case]]
id = "installer.demo.{name}"
operation = "installer.compatible"
level = "pep600"
clauses = [{clauses}]
input = {{ tag = "manylinux_2_17_x86_64" }}
expected = {{ compatible = true }}
"""


def make_project(
    root: Path,
    *,
    more: str = MORE,
    cited: tuple[str, ...] = ("demo.must-rule",),
    waivers: str = '[waivers."demo.should-rule"]\nreason = "Empirical: checked by hand."\n',
    retired: str = "retired = []\n",
) -> Path:
    (root / "spec").mkdir(parents=True)
    (root / "conf.py").write_text(CONF)
    (root / "index.md").write_text(INDEX)
    (root / "spec" / "rules.md").write_text(RULES)
    (root / "spec" / "more.md").write_text(more)
    (root / "spec" / "retired.toml").write_text(retired)
    cases = root / "conformance" / "cases" / "installer"
    cases.mkdir(parents=True)
    clauses = ", ".join(f'"{c}"' for c in cited)
    (cases / "demo.toml").write_text(CASE.format(name="one", clauses=clauses))
    (root / "conformance" / "waivers.toml").write_text(waivers)
    return root


def test_a_consistent_project_builds_and_exports_the_registry(
    tmp_path: Path, sphinx_build: Build
) -> None:
    project = make_project(tmp_path / "src")
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    exported = json.loads((tmp_path / "out" / "clauses.json").read_text())
    by_id = {entry["id"]: entry for entry in exported["clauses"]}
    parsed = load_registry(project / "spec")
    assert set(by_id) == set(parsed.clauses)
    for clause_id, clause in parsed.clauses.items():
        entry = by_id[clause_id]
        assert (entry["page"], entry["anchor"], entry["level"], entry["checksum"]) == (
            clause.page,
            clause.anchor,
            clause.level,
            clause.checksum,
        )
        assert entry["aliases"] == list(clause.aliases)
    page = (tmp_path / "out" / "spec" / "rules.html").read_text()
    assert 'id="clause-demo-must-rule"' in page
    assert "installer.demo.one" in page  # the citing case is listed under its clause
    assert 'href="#clause-demo-must-rule"' in page  # the alias citation resolves


def test_a_duplicate_id_fails_the_build(tmp_path: Path, sphinx_build: Build) -> None:
    seeded = MORE + "\n:::{clause} demo.must-rule\n:level: MAY\nSaid twice.\n:::\n"
    result = sphinx_build(make_project(tmp_path / "src", more=seeded), tmp_path / "out")
    assert result.returncode != 0
    assert "clause ID demo.must-rule is defined twice" in result.stderr
    assert "spec/more.md" in result.stderr


def test_an_uncovered_must_clause_fails_the_build(tmp_path: Path, sphinx_build: Build) -> None:
    project = make_project(tmp_path / "src", cited=("demo.may-rule",))
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert "MUST clause demo.must-rule is cited by no case and has no waiver" in result.stderr
    assert "spec/rules.md" in result.stderr


def test_a_waiver_covers_a_must_clause(tmp_path: Path, sphinx_build: Build) -> None:
    waivers = (
        '[waivers."demo.should-rule"]\nreason = "Empirical."\n'
        '[waivers."demo.must-rule"]\nreason = "Checked by the policy loader."\n'
    )
    project = make_project(tmp_path / "src", cited=("demo.may-rule",), waivers=waivers)
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "Checked by the policy loader." in (tmp_path / "out/spec/rules.html").read_text()


@pytest.mark.parametrize(
    ("cited", "retired", "message"),
    [
        (
            ("demo.must-rule", "demo.no-such-rule"),
            "retired = []\n",
            "cites unknown clause demo.no-such-rule",
        ),
        (
            ("demo.must-rule", "demo.gone"),
            '[[retired]]\nid = "demo.gone"\nreason = "merged"\ndate = "2026-01-01"\n',
            "cites retired clause demo.gone",
        ),
    ],
)
def test_a_case_citing_an_unknown_or_retired_id_fails_the_build(
    tmp_path: Path, sphinx_build: Build, cited: tuple[str, ...], retired: str, message: str
) -> None:
    project = make_project(tmp_path / "src", cited=cited, retired=retired)
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert message in result.stderr


def test_an_incremental_build_sees_a_data_change(tmp_path: Path, sphinx_build: Build) -> None:
    project = make_project(tmp_path / "src")
    assert sphinx_build(project, tmp_path / "out").returncode == 0
    waivers = project / "conformance" / "waivers.toml"
    waivers.write_text("")  # the SHOULD clause loses its waiver: the next build must fail
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert "SHOULD clause demo.should-rule is cited by no case" in result.stderr
    cases = project / "conformance" / "cases" / "installer" / "demo.toml"
    cases.write_text(cases.read_text() + CASE.format(name="two", clauses='"demo.should-rule"'))
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "installer.demo.two" in (tmp_path / "out" / "spec" / "more.html").read_text()


def test_a_policy_change_shows_on_the_baseline_page_after_a_rebuild(
    tmp_path: Path, sphinx_build: Build
) -> None:
    project = make_project(tmp_path / "src")
    shutil.copytree(ROOT / "policies", project / "policies")
    (project / "conf.py").write_text(
        CONF.replace('perennial_policies_dir = ""', 'perennial_policies_dir = "policies"')
        + 'include_patterns += ["docs/generated/baselines/**"]\n'
    )
    (project / "index.md").write_text(
        INDEX.replace("spec/more", "spec/more\ndocs/generated/baselines/index")
    )
    assert sphinx_build(project, tmp_path / "out").returncode == 0
    page = tmp_path / "out" / "docs" / "generated" / "baselines" / "manylinux_2_28.html"
    assert "AlmaLinux 8" in page.read_text()
    assert "libperennialtest.so.1" not in page.read_text()
    policy = project / "policies" / "baselines" / "manylinux_2_28.toml"
    policy.write_text(
        policy.read_text()
        + '\n[add]\nlibraries = ["libperennialtest.so.1"]\n\n[[amendment]]\ndate = "2026-11-21"\n'
        'change = "libperennialtest.so.1 joins the allowed libraries."\n'
        'reason = "A test that the site follows the data."\nlink = "https://example.invalid/1"\n'
    )
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "libperennialtest.so.1" in html  # in the allowed libraries and in the delta
    assert "A test that the site follows the data." in html  # the amendment history
    newer = page.with_name("manylinux_2_31.html").read_text()
    assert "libperennialtest.so.1" in newer  # newer baselines inherit it


MATRIX = """# Matrix

```{agreement-matrix}
```

```{toctree}
docs/generated/cases/installer
docs/generated/cases/index
docs/generated/cases/auditor
```
"""


def test_the_matrix_and_case_pages_show_each_implementation(
    tmp_path: Path, sphinx_build: Build
) -> None:
    project = make_project(tmp_path / "src")
    (project / "conf.py").write_text(
        CONF.replace('perennial_results_dir = ""', 'perennial_results_dir = "results"')
        + 'include_patterns += ["matrix.md", "docs/generated/cases/**"]\n'
    )
    (project / "index.md").write_text(INDEX.replace("spec/more", "spec/more\nmatrix"))
    (project / "matrix.md").write_text(MATRIX)
    (project / "results").mkdir()
    for name, status in (("alpha", "pass"), ("beta", "fail")):
        counts = {s: int(s == status) for s in ("pass", "fail", "skip", "error")}
        summary = {"cases": 1, "claimed": 1, **counts, "not_asked": 0, "unexpected": 0,
                   "divergences": int(status == "fail"), "verdict": "conforms"}  # fmt: skip
        empty = {**summary, "cases": 0, "claimed": 0, "pass": 0, "fail": 0, "divergences": 0}
        results = {
            "format": 2,
            "suite_version": "0.1.0",
            "implementation": {
                "name": name,
                "version": "1.2.3",
                "operations": ["installer.compatible"],
            },
            "levels": {"pep600": summary, "recommended": {**empty, "verdict": "no cases"}},
            "session": None,
            "results": {
                "installer.demo.one": {
                    "status": status,
                    "level": "pep600",
                    "actual": {"compatible": status == "pass", "note": "<b>not bold</b>"},
                    "divergence": "a known bug" if status == "fail" else None,
                    "link": "https://example.invalid/issue/7" if status == "fail" else None,
                }
            },
        }
        (project / "results" / f"{name}.json").write_text(json.dumps(results))
    result = sphinx_build(project, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    matrix = (tmp_path / "out" / "matrix.html").read_text()
    assert "alpha 1.2.3" in matrix and "beta 1.2.3" in matrix
    assert 'href="docs/generated/cases/installer.html#case-installer-demo-one-beta"' in matrix
    assert "fail (known)" in matrix
    cases = (tmp_path / "out" / "docs" / "generated" / "cases" / "installer.html").read_text()
    assert 'id="case-installer-demo-one-beta"' in cases
    assert "a known bug" in cases and "https://example.invalid/issue/7" in cases
    assert "<b>not bold</b>" not in cases  # data is escaped, never pasted as HTML
    rules = (tmp_path / "out" / "spec" / "rules.html").read_text()
    assert "case-status-fail-known" in rules  # under the clause, how each implementation fares


def test_a_waiver_for_a_cited_clause_is_stale(tmp_path: Path, sphinx_build: Build) -> None:
    waivers = (
        '[waivers."demo.should-rule"]\nreason = "Empirical."\n'
        '[waivers."demo.must-rule"]\nreason = "Nothing can test it."\n'
    )
    result = sphinx_build(make_project(tmp_path / "src", waivers=waivers), tmp_path / "out")
    assert result.returncode != 0
    assert "waiver for demo.must-rule is stale: a case cites the clause now" in result.stderr
