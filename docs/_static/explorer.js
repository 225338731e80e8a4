// The matrix explorer (docs/ext/perennial_site/explorer.py): reads the published results
// files and the case index, and filters the cases by tool, audience, level and outcome.
// It only sorts and filters: an outcome is a results file's status, and a fail or error that
// carries the divergence file's reason is a known divergence.
"use strict";

(function () {
  const OUTCOMES = [
    ["pass", "pass", "\u2713"],
    ["known", "known divergence", "\u2248"],
    ["unexplained", "unexplained", "\u2717"],
    ["skip", "skip", "\u2013"],
  ];
  const PAGE = 50;

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
    const input = element("input", { type: "checkbox", name, value, checked });
    return element("label", { className: "explorer-choice" }, input, " " + label);
  }

  function select(name, label, options) {
    const node = element("select", { name });
    for (const [value, text] of options) node.append(element("option", { value }, text));
    return element("label", { className: "explorer-select" }, label + " ", node);
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
          element("input", { type: "search", name: "text", size: 14 }),
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
    // "change" as well: a menu or box set by a script (or an assistive tool) may fire no "input"
    for (const event of ["input", "change"]) {
      form.addEventListener(event, () => {
        shown = PAGE;
        render();
      });
    }
    more.addEventListener("click", () => {
      shown += PAGE;
      render();
    });
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
