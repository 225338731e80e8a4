"""The JSON schemas a tool author needs, published with the site under ``schemas/``.

The files stay where the code that validates against them reads them (``conformance/schema``,
``reference_impl/schemas``); the build copies them next to the HTML, and ``{schema-list}``
lists them with their titles, so a guide can link a schema instead of a repository path.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from perennial_site import build

OUTPUT = "schemas"


def published(app: Sphinx) -> dict[str, Path]:
    """File name -> source path of every schema the site publishes."""
    root = Path(app.srcdir)
    found: dict[str, Path] = {}
    for pattern in app.config.perennial_schema_files:
        for path in sorted(root.glob(pattern)):
            found.setdefault(path.name, path)
    return found


def url_from(docname: str, name: str) -> str:
    """The relative URL of schema ``name`` from the page ``docname``."""
    return "../" * docname.count("/") + f"{OUTPUT}/{name}"


def copy(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / OUTPUT
    target.mkdir(parents=True, exist_ok=True)
    for name, path in published(app).items():
        shutil.copyfile(path, target / name)


def _describe(path: Path) -> tuple[str, str]:
    """The schema's title and the first sentence of its description."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return path.name, ""
    description = str(data.get("description", "")).split(". ")[0].rstrip(".")
    return str(data.get("title", path.name)), description + ("." if description else "")


class SchemaListDirective(SphinxDirective):
    """``{schema-list}``: every published schema, linked, with its title and purpose."""

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir)
        rows = []
        for name, path in published(self.env.app).items():
            self.env.note_dependency(str(path))
            title, description = _describe(path)
            rows.append(
                [
                    build.external(url_from(self.env.docname, name), name),
                    title,
                    description,
                    build.literal(path.relative_to(root).as_posix()),
                ]
            )
        return [build.table(["schema", "title", "what it describes", "in the repository"], rows)]


def setup(app: Sphinx) -> None:
    app.add_config_value(
        "perennial_schema_files",
        ["reference_impl/schemas/*.json", "conformance/schema/*.json"],
        "env",
        types=[list],
    )
    app.add_directive("schema-list", SchemaListDirective)
    app.connect("build-finished", copy)
