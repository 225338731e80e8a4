"""auditwheel as a black box: ``auditwheel show --json`` on each crafted wheel.

What its JSON says, mapped to the suite's fields: ``baseline`` is ``overall_tag`` when that is a
manylinux tag; ``minimal_glibc`` is the glibc of ``sym_tag`` (auditwheel's answer to "what do
the symbol versions need", quantised to its policies); ``glibc_needed`` is the newest
``GLIBC_X.Y[.Z]`` in ``versioned_symbols``; ``verdict`` is ``refused`` when ``show`` fails and
``pass`` when it reports a result, since ``show`` never fails a wheel for claiming more than
it earns. auditwheel names no clauses, so ``findings`` is unsupported.

``show`` unpacks the wheel to a temporary directory; each run gets its own ``TMPDIR`` and a
file-size limit so a hostile fixture cannot fill the disk.
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from conformance.adapters.base import PYTHON, Adapter, Outcome, Request
from conformance.adapters.blackbox import clean_environment, tail
from conformance.pins import check_pinned

_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_")
_GLIBC_VERSION = re.compile(r"^GLIBC_([0-9]+(?:\.[0-9]+)+)$")
_FILE_LIMIT = 256 * 1024 * 1024


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_LIMIT, _FILE_LIMIT))


def summarise(returncode: int, stdout: str) -> dict[str, Any]:
    """The suite's audit fields from one ``auditwheel show --json`` run."""
    if returncode != 0:
        return {"verdict": "refused", "baseline": None, "minimal_glibc": None, "glibc_needed": None}
    data = json.loads(stdout)
    if data.get("pure"):
        return {"verdict": "pass", "baseline": None, "minimal_glibc": None, "glibc_needed": None}
    overall = data.get("overall_tag") or ""
    sym = _MANYLINUX.match(data.get("sym_tag") or "")
    return {
        "verdict": "pass",
        "baseline": overall if _MANYLINUX.match(overall) else None,
        "minimal_glibc": f"{sym[1]}.{sym[2]}" if sym else None,
        "glibc_needed": _newest_glibc(data.get("versioned_symbols") or {}),
    }


def _newest_glibc(versioned: dict[str, list[str]]) -> str | None:
    """The newest numbered GLIBC_ version in ``versioned_symbols`` ({library: [versions]})."""
    numbers = [
        match[1]
        for versions in versioned.values()
        for version in versions
        if (match := _GLIBC_VERSION.match(version))
    ]
    return max(numbers, key=lambda v: tuple(int(p) for p in v.split(".")), default=None)


class AuditwheelAdapter(Adapter):
    name = "auditwheel"
    operations = frozenset({"audit.wheel"})
    unsupported_fields = frozenset({"findings"})

    def version(self) -> str:
        return check_pinned("auditwheel")

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        """Each distinct fixture is shown once, in one driver process, in two halves run side
        by side; a wheel the driver did not answer for is shown by the script itself."""
        requests = list(requests)
        outcomes: dict[str, Outcome] = {}
        wanted = []
        for request in requests:
            if request.operation not in self.operations:
                outcomes[request.case_id] = Outcome.skip("auditwheel only audits wheels")
            elif request.fixture is None:
                outcomes[request.case_id] = Outcome.error("audit.wheel needs a fixture")
            elif str(request.fixture) not in wanted:
                wanted.append(str(request.fixture))
        halves = [wanted[0::2], wanted[1::2]]
        shown: dict[str, tuple[int, str, str]] = {}
        with ThreadPoolExecutor(max_workers=2) as pool:
            for part in pool.map(self._driver, halves):
                shown.update(part)
        for path in wanted:
            if path not in shown:
                shown[path] = self._script(path)
        for request in requests:
            if request.case_id in outcomes:
                continue
            code, stdout, stderr = shown[str(request.fixture)]
            summary = summarise(code, stdout)
            if code != 0:
                summary["message"] = tail(stderr, 1)[:300]
            outcomes[request.case_id] = Outcome.output(summary, self.unsupported_fields)
        return outcomes

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str] | None:
        scratch = Path(tempfile.mkdtemp(prefix="perennial-auditwheel-"))
        try:
            return subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=600,
                env=clean_environment({"TMPDIR": str(scratch)}),
                preexec_fn=_limit_files,
            )
        except subprocess.TimeoutExpired:
            return None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _driver(self, paths: list[str]) -> dict[str, tuple[int, str, str]]:
        if not paths:
            return {}
        done = self._run([PYTHON, "-m", "conformance.adapters.auditwheel_driver", *paths])
        answers: dict[str, tuple[int, str, str]] = {}
        for line in (done.stdout if done else "").splitlines():
            record = json.loads(line)
            answers[record["path"]] = (record["returncode"], record["stdout"], record["stderr"])
        return answers

    def _script(self, path: str) -> tuple[int, str, str]:
        executable = str(Path(PYTHON).with_name("auditwheel"))
        done = self._run([executable, "show", "--json", path])
        if done is None:
            return 1, "", "auditwheel show did not finish in 600 s"
        return done.returncode, done.stdout, done.stderr
