// The wheel check's page (docs/wheel-check.md): a drop zone and a file picker. The reader's
// wheel goes to a worker on this page (worker.mjs), which runs `perennial audit` on it in
// Pyodide; nothing is sent anywhere. Every URL comes from the links the page was built with,
// and the limits from the container's data attributes (docs/ext/perennial_site/wheelcheck.py).
"use strict";

(function () {
  function element(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    node.append(...children);
    return node;
  }

  function seconds(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
  }

  // an error's message inside a sentence of the page's own
  function clause(message) {
    return String(message).replace(/[.\s]+$/, "");
  }

  function megabytes(bytes) {
    return `${(bytes / 1e6).toFixed(1)} MB`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("wheel-check");
    if (!root) return;
    const link = (text) => [...root.querySelectorAll("a")].find((a) => a.textContent === text).href;
    const sources = {
      runtime: link("Pyodide"),
      manifest: link("these wheels"),
      glue: link("check.py"),
    };
    const workerUrl = link("worker");
    const maxBytes = Number(root.dataset.maxBytes);
    const limitSeconds = Number(root.dataset.limitSeconds);
    const limits = root.querySelector(".wheel-check-limits");
    const input = element("input", { type: "file", accept: ".whl", className: "wheel-check-input" });
    const zone = element(
      "label",
      { className: "wheel-check-zone" },
      element("strong", {}, "Drop a wheel here"),
      " or pick one: ",
      input,
    );
    const status = element("p", { className: "wheel-check-status", role: "status" });
    const result = element("div", { className: "wheel-check-result", hidden: true });
    root.replaceChildren(zone, ...(limits ? [limits] : []), status, result);

    let worker = null;
    let ready = false;
    let broken = null;
    let busy = null;
    let skipped = null;
    let timer = null;

    // The worker runs from a blob: URL that imports worker.mjs: a worker made from a blob
    // inherits this page's Content-Security-Policy, one made from worker.mjs's own URL would not.
    function start() {
      ready = false;
      broken = null;
      root.dataset.state = "loading";
      status.textContent = "Loading Python and the reference implementation (about 14 MB, once)\u2026";
      const boot = `import(${JSON.stringify(workerUrl)}).catch((error) =>
        postMessage({ kind: "failed", message: String(error && error.message || error) }));`;
      const url = URL.createObjectURL(new Blob([boot], { type: "text/javascript" }));
      worker = new Worker(url, { type: "module" });
      worker.onmessage = ({ data }) => {
        if (data.kind === "started") URL.revokeObjectURL(url);
        receive(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        stopped(`the worker stopped: ${event.message || "unknown error"}`);
      };
    }

    // Python could not load: nothing can be checked until the page is loaded again.
    function loadFailed(message) {
      broken = message;
      root.dataset.state = "failed";
      status.textContent = `The wheel check could not load: ${clause(message)}. Reload the page to try again.`;
    }

    // A check broke the worker (check.py reports every audit failure as an exit code, so this
    // is the runtime itself): say so, and start a fresh one for the next wheel.
    function stopped(message) {
      if (!busy) {
        loadFailed(message);
        return;
      }
      const name = busy;
      clearTimeout(timer);
      busy = null;
      worker.terminate();
      start();
      root.dataset.state = "failed";
      status.textContent = `The check of ${name} failed: ${clause(message)}. Python is loading again for the next wheel\u2026`;
    }

    function receive(data) {
      if (data.kind === "started") {
        worker.postMessage({ kind: "load", ...sources });
      } else if (data.kind === "ready") {
        ready = true;
        root.dataset.state = "ready";
        root.dataset.loadMs = String(Math.round(data.ms));
        status.textContent = `Ready (loaded in ${seconds(data.ms)}). Your wheel stays on this machine.`;
      } else if (data.kind === "failed") {
        stopped(data.message);
      } else if (data.kind === "result") {
        clearTimeout(timer);
        busy = null;
        show(data);
      }
    }

    function show(data) {
      root.dataset.state = "done";
      root.dataset.exitCode = String(data.code);
      root.dataset.checkMs = String(Math.round(data.ms));
      status.textContent = `Checked ${data.name} in ${seconds(data.ms)}.`;
      if (skipped) status.textContent += ` ${skipped} was not checked (one wheel at a time): drop it again.`;
      const kind = data.code === 0 ? "earns" : data.code === 1 ? "does-not-earn" : "refused";
      result.className = `wheel-check-result wheel-check-${kind}`;
      const output = [data.stdout, data.stderr].filter((t) => t).join("");
      result.replaceChildren(
        element(
          "p",
          { className: "wheel-check-verdict" },
          element("strong", {}, `perennial audit: exit code ${data.code}`),
          data.meaning ? ` (${data.meaning})` : "",
        ),
        element("pre", { className: "wheel-check-output" }, output),
      );
      result.hidden = false;
    }

    function refuse(text) {
      root.dataset.state = "refused";
      result.className = "wheel-check-result wheel-check-refused";
      result.replaceChildren(element("p", { className: "wheel-check-verdict" }, text));
      result.hidden = false;
    }

    // One wheel at a time: a second one dropped while the first is checked is left alone (the
    // first one's result would otherwise be shown under the second one's name).
    function checkFile(file) {
      if (!file) return;
      if (busy) {
        skipped = file.name;
        status.textContent = `Still checking ${busy}; ${file.name} was not checked (one wheel at a time).`;
        return;
      }
      if (broken) {
        status.textContent = `The wheel check could not load: ${clause(broken)}. Reload the page to try again.`;
        return;
      }
      if (!ready) {
        status.textContent = `Still loading; ${file.name} was not checked, try again in a moment.`;
        return;
      }
      if (file.size > maxBytes) {
        status.textContent = "";
        refuse(`${file.name} was not checked: it is ${megabytes(file.size)}, over the limit of ${megabytes(maxBytes)}.`);
        return;
      }
      busy = file.name;
      skipped = null;
      root.dataset.state = "checking";
      result.hidden = true;
      status.textContent = `Checking ${file.name} (${megabytes(file.size)})\u2026`;
      timer = setTimeout(() => {
        busy = null;
        worker.terminate();
        start();
        refuse(`${file.name} was not checked within ${limitSeconds} s, so the check was stopped.`);
      }, limitSeconds * 1000);
      // the File itself is sent, not its bytes: the worker reads it where it lies
      worker.postMessage({ kind: "check", file });
    }

    input.addEventListener("change", () => {
      checkFile(input.files[0]);
      input.value = ""; // the same file can be picked again
    });
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("wheel-check-over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("wheel-check-over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("wheel-check-over");
      checkFile(event.dataTransfer.files[0]);
    });
    start();
  });
})();
