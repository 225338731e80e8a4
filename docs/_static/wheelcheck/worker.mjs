// The wheel check's worker (docs/ext/perennial_site/wheelcheck.py): Pyodide, the reference
// implementation's wheels and check.py, all from the site's own origin. A check runs here so
// the page stays responsive, and a check that runs too long is ended by ending the worker.
let pyodide = null;
let check = null;
const FOLDER = "/wheelcheck";

async function load({ runtime, manifest, glue }) {
  const started = performance.now();
  const { loadPyodide } = await import(new URL("pyodide.mjs", runtime).href);
  pyodide = await loadPyodide({ indexURL: runtime, fullStdLib: false });
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  const { wheels } = await (await fetch(manifest)).json();
  for (const name of wheels) {
    const response = await fetch(new URL(name, manifest));
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
    pyodide.unpackArchive(await response.arrayBuffer(), "wheel", { extractDir: sitePackages });
  }
  pyodide.runPython(await (await fetch(glue)).text());
  check = pyodide.globals.get("check");
  pyodide.FS.mkdirTree(FOLDER);
  pyodide.FS.chdir(FOLDER);
  return performance.now() - started;
}

// The reader's file name, as one plain name: the wheel's tags are read from it.
function plainName(name) {
  const base = String(name).split(/[\\/]/).pop().replace(/\0/g, "");
  return base && base !== "." && base !== ".." ? base.slice(0, 255) : "unnamed.whl";
}

self.onmessage = async ({ data }) => {
  if (data.kind === "load") {
    try {
      postMessage({ kind: "ready", ms: await load(data) });
    } catch (error) {
      postMessage({ kind: "failed", message: String(error && error.message ? error.message : error) });
    }
    return;
  }
  if (data.kind === "check") {
    const name = plainName(data.name);
    const started = performance.now();
    try {
      pyodide.FS.writeFile(name, new Uint8Array(data.bytes));
      const result = JSON.parse(check(name));
      postMessage({ kind: "result", name, ms: performance.now() - started, ...result });
    } catch (error) {
      postMessage({ kind: "failed", message: String(error && error.message ? error.message : error) });
    } finally {
      try {
        pyodide.FS.unlink(name);
      } catch (ignored) {
        // the file was never written
      }
    }
  }
};
