"""The site's Sphinx extension: clauses, their lints and registry, and the generated pages.

Each submodule has one job (see its docstring); this module only wires them together.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from perennial_site import (
    baselines,
    build,
    cases,
    clauses,
    data,
    departures,
    generate,
    includes,
    lints,
    overview,
    pictures,
    registry,
    schemas,
    targets,
)


def _resolve_links(app: Sphinx, doctree: Any, docname: str) -> None:
    build.resolve_links(app.builder, doctree, docname)


def _root_redirect(app: Sphinx, exception: BaseException | None) -> None:
    """The home page is docs/index.html; the site's root sends readers there."""
    if exception is not None or app.builder.format != "html":
        return
    target = app.builder.get_target_uri(app.config.root_doc)
    if target == "index.html":
        return
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={target}">'
        f"<title>{app.config.project}</title></head>"
        f'<body><a href="{target}">{app.config.project}</a> '
        f'(<a href="{escape(app.config.perennial_repository)}">source repository</a>)'
        "</body></html>\n"
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("perennial_repository", "", "html", types=[str])
    data.setup(app)
    clauses.setup(app)
    departures.setup(app)
    cases.setup(app)
    baselines.setup(app)
    targets.setup(app)
    pictures.setup(app)
    generate.setup(app)
    overview.setup(app)
    includes.setup(app)
    lints.setup(app)
    registry.setup(app)
    schemas.setup(app)
    build.setup(app)
    # after every placeholder is filled in (they make data links)
    app.connect("doctree-resolved", _resolve_links, priority=900)
    app.connect("build-finished", _root_redirect)
    app.add_css_file("perennial.css")
    app.add_js_file("perennial.js")
    return {
        "version": "1",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 1,
    }
