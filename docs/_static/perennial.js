// Open the folded blocks (<details>) around the element a link points to, so that a link to a
// case, an implementation's answer or a search result lands on visible content.
function perennialOpenTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  for (let node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  if (target) target.scrollIntoView();
}
window.addEventListener("hashchange", perennialOpenTarget);
document.addEventListener("DOMContentLoaded", perennialOpenTarget);

// Cases once lived on one page per audience (docs/generated/cases/installer.html#case-...);
// they are now on one page per case file. A link of the old form is sent on to the case's page,
// found in the published case index, so no such link is a dead end.
async function perennialForwardOldCaseLink() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (!id.startsWith("case-") || document.getElementById(id)) return;
  if (!document.querySelector("table.case-files")) return;
  const root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  const response = await fetch(new URL("cases.json", root));
  if (!response.ok) return;
  const { cases } = await response.json();
  // the case whose anchor is the link's, or the longest that starts it (an answer's anchor)
  const found = cases
    .filter((c) => id === c.anchor || id.startsWith(`${c.anchor}-`))
    .sort((a, b) => b.anchor.length - a.anchor.length)[0];
  if (found) window.location.replace(`${new URL(found.page, root).href}#${id}`);
}
document.addEventListener("DOMContentLoaded", perennialForwardOldCaseLink);
