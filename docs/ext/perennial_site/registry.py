"""Export the clause registry with the site: ``clauses.json`` next to the HTML.

Tools that cite clauses (a divergence file, an issue template) can check an ID against the
published registry without parsing Markdown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from perennial_site.clauses import all_clauses

FILENAME = "clauses.json"


def entries(app: Sphinx) -> list[dict[str, Any]]:
    """One entry per clause, sorted by ID, with the page's URL as the builder writes it."""
    out = []
    for clause in sorted(all_clauses(app.env), key=lambda c: c.id):
        out.append(
            {
                "id": clause.id,
                "aliases": list(clause.aliases),
                "page": clause.page,
                "url": app.builder.get_target_uri(clause.page) + "#" + clause.anchor,
                "anchor": clause.anchor,
                "level": clause.level,
                "checksum": clause.checksum,
            }
        )
    return out


def export(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    path = Path(app.outdir) / FILENAME
    text = json.dumps({"format": 1, "clauses": entries(app)}, indent=1, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.connect("build-finished", export)
