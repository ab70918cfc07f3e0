// Python for a page of chainrule's site, in a worker of its own: the page stays responsive while
// code runs, and a run that never ends is stopped by ending the worker.
//
// Messages in:  {id, kind: "start", runner}   run the site's runner.py (defines `session`)
//               {id, kind: "run", code, fresh} {id, kind: "reset"} {id, kind: "explorer"}
//               {id, kind: "module", name, source}  a module of the page's own (the lab's lab.py)
//               {id, kind: "call", name, request}   that module's handle(request): JSON text both ways
// Messages out: {id, result} or {id, error}

import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance } from "./viz/viz.js";

const python = (async () => {
  const [pyodide, viz] = await Promise.all([
    // packages: the wheels listed in the site's own lock file, fetched while Python starts
    loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href, packages: ["chainrule"] }),
    instance(),
  ]);
  // Drawing.pipe() calls this under Pyodide: DOT source in, the picture's text (SVG) out.
  globalThis.chainruleRenderDot = (source, format) => viz.renderString(source, { format: format });
  return pyodide;
})();
let session;

const tasks = {
  start: (pyodide, { runner }) => {
    pyodide.runPython(runner, { filename: "runner.py" });
    session = pyodide.globals.get("session");
  },
  run: (pyodide, { code, fresh }) => {
    const answer = session.run(code, fresh);
    try {
      return answer.toJs({ dict_converter: Object.fromEntries });
    } finally {
      answer.destroy();
    }
  },
  reset: () => session.reset(),
  explorer: () => session.explorer_html(),
  module: (pyodide, { name, source }) => {
    pyodide.FS.writeFile(`/home/pyodide/${name}.py`, source);
    pyodide.pyimport(name);
  },
  call: (pyodide, { name, request }) => pyodide.pyimport(name).handle(request),
};

self.onmessage = async ({ data: message }) => {
  try {
    const result = tasks[message.kind](await python, message);
    self.postMessage({ id: message.id, result: result });
  } catch (error) {
    self.postMessage({ id: message.id, error: String(error.message || error) });
  }
};
