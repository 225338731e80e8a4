"""The code a census row's verdict is said to come from (``judged_by``) is all the code that
judges it, and none of the rest: a stored verdict is trusted across changes to the command
line or the installer, never across a change to the judgement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from reference_impl.census.judge_code import judge_modules

from .conftest import FIXTURES

PACKAGE = Path(__file__).resolve().parents[2] / "reference_impl"

JUDGE_A_WHEEL = """
import json, sys
from pathlib import Path
from reference_impl.audit import audit_wheel, judge_outcome, outcome
from reference_impl.census.found import find_wheels
from reference_impl.census.rows import FactsReader, audit_rows, stored_outcome
from reference_impl.errors import PerennialError
from reference_impl.policy import default_policies

for found in find_wheels([Path(sys.argv[1])], []):
    try:
        audit = audit_wheel(found.path, policies=default_policies())
    except PerennialError:
        continue
    rows = audit_rows(found, audit, "code")
    facts, names = FactsReader("census").read(rows.wheel, rows.files)
    judged = judge_outcome(facts, default_policies(), names)
    assert judged == outcome(audit) == stored_outcome(rows.wheel, "code"), found.path
ran = [m.__file__ for n, m in sys.modules.items() if n.startswith("reference_impl")]
print(json.dumps(ran))
"""
"""Audit the wheels under a folder into census rows and judge them back, as a census and a
review do; print the package's modules that ran."""


def test_every_module_that_runs_to_judge_a_wheel_is_in_the_judge_digest() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", JUDGE_A_WHEEL, str(FIXTURES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    loaded = {Path(path).resolve() for path in json.loads(ran.stdout)}
    assert len(loaded) > 10
    assert loaded <= set(judge_modules())


def test_the_command_line_and_the_census_machinery_are_not_judging_code() -> None:
    judging = {path.relative_to(PACKAGE).as_posix() for path in judge_modules()}
    assert {"audit.py", "audit_checks.py", "census/rows.py", "policy/load.py"} <= judging
    for other in ("cli/__init__.py", "census/run.py", "census/store.py", "installer.py"):
        assert other not in judging
