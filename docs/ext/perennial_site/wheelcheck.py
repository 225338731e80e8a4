"""The wheel check that runs in the reader's browser: what the build publishes for it.

``docs/_static/wheelcheck/`` holds the page script, the worker and the Python glue; this module
puts next to the HTML everything they load, so the page asks nothing of any other origin:

- ``_pyodide/``: Pyodide's runtime, copied from the npm package the Makefile installs
  (``package.json`` pins the version, ``package-lock.json`` the bytes);
- ``_wheels/``: a wheel of ``reference_impl`` (with the policy data inside, as the project's
  own wheel ships it) built here, and its pure-Python dependencies at the versions this build
  runs (``pip download``, started when the build starts so it overlaps the reading);
- ``_wheels/wheels.json``: the list the worker installs.

``{wheel-check}`` renders the page's container with links to these (the script reads them)
and the check's limits, which the page states before the reader picks a file; the page gets
the Content-Security-Policy of :mod:`perennial_site.csp`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import threading
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from perennial_site import build, csp

logger = logging.getLogger(__name__)

PYODIDE = "_pyodide"
WHEELS = "_wheels"
MANIFEST = "wheels.json"
FLAG = "perennial_wheel_check"
"""Page metadata set by the directive: the page that loads the script."""
SCRIPT = "wheelcheck/page.js"
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
"""What ``loadPyodide`` fetches from its index URL when no package is asked for."""
DEPENDENCIES = ("packaging", "pyelftools")
"""The reference implementation's runtime dependencies (pyproject.toml), both pure Python."""
CACHE = "_build/wheelcheck"
"""Downloaded wheels, kept between builds (``make clean`` removes them with _build)."""
MAX_BYTES = 1_000_000_000
"""The largest file the page checks. The worker reads the wheel in place, a block at a time,
so the wheel is never held whole in memory (the audit's own working memory remains: 200 MB
for torch's 192 MB wheel); the limit keeps a check well within TIME_LIMIT on a slow machine
(torch took 5-7 s on a loaded 2-core one)."""
TIME_LIMIT = 300
"""Seconds after which a check still running is stopped (its worker ended)."""


class wheel_check(nodes.General, nodes.Element):
    """The wheel check's container: an HTML ``<div>`` whose data attributes give the limits."""


def _visit_wheel_check(translator: Any, node: wheel_check) -> None:
    attributes = {"data-max-bytes": str(MAX_BYTES), "data-limit-seconds": str(TIME_LIMIT)}
    translator.body.append(translator.starttag(node, "div", **attributes))


def _depart_wheel_check(translator: Any, node: wheel_check) -> None:
    translator.body.append("</div>\n")


def limits_text() -> str:
    """The limits as the page states them."""
    return (
        f"A wheel of up to {MAX_BYTES / 1e9:g} GB is checked, and a check still running after "
        f"{TIME_LIMIT // 60} minutes is stopped."
    )


def _runtime_dir(app: Sphinx) -> Path | None:
    setting: str = app.config.perennial_pyodide_dir
    return Path(app.srcdir) / setting if setting else None


def _download(app: Sphinx) -> None:
    """Fetch the dependency wheels this build's Python runs, unless they are cached."""
    cache = Path(app.srcdir) / CACHE
    pins = [f"{name}=={metadata.version(name)}" for name in DEPENDENCIES]
    wanted = [p for p in pins if not any(cache.glob(p.replace("==", "-") + "-*.whl"))]
    if not wanted:
        return
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--only-binary=:all:", "--dest", str(cache), *wanted]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        app._perennial_wheel_error = done.stderr.strip().splitlines()[-1:] or ["pip failed"]  # type: ignore[attr-defined]


def _start(app: Sphinx) -> None:
    if _runtime_dir(app) is None or app.builder.format != "html":
        return
    thread = threading.Thread(target=_download, args=(app,), daemon=True)
    thread.start()
    app._perennial_wheel_download = thread  # type: ignore[attr-defined]


def reference_wheel(root: Path, target: Path) -> Path:
    """A pure-Python wheel of ``reference_impl`` with the policy data inside it.

    The project's own wheel also carries the conformance suite and its fixtures (7 MB) that
    the browser never runs; this one holds what ``perennial audit`` imports, laid out as that
    wheel lays it out (``policies/`` becomes ``reference_impl/policies/``).
    """
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name, version = project["name"].replace("-", "_"), project["version"]
    dist_info = f"{name}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for source, prefix in ((root / "reference_impl", "reference_impl"),
                           (root / "policies", "reference_impl/policies")):  # fmt: skip
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"{prefix}/{path.relative_to(source).as_posix()}"] = path.read_bytes()
    requires = "".join(f"Requires-Dist: {d}\n" for d in project["dependencies"])
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {version}\n"
        f"Summary: {project['description']} (reference implementation only)\n{requires}"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: perennial-site\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    wheel = target / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _copy_if_changed(source: Path, target: Path) -> None:
    if (
        not target.exists()
        or target.stat().st_size != source.stat().st_size
        or (target.stat().st_mtime < source.stat().st_mtime)
    ):
        shutil.copy2(source, target)


def publish(app: Sphinx, exception: BaseException | None) -> None:
    """Copy the runtime and the wheels next to the HTML; a missing part is one warning."""
    runtime = _runtime_dir(app)
    if exception is not None or runtime is None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    missing = [f for f in RUNTIME_FILES if not (runtime / f).is_file()]
    if missing:
        logger.warning(
            "%s lacks %s: install the site's npm packages (make site runs npm ci)",
            runtime, ", ".join(missing), type="perennial", subtype="wheelcheck",
        )  # fmt: skip
        return
    (out / PYODIDE).mkdir(exist_ok=True)
    for name in RUNTIME_FILES:
        _copy_if_changed(runtime / name, out / PYODIDE / name)
    getattr(app, "_perennial_wheel_download", threading.Thread()).join()
    error = getattr(app, "_perennial_wheel_error", None)
    if error:
        logger.warning("the wheel check's dependencies could not be downloaded: %s", error[0],
                       type="perennial", subtype="wheelcheck")  # fmt: skip
        return
    wheels = out / WHEELS
    if wheels.is_dir():
        shutil.rmtree(wheels)
    wheels.mkdir()
    cache = Path(app.srcdir) / CACHE
    names = [reference_wheel(Path(app.srcdir), wheels).name]
    for name in DEPENDENCIES:
        found = sorted(cache.glob(f"{name}-{metadata.version(name)}-*.whl"))
        if not found:
            logger.warning("no wheel of %s %s in %s", name, metadata.version(name), cache,
                           type="perennial", subtype="wheelcheck")  # fmt: skip
            return
        shutil.copyfile(found[-1], wheels / found[-1].name)
        names.append(found[-1].name)
    (wheels / MANIFEST).write_text(json.dumps({"wheels": names}) + "\n", encoding="utf-8")


class WheelCheckDirective(SphinxDirective):
    """``{wheel-check}``: the drop zone's container, linking what the page script loads."""

    def run(self) -> list[nodes.Node]:
        page = self.env.docname
        root = wheel_check(ids=["wheel-check"], classes=["wheel-check"])
        root += build.para(
            "The wheel check needs JavaScript and WebAssembly. It loads ",
            build.external(build.site_url(page, f"{PYODIDE}/"), "Pyodide"),
            " and ",
            build.external(build.site_url(page, f"{WHEELS}/{MANIFEST}"), "these wheels"),
            " from this site, then runs ",
            build.external(build.site_url(page, "_static/wheelcheck/check.py"), "check.py"),
            " in a ",
            build.external(build.site_url(page, "_static/wheelcheck/worker.mjs"), "worker"),
            ".",
            classes=["wheel-check-sources"],
        )
        root += build.para(limits_text(), classes=["wheel-check-limits"])
        self.env.metadata[page][FLAG] = True
        return [root]


def set_policy(app: Sphinx, exception: BaseException | None) -> None:
    """Put the Content-Security-Policy into the page that holds the wheel check."""
    if exception is not None or app.builder.format != "html":
        return
    for docname, page_metadata in app.env.metadata.items():
        if page_metadata.get(FLAG):
            page = Path(app.builder.get_outfilename(docname))
            if page.is_file():
                csp.apply(page)


def setup(app: Sphinx) -> None:
    app.add_config_value("perennial_pyodide_dir", "", "html", types=[str])
    app.add_node(wheel_check, html=(_visit_wheel_check, _depart_wheel_check))
    app.add_directive("wheel-check", WheelCheckDirective)
    app.connect("build-finished", set_policy)
    app.connect("builder-inited", _start)
    build.page_script(app, FLAG, SCRIPT)
    app.connect("build-finished", publish)
