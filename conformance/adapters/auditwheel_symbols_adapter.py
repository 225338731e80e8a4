"""auditwheel-symbols as a black box: does each crafted wheel earn the tags its filename claims?

The pinned distribution installs a Rust executable, ``auditwheel-symbols WHEEL``: it reads
every manylinux claim of the filename and checks every ELF member against that policy of its
embedded copy of auditwheel's ``policy.json`` (libraries, symbol versions, black-listed
symbols). Its exit status is its verdict: 0 the claims hold (``pass``), 1 they do not
(``fail``); an ``Error:`` line from its ``main`` is its "could not read the wheel"
(``refused``). It names no baseline, glibc version or clause, so only ``verdict`` is compared; any
other ending (a panic, a signal, a time-out) is the tool failing, reported as an error.

Each run is bounded: a time limit and an address-space limit, so a wheel whose members
declare absurd sizes cannot exhaust the machine.
"""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conformance.adapters.base import PYTHON, Adapter, AdapterError, Outcome, Request
from conformance.adapters.blackbox import clean_environment, tail
from conformance.pins import check_pinned

_MEMORY_LIMIT = 1024 * 1024 * 1024
_TIME_LIMIT = 60
_VERDICTS = {0: "pass", 1: "fail"}
_UNSUPPORTED = frozenset({"baseline", "minimal_glibc", "glibc_needed", "findings"})
"""It names no baseline, no glibc version (neither the earliest tag's nor the newest needed)
and no clause."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))


def executable() -> str:
    """The ``auditwheel-symbols`` installed with the pinned distribution."""
    candidate = Path(PYTHON).with_name("auditwheel-symbols")
    if not candidate.exists():
        raise AdapterError("auditwheel-symbols: no executable next to the interpreter")
    return str(candidate)


def summarise(returncode: int, stderr: str) -> Outcome:
    """The suite's audit answer from one run's exit status and messages."""
    panic = [line for line in stderr.splitlines() if " panicked at " in line]
    message = (panic[0].strip() if panic else tail(stderr, 2))[:300]
    if returncode == 1 and stderr.startswith("Error: "):
        return Outcome.output({"verdict": "refused", "message": message}, _UNSUPPORTED)
    if returncode in _VERDICTS:
        return Outcome.output({"verdict": _VERDICTS[returncode], "message": message}, _UNSUPPORTED)
    return Outcome.error(f"auditwheel-symbols ended with status {returncode}: {message}")


class AuditwheelSymbolsAdapter(Adapter):
    name = "auditwheel-symbols"
    operations = frozenset({"audit.wheel"})
    unsupported_fields = _UNSUPPORTED

    def version(self) -> str:
        version = check_pinned("auditwheel-symbols")
        done = subprocess.run([executable(), "--version"], capture_output=True, text=True)
        if done.stdout.split() != ["auditwheel-symbols", version]:
            raise AdapterError(
                f"auditwheel-symbols: the executable says {done.stdout.strip()!r}, pinned {version}"
            )
        return version

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        """Each distinct fixture is checked once, two at a time."""
        requests = list(requests)
        outcomes: dict[str, Outcome] = {}
        wanted: dict[str, None] = {}
        for request in requests:
            if request.operation not in self.operations:
                outcomes[request.case_id] = Outcome.skip("auditwheel-symbols only audits wheels")
            elif request.fixture is None:
                outcomes[request.case_id] = Outcome.error("audit.wheel needs a fixture")
            else:
                wanted.setdefault(str(request.fixture))
        with ThreadPoolExecutor(max_workers=2) as pool:
            checked = dict(zip(wanted, pool.map(self.check, wanted), strict=True))
        for request in requests:
            if request.case_id not in outcomes:
                outcomes[request.case_id] = checked[str(request.fixture)]
        return outcomes

    def check(self, wheel: str) -> Outcome:
        """One run of ``auditwheel-symbols WHEEL``."""
        try:
            done = subprocess.run(
                [executable(), wheel],
                capture_output=True,
                text=True,
                errors="replace",
                timeout=_TIME_LIMIT,
                env=clean_environment({"RUST_BACKTRACE": "0"}),
                preexec_fn=_limit_memory,
            )
        except subprocess.TimeoutExpired:
            return Outcome.error(f"auditwheel-symbols did not finish in {_TIME_LIMIT} s")
        return summarise(done.returncode, done.stderr)
