"""The built site holds what the data says: every clause is anchored, every baseline has a page."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from pathlib import Path

from reference_impl.policy import default_policies

ROOT = Path(__file__).resolve().parents[2]


def test_every_exported_clause_is_anchored_on_its_page(built_site: Path) -> None:
    registry = json.loads((built_site / "clauses.json").read_text())
    assert registry["clauses"]
    pages: dict[str, str] = {}
    for entry in registry["clauses"]:
        page = pages.setdefault(
            entry["page"], (built_site / entry["url"].split("#")[0]).read_text()
        )
        assert f'id="{entry["anchor"]}"' in page, entry["id"]
        assert entry["level"] in ("MUST", "SHOULD", "MAY", "informative")
        assert len(entry["checksum"]) == 16


def test_every_baseline_has_a_page_listing_its_libraries(built_site: Path) -> None:
    for baseline in default_policies().baselines:
        page = built_site / "docs" / "generated" / "baselines" / f"{baseline.name}.html"
        html = page.read_text()
        for soname in baseline.libraries:
            assert f">{soname}<" in html, (baseline.name, soname)
        for arch in baseline.architectures:
            assert f">{baseline.tag(arch)}<" in html


def html_pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


def test_every_page_links_the_repository_named_in_pyproject(built_site: Path) -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    link = f'href="{urls["Repository"]}"'
    missing = [p.name for p in html_pages(built_site) if link not in p.read_text()]
    assert missing == []


def test_the_schemas_are_published_and_linked_from_the_guides(built_site: Path) -> None:
    sources = sorted(
        [*ROOT.glob("reference_impl/schemas/*.json"), *ROOT.glob("conformance/schema/*.json")]
    )
    assert sources
    for source in sources:
        published = built_site / "schemas" / source.name
        assert json.loads(published.read_text()) == json.loads(source.read_text())
    listing = (built_site / "docs" / "schemas.html").read_text()
    for source in sources:
        assert f'href="../schemas/{source.name}"' in listing
    for guide in ("run-the-suite", "auditing-vs-auditwheel"):
        assert 'href="../schemas.html"' in (built_site / f"docs/guides/{guide}.html").read_text()
    # the protocol document's own link to its schema now reaches the published copy
    suite = (built_site / "docs/guides/run-the-suite.html").read_text()
    assert 'href="../../schemas/protocol-v1.json"' in suite


def test_spec_pages_say_no_case_yet_instead_of_waived(built_site: Path) -> None:
    waivers = tomllib.loads((ROOT / "conformance" / "waivers.toml").read_text())["waivers"]
    pages = "".join(p.read_text() for p in (built_site / "spec").glob("*.html"))
    assert "Waived" not in pages
    assert pages.count("No case yet: ") == len(waivers)


def _source_value(full_name: str) -> ast.expr | bool | None:
    """The value assigned to a module or class attribute in its source; False if not found."""
    parts = full_name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module = ROOT.joinpath(*parts[:split]).with_suffix(".py")
        if module.is_file():
            break
    else:
        return False
    body: list[ast.stmt] = ast.parse(module.read_text()).body
    for name in parts[split:-1]:
        body = next(n.body for n in body if isinstance(n, ast.ClassDef) and n.name == name)
    for node in body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == parts[-1]:
            return node.value  # type: ignore[union-attr]
    return False


def test_the_api_reference_shows_none_only_where_the_source_assigns_none(
    built_site: Path,
) -> None:
    shown_none = re.compile(
        r'<dt class="sig sig-object py" id="([\w.]+)">(?:(?!</dt>).)*'
        r'<span class="pre">=</span></span><span class="w"> </span><span class="pre">None</span>',
        re.S,
    )
    found = [
        m[1]
        for page in (built_site / "docs" / "api").rglob("*.html")
        for m in shown_none.finditer(page.read_text())
    ]
    assert found  # a real default of None is still shown (Architecture.compat32)
    wrong = [
        name
        for name in found
        if not (isinstance(v := _source_value(name), ast.Constant) and v.value is None)
    ]
    assert wrong == []
    bare = [
        page.name
        for page in (built_site / "docs" / "api").rglob("*.html")
        if "<dd><p>None</p>" in page.read_text()
    ]
    assert bare == []  # no description starts with a stray "None"


def test_each_proposed_baseline_page_links_the_review_that_proposed_it(built_site: Path) -> None:
    proposed = [b for b in default_policies().baselines if b.proposed]
    assert proposed
    for baseline in proposed:
        page = built_site / "docs" / "generated" / "baselines" / f"{baseline.name}.html"
        assert 'href="../../reviews/manylinux-2-42-2-43.html"' in page.read_text()
    review = (built_site / "docs" / "reviews" / "manylinux-2-42-2-43.html").read_text()
    assert "Policy review output" in review and "The wheels" in review


def test_every_review_page_names_baselines_that_exist() -> None:
    """A review page says which baselines it reviews in its front matter (the baseline pages
    link it from there): each name must be a baseline's, or the link silently goes."""
    sys.path.insert(0, str(ROOT / "docs" / "ext"))
    from perennial_site.baselines import reviewed

    known = {b.name for b in default_policies().baselines}
    pages = sorted((ROOT / "docs" / "reviews").glob("*.md"))
    assert pages
    for page in pages:
        names = reviewed(page)
        assert names and set(names) <= known, (page.name, names)


def test_the_matrix_anchors_every_retired_case_id_and_links_what_replaced_it(
    built_site: Path,
) -> None:
    from conformance.cases import load_retired_cases

    page_path = built_site / "docs" / "matrix.html"
    page = page_path.read_text()
    retired = load_retired_cases()
    assert retired
    for gone in retired.values():
        assert f'id="case-{gone.id.replace(".", "-")}"' in page, gone.id
        for successor in gone.replaced_by:
            anchor = "case-" + successor.replace(".", "-")
            match = re.search(rf'href="([^"#]+)#{re.escape(anchor)}"', page)
            assert match, successor
            target = (page_path.parent / match.group(1)).read_text()
            assert f'id="{anchor}"' in target, successor
