"""Sphinx configuration: the site is built from the repository root.

The pages under docs/generated/ (one per baseline, one per audience's cases) and docs/api/
(the API reference) are written at build time from policies/, conformance/ and
reference_impl/; they are ignored by git.
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "docs" / "ext"), str(ROOT)]

# The repository's address lives once, in pyproject.toml; every page links it in its footer.
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "urls"
]["Repository"]

project = "perennial-manylinux"
author = "perennial-manylinux contributors"
copyright = "perennial-manylinux contributors"
root_doc = "docs/index"
extensions = ["myst_parser", "autodoc2", "perennial_site"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
# Only the site's own sources: everything else in the repository is read as data.
include_patterns = ["docs/**", "spec/**"]
exclude_patterns = ["docs/ext/**", "docs/_static/**"]

# The API reference of reference_impl, rendered as MyST into docs/api/.
autodoc2_packages = [{"path": "reference_impl", "auto_mode": True}]
autodoc2_output_dir = "docs/api"
# autodoc2's MyST renderer, without its "= None" for attributes that have no value
autodoc2_render_plugin = "perennial_site.apidoc.Renderer"
autodoc2_hidden_objects = ["private", "dunder", "inherited"]
autodoc2_hidden_regexes = [r"reference_impl\.__main__"]

# An example with elided parts ("...") is still shown, highlighted leniently.
html_theme = "furo"
html_title = "perennial-manylinux"
html_static_path = ["docs/_static"]
html_favicon = "docs/_static/favicon.svg"
perennial_repository = REPOSITORY
html_theme_options = {
    "navigation_with_keys": True,
    # the generated pages have no source file to view or edit
    "top_of_page_buttons": [],
    "footer_icons": [
        {
            "name": "Repository",
            "url": REPOSITORY,
            "html": '<span class="repository-label">Source repository</span>',
            "class": "repository-link",
        }
    ],
}
# The wheel check's Python runtime, installed by `make site` from package-lock.json.
perennial_pyodide_dir = "node_modules/pyodide"
html_copy_source = False
html_split_index = True  # one index page a letter: the API alone made one page 20 screens tall
html_show_sourcelink = False
