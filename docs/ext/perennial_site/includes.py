"""Links inside repository files that the site includes (``conformance/PROTOCOL.md``).

Such a file links to its neighbours by relative path, which works when it is read on a
code-hosting site. A neighbour the site publishes (a JSON schema) becomes a link to the
published copy; any other neighbour (a script) is not part of the site, so its link is shown
as its text instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

from perennial_site.schemas import published, url_from


class UnlinkRepositoryFiles(SphinxPostTransform):
    """Runs before MyST resolves its links (priority 9), so only these links are touched."""

    default_priority = 8

    def run(self, **kwargs: Any) -> None:
        root = Path(self.env.srcdir).resolve()
        schemas = published(self.env.app)
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain"):
                continue
            target = node.get("reftarget", "")
            if not node.source or not target or "://" in target or target.startswith("#"):
                continue
            neighbour = (Path(node.source).parent / target).resolve()
            if neighbour.is_file() and root in neighbour.parents and neighbour.suffix != ".md":
                if schemas.get(neighbour.name, Path()).resolve() == neighbour:
                    url = url_from(self.env.docname, neighbour.name)
                    node.replace_self(nodes.reference("", "", node[0].deepcopy(), refuri=url))
                else:
                    node.replace_self(node[0].deepcopy())


def setup(app: Sphinx) -> None:
    app.add_post_transform(UnlinkRepositoryFiles)
