"""auditwheel as a black box: ``auditwheel show --json`` on each crafted wheel.

What its JSON says, mapped to the suite's fields: ``baseline`` is ``overall_tag`` when that is a
manylinux tag; ``minimal_glibc`` is the glibc of ``sym_tag`` (auditwheel's answer to "what do
the symbol versions need", quantised to its policies); ``verdict`` is ``refused`` when
``show`` fails and ``pass`` when it reports a result, since ``show`` never fails a wheel for
claiming more than it earns. auditwheel names no clauses, so ``findings`` is unsupported.

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
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from conformance.adapters.base import PYTHON, Adapter, AdapterError, Outcome, Request
from conformance.adapters.blackbox import clean_environment, tail
from conformance.pins import check_pinned

_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_")
_FILE_LIMIT = 256 * 1024 * 1024


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_LIMIT, _FILE_LIMIT))


def summarise(returncode: int, stdout: str) -> dict[str, Any]:
    """The suite's audit fields from one ``auditwheel show --json`` run."""
    if returncode != 0:
        return {"verdict": "refused", "baseline": None, "minimal_glibc": None}
    data = json.loads(stdout)
    if data.get("pure"):
        return {"verdict": "pass", "baseline": None, "minimal_glibc": None}
    overall = data.get("overall_tag") or ""
    sym = _MANYLINUX.match(data.get("sym_tag") or "")
    return {
        "verdict": "pass",
        "baseline": overall if _MANYLINUX.match(overall) else None,
        "minimal_glibc": f"{sym[1]}.{sym[2]}" if sym else None,
    }


class AuditwheelAdapter(Adapter):
    name = "auditwheel"
    operations = frozenset({"audit.wheel"})
    unsupported_fields = frozenset({"findings"})

    def version(self) -> str:
        return check_pinned("auditwheel")

    def answer(self, request: Request) -> Mapping[str, Any]:
        if request.fixture is None:
            raise AdapterError("audit.wheel needs a fixture")
        executable = Path(PYTHON).with_name("auditwheel")
        scratch = Path(tempfile.mkdtemp(prefix="perennial-auditwheel-"))
        try:
            done = subprocess.run(
                [str(executable), "show", "--json", str(request.fixture)],
                capture_output=True,
                text=True,
                timeout=120,
                env=clean_environment({"TMPDIR": str(scratch)}),
                preexec_fn=_limit_files,
            )
        except subprocess.TimeoutExpired:
            return {"verdict": "refused", "baseline": None, "minimal_glibc": None,
                    "message": "auditwheel show did not finish in 120 s"}  # fmt: skip
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        summary = summarise(done.returncode, done.stdout)
        if done.returncode != 0:
            summary["message"] = tail(done.stderr, 1)[:300]
        return summary

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        requests = list(requests)
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(self.answer_safely, requests))
        return {
            request.case_id: outcome for request, outcome in zip(requests, outcomes, strict=True)
        }
