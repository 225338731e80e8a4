"""The example servers of the protocol guide, in Python and in JavaScript, run for real: through
``smoke``, a full run from the command line (JSON and JUnit written where asked), and a plain
``pip install`` of the project in an empty folder, as another project's CI would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cases import load_cases
from conformance.channel import MAX_LINE
from conformance.protocol import Limits
from conformance.results import MAX_SKIPPED_SHARE, read_results

ROOT = Path(__file__).parents[2]
SERVERS = ROOT / "conformance" / "servers"
EXAMPLES = {
    "example-python": [sys.executable, str(SERVERS / "example.py")],
    "example-node": ["node", str(SERVERS / "example.js")],
}
TAG_PARSE = {case.id for case in load_cases() if case.operation == "tag.parse"}


def perennial(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reference_impl", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_example_passes_smoke(name):
    done = perennial("conformance", "smoke", "--", *EXAMPLES[name])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"start: {name} 1.0, 1 operations" in done.stdout


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_run_of_the_example_conforms_and_writes_json_and_junit(name, tmp_path):
    command = " ".join(EXAMPLES[name])
    done = perennial("conformance", "run", "--server", command, "--out", str(tmp_path), "--junit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Conforms to PEP 600 on tag.parse." in done.stdout
    written = sorted(tmp_path.iterdir())
    assert [p.name for p in written] == [f"{name}.json", f"{name}.xml"]
    assert done.stderr.splitlines() == [f"wrote {path}" for path in written]
    results = read_results(tmp_path / f"{name}.json")
    assert {k for k, r in results.results.items() if r.status == "pass"} == TAG_PARSE
    assert results.session is not None and results.session.problems == ()
    junit = ET.parse(tmp_path / f"{name}.xml").getroot()
    assert (junit.get("failures"), junit.get("errors")) == ("0", "0")


def test_the_two_examples_give_the_same_answer_to_every_case(tmp_path):
    answers = {}
    for name, command in EXAMPLES.items():
        done = perennial("conformance", "run", "--server", " ".join(command), "--out",
                         str(tmp_path), "--audience", "installer")  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        results = read_results(tmp_path / f"{name}.json").results
        answers[name] = {case_id: results[case_id].actual for case_id in TAG_PARSE}
    assert answers["example-python"] == answers["example-node"]


def test_the_example_works_in_one_shot_mode_too():
    done = perennial("conformance", "run", "--command", " ".join(EXAMPLES["example-python"]),
                     "--case", "installer.tag-grammar.legacy.manylinux2014-x86-64",
                     "--case", "installer.tag-grammar.not-a-tag.empty")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 of 2 cases claimed: 2 pass" in done.stdout
    assert "results not written: give --out DIR to keep them" in done.stderr
    assert "wrote" not in done.stderr


@pytest.mark.parametrize(
    ("fence", "path"), [("python", "example.py"), ("javascript", "example.js")]
)
def test_the_protocol_guide_shows_each_example_as_it_is_tested(fence, path):
    guide = (ROOT / "conformance" / "PROTOCOL.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"^```{fence}\n(.*?)^```$", guide, re.MULTILINE | re.DOTALL)
    assert (SERVERS / path).read_text(encoding="utf-8") in blocks


def test_the_protocol_guide_states_the_harness_limits_it_applies():
    guide = " ".join((ROOT / "conformance" / "PROTOCOL.md").read_text(encoding="utf-8").split())
    assert f"`--timeout` seconds ({Limits.reply:g} by default)" in guide
    assert f"`--run-timeout` seconds ({Limits.run:g})" in guide
    assert f"the program has {Limits.stop:g} seconds to exit" in guide
    assert f"skipped more than {MAX_SKIPPED_SHARE:.0%} of them" in guide
    assert f"a line longer than {MAX_LINE >> 20} MiB" in guide


@pytest.mark.slow
def test_run_works_from_a_plain_pip_install_in_an_empty_folder(tmp_path):
    """Cases, schemas, profiles and fixtures ship in the distribution: nothing is read from a
    checkout. The tool's results go where --out says, beside its JUnit XML."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(ROOT)], check=True, cwd=tmp_path
    )
    empty = tmp_path / "ci"
    empty.mkdir()
    shutil.copy(SERVERS / "example.py", empty / "server.py")
    tool = [str(env_dir / "bin" / "perennial"), "conformance"]
    smoke = subprocess.run([*tool, "smoke", "--", str(python), "server.py"],
                           capture_output=True, text=True, cwd=empty, timeout=300)  # fmt: skip
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    server = f"{python} server.py"
    done = subprocess.run([*tool, "run", "--server", server, "--out", "out", "--junit"],
                          capture_output=True, text=True, cwd=empty, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((empty / "out" / "example-python.json").read_text(encoding="utf-8"))
    assert data["levels"]["pep600"]["verdict"] == "conforms"
    assert sum(level["pass"] for level in data["levels"].values()) == len(TAG_PARSE)
    assert (empty / "out" / "example-python.xml").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["out", "server.py"]
    listed = subprocess.run([*tool, "list", "--audience", "installer"],
                            capture_output=True, text=True, cwd=empty, timeout=300)  # fmt: skip
    assert " MUST " in listed.stdout  # the clauses shipped too: strengths are known
