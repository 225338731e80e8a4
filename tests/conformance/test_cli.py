"""``perennial conformance`` through the real command-line entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conformance.cases import load_cases
from conformance.divergences import DIVERGENCES_DIR
from conformance.results import RESULTS_DIR
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


def test_explain_a_retired_case_says_what_became_of_it(capsys):
    assert main(["conformance", "explain", "installer.target.newer-than-data-2-42"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "installer.target.newer-than-data-2-42  [retired on 2026-12-02]"
    assert out[2] == "  replaced by: installer.target.newer-than-data-2-60"


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


MISBEHAVING = f"{sys.executable} {Path(__file__).with_name('misbehaving_server.py')}"


def test_a_hanging_server_ends_run_with_the_tool_and_the_case_named(capsys, tmp_path):
    began = time.monotonic()
    code = main(["conformance", "run", "--server", f"{MISBEHAVING} --hang-at 2", "--timeout", "6",
                 "--audience", "installer", "--out", str(tmp_path)])  # fmt: skip
    assert code == 1 and time.monotonic() - began < 60
    out = capsys.readouterr().out
    assert re.search(r"protocol problem: misbehaving: no reply within 6 s on case installer\.\S+ "
                     r"\(seq 2\); the run ends here", out)  # fmt: skip
    assert "shutdown: killed when the run ended" in out
    written = json.loads((tmp_path / "misbehaving.json").read_text(encoding="utf-8"))
    assert written["session"]["ended"].startswith("misbehaving: no reply within 6 s")


def test_smoke_of_a_hanging_server_fails_within_the_limit(capsys):
    began = time.monotonic()
    code = main(["conformance", "smoke", "--timeout", "6", "--",
                 *MISBEHAVING.split(), "--hang-at", "1"])  # fmt: skip
    assert code == 1 and time.monotonic() - began < 60
    out = capsys.readouterr().out
    assert "FAIL run audit.wheel (auditor." in out and "no reply within 6 s" in out


def test_an_external_tool_cannot_overwrite_a_built_in_tools_results(capsys):
    committed = (RESULTS_DIR / "reference.json").read_bytes()
    code = main(["conformance", "run", "--server", f"{MISBEHAVING} --name reference",
                 "--out", str(RESULTS_DIR)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "calls itself 'reference', the name of a built-in adapter" in captured.out
    assert "wrote" not in captured.err
    assert (RESULTS_DIR / "reference.json").read_bytes() == committed


def test_an_external_tool_reads_only_the_divergence_file_it_is_given(capsys):
    """A tool calling itself pip once inherited pip's divergences; the packaging adapter served
    over the protocol gets packaging's only when the user names the file."""
    path = DIVERGENCES_DIR / "packaging.toml"
    listed = tomllib.loads(path.read_text(encoding="utf-8"))["divergences"]
    case_id = next(case.id for case in load_cases() if case.id in listed and case.level == "pep600")
    served = f"{sys.executable} -m conformance.servers packaging"
    run = ["conformance", "run", "--server", served, "--case", case_id]
    assert main(run) == 1
    assert f"unexpected [pep600] {case_id}" in capsys.readouterr().out
    assert main([*run, "--divergences", str(path)]) == 0
    assert "1 declared divergences" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--server", "x", "--junit"], "JUnit XML is written beside the results"),
        (["--impl", "reference", "--divergences", "x.toml"], "only for --server or --command"),
    ],
)
def test_options_that_do_not_go_together_exit_2(capsys, arguments, complaint):
    assert main(["conformance", "run", *arguments]) == 2
    assert complaint in capsys.readouterr().err


def test_a_timeout_must_be_a_positive_number():
    with pytest.raises(SystemExit) as exit_:
        main(["conformance", "smoke", "--timeout", "0", "--", "x"])
    assert exit_.value.code == 2
