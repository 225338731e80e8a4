"""pip as a black box: which of the crafted wheels does ``pip install`` pick?

One ``pip install --dry-run --report`` per system profile (or ``--platform`` target), with
``--isolated`` so no configuration file or ``PIP_*`` variable leaks in, offline against a
find-links directory, binary wheels only. For an emulated system pip runs inside the
profile's virtual environment (the pinned pip's directory is on its path, so it is the same
pip); for a target it gets
``--platform TARGET --python-version 3.11``. The platform tags of ``installer.tags`` come from
``pip debug --verbose``, pip's own listing of the tags it accepts.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from conformance.adapters.base import PYTHON, AdapterError, Outcome, Request
from conformance.adapters.blackbox import (
    BlackBoxInstaller,
    clean_environment,
    group_key,
    target_environment,
)
from conformance.pins import check_pinned


class PipAdapter(BlackBoxInstaller):
    name = "pip"
    operations = frozenset({"installer.compatible", "installer.select", "installer.tags"})

    def __init__(self) -> None:
        super().__init__()
        # The emulated interpreters run this pip (not a copy): its directory joins their path.
        import pip

        self.environments.extra_path = str(Path(pip.__file__).resolve().parents[1])

    def version(self) -> str:
        return check_pinned("pip")

    def _command(
        self, key: tuple[str, str, str], requests: Sequence[Request]
    ) -> tuple[list[str], dict[str, str], Path | None]:
        """The pip command, its environment and its working directory (None: inherited)."""
        if key[0] == "system":
            emulated = self.environments.get(requests[0].system, requests[0].override)  # type: ignore[arg-type]
            env = {**emulated.env, "PERENNIAL_POSE_EXECUTABLE": "1"}
            return [str(emulated.python), "-m", "pip"], clean_environment(env), emulated.cwd
        env = target_environment(self.environments.root, requests[0].override)
        return [PYTHON, "-m", "pip"], clean_environment(env), None

    def _target_options(self, key: tuple[str, str, str]) -> list[str]:
        if key[0] != "target":
            return []
        return ["--platform", key[1], "--python-version", "3.11", "--implementation", "cp"]

    def choose(
        self, key: tuple[str, str, str], requests: Sequence[Request], links: Path, names: list[str]
    ) -> tuple[dict[str, str] | None, str]:
        command, env, cwd = self._command(key, requests)
        report = links / "report.json"
        command += [
            "--isolated", "--disable-pip-version-check", "--no-cache-dir", "--no-color",
            "install", "--dry-run", "--ignore-installed", "--no-deps", "--quiet",
            "--report", str(report), "--no-index", "--find-links", str(links),
            "--only-binary=:all:", *self._target_options(key), *names,
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300
        )
        if done.returncode != 0:
            return None, done.stderr or f"pip exited {done.returncode}"
        chosen = {}
        for item in json.loads(report.read_text())["install"]:
            filename = Path(unquote(urlparse(item["download_info"]["url"]).path)).name
            chosen[item["metadata"]["name"]] = filename
        return chosen, ""

    def answer_all(self, requests: Any) -> dict[str, Outcome]:
        requests = list(requests)
        tag_requests = [r for r in requests if r.operation == "installer.tags"]
        with ThreadPoolExecutor(max_workers=1) as side:
            # pip debug runs beside the install groups, which use their own workers.
            tags = side.map(self._tags, tag_requests)
            outcomes = super().answer_all(r for r in requests if r.operation != "installer.tags")
            outcomes.update(zip((r.case_id for r in tag_requests), tags, strict=True))
        return outcomes

    def _tags(self, request: Request) -> Outcome:
        key = group_key(request)
        command, env, cwd = self._command(key, [request])
        command += ["--isolated", "--disable-pip-version-check", "--no-color", "debug", "--verbose"]
        command += self._target_options(key)
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300
        )
        if done.returncode != 0:
            return Outcome.output(self.failure(done.stderr))
        return Outcome.output({"tags": platform_tags(done.stdout)})


def platform_tags(debug_output: str) -> list[str]:
    """The manylinux and linux platform tags of ``pip debug --verbose``, first seen first."""
    seen: dict[str, None] = {}
    listing = debug_output.split("Compatible tags:", 1)
    if len(listing) != 2:
        raise AdapterError("pip debug printed no 'Compatible tags:' section")
    for line in listing[1].splitlines():
        parts = line.strip().split("-")
        if len(parts) == 3 and parts[2].startswith(("manylinux", "linux_")):
            seen.setdefault(parts[2], None)
    return list(seen)
