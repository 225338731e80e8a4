// The matrix explorer (docs/ext/perennial_site/explorer.py): reads the published results
// files and the case index, and filters the cases by tool, audience, level and outcome.
// It only sorts and filters: an outcome is a results file's status, and a fail or error that
// carries the divergence file's reason is a known divergence. The filters live in the page's
// address (see "The filters in the address" below), so a view can be reloaded and linked.
"use strict";

(function () {
  const OUTCOMES = [
    ["pass", "pass", "\u2713"],
    ["known", "known divergence", "\u2248"],
    ["unexplained", "unexplained", "\u2717"],
    ["skip", "skip", "\u2013"],
  ];
  const PAGE = 50;
  const TEXT_LIMIT = 100;

  function outcome(result) {
    if (!result) return null;
    if (result.status === "pass") return "pass";
    if (result.status === "skip") return "skip";
    return result.divergence ? "known" : "unexplained";
  }

  function element(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) {
      node.append(child);
    }
    return node;
  }

  function checkbox(name, value, label, checked) {
    // defaultChecked as well: a form reset (going Back to an address without filters) restores it
    const input = element("input", { type: "checkbox", name, value, checked, defaultChecked: checked });
    return element("label", { className: "explorer-choice" }, input, " " + label);
  }

  function select(name, label, options) {
    const node = element("select", { name });
    for (const [value, text] of options) node.append(element("option", { value }, text));
    return element("label", { className: "explorer-select" }, label + " ", node);
  }

  // The filters in the address: ?audience=auditor&tool=pip&tool=uv&outcome=skip&text=select.
  // Each parameter is named after its form field; a menu's value, or a box's, appears only
  // when it differs from the page's default (every tool, every outcome but skip), and an empty
  // value (tool=) means no box of that name is ticked. What is read is checked against the
  // form's own choices: an unknown value is ignored, and nothing read is ever written into
  // the page as markup (a menu's value, a box's state, the text box's value).
  function boxes(form) {
    const groups = new Map();
    for (const box of form.querySelectorAll("input[type=checkbox]")) {
      groups.set(box.name, [...(groups.get(box.name) || []), box]);
    }
    return groups;
  }

  function writeFilters(form, params) {
    // other parameters (Sphinx's ?highlight= from a search) are kept
    const menus = [...form.querySelectorAll("select")].map((menu) => menu.name);
    for (const name of ["text", ...menus, ...boxes(form).keys()]) params.delete(name);
    for (const menu of form.querySelectorAll("select")) {
      const initial = [...menu.options].find((o) => o.defaultSelected) || menu.options[0];
      if (menu.value !== initial.value) params.append(menu.name, menu.value);
    }
    const text = form.elements.text.value.trim();
    if (text) params.append("text", text);
    for (const [name, group] of boxes(form)) {
      if (group.every((box) => box.checked === box.defaultChecked)) continue;
      const ticked = group.filter((box) => box.checked);
      if (ticked.length === 0) params.append(name, "");
      for (const box of ticked) params.append(name, box.value);
    }
  }

  function readFilters(form, params) {
    form.reset();
    for (const menu of form.querySelectorAll("select")) {
      const value = params.get(menu.name);
      if ([...menu.options].some((o) => o.value === value)) menu.value = value;
    }
    const text = params.get("text");
    if (text !== null) form.elements.text.value = text.slice(0, TEXT_LIMIT);
    for (const [name, group] of boxes(form)) {
      const values = params.getAll(name);
      const known = group.filter((box) => values.includes(box.value));
      if (known.length === 0 && !(values.length > 0 && values.every((v) => v === ""))) continue;
      for (const box of group) box.checked = known.includes(box);
    }
  }

  async function load(root) {
    const links = [...root.querySelectorAll(".explorer-sources a")];
    const index = links.find((a) => a.href.endsWith("/cases.json"));
    const files = links.filter((a) => a !== index && a.href.endsWith(".json"));
    const fetchJson = async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return response.json();
    };
    const [cases, ...results] = await Promise.all([index, ...files].map((a) => fetchJson(a.href)));
    return { cases, results, base: new URL(index.href) };
  }

  function build(root, { cases, results, base }) {
    const tools = results.map((r) => r.implementation.name);
    const form = element("form", { className: "explorer-filters" });
    form.addEventListener("submit", (event) => event.preventDefault());
    const audiences = Object.entries(cases.audiences);
    form.append(
      element(
        "fieldset",
        {},
        element("legend", {}, "Cases"),
        select("audience", "Audience", [["", "all"], ...audiences.map(([a, t]) => [a, t.toLowerCase()])]),
        select("level", "Level", [["", "all"], ["pep600", "pep600"], ["recommended", "recommended"]]),
        element(
          "label",
          { className: "explorer-select" },
          "Case ID contains ",
          element("input", { type: "search", name: "text", size: 14, maxLength: TEXT_LIMIT }),
        ),
        checkbox("disagreements", "on", "disagreements only", false),
      ),
      element(
        "fieldset",
        {},
        element("legend", {}, "Outcome"),
        ...OUTCOMES.map(([key, label]) => checkbox("outcome", key, label, key !== "skip")),
      ),
      element(
        "fieldset",
        {},
        element("legend", {}, "Tools"),
        ...results.map((r) =>
          checkbox("tool", r.implementation.name, `${r.implementation.name} ${r.implementation.version}`, true),
        ),
      ),
    );
    const status = element("p", { className: "explorer-status", role: "status" });
    const table = element("table", { className: "explorer-table perennial-table docutils" });
    const more = element("button", { type: "button", className: "explorer-more" }, `Show ${PAGE} more`);
    root.replaceChildren(form, status, element("div", { className: "table-wrapper" }, table), more);

    let shown = PAGE;
    function chosen(name) {
      return new Set([...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value));
    }
    function render() {
      const audience = form.elements.audience.value;
      const level = form.elements.level.value;
      const text = form.elements.text.value.trim().toLowerCase();
      const disagreements = form.elements.disagreements.checked;
      const outcomes = chosen("outcome");
      const picked = results.filter((r) => chosen("tool").has(r.implementation.name));
      const rows = [];
      for (const c of cases.cases) {
        if ((audience && c.audience !== audience) || (level && c.level !== level)) continue;
        if (text && !c.id.toLowerCase().includes(text)) continue;
        const said = picked.map((r) => outcome(r.results[c.id]));
        if (disagreements && !said.some((o) => o === "known" || o === "unexplained")) continue;
        if (!said.some((o) => outcomes.has(o))) continue;
        rows.push([c, said]);
      }
      // a tool none of whose shown cells is in a chosen outcome adds an empty column: leave it out
      const columns = picked
        .map((r, i) => [r, i])
        .filter(([, i]) => rows.some(([, said]) => outcomes.has(said[i])));
      const head = element(
        "tr",
        {},
        element("th", { scope: "col" }, "case"),
        ...columns.map(([r]) =>
          element("th", { scope: "col", className: "explorer-tool", title: `${r.implementation.name} ${r.implementation.version}` },
            element("span", {}, r.implementation.name)),
        ),
      );
      const body = element("tbody");
      for (const [c, said] of rows.slice(0, shown)) {
        const page = new URL(c.page, base);
        const link = element("a", { href: `${page.href}#${c.anchor}` }, element("code", {}, c.id));
        const meta = element("span", { className: "explorer-meta" }, ` ${c.level} \u00b7 ${c.strength}`);
        const row = element("tr", {}, element("td", { className: "explorer-case" }, link, meta));
        for (const [r, i] of columns) {
          const o = said[i];
          const cell = element("td", { className: "explorer-cell" });
          if (o && outcomes.has(o)) {
            const [, label, mark] = OUTCOMES.find(([key]) => key === o);
            const answer = `${page.href}#${c.anchor}-${cases.tools[r.implementation.name]}`;
            cell.classList.add(`explorer-${o}`);
            cell.append(element("a", { href: answer, title: `${r.implementation.name}: ${label}` }, mark,
              element("span", { className: "explorer-label" }, label)));
          }
          row.append(cell);
        }
        body.append(row);
      }
      table.replaceChildren(element("thead", {}, head), body);
      const total = rows.length;
      status.textContent =
        total === 0
          ? "No case matches these filters."
          : `${Math.min(shown, total)} of ${total} matching cases shown (of ${cases.cases.length}).`;
      more.hidden = shown >= total;
    }
    // A change of filters is a step in the history (Back undoes it), but typing in the text box
    // is one step, however many letters: its later keystrokes replace the address they made.
    let typing = false;
    function remember(fromText) {
      const url = new URL(window.location.href);
      writeFilters(form, url.searchParams);
      if (url.href === window.location.href) return;
      if (fromText && typing) window.history.replaceState(null, "", url);
      else window.history.pushState(null, "", url);
      typing = fromText;
    }
    // "change" as well: a menu or box set by a script (or an assistive tool) may fire no "input"
    for (const event of ["input", "change"]) {
      form.addEventListener(event, (e) => {
        shown = PAGE;
        render();
        remember(e.target === form.elements.text);
      });
    }
    window.addEventListener("popstate", () => {
      readFilters(form, new URLSearchParams(window.location.search));
      typing = false;
      shown = PAGE;
      render();
    });
    more.addEventListener("click", () => {
      shown += PAGE;
      render();
    });
    readFilters(form, new URLSearchParams(window.location.search));
    render();
    root.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const root = document.getElementById("matrix-explorer");
    if (!root) return;
    try {
      build(root, await load(root));
    } catch (error) {
      const note = element("p", { className: "explorer-error" }, `The results could not be loaded: ${error.message}`);
      root.prepend(note);
    }
  });
})();
