"""The two conformance levels: every case states one, a ``recommended`` case rests on a clause
that says how it departs from PEP 600, and PEP 600's own sample code fails no ``pep600`` case.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.adapters import create
from conformance.cases import CASES_DIR, SPEC_DIR, load_cases
from conformance.clauses import (
    ClauseError,
    ClauseRegistry,
    Departure,
    load_registry,
    parse_page,
    undeparted_recommendations,
)
from conformance.harness import run_cases
from conformance.pins import pinned
from conformance.systems import ProfileError, load_systems

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cases():
    return load_cases()


@pytest.fixture(scope="module")
def registry() -> ClauseRegistry:
    return load_registry(SPEC_DIR)


def test_every_recommended_case_cites_a_departing_clause(cases, registry) -> None:
    assert list(undeparted_recommendations(cases, registry)) == []


def test_a_recommended_case_without_a_departing_clause_is_named(registry) -> None:
    class Stub:
        id, level, clauses = "installer.demo.one", "recommended", ("installer.compatible",)

    (found,) = undeparted_recommendations([Stub()], registry)
    assert found[0] == "installer.demo.one"
    assert "cites no clause marked :departs:" in found[1]


def _states_level(entry: dict, defaults: dict) -> bool:
    return "level" in entry or "level" in defaults or "level" in entry.get("columns", ())


def test_every_installer_case_states_its_level_in_its_file() -> None:
    """The level is written, never inherited from the loader's default."""
    for path in sorted((CASES_DIR / "installer").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        defaults = data.get("defaults", {})
        for entry in [*data.get("case", []), *data.get("table", [])]:
            where = entry.get("id") or entry.get("id_prefix")
            assert _states_level(entry, defaults), f"{path.name}: {where} states no level"


def test_pep600_sample_code_fails_no_pep600_case(cases) -> None:
    """The PEP's own sample is PEP 600 read literally: it may fail a recommended case only."""
    adapter = create("pep600-sample")
    try:
        run = run_cases(adapter, cases)
    finally:
        adapter.close()
    results = run.results.results
    failed = sorted(c.id for c in cases if c.level == "pep600" and results[c.id].status == "fail")
    assert failed == []
    answered = [c for c in cases if c.level == "pep600" and results[c.id].status == "pass"]
    assert len(answered) > 100


_SPECIFIC = re.compile(r"^[^-]+-[^-]+(-[0-9][^-]*)?-(?P<interp>[^-]+)-(?P<abi>[^-]+)-[^-]+\.whl$")


def test_cases_with_interpreter_specific_wheels_name_the_interpreter(cases) -> None:
    """The protocol tells a tool its interpreter only through the profile's ``python``."""
    systems = load_systems()
    for case in cases:
        for wheel in case.input.get("wheels", ()):
            match = _SPECIFIC.match(wheel)
            assert match, wheel
            if (match["interp"], match["abi"]) != ("py3", "none"):
                assert "profile" in case.input, case.id
                assert systems[case.input["profile"]].python, case.id


def test_a_profile_names_its_interpreter_as_a_cpython_tag(tmp_path: Path) -> None:
    good = (
        '[systems.a]\ndescription = "A"\nlibc = "glibc"\nconfstr = "glibc 2.36"\n'
        'machine = "x86_64"\nbits = 64\n'
    )
    (tmp_path / "systems.toml").write_text(good + 'python = "cp312"\n')
    assert load_systems(tmp_path)["a"].cpython == (3, 12)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "systems.toml").write_text(good + 'python = "pypy39"\n')
    with pytest.raises(ProfileError, match=r"systems\.toml: system a: python must be"):
        load_systems(bad)


PAGE = """# Rules

:::{{clause}} demo.floor
:level: MUST
{options}Tags below the floor are refused.
:::
"""


def _parse(tmp_path: Path, options: str) -> list:
    path = tmp_path / "rules.md"
    path.write_text(PAGE.format(options=options))
    return list(parse_page(path, "spec/rules"))


def test_a_departure_is_read_with_its_kind_and_reason(tmp_path: Path) -> None:
    options = ":departs: stricter\n:departure: PEP 600 has no floor.\n"
    (clause,) = _parse(tmp_path, options)
    assert clause.departure == Departure("stricter", "PEP 600 has no floor.")
    assert clause.text == "Tags below the floor are refused."
    (plain,) = _parse(tmp_path, "")
    assert plain.departure is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (":departs: looser\n:departure: Why.\n", r"rules\.md:3: clause demo\.floor: :departs:"),
        (":departs: stricter\n", r"needs a one-line :departure:"),
        (":departure: A reason without a kind.\n", r":departs: is ''"),
    ],
)
def test_a_malformed_departure_names_the_page_and_clause(
    tmp_path: Path, options: str, message: str
) -> None:
    with pytest.raises(ClauseError, match=message):
        _parse(tmp_path, options)


# The site: a throwaway project with one departing clause and one case resting on it.

CONF = f"""
import sys
sys.path[:0] = [{str(ROOT / "docs" / "ext")!r}, {str(ROOT)!r}]
extensions = ["myst_parser", "perennial_site"]
myst_enable_extensions = ["colon_fence", "deflist"]
root_doc = "index"
include_patterns = ["index.md", "spec/**"]
perennial_policies_dir = ""
perennial_results_dir = ""
"""
INDEX = "# Test\n\n```{toctree}\nspec/rules\nspec/departures\n```\n"
DEPARTURES = "# Departures\n\n```{departure-list}\n```\n"
CASE = """
[[case]]
id = "installer.demo.{name}"
level = "{level}"
operation = "installer.compatible"
clauses = ["{clause}"]
input = {{ tag = "manylinux_2_4_x86_64" }}
expected = {{ compatible = false }}
"""
RULES = PAGE.format(options=":departs: stricter\n:departure: PEP 600 has no `floor`.\n") + (
    "\n:::{clause} demo.plain\n:level: MAY\nA tool may log.\n:::\n"
)


def _build(tmp_path: Path, case: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    source, out = tmp_path / "src", tmp_path / "out"
    (source / "spec").mkdir(parents=True)
    (source / "conf.py").write_text(CONF)
    (source / "index.md").write_text(INDEX)
    (source / "spec" / "rules.md").write_text(RULES)
    (source / "spec" / "departures.md").write_text(DEPARTURES)
    (source / "spec" / "retired.toml").write_text("retired = []\n")
    (source / "conformance" / "cases" / "installer").mkdir(parents=True)
    (source / "conformance" / "cases" / "installer" / "demo.toml").write_text(case)
    (source / "conformance" / "waivers.toml").write_text("")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    done = subprocess.run(
        [*command, str(source), str(out)], capture_output=True, text=True, timeout=300
    )
    return done, out


@pytest.mark.slow
def test_the_departures_page_lists_each_departure_and_the_cases_resting_on_it(
    tmp_path: Path,
) -> None:
    case = CASE.format(name="below", level="recommended", clause="demo.floor")
    done, out = _build(tmp_path, case)
    assert done.returncode == 0, done.stderr
    page = (out / "spec" / "departures.html").read_text()
    assert 'id="departure-demo-floor"' in page
    assert "PEP 600 has no <code" in page  # the backticks became a literal
    assert "installer.demo.below" in page
    assert "demo.plain" not in page
    rules = (out / "spec" / "rules.html").read_text()
    assert "departs from PEP 600: stricter" in rules
    assert "departures.html#departure-demo-floor" in rules


@pytest.mark.slow
def test_a_recommended_case_resting_on_no_departure_fails_the_build(tmp_path: Path) -> None:
    case = CASE.format(name="loose", level="recommended", clause="demo.plain")
    done, _ = _build(
        tmp_path, case + CASE.format(name="cover", level="pep600", clause="demo.floor")
    )
    assert done.returncode != 0
    assert "case installer.demo.loose is recommended (beyond PEP 600)" in done.stderr
    assert "demo.toml" in done.stderr


# Divergence reasons point at the lines that cause them, at the version that was run.

PINNED_SOURCES = {
    "packaging": f"https://github.com/pypa/packaging/blob/{pinned()['packaging']}/",
    "pip": f"https://github.com/pypa/pip/blob/{pinned()['pip']}/",
    # uv's tag was not available to read: the newest source before it (see uv.toml)
    "uv": "https://github.com/astral-sh/uv/blob/26a9dd4b2125bc271b47855e1fa0c49af3365db5/",
    "pep600-sample": "https://github.com/python/peps/blob/ba4deeb7969588d937da609008d05bb83a47b1ab/",
}
_LINES = re.compile(r"#L[0-9]+(-L[0-9]+)?$")


@pytest.mark.parametrize("implementation", sorted(PINNED_SOURCES))
def test_installer_divergences_link_to_lines_of_the_pinned_source(implementation: str) -> None:
    from conformance.divergences import load_divergences

    entries = load_divergences(implementation).entries
    installer = {k: v for k, v in entries.items() if k.startswith("installer.")}
    assert installer
    for case_id, entry in installer.items():
        assert entry.link is not None, case_id
        assert entry.link.startswith(PINNED_SOURCES[implementation]), (case_id, entry.link)
        assert _LINES.search(entry.link), (case_id, entry.link)
