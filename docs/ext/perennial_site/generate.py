"""Source pages that exist once per item of data: one per baseline, audience and case file.

They are written at ``builder-inited`` into ``docs/generated/`` (ignored by git) as tiny
MyST files holding a directive; the directive renders the data. A file is only rewritten when
its text changes, and files for items that no longer exist are removed, so Sphinx's own
change detection keeps incremental builds right.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from conformance.cases import AUDIENCES
from perennial_site import data
from perennial_site.baselines import legacy_names
from perennial_site.cases import AUDIENCE_TITLES, topics

GENERATED = "docs/generated"


def pages(app: Sphinx) -> dict[str, str]:
    """Relative path under docs/generated -> the file's text."""
    site = data.get(app)
    out: dict[str, str] = {}
    if site.policies is not None:
        baselines = site.policies.baselines
        names = [b.name for b in baselines]
        toctree = "\n".join(names)
        out["baselines/index.md"] = (
            "# Baselines\n\n"
            "```{baseline-overview}\n```\n\n"
            f"```{{toctree}}\n:hidden:\n\n{toctree}\n```\n"
        )
        for b in baselines:
            aliases = legacy_names(b)
            title = f"{b.name} ({', '.join(aliases)})" if aliases else b.name
            out[f"baselines/{b.name}.md"] = f"# {title}\n\n```{{baseline}} {b.name}\n```\n"
    for audience in AUDIENCES:
        names = list(topics(site.cases, audience))
        toctree = "\n".join(f"{audience}/{name}" for name in names)
        title = AUDIENCE_TITLES[audience].lower()
        out[f"cases/{audience}.md"] = (
            f"# Cases for {title}\n\n"
            "One page per case file; each case opens to show what is asked, what the "
            "specification expects and what each implementation answered.\n\n"
            f"```{{case-files}} {audience}\n```\n\n"
            f"```{{toctree}}\n:hidden:\n\n{toctree}\n```\n"
        )
        for name in names:
            out[f"cases/{audience}/{name}.md"] = (
                f"# Cases for {title}: {name}\n\n```{{case-list}} {audience} {name}\n```\n"
            )
    return out


def write(app: Sphinx) -> None:
    root = Path(app.srcdir) / GENERATED
    wanted = pages(app)
    for relative, text in wanted.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    if root.is_dir():
        for path in root.rglob("*.md"):
            if path.relative_to(root).as_posix() not in wanted:
                path.unlink()


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", write)
