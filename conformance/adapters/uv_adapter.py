"""uv as a black box: which of the crafted wheels does ``uv pip install`` put in a target?

One ``uv pip install --target`` per system profile (or ``--python-platform`` target),
offline, with a fresh cache directory so no earlier interpreter query or wheel is reused and
``--no-config`` so no configuration file leaks in. For an emulated system uv is pointed at
the profile's virtual environment (``--python``), whose start-up reports the profile; uv runs
its interpreter query with ``-I``, so an override only on ``PYTHONPATH`` is invisible to it,
which is one of the behaviours the suite records. The installed module says which wheel won.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from conformance.adapters.base import CPYTHON, PYTHON, AdapterError, Outcome, Request
from conformance.adapters.blackbox import BlackBoxInstaller, renamed
from conformance.pins import check_pinned


def uv_binary() -> str:
    """The uv executable installed with the pinned uv distribution."""
    candidate = Path(PYTHON).with_name("uv")
    found = str(candidate) if candidate.exists() else shutil.which("uv")
    if found is None:
        raise AdapterError("uv: no uv executable next to the interpreter or on PATH")
    return found


class UvAdapter(BlackBoxInstaller):
    name = "uv"

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        requests = list(requests)
        musl = [r for r in requests if r.system is not None and r.system.libc == "musl"]
        outcomes = super().answer_all(r for r in requests if r not in musl)
        for request in musl:
            outcomes[request.case_id] = Outcome.skip(
                "uv detects musl by running the interpreter's dynamic loader, which the "
                "emulated environment cannot pose as"
            )
        return outcomes

    def version(self) -> str:
        version = check_pinned("uv")
        done = subprocess.run([uv_binary(), "--version"], capture_output=True, text=True)
        if version not in done.stdout:
            raise AdapterError(f"uv: the executable says {done.stdout.strip()!r}, pinned {version}")
        return version

    def choose(
        self, key: tuple[str, str, str], requests: Sequence[Request], links: Path, names: list[str]
    ) -> tuple[dict[str, str] | None, str]:
        target = links / "target"
        cache = links / "cache"
        where = self.environment(key, requests[0])
        command = [
            uv_binary(), "pip", "install", "--no-config", "--offline", "--no-index",
            "--find-links", str(links), "--cache-dir", str(cache), "--target", str(target),
            "--no-deps", "--only-binary", ":all:", "--quiet",
        ]  # fmt: skip
        if key[0] == "target":
            version = ".".join(map(str, CPYTHON))
            command += ["--python-platform", key[1], "--python-version", version]
        command += ["--python", str(where.python), *names]
        done = self.run(command, where)
        if done.returncode != 0:
            return None, done.stderr or f"uv exited {done.returncode}"
        chosen = {}
        for name in names:
            module = target / name / "__init__.py"
            if module.exists():
                # The module records the case's wheel; the fallback records nothing.
                origin = ast.literal_eval(module.read_text().split("=", 1)[1].strip())
                chosen[name] = renamed(origin, name) if origin else ""
        return chosen, ""
