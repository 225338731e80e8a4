// The wheel check's worker (docs/ext/perennial_site/wheelcheck.py): Pyodide, the reference
// implementation's wheels and check.py, all from the site's own origin. A check runs here so
// the page stays responsive, and a check that runs too long is ended by ending the worker.
// The page starts this module from a blob: URL so that the page's Content-Security-Policy
// governs it too (a worker loaded from its own URL would run under that response's policy).
let pyodide = null;
let check = null;
const FOLDER = "/wheelcheck";

async function fetched(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response;
}

async function load({ runtime, manifest, glue }) {
  const started = performance.now();
  const { loadPyodide } = await import(new URL("pyodide.mjs", runtime).href);
  pyodide = await loadPyodide({ indexURL: runtime, fullStdLib: false });
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  const { wheels } = await (await fetched(manifest)).json();
  for (const name of wheels) {
    const response = await fetched(new URL(name, manifest));
    pyodide.unpackArchive(await response.arrayBuffer(), "wheel", { extractDir: sitePackages });
  }
  pyodide.runPython(await (await fetched(glue)).text());
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

// One line of an error, for the page's status line (a fatal error of Pyodide spans many).
function firstLine(error) {
  const text = String(error && error.message ? error.message : error);
  return text.split("\n").find((line) => line.trim()) || "unknown error";
}

// Reads of a file through one cached block of BLOCK bytes. WORKERFS alone asks the browser
// for every read the audit makes (thousands of small ones for a wheel of many members, 5x
// slower than holding the wheel in memory); the audit reads a wheel mostly front to back, so
// one block serves nearly every read. A file the browser can no longer read (changed on disk
// since it was picked) is an I/O error in Python, which the audit reports in one line; thrown
// as it is, the browser's error would end Python itself.
const BLOCK = 4 << 20;
function blockReads(file) {
  const reader = new FileReaderSync();
  let start = 0;
  let block = new Uint8Array(0);
  function readBlock(at) {
    try {
      return new Uint8Array(reader.readAsArrayBuffer(file.slice(at, at + BLOCK)));
    } catch (error) {
      if (!(error instanceof DOMException)) throw error;
      throw new pyodide.FS.ErrnoError(pyodide.ERRNO_CODES.EIO);
    }
  }
  return (stream, buffer, offset, length, position) => {
    let done = 0;
    while (done < length && position + done < file.size) {
      const at = position + done;
      if (at < start || at >= start + block.length) {
        start = at - (at % BLOCK);
        block = readBlock(start);
      }
      const piece = block.subarray(at - start, at - start + length - done);
      buffer.set(piece, offset + done);
      done += piece.length;
    }
    return done;
  };
}

// The reader's file is mounted, not copied: Python reads it where it lies, a block at a
// time, so a check holds one block of the wheel in memory whatever its size.
function checkFile(file) {
  const name = plainName(file.name);
  const started = performance.now();
  pyodide.FS.mount(pyodide.FS.filesystems.WORKERFS, { blobs: [{ name, data: file }] }, FOLDER);
  try {
    const { node } = pyodide.FS.lookupPath(`${FOLDER}/${name}`);
    node.stream_ops = { ...node.stream_ops, read: blockReads(file) };
    const result = JSON.parse(check(name));
    return { kind: "result", name, ms: performance.now() - started, ...result };
  } finally {
    pyodide.FS.unmount(FOLDER);
  }
}

self.onmessage = async ({ data }) => {
  if (data.kind === "load") {
    try {
      postMessage({ kind: "ready", ms: await load(data) });
    } catch (error) {
      postMessage({ kind: "failed", message: firstLine(error) });
    }
  } else if (data.kind === "check") {
    try {
      postMessage(checkFile(data.file));
    } catch (error) {
      // check.py turns every Python failure into an exit code, so what lands here broke the
      // runtime itself (a file that can no longer be read, memory exhausted): the page starts
      // a fresh worker rather than trust this one again.
      postMessage({ kind: "failed", message: firstLine(error) });
    }
  }
};
postMessage({ kind: "started" });
