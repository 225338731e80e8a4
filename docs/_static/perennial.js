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
