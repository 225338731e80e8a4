"""Links inside repository files that the site includes (``conformance/PROTOCOL.md``).

Such a file links to its neighbours by relative path, which works when it is read on a
code-hosting site. The neighbours (a schema, a script) are not pages of this site, so a link
to a file that exists next to the included one is shown as its text instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


class UnlinkRepositoryFiles(SphinxPostTransform):
    """Runs before MyST resolves its links (priority 9), so only these links are touched."""

    default_priority = 8

    def run(self, **kwargs: Any) -> None:
        root = Path(self.env.srcdir).resolve()
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain"):
                continue
            target = node.get("reftarget", "")
            if not node.source or not target or "://" in target or target.startswith("#"):
                continue
            neighbour = (Path(node.source).parent / target).resolve()
            if neighbour.is_file() and root in neighbour.parents and neighbour.suffix != ".md":
                node.replace_self(node[0].deepcopy())


def setup(app: Sphinx) -> None:
    app.add_post_transform(UnlinkRepositoryFiles)
