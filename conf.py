"""Sphinx configuration: the site is built from the repository root."""

project = "perennial-manylinux"
author = "perennial-manylinux contributors"
root_doc = "docs/index"
extensions = ["myst_parser"]
myst_enable_extensions = ["colon_fence", "deflist"]
source_suffix = {".md": "markdown"}
exclude_patterns = [
    ".venv", "_build", "build", "dist", "tests", "benchmarks", "conformance", "policies",
    "reference_impl", "README.md", ".git", ".ci", "**/.pytest_cache",
]
html_theme = "furo"
