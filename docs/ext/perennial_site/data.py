"""The data the site is generated from, loaded once per build, and who depends on it.

Pages generated from ``policies/``, the cases, the results or the waivers record which source
they read (:func:`note`). Before reading, :func:`outdated_docs` compares each source's
fingerprint with the one of the last build and marks the dependent pages for a re-read, so an
incremental build after a data change is as right as a clean one.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteData:
    """Everything the generated pages show; missing parts are empty, with the reason kept."""

    policies: Any | None
    targets: Any | None
    """The target facts next to the policies (build images, installers, caveats, runtimes)."""
    cases: tuple[Any, ...]
    results: tuple[Any, ...]
    waivers: dict[str, str]
    retired: dict[str, Any]
    problems: tuple[str, ...] = field(default=())
    retired_cases: dict[str, Any] = field(default_factory=dict)
    """Case IDs no longer in the suite (``conformance/cases/retired.toml``)."""
    cases_loaded: bool = True
    """False when the case files could not be read: coverage lints would only add noise."""


def paths(app: Sphinx) -> dict[str, Path]:
    """Where each data source lives, from the ``perennial_*`` settings in conf.py.

    An empty setting turns the source off (a small test project needs no policies).
    """
    root = Path(app.srcdir)
    config = app.config
    settings = {
        "policies": config.perennial_policies_dir,
        "cases": config.perennial_cases_dir,
        "results": config.perennial_results_dir,
        "waivers": config.perennial_waivers_file,
        "spec": config.perennial_spec_dir,
    }
    where = {name: root / value for name, value in settings.items() if value}
    where["code"] = Path(__file__).parent  # a change to this extension redraws its pages
    return where


def fingerprint(path: Path) -> str:
    """A digest of a file or of every file under a directory (names and contents)."""
    digest = hashlib.sha256()
    files: Iterable[Path] = (
        sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    )
    for file in files:
        if file.exists() and "__pycache__" not in file.parts and file.suffix != ".pyc":
            digest.update(file.relative_to(path.parent).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def _load_policies(path: Path, problems: list[str]) -> Any | None:
    try:
        from reference_impl.policy import load_policies
    except ImportError as error:
        problems.append(f"reference_impl.policy is not importable: {error}")
        return None
    try:
        return load_policies(path)
    except Exception as error:  # a broken policy must show up as one build warning
        problems.append(f"{path}: policies cannot be loaded: {error}")
        return None


def _load_targets(policies: Any | None, problems: list[str]) -> Any | None:
    if policies is None:
        return None
    from reference_impl.policy.targets import load_targets

    try:
        return load_targets(policies)
    except Exception as error:  # a broken target file must show up as one build warning
        problems.append(f"target facts cannot be loaded: {error}")
        return None


def _load_cases(path: Path, spec: Path, problems: list[str]) -> tuple[Any, ...]:
    try:
        from conformance.cases import load_cases
        from conformance.clauses import ClauseError, ClauseRegistry, load_registry
    except ImportError:
        return ()
    try:
        registry = load_registry(spec)
    except ClauseError:  # the clause lints report it, with the page and line
        registry = ClauseRegistry({}, {}, {})
    if not path.is_dir():
        return ()
    try:
        return tuple(load_cases(path, registry))
    except Exception as error:  # a broken case file must show up as one build warning
        problems.append(f"{path}: cases cannot be loaded: {error}")
        return ()


def _load_results(path: Path, problems: list[str]) -> tuple[Any, ...]:
    try:
        from conformance.results import load_results
    except ImportError:
        return ()
    if not path.is_dir():
        return ()
    try:
        return tuple(load_results(path))
    except Exception as error:  # a broken results file must show up as one build warning
        problems.append(f"{path}: results cannot be loaded: {error}")
        return ()


def _load_waivers(path: Path, problems: list[str]) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{path}: not valid TOML: {error}")
        return {}
    waivers: dict[str, str] = {}
    for clause_id, entry in data.get("waivers", {}).items():
        reason = entry.get("reason", "") if isinstance(entry, dict) else ""
        if not str(reason).strip():
            problems.append(f"{path}: the waiver of {clause_id} gives no reason")
            continue
        waivers[clause_id] = str(reason).strip()
    return waivers


def _load_retired_cases(path: Path) -> dict[str, Any]:
    """The retired case IDs; a broken file is already a problem of :func:`_load_cases`."""
    from conformance.cases import CaseError, load_retired_cases

    try:
        return dict(load_retired_cases(path))
    except CaseError:
        return {}


def _load_retired(path: Path, problems: list[str]) -> dict[str, Any]:
    from conformance.clauses import ClauseError, load_retired

    try:
        return dict(load_retired(path))
    except ClauseError as error:
        problems.append(str(error))
        return {}


def load(app: Sphinx) -> SiteData:
    """Read every source; a source that cannot be read becomes a problem, not a traceback."""
    where = paths(app)
    problems: list[str] = []
    spec = where.get("spec", Path(app.srcdir) / "spec")
    cases = _load_cases(where["cases"], spec, problems) if "cases" in where else ()
    cases_loaded = not problems
    policies = _load_policies(where["policies"], problems) if "policies" in where else None
    return SiteData(
        policies=policies,
        targets=_load_targets(policies, problems),
        cases=cases,
        cases_loaded=cases_loaded,
        results=_load_results(where["results"], problems) if "results" in where else (),
        waivers=_load_waivers(where["waivers"], problems) if "waivers" in where else {},
        retired=_load_retired(spec, problems),
        problems=tuple(problems),
        retired_cases=_load_retired_cases(where["cases"]) if "cases" in where else {},
    )


def get(app: Sphinx) -> SiteData:
    """The data of this build (loaded at builder-inited)."""
    data: SiteData | None = getattr(app, "_perennial_data", None)
    if data is None:
        data = load(app)
        app._perennial_data = data  # type: ignore[attr-defined]
    return data


def note(env: BuildEnvironment, *sources: str) -> None:
    """Record that the page being read shows data from ``sources``."""
    deps: dict[str, set[str]] = env.perennial_data_deps  # type: ignore[attr-defined]
    deps.setdefault(env.docname, set()).update((*sources, "code"))


def _init_env(env: BuildEnvironment) -> None:
    if not hasattr(env, "perennial_data_deps"):
        env.perennial_data_deps = {}  # type: ignore[attr-defined]
        env.perennial_fingerprints = {}  # type: ignore[attr-defined]


def outdated_docs(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages that show a data source whose contents changed since the last build."""
    _init_env(env)
    now = {name: fingerprint(path) for name, path in paths(app).items()}
    before: dict[str, str] = env.perennial_fingerprints  # type: ignore[attr-defined]
    stale = {name for name, digest in now.items() if before.get(name) != digest}
    env.perennial_fingerprints = now  # type: ignore[attr-defined]
    deps: dict[str, set[str]] = env.perennial_data_deps  # type: ignore[attr-defined]
    return sorted(doc for doc, sources in deps.items() if sources & stale)


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _init_env(env)
    env.perennial_data_deps.pop(docname, None)  # type: ignore[attr-defined]


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
) -> None:
    _init_env(env)
    for docname in docnames:
        if docname in getattr(other, "perennial_data_deps", {}):
            env.perennial_data_deps[docname] = other.perennial_data_deps[docname]  # type: ignore[attr-defined]


def report_problems(app: Sphinx, env: BuildEnvironment) -> None:
    """A source that cannot be read fails the build under -W, one line each."""
    for problem in get(app).problems:
        logger.warning(problem, type="perennial", subtype="data")


def setup(app: Sphinx) -> None:
    app.add_config_value("perennial_policies_dir", "policies", "env", types=[str])
    app.add_config_value("perennial_cases_dir", "conformance/cases", "env", types=[str])
    app.add_config_value("perennial_results_dir", "conformance/results", "env", types=[str])
    app.add_config_value("perennial_waivers_file", "conformance/waivers.toml", "env", types=[str])
    app.add_config_value("perennial_spec_dir", "spec", "env", types=[str])
    app.connect("env-get-outdated", outdated_docs)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("env-before-read-docs", lambda app, env, docnames: _init_env(env))
