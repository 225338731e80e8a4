"""``perennial conformance`` through the real command-line entry point."""

from __future__ import annotations

import subprocess
import sys

from reference_impl.cli import main


def test_list_filters_by_audience(capsys):
    assert main(["conformance", "list", "--audience", "index"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith("index.") for line in lines)


def test_explain_shows_input_expected_and_results(capsys):
    assert main(["conformance", "explain", "installer.override.none-skips-legacy-1"]) == 0
    out = capsys.readouterr().out
    assert "expected:" in out and "none-with-legacy1-false" in out and "reference" in out


def test_explain_of_an_unknown_case_is_one_line_and_exit_3(capsys):
    assert main(["conformance", "explain", "installer.no.such-case"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such case" in err[0]


def test_run_the_reference_without_writing(capsys):
    assert main(["conformance", "run", "--impl", "reference", "--no-write"]) == 0
    assert "reference" in capsys.readouterr().out


def test_run_an_unknown_implementation_is_refused(capsys):
    assert main(["conformance", "run", "--impl", "nope", "--no-write"]) == 3


def test_smoke_through_the_console_script():
    done = subprocess.run(
        [sys.executable, "-m", "reference_impl", "conformance", "smoke", "--",
         sys.executable, "-m", "conformance.servers.reference"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke ok" in done.stdout
