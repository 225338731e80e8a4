"""The matrix explorer: the results files and a case index published with the site, and the
page that filters them in the reader's browser (``docs/_static/explorer.js``).

The build copies ``conformance/results/*.json`` unchanged under ``results/`` (the files
``perennial conformance run`` writes, so what the page shows is what the CLI reported) and
writes ``cases.json``: each case's audience, operation, level and page. The page itself holds
a short summary per tool and level, and links to those files, which the script reads; a reader
without JavaScript follows the links or the case pages. The script only sorts and filters:
every outcome it shows is a field of a results file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from perennial_site import build, data
from perennial_site.cases import AUDIENCE_TITLES, audience_doc, case_anchor, case_doc, tool_id

RESULTS = "results"
INDEX = "cases.json"
FLAG = "perennial_explorer"
"""Page metadata set by the directive: the page that loads the script."""
SCRIPT = "explorer.js"


def case_index(app: Sphinx) -> dict[str, Any]:
    """What the explorer needs to know of each case, with its page as the builder writes it."""
    site = data.get(app)
    return {
        "format": 1,
        "audiences": AUDIENCE_TITLES,
        "tools": {impl.name: tool_id(impl.name) for impl in site.results},
        "cases": [
            {
                "id": case.id,
                "audience": case.audience,
                "operation": case.operation,
                "level": case.level,
                "strength": case.strength,
                "clauses": list(case.clauses),
                "page": app.builder.get_target_uri(case_doc(case)),
                "anchor": case_anchor(case.id),
            }
            for case in site.cases
        ],
    }


def publish(app: Sphinx, exception: BaseException | None) -> None:
    """Copy the results files and write the case index next to the HTML."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    target = out / RESULTS
    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    source = data.paths(app).get("results")
    if source is None:
        return
    for impl in data.get(app).results:
        shutil.copyfile(source / f"{impl.name}.json", target / f"{impl.name}.json")
    text = json.dumps(case_index(app), indent=None, separators=(",", ":"), ensure_ascii=True)
    (out / INDEX).write_text(text + "\n", encoding="utf-8")


def _level_cell(summary: Any) -> nodes.Node:
    if summary is None or summary.claimed == 0:
        return build.para("no cases", classes=["explorer-none"])
    parts: list[nodes.Node] = [
        build.badge(summary.verdict, "verdict"),
        build.text(f" {summary.counts['pass']} of {summary.claimed} pass"),
    ]
    if summary.divergences:
        parts.append(build.text(f", {summary.divergences} known divergences"))
    if summary.unexpected:
        parts.append(build.text(f", {summary.unexpected} unexplained"))
    if summary.counts["skip"]:
        parts.append(build.text(f", {summary.counts['skip']} skipped"))
    return build.para(*parts)


class ExplorerDirective(SphinxDirective):
    """``{matrix-explorer}``: the verdict of each tool per level, then the explorer."""

    def run(self) -> list[nodes.Node]:
        data.note(self.env, "cases", "results")
        site = data.get(self.env.app)
        if not site.results:
            return [
                build.para("No implementation has been run yet: conformance/results/ is empty.")
            ]
        from conformance.results import LEVELS

        rows = [
            [
                build.para(build.literal(impl.name), build.text(" " + impl.version)),
                *(_level_cell(impl.levels.get(level)) for level in LEVELS),
            ]
            for impl in site.results
        ]
        summary = build.table(["tool", *LEVELS], rows, classes=["explorer-summary"])
        explorer = nodes.container(ids=["matrix-explorer"], classes=["matrix-explorer"])
        explorer += build.para(
            "The explorer needs JavaScript. The data it reads: ",
            *build.joined(
                build.external(
                    build.site_url(self.env.docname, f"{RESULTS}/{impl.name}.json"),
                    f"{impl.name}.json",
                )
                for impl in site.results
            ),
            " and the case index ",
            build.external(build.site_url(self.env.docname, INDEX), INDEX),
            ". The cases, with every answer, are on the pages of ",
            *build.joined(
                build.link(audience_doc(a), "", title.lower())
                for a, title in AUDIENCE_TITLES.items()
            ),
            ".",
            classes=["explorer-sources"],
        )
        self.env.metadata[self.env.docname][FLAG] = True
        return [summary, explorer]


def setup(app: Sphinx) -> None:
    app.add_directive("matrix-explorer", ExplorerDirective)
    build.page_script(app, FLAG, SCRIPT)
    app.connect("build-finished", publish)
