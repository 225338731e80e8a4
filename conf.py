"""Sphinx configuration: the site is built from the repository root.

The pages under docs/generated/ (one per baseline, one per audience's cases) and docs/api/
(the API reference) are written at build time from policies/, conformance/ and
reference_impl/; they are ignored by git.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "docs" / "ext"), str(ROOT)]

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
autodoc2_render_plugin = "myst"
autodoc2_hidden_objects = ["private", "dunder", "inherited"]
autodoc2_hidden_regexes = [r"reference_impl\.__main__"]

# An example with elided parts ("...") is still shown, highlighted leniently.
html_theme = "furo"
html_title = "perennial-manylinux"
html_static_path = ["docs/_static"]
html_favicon = "docs/_static/favicon.svg"
html_theme_options = {"navigation_with_keys": True}
html_copy_source = False
html_show_sourcelink = False
