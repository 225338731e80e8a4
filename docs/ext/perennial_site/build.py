"""Small builders of docutils nodes, so generated pages are made of nodes, never of pasted HTML.

Every string goes into a Text node, so whatever the data holds is escaped by the writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from docutils import nodes
from sphinx import addnodes

Cell = str | nodes.Node | Sequence[nodes.Node] | None


class data_link(nodes.reference):
    """A link to an anchor on another generated page; its URI is filled in at write time."""


def text(value: str) -> nodes.Text:
    return nodes.Text(value)


def literal(value: str, *classes: str) -> nodes.literal:
    return nodes.literal(value, value, classes=list(classes))


def para(*children: nodes.Node | str, classes: Sequence[str] = ()) -> nodes.paragraph:
    node = nodes.paragraph(classes=list(classes))
    node.extend(nodes.Text(c) if isinstance(c, str) else c for c in children)
    return node


def badge(value: str, kind: str) -> nodes.inline:
    """An inline label such as a clause level or a case status, styled by its class."""
    return nodes.inline(value, value, classes=[kind, f"{kind}-{nodes.make_id(value)}"])


def link(target_doc: str, anchor: str, *children: nodes.Node | str) -> data_link:
    """A link to ``anchor`` on page ``target_doc``, resolved by :func:`resolve_links`."""
    node = data_link("", "", internal=True)
    node["perennial_doc"] = target_doc
    node["perennial_anchor"] = anchor
    node.extend(nodes.Text(c) if isinstance(c, str) else c for c in children)
    return node


def external(url: str, label: str) -> nodes.reference:
    return nodes.reference(label, label, refuri=url)


def section(title: str | nodes.Node, anchor: str) -> nodes.section:
    """A section with a stable anchor and a title (a string or an inline node)."""
    node = nodes.section(ids=[anchor], names=[anchor])
    heading = nodes.title()
    heading += nodes.Text(title) if isinstance(title, str) else title
    node += heading
    return node


def _is_block(node: nodes.Node) -> bool:
    """Block-level nodes go straight into a cell or list item; inline ones need a paragraph."""
    return isinstance(node, nodes.Body) and not isinstance(node, nodes.Inline)


def _cell(content: Cell) -> nodes.entry:
    entry = nodes.entry()
    if content is None or content == "":
        return entry
    if isinstance(content, str):
        entry += para(content)
    elif isinstance(content, nodes.Node):
        entry += content if _is_block(content) else para(content)
    else:
        entry += para(*content)
    return entry


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, classes: Sequence[str] = ()
) -> nodes.table:
    """A plain table; ``rows`` cells are strings, nodes or node lists."""
    node = nodes.table(classes=["perennial-table", *classes])
    group = nodes.tgroup(cols=len(headers))
    node += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head = nodes.thead()
    head += nodes.row("", *(_cell(h) for h in headers))
    group += head
    body = nodes.tbody()
    for row in rows:
        body += nodes.row("", *(_cell(c) for c in row))
    group += body
    return node


def bullets(items: Iterable[nodes.Node | str]) -> nodes.bullet_list:
    node = nodes.bullet_list()
    for item in items:
        entry = nodes.list_item()
        entry += item if isinstance(item, nodes.Node) and _is_block(item) else para(item)
        node += entry
    return node


def joined(parts: Iterable[nodes.Node], separator: str = ", ") -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for index, part in enumerate(parts):
        if index:
            out.append(nodes.Text(separator))
        out.append(part)
    return out


def literals(
    values: Iterable[str], separator: str = " ", *, classes: Sequence[str] = ()
) -> nodes.paragraph:
    """A paragraph of code-formatted values (sonames, versions, symbols), in the given order."""
    return para(*joined((literal(v) for v in values), separator), classes=classes)


def resolve_links(builder: Any, doctree: nodes.document, fromdoc: str) -> None:
    """Turn every :class:`data_link` into a relative URI for the page being written."""
    for node in list(doctree.findall(data_link)):
        uri = builder.get_relative_uri(fromdoc, node["perennial_doc"])
        anchor = node["perennial_anchor"]
        if node["perennial_doc"] == fromdoc:
            uri = ""
        node["refuri"] = f"{uri}#{anchor}" if anchor else uri or "#"


class search_entry(nodes.General, nodes.Element):
    """A search-only index entry, made a real one at write time (see :func:`index_entry`)."""


def index_entry(term: str, target: str, *, main: bool = True) -> search_entry:
    """A search entry for ``term`` at the element whose id is ``target``.

    Sphinx's search ranks an index entry that matches the query far above words found in a
    page's text, so this is how a symbol version or a distribution name finds its page
    first; a main entry outranks the others. The entry becomes an index node only when the
    page is written, after the general index has been collected: the hundreds of names
    stay out of genindex.html, which lists the API.
    """
    return search_entry(term=term, target=target, main=main)


def _make_index_entries(app: Any, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(search_entry)):
        main = "main" if node["main"] else ""
        node.replace_self(
            addnodes.index(entries=[("single", node["term"], node["target"], main, None)])
        )


class collapsible(nodes.container):
    """A block shown closed under a one-line summary: ``<details>`` in HTML."""


class collapsible_summary(nodes.TextElement, nodes.Inline):
    """The always-visible line of a :class:`collapsible`: ``<summary>`` in HTML."""


def folded(
    summary: Sequence[nodes.Node | str], *body: nodes.Node, classes: Sequence[str] = ()
) -> collapsible:
    """``body`` behind a summary line the reader clicks to open."""
    node = collapsible(classes=list(classes))
    line = collapsible_summary()
    line.extend(nodes.Text(c) if isinstance(c, str) else c for c in summary)
    node += line
    node.extend(body)
    return node


def _visit_collapsible(translator: Any, node: collapsible) -> None:
    translator.body.append(translator.starttag(node, "details"))


def _depart_collapsible(translator: Any, node: collapsible) -> None:
    translator.body.append("</details>\n")


def _visit_summary(translator: Any, node: collapsible_summary) -> None:
    translator.body.append(translator.starttag(node, "summary", suffix=""))


def _depart_summary(translator: Any, node: collapsible_summary) -> None:
    translator.body.append("</summary>\n")


def _indexed_docs(env: Any) -> set[str]:
    if not hasattr(env, "perennial_indexed_docs"):
        env.perennial_indexed_docs = set()
    found: set[str] = env.perennial_indexed_docs
    return found


def _note_index_entries(app: Any, doctree: nodes.document) -> None:
    if any(True for _ in doctree.findall(search_entry)):
        _indexed_docs(app.env).add(app.env.docname)


def _reread_indexed_docs(app: Any, env: Any) -> list[str]:
    """Pages with search entries are written on every build.

    Sphinx keeps the index entries of its search index only for the pages it writes in the
    current build (the saved index does not carry them over), so on an incremental build a
    symbol version or a distribution name would silently stop finding its page.
    """
    return sorted(_indexed_docs(env))


def _purge(app: Any, env: Any, docname: str) -> None:
    _indexed_docs(env).discard(docname)


def _merge(app: Any, env: Any, docnames: Iterable[str], other: Any) -> None:
    _indexed_docs(env).update(set(docnames) & _indexed_docs(other))


def setup(app: Any) -> None:
    app.add_node(search_entry)
    app.connect("doctree-read", _note_index_entries)
    app.connect("doctree-resolved", _make_index_entries)
    app.connect("env-get-updated", _reread_indexed_docs)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.add_node(data_link)
    app.add_node(collapsible, html=(_visit_collapsible, _depart_collapsible))
    app.add_node(collapsible_summary, html=(_visit_summary, _depart_summary))
