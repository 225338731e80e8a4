"""``{site-facts}``: the home page's one-line summary of what the site is generated from."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from conformance.clauses import ClauseError, load_registry
from perennial_site import build, data


class SiteFactsDirective(SphinxDirective):
    """Counts of baselines, clauses, cases and implementations, read at build time."""

    def run(self) -> list[nodes.Node]:
        data.note(self.env, "policies", "cases", "results", "spec")
        site = data.get(self.env.app)
        facts: list[nodes.Node] = []
        policies = site.policies
        if policies is not None:
            facts.append(
                build.para(
                    f"{len(policies.baselines)} baselines, glibc {policies.oldest.glibc} to "
                    f"{policies.newest.glibc}, on {len(policies.architectures)} architectures"
                )
            )
        try:
            clauses = list(load_registry(data.paths(self.env.app)["spec"]))
        except (ClauseError, KeyError):
            clauses = []
        if clauses:
            normative = sum(1 for c in clauses if c.is_normative)
            facts.append(build.para(f"{len(clauses)} clauses, {normative} of them MUST or SHOULD"))
        facts.append(build.para(f"{len(site.cases)} conformance cases"))
        if site.results:
            facts.append(
                build.para("results for ", ", ".join(f"{r.name} {r.version}" for r in site.results))
            )
        return [build.bullets(facts)]


def setup(app: Sphinx) -> None:
    app.add_directive("site-facts", SiteFactsDirective)
