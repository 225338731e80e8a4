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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from conformance.adapters.base import CPYTHON, AdapterError, Outcome, Request
from conformance.adapters.blackbox import BlackBoxInstaller, Environment, group_key
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

    def _pip(self, key: tuple[str, str, str], request: Request) -> tuple[list[str], Environment]:
        """``python -m pip`` with its general options, and where it runs."""
        where = self.environment(key, request)
        if key[0] == "system":
            where = where._replace(env={**where.env, "PERENNIAL_POSE_EXECUTABLE": "1"})
        command = [str(where.python), "-m", "pip", "--isolated", "--disable-pip-version-check"]
        return command, where

    def _target_options(self, key: tuple[str, str, str]) -> list[str]:
        if key[0] != "target":
            return []
        version = ".".join(map(str, CPYTHON))
        return ["--platform", key[1], "--python-version", version, "--implementation", "cp"]

    def choose(
        self, key: tuple[str, str, str], requests: Sequence[Request], links: Path, names: list[str]
    ) -> tuple[dict[str, str] | None, str]:
        command, where = self._pip(key, requests[0])
        report = links / "report.json"
        command += [
            "--no-cache-dir", "--no-color",
            "install", "--dry-run", "--ignore-installed", "--no-deps", "--quiet",
            "--report", str(report), "--no-index", "--find-links", str(links),
            "--only-binary=:all:", *self._target_options(key), *names,
        ]  # fmt: skip
        done = self.run(command, where)
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
        command, where = self._pip(key, request)
        command += ["--no-color", "debug", "--verbose", *self._target_options(key)]
        done = self.run(command, where)
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
