// chainrule in the browser: Python (Pyodide) runs the code, Graphviz (viz-js, WebAssembly) draws.
// Both come from this site's own folders; the page fetches nothing from anywhere else.
// Runs after the page shell (autograd/pages/shell.js), extending its window.chainrule with:
//
// chainrule.ready         a Promise, resolved once Python and chainrule are loaded
// chainrule.run(code)     a Promise of {output, svgs, shown, error, missing}: what the code printed,
//                         the SVG of each drawing it displayed or returned last, all shown objects
//                         ({svg} / {html} / {text}), its traceback ("" if none), and the optional
//                         package it needed that the site does not ship ("" if none); it rejects
//                         only when Python itself ended (stopped, or failed: it starts again)
// chainrule.stop()        end a run that takes too long (Python starts again, afresh)
// chainrule.show(result, outputBox, shownBox)   put a run's result into two elements of the page
// chainrule.worker        {load(name, source), call(name, request)}: a page's own Python module in
//                         the worker (the lab's web/lab.py), and its handle(request), JSON text both ways
// On a notebook's page also: runAll() (each cell in order; stops at an error), restart()
// The page's data (chainrule.data) says which page this is: {mode: "playground" | "notebook" | ...,
// root: the path to the site's top, runner: web/runner.py's source}. Elements #status and #stop
// are used where the page has them.
"use strict";
(function () {
  const data = window.chainrule.data;
  const $ = (selector, within = document) => within.querySelector(selector);
  const status = $("#status") || document.createElement("span"); // a page without a status line
  const stopButton = $("#stop") || document.createElement("button");
  const site = (path) => new URL(data.root + path, location.href).href; // a file of this site

  // Python runs in a worker (web/worker.js), so the page stays responsive and a run can be stopped.
  let worker;
  let python; // a Promise, resolved once the worker's Python has chainrule and the runner loaded
  let calls = new Map(); // id -> {resolve, reject} of each message not yet answered
  let nextCall = 0;

  function startPython() {
    try {
      worker = new Worker(site("worker.js"), { type: "module" });
    } catch (error) {
      python = Promise.reject(error); // a page opened from a file may not start a worker
      return python;
    }
    calls = new Map();
    worker.onmessage = ({ data: answer }) => {
      const call = calls.get(answer.id);
      calls.delete(answer.id);
      if (answer.error === undefined) call.resolve(answer.result);
      else call.reject(new Error(answer.error));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      calls.forEach((call) => call.reject(new Error(event.message || "Python's worker failed")));
      calls.clear();
    };
    python = ask("start", { runner: data.runner });
    return python;
  }

  function ask(kind, message = {}) {
    return new Promise((resolve, reject) => {
      const id = nextCall++;
      calls.set(id, { resolve, reject });
      worker.postMessage({ ...message, id: id, kind: kind });
    });
  }

  const loaded = startPython();
  let queue = Promise.resolve(); // one run at a time, in the order asked

  function run(code, fresh = true) {
    const result = queue.then(async () => {
      await python;
      stopButton.hidden = false; // shown while code runs
      try {
        return await ask("run", { code: code, fresh: fresh });
      } catch (error) {
        // Not the learner's error (the runner returns those) but Python's own: start it afresh.
        if (!error.stopped) restartPython(`Python failed (${error.message}), so it starts again`);
        throw error;
      } finally {
        stopButton.hidden = true;
      }
    });
    queue = result.catch(() => {});
    return result;
  }

  function stop() {
    // Python cannot be interrupted from outside: end its worker and start a fresh one.
    return restartPython("Stopped");
  }

  function restartPython(why) {
    worker.terminate();
    const ended = new Error(why);
    ended.stopped = why === "Stopped";
    calls.forEach((call) => call.reject(ended));
    queue = startPython().catch(() => {});
    status.textContent = `${why}. Python restarts…`;
    python.then(
      () => (status.textContent = `${why}; Python is ready again.`),
      (error) => (status.textContent = `Python did not start again: ${error}`),
    );
    return python;
  }

  function failed(error) {
    // What a run that ended without a result shows: its reason (the status line says what follows).
    const forgotten = error.stopped ? "Stopped: " : `${error.message}: `;
    return { output: "", error: `${forgotten}Python started again, every name is forgotten.\n`, shown: [] };
  }

  const ready = loaded.then(() => undefined);
  ready.catch(() => {}); // a failed load is shown in the status line; callers of ready still see it

  window.chainrule.extend({
    ready: ready,
    run: (code) => run(String(code), true),
    stop: stop,
    show: show,
    worker: {
      load: (name, source) => python.then(() => ask("module", { name: name, source: source })),
      call: (name, request) => python.then(() => ask("call", { name: name, request: request })),
    },
  });

  // --- showing results ----------------------------------------------------------------------------

  function show(result, outputBox, shownBox) {
    const error = document.createElement("span");
    error.className = "error";
    error.textContent = result.error;
    outputBox.replaceChildren(result.output, error);
    outputBox.hidden = !(result.output || result.error);
    while (outputBox.nextElementSibling?.classList.contains("missing")) outputBox.nextElementSibling.remove();
    if (result.missing) {
      const note = document.createElement("p");
      note.className = "note missing";
      note.textContent =
        `This needs ${result.missing}, which the browser version does not include: ` +
        "run it with a local install (see the README).";
      outputBox.after(note);
    }
    shownBox.replaceChildren(
      ...result.shown.map((item) => {
        const box = document.createElement("div");
        box.className = "shown";
        if (item.svg !== undefined) box.innerHTML = item.svg;
        else if (item.html !== undefined) box.innerHTML = item.html;
        else {
          const text = document.createElement("pre");
          text.textContent = item.text;
          box.append(text);
        }
        box.querySelectorAll("script").forEach(activate);
        return box;
      }),
    );
  }

  function activate(script) {
    // innerHTML does not run scripts; a copy made by createElement does (an embedded page's iframe).
    const copy = document.createElement("script");
    copy.textContent = script.textContent;
    script.replaceWith(copy);
  }

  function enable(message) {
    status.textContent = message;
    document.querySelectorAll("button[data-needs-python]").forEach((button) => (button.disabled = false));
  }

  loaded.then(
    () => enable("Python is ready."),
    (error) => {
      status.textContent =
        location.protocol === "file:"
          ? "Python cannot start in a page opened from a file: serve the site (python -m http.server -d site)."
          : `Python did not load: ${error}`;
      console.error(error);
    },
  );

  // Tab in an editor indents by four spaces (as Python is written) instead of leaving the editor.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && !event.shiftKey && event.target instanceof HTMLTextAreaElement) {
      event.preventDefault();
      document.execCommand("insertText", false, "    "); // keeps the editor's undo history
    }
  });

  // --- the playground -----------------------------------------------------------------------------

  function playground() {
    const picker = $("#example");
    const editor = $("#code");
    const explore = $("#explore");
    data.examples.forEach((example, index) => picker.add(new Option(example.title, String(index))));
    picker.addEventListener("change", () => {
      editor.value = data.examples[Number(picker.value)].code;
      show({ output: "", error: "", shown: [] }, $("#output"), $("#shown"));
      explore.hidden = true;
    });

    async function runEditor() {
      status.textContent = "Running…";
      const started = performance.now();
      let result;
      try {
        result = await window.chainrule.run(editor.value);
      } catch (error) {
        show(failed(error), $("#output"), $("#shown")); // restartPython() says so in the status line
        return;
      }
      show(result, $("#output"), $("#shown"));
      explore.hidden = !result.explorable;
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      status.textContent = result.error ? `Stopped by an error after ${seconds} s.` : `Ran in ${seconds} s.`;
    }

    $("#run").addEventListener("click", runEditor);
    stopButton.addEventListener("click", stop);
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        runEditor();
      }
    });
    explore.addEventListener("click", async (event) => {
      event.preventDefault();
      const opened = window.open("", "_blank"); // opened now, while the click still allows it
      try {
        const page = new Blob([await ask("explorer")], { type: "text/html" });
        opened.location.href = URL.createObjectURL(page);
      } catch (error) {
        opened.close();
        status.textContent = `The explorer could not be made: ${error.message}`;
      }
    });
  }

  // --- a notebook's page --------------------------------------------------------------------------

  function notebook() {
    const cells = [...document.querySelectorAll(".cell.code")];

    async function runCell(cell) {
      cell.classList.add("running");
      let result;
      try {
        result = await run($("textarea", cell).value, false);
      } catch (error) {
        result = failed(error);
      }
      cell.classList.remove("running");
      show(result, $(".output", cell), $(".shown-objects", cell));
      return result;
    }

    async function runAll() {
      const results = [];
      for (const [index, cell] of cells.entries()) {
        status.textContent = `Running cell ${index + 1} of ${cells.length}…`;
        cell.scrollIntoView({ block: "nearest" });
        const result = await runCell(cell);
        results.push(result);
        if (result.error && !result.missing) {
          status.textContent = `Cell ${index + 1} raised an error.`;
          return results;
        }
      }
      status.textContent = `Ran all ${cells.length} cells.`;
      return results;
    }

    async function restart() {
      await queue;
      await ask("reset");
      cells.forEach((cell) => show({ output: "", error: "", shown: [] }, $(".output", cell), $(".shown-objects", cell)));
      status.textContent = "Restarted: every name is forgotten.";
    }

    cells.forEach((cell, index) => {
      $("button", cell).addEventListener("click", () => runCell(cell));
      // Ctrl+Enter runs the cell; Shift+Enter runs it and moves to the next, as in Jupyter.
      $("textarea", cell).addEventListener("keydown", (event) => {
        if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey || event.shiftKey)) return;
        event.preventDefault();
        runCell(cell);
        if (event.shiftKey && cells[index + 1]) $("textarea", cells[index + 1]).focus();
      });
    });
    $("#run-all").addEventListener("click", runAll);
    $("#restart").addEventListener("click", restart);
    stopButton.addEventListener("click", stop);
    window.chainrule.extend({ runAll, restart });
  }

  if (data.mode === "playground") playground();
  else if (data.mode === "notebook") notebook();
})();
