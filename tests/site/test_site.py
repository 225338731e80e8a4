"""The built site holds what the data says: every clause is anchored, every baseline has a page."""

from __future__ import annotations

import json
from pathlib import Path

from reference_impl.policy import default_policies


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
