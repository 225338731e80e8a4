// The wheel check's page (docs/wheel-check.md): a drop zone and a file picker. The reader's
// wheel goes to a worker on this page (worker.mjs), which runs `perennial audit` on it in
// Pyodide; nothing is sent anywhere. Every URL comes from the links the page was built with.
"use strict";

(function () {
  const LIMIT_SECONDS = 300;

  function element(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    node.append(...children);
    return node;
  }

  function seconds(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("wheel-check");
    if (!root) return;
    const link = (text) => [...root.querySelectorAll("a")].find((a) => a.textContent === text).href;
    const sources = {
      runtime: link("Pyodide"),
      manifest: link("these wheels"),
      glue: link("check.py"),
      worker: link("worker"),
    };
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
    root.replaceChildren(zone, status, result);

    let worker = null;
    let ready = false;
    let busy = null;
    let timer = null;

    function start() {
      ready = false;
      root.dataset.state = "loading";
      status.textContent = "Loading Python and the reference implementation (about 14 MB, once)\u2026";
      worker = new Worker(sources.worker, { type: "module" });
      worker.onmessage = ({ data }) => receive(data);
      worker.onerror = (event) => fail(`the worker stopped: ${event.message || "unknown error"}`);
      worker.postMessage({ kind: "load", ...sources });
    }

    function fail(message) {
      clearTimeout(timer);
      busy = null;
      root.dataset.state = "failed";
      status.textContent = `The check failed: ${message}`;
    }

    function receive(data) {
      if (data.kind === "ready") {
        ready = true;
        root.dataset.state = "ready";
        root.dataset.loadMs = String(Math.round(data.ms));
        status.textContent = `Ready (loaded in ${seconds(data.ms)}). Your wheel stays on this machine.`;
      } else if (data.kind === "failed") {
        fail(data.message);
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

    async function checkFile(file) {
      if (!file) return;
      if (!ready || busy) {
        status.textContent = busy ? `Still checking ${busy}\u2026` : "Still loading; try again in a moment.";
        return;
      }
      busy = file.name;
      root.dataset.state = "checking";
      result.hidden = true;
      status.textContent = `Checking ${file.name} (${(file.size / 1e6).toFixed(1)} MB)\u2026`;
      const bytes = await file.arrayBuffer();
      timer = setTimeout(() => {
        worker.terminate();
        busy = null;
        result.className = "wheel-check-result wheel-check-refused";
        result.replaceChildren(
          element("p", { className: "wheel-check-verdict" },
            `${file.name} was not checked within ${LIMIT_SECONDS} s, so the check was stopped.`),
        );
        result.hidden = false;
        start();
      }, LIMIT_SECONDS * 1000);
      worker.postMessage({ kind: "check", name: file.name, bytes }, [bytes]);
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
