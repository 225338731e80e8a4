"""Machinery shared by the black-box installer adapters (pip, uv).

A black-box installer is asked to choose among real wheel files in a find-links directory,
offline. Each case becomes its own project (``c<hash of the case ID>``) so that many cases
share one installer invocation per system profile and override; a pure ``py3-none-any``
wheel is added to every project without one, so "nothing compatible" shows up as that
fallback being chosen rather than as a failure that would stop the whole batch.

An emulated system is a throw-away virtual environment whose ``sitecustomize`` makes the
interpreter report the profile's glibc, machine and pointer size, with the profile's
``_manylinux`` module in its site-packages (or in a directory put on ``PYTHONPATH``).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from conformance.adapters.base import PYTHON, Adapter, Outcome, Request
from conformance.systems import Override, SystemProfile, override_source

TEMPLATE = Path(__file__).with_name("startup_template.py")
VERSION = "1.0"
_ZIP_DATE = (2020, 2, 2, 0, 0, 0)


def project_name(case_id: str) -> str:
    """A valid, normalised project name unique to a case."""
    return "c" + hashlib.sha256(case_id.encode()).hexdigest()[:12]


@dataclass
class Project:
    """One case's wheels, renamed to the case's project."""

    case_id: str
    name: str
    files: dict[str, str] = field(default_factory=dict)
    """File name written -> the case's original wheel name (the fallback is not listed)."""


def renamed(wheel: str, name: str) -> str:
    """``demo-1.0-py3-none-TAG.whl`` -> ``NAME-1.0-py3-none-TAG.whl`` (the rest untouched)."""
    parts = wheel.split("-", 1)
    return f"{name}-{parts[1]}" if len(parts) == 2 else f"{name}-{wheel}"


def write_wheel(directory: Path, filename: str, name: str, origin: str) -> None:
    """A minimal installable wheel whose module records which file it came from."""
    stem = filename.removesuffix(".whl").split("-")
    tags = []
    if len(stem) >= 5:
        for python in stem[-3].split("."):
            for abi in stem[-2].split("."):
                tags += [f"{python}-{abi}-{plat}" for plat in stem[-1].split(".")]
    dist_info = f"{name}-{VERSION}.dist-info"
    members = {
        f"{name}/__init__.py": f"ORIGIN = {origin!r}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {VERSION}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: perennial-conformance\n"
        "Root-Is-Purelib: false\n" + "".join(f"Tag: {tag}\n" for tag in tags),
    }
    record = "".join(f"{path},,\n" for path in members) + f"{dist_info}/RECORD,,\n"
    members[f"{dist_info}/RECORD"] = record
    with zipfile.ZipFile(directory / filename, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in members.items():
            archive.writestr(zipfile.ZipInfo(path, _ZIP_DATE), text)


def wheels_of(request: Request) -> list[str]:
    """The candidate wheels a request asks about (one synthetic wheel for a compatibility
    question: is a wheel tagged only with this tag chosen at all?)."""
    if request.operation == "installer.compatible":
        return [f"demo-{VERSION}-py3-none-{request.input['tag']}.whl"]
    return list(request.input["wheels"])


def build_projects(requests: Sequence[Request], directory: Path) -> dict[str, Project]:
    """Write every request's wheels into ``directory``; project name -> Project."""
    directory.mkdir(parents=True, exist_ok=True)
    projects: dict[str, Project] = {}
    for request in requests:
        name = project_name(request.case_id)
        project = Project(request.case_id, name)
        for wheel in wheels_of(request):
            written = renamed(wheel, name)
            project.files[written] = wheel
            write_wheel(directory, written, name, wheel)
        if not any(w.endswith("-any.whl") for w in project.files):
            write_wheel(directory, f"{name}-{VERSION}-py3-none-any.whl", name, "")
        projects[name] = project
    return projects


def target_environment(root: Path, override: Override) -> dict[str, str]:
    """For a target run: the running environment's override, on ``PYTHONPATH`` so that the
    installer could find it (the spec says it must not consult it)."""
    source = override_source(override)
    if source is None:
        return {}
    directory = root / f"override-{override.name}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "_manylinux.py").write_text(source)
    return {"PYTHONPATH": str(directory)}


class Environment(NamedTuple):
    """Where an installer runs: the interpreter, the variables to add, the working directory
    (None: inherited)."""

    python: Path
    env: dict[str, str]
    cwd: Path | None


class Environments:
    """Throw-away virtual environments posing as system profiles, one per (profile, override)."""

    def __init__(self, root: Path, extra_path: str | None = None) -> None:
        self.root = root
        self.extra_path = extra_path
        """A directory added to the environment's ``sys.path`` (where pip lives)."""
        self._lock = threading.Lock()
        self._made: dict[tuple[str, str], Environment] = {}

    def get(self, system: SystemProfile, override: Override) -> Environment:
        """The interpreter, extra environment variables and working directory for a system."""
        key = (system.name, override.name)
        with self._lock:
            if key not in self._made:
                self._made[key] = self._create(system, override)
            return self._made[key]

    def _create(self, system: SystemProfile, override: Override) -> Environment:
        venv = self.root / f"venv-{len(self._made)}"
        subprocess.run(
            [PYTHON, "-m", "venv", "--without-pip", str(venv)],
            check=True,
            capture_output=True,
        )
        (site,) = venv.glob("lib/python*/site-packages")
        profile = {
            "libc": system.libc,
            "confstr": system.confstr,
            "glibc_text": system.glibc_text,
            "machine": system.machine,
            "bits": system.bits,
            "interpreter": str(system.interpreter_path) if system.interpreter_path else None,
        }
        (site / "perennial_profile.json").write_text(json.dumps(profile))
        shutil.copyfile(TEMPLATE, site / "sitecustomize.py")
        if self.extra_path:
            (site / "perennial-tool.pth").write_text(self.extra_path + "\n")
        env: dict[str, str] = {}
        cwd = venv / "cwd"
        cwd.mkdir()
        source = override_source(override)
        if source is not None:
            if override.location == "pythonpath":
                extra = venv / "pythonpath"
                extra.mkdir()
                (extra / "_manylinux.py").write_text(source)
                env["PYTHONPATH"] = str(extra)
            elif override.location == "cwd":
                (cwd / "_manylinux.py").write_text(source)
            else:
                (site / "_manylinux.py").write_text(source)
        return Environment(venv / "bin" / "python", env, cwd)


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment without pip/uv/Python settings that could leak in."""
    import os

    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "PYTHON", "VIRTUAL_ENV", "CONDA"))
    }
    return {**keep, **extra}


def group_key(request: Request) -> tuple[str, str, str]:
    """Requests sharing one installer invocation: same system (or target) and override."""
    if "target" in request.input:
        return ("target", request.input["target"], request.override.name)
    assert request.system is not None
    return ("system", request.system.name, request.override.name)


def tail(text: str, lines: int = 3) -> str:
    """The tool's error lines (``error:``, ``cause:``, ``Caused by``) or else its last
    non-empty lines, joined on one line and kept short."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    marked = [line for line in kept if line.startswith(("error:", "cause:", "Caused by"))]
    chosen = [line[:200] for line in (marked or kept)[-lines:]]
    return " | ".join(chosen)[-400:]


class BlackBoxInstaller(Adapter):
    """Common batching: subclasses implement :meth:`choose` for one group of projects."""

    operations = frozenset({"installer.compatible", "installer.select"})
    workers = 2
    """Installer invocations run at once (each is one process, mostly waiting on start-up)."""

    def __init__(self) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix=f"perennial-{self.name}-"))
        self.environments = Environments(self._tmp / "envs")
        self._groups = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def choose(
        self, key: tuple[str, str, str], requests: Sequence[Request], links: Path, names: list[str]
    ) -> tuple[dict[str, str] | None, str]:
        """Run the installer once: project -> chosen file name, or None and its stderr."""
        raise NotImplementedError

    def environment(self, key: tuple[str, str, str], request: Request) -> Environment:
        """The emulated system of a group, or for a target this interpreter with the running
        system's override on ``PYTHONPATH``."""
        if key[0] == "target":
            env = target_environment(self.environments.root, request.override)
            return Environment(Path(PYTHON), env, None)
        assert request.system is not None
        return self.environments.get(request.system, request.override)

    def run(self, command: Sequence[str], where: Environment) -> subprocess.CompletedProcess[str]:
        """Run the installer in ``where``, with nothing of this process's settings leaking in."""
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=clean_environment(where.env),
            cwd=where.cwd,
            timeout=300,
        )

    def answer_all(self, requests: Iterable[Request]) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        groups: dict[tuple[str, str, str], list[Request]] = {}
        for request in requests:
            if request.operation not in self.operations:
                outcomes[request.case_id] = Outcome.skip(
                    f"{self.name} has no {request.operation} operation here"
                )
                continue
            named = request.system.cpython if request.system is not None else None
            if named not in (None, sys.version_info[:2]):
                outcomes[request.case_id] = Outcome.skip(
                    f"the emulated interpreter is this CPython {sys.version_info[0]}."
                    f"{sys.version_info[1]}, not the profile's {request.system.python}"
                )
                continue
            groups.setdefault(group_key(request), []).append(request)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for result in pool.map(lambda item: self._run_group(*item), groups.items()):
                outcomes.update(result)
        return outcomes

    def _run_group(
        self, key: tuple[str, str, str], requests: Sequence[Request]
    ) -> dict[str, Outcome]:
        with self._lock:
            self._groups += 1
            links = self._tmp / f"links-{self._groups}"
        projects = build_projects(requests, links)
        chosen, error = self.choose(key, requests, links, list(projects))
        if chosen is None and len(requests) > 1 and "_manylinux" not in error:
            # One case may have broken the batch: ask again one case at a time.
            outcomes: dict[str, Outcome] = {}
            for request in requests:
                outcomes.update(self._run_group(key, [request]))
            return outcomes
        outcomes = {}
        for name, project in projects.items():
            request = next(r for r in requests if r.case_id == project.case_id)
            if chosen is None:
                outcomes[request.case_id] = Outcome.output(self.failure(error))
                continue
            picked = chosen.get(name)
            original = project.files.get(picked) if picked else None
            if request.operation == "installer.compatible":
                outcomes[request.case_id] = Outcome.output({"compatible": original is not None})
            else:
                outcomes[request.case_id] = Outcome.output({"selected": original})
        return outcomes

    def failure(self, error: str) -> dict[str, Any]:
        """The output for an installer run that failed: an override failure is the spec's
        ``error: override``; anything else is reported as the tool's own failure."""
        kind = "override" if "_manylinux" in error else "installer-failed"
        error = tail(error)
        message = re.sub(r"\$TMP/envs/venv-\d+", "$VENV", error.replace(str(self._tmp), "$TMP"))
        return {"error": kind, "message": re.sub(r"\$TMP/links-\d+", "$LINKS", message)}
