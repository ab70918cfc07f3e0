// The lab: TensorFlow Playground's knobs on chainrule. Python (web/lab.py, in the site's worker) does
// all the work; this script sends it the knobs and draws the frames it sends back with the training
// view's own drawing (window.chainruleTrainingView, from nn's training.js).
//
// window.chainrule.lab = {configure(settings), step(n), play(), pause(), reset(), state(), python(),
//                         keep(), runs()}     (every one returns a Promise)
// configure merges settings into the configuration (the URL's hash holds the same object) and sets up
// the new run at epoch 0, paused; a bad setting rejects with a message naming it.

"use strict";
(function () {
  const labData = window.chainrule.data;
  if (labData.mode !== "lab") return;
  const $ = (selector) => document.querySelector(selector);
  const status = $("#status");
  const COLOURS = ["#333", "#1f77b4", "#9467bd", "#2ca02c"];

  // --- talking to Python ------------------------------------------------------------------------
  // Non-finite floats travel as {"$float": "NaN" | "Infinity" | "-Infinity"} (autograd's encode_json).
  const revive = (key, value) =>
    value !== null && typeof value === "object" && !Array.isArray(value) &&
    Object.keys(value).length === 1 && "$float" in value ? Number(value.$float) : value;
  const loaded = window.chainrule.ready.then(() => window.chainrule.worker.load("lab", labData.lab));

  async function call(name, ...args) {
    await loaded;
    const text = await window.chainrule.worker.call("lab", JSON.stringify({ call: name, args: args }));
    const answer = JSON.parse(text, revive);
    if (answer.error !== undefined) {
      const error = new Error(answer.error);
      error.setting = answer.setting;
      throw error;
    }
    return answer.result;
  }

  // --- the live run: its frames, drawn by the training view ---------------------------------------
  let config = null; // the configuration of the run on screen
  let live = null; // {epochs, runs: [run data]}: the training view's data, frames added as they come
  let view = null;
  let selectedPoint = null; // index of a point (training points, then test points), for the neuron card
  let selectedNeuron = null;
  // What is on screen, for tests and benchmarks: frames drawn, when the last was, its epoch and config
  const drawn = { frames: 0, at: 0, epoch: 0, config: null };

  function show(frame) {
    const run = frame.run;
    if (!frame.full && live !== null && run.frames.length === 0) return; // nothing new to draw
    if (frame.full || live === null) {
      live = { palette: frame.palette, epochs: run.frames.map((f) => f.epoch), runs: [run] };
      const root = $("#lab-view");
      root.replaceChildren();
      view = window.chainruleTrainingView(root, live, (r, name) => {
        selectedNeuron = name;
        showCard();
      });
      config = frame.config;
      view.render(live.epochs.length - 1);
      attachPlane();
      showKnobs();
      selectedPoint = null;
      showCard();
    } else {
      const frames = live.runs[0].frames;
      const last = frames[frames.length - 1];
      Object.assign(last, { parameters: [], gradients: [], maps: {} }); // drawn: only its losses stay
      frames.push(...run.frames);
      live.epochs.push(...run.frames.map((f) => f.epoch));
      live.runs[0].origins = run.origins;
      view.update(live);
    }
    $("#epoch").textContent = `epoch ${frame.epoch}`;
    $("#python").textContent = frame.python;
    drawCompare();
    Object.assign(drawn, { frames: drawn.frames + 1, at: performance.now(), epoch: frame.epoch, config: config });
  }

  // --- running: play is a loop of short chunks, so every message waits at most one chunk -----------
  // The speed is how many chunks are trained per frame drawn (0: one epoch a frame): faster speeds
  // draw less often, not in longer chunks, so a control still answers within one chunk.
  const CHUNK = 0.04; // seconds of training per message
  let playing = 0; // the current play loop's number; 0 when paused
  let loops = 0;

  async function play() {
    if (playing) return;
    const me = (playing = ++loops);
    $("#play").textContent = "Pause";
    for (let chunk = 1; playing === me; chunk++) {
      const speed = Number($("#speed").value);
      const draw = speed <= 1 || chunk % speed === 0;
      let frame;
      try {
        frame = await call("advance", speed === 0 ? 1 : null, CHUNK, draw);
        if (!draw && playing !== me) frame = await call("frame"); // paused meanwhile: draw what it trained
      } catch (error) {
        pause();
        if (error.setting !== undefined) showError(error);
        status.textContent = `Training stopped: ${error.message}`;
        return;
      }
      if (frame.run === undefined) {
        $("#epoch").textContent = `epoch ${frame.epoch}`;
        continue;
      }
      show(frame); // even if paused meanwhile: its frames are the run's, and Python sends each once
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  function pause() {
    playing = 0;
    $("#play").textContent = "Play";
  }

  // Every change goes through one queue, so answers come back in the order asked.
  let queue = Promise.resolve();
  function queued(task) {
    const result = queue.then(task);
    queue = result.catch(() => {});
    return result;
  }

  function configure(settings) {
    pause();
    return queued(async () => {
      let frame;
      try {
        frame = await call("configure", settings);
      } catch (error) {
        showError(error);
        throw error;
      }
      clearErrors();
      show(frame);
      history.replaceState(null, "", "#" + encodeURIComponent(JSON.stringify(frame.config)));
      return undefined;
    });
  }

  function step(n = 1) {
    pause();
    return queued(async () => show(await call("advance", Math.max(0, Math.round(Number(n)) || 0))));
  }

  function reset() {
    pause();
    return queued(async () => show(await call("reset")));
  }

  // --- the knobs ---------------------------------------------------------------------------------
  // A control typed into, or whose change is on its way, is not set back by a frame of an older run.
  const changing = new Set();

  function showKnobs() {
    document.querySelectorAll("[data-setting]").forEach((control) => {
      if (control.dataset.editing || changing.has(control)) return; // the learner's change stays
      const value = config[control.dataset.setting];
      if (control.type === "checkbox") control.checked = value;
      else control.value = String(value);
    });
    $("#layers-count").textContent = String(config.layers.length);
    const widths = $("#widths");
    widths.replaceChildren(
      ...config.layers.map((width, l) => {
        const row = document.createElement("div");
        row.className = "lab-width";
        row.append(`layer ${l + 1}: `);
        for (const [text, change] of [["−", -1], [String(width), 0], ["+", 1]]) {
          if (change === 0) {
            const count = document.createElement("span");
            count.textContent = `${text} neurons`;
            row.append(count);
            continue;
          }
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = text;
          button.dataset.width = `${l}:${change}`;
          button.addEventListener("click", () => {
            const layers = config.layers.slice();
            layers[l] += change;
            knob("layers", { layers: layers, learn: config.learn });
          });
          row.append(button);
        }
        return row;
      }),
    );
    const learn = $("#learn");
    const names = [...config.layers.map((_, l) => `layer ${l + 1}`), "output layer"];
    learn.replaceChildren("what learns:", ...names.map((name, l) => {
      const label = document.createElement("label");
      const select = document.createElement("select");
      select.dataset.learn = String(l);
      for (const [value, text] of [["both", "weights and biases"], ["weights", "weights only"],
        ["biases", "biases only"], ["none", "frozen"]]) select.add(new Option(text, value));
      select.value = config.learn[l];
      select.addEventListener("change", () => {
        const chosen = config.learn.slice();
        chosen[l] = select.value;
        knob("learn", { learn: chosen });
      });
      label.append(`${name} `, select);
      return label;
    }), errorSpan("learn"));
  }

  function errorSpan(setting) {
    const span = document.createElement("span");
    span.className = "lab-error";
    span.dataset.errorFor = setting;
    return span;
  }

  /** A knob was turned: the new run, or the message next to the knob (the last good run stays). */
  function knob(setting, settings) {
    const running = playing !== 0; // a change while training restarts the run, and it trains on
    return configure(settings).then(
      () => running && play(),
      (error) => {
        if (error.setting === undefined) throw error; // a setting's message is shown next to its control
      },
    );
  }

  function showError(error) {
    clearErrors();
    const setting = error.setting || "settings";
    let span = document.querySelector(`.lab-error[data-error-for="${setting}"]`);
    if (!span) {
      const control = document.querySelector(`[data-setting="${setting}"]`);
      span = errorSpan(setting);
      if (control) control.closest("label").after(span);
      else status.after(span);
    }
    span.textContent = error.message;
    status.textContent = "That setting cannot run: the last good run stays.";
  }

  function clearErrors() {
    document.querySelectorAll(".lab-error").forEach((span) => (span.textContent = ""));
  }

  function value(control) {
    if (control.type === "checkbox") return control.checked;
    if (control.tagName === "SELECT") return control.value;
    const text = control.value.trim();
    return text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
  }

  document.querySelectorAll("[data-setting]").forEach((control) => {
    control.addEventListener("input", () => (control.dataset.editing = "yes"));
    control.addEventListener("change", () => {
      delete control.dataset.editing;
      changing.add(control);
      knob(control.dataset.setting, { [control.dataset.setting]: value(control) }).finally(() =>
        changing.delete(control),
      );
    });
  });
  $("#layers-minus").addEventListener("click", () => knob("layers", { layers: config.layers.slice(0, -1) }));
  $("#layers-plus").addEventListener("click", () => knob("layers", { layers: [...config.layers, 4] }));
  $("#play").addEventListener("click", () => (playing ? pause() : play()));
  const stopped = (error) => {
    if (error.setting !== undefined) showError(error);
    status.textContent = `Training stopped: ${error.message}`;
  };
  $("#step").addEventListener("click", () => step(1).catch(stopped));
  $("#reset").addEventListener("click", () => reset().catch(stopped));

  // --- the plane: a click selects, adds or removes a point ----------------------------------------
  function attachPlane() {
    const run = view.runs[0];
    if (!run.overlay) return;
    run.overlay.addEventListener("click", (event) => {
      const mode = $("#click").value;
      const target = event.target.closest("[data-point], [data-test-point]");
      const train = target && target.dataset.point !== undefined;
      const index = target ? Number(train ? target.dataset.point : target.dataset.testPoint) : null;
      if (mode === "select") {
        if (target) {
          selectedPoint = train ? index : live.runs[0].points.train.length + index;
          run.overlay.querySelectorAll(".lab-selected").forEach((p) => p.classList.remove("lab-selected"));
          target.classList.add("lab-selected");
          showCard();
        }
      } else if (mode === "remove") {
        if (target) removePoint(train ? index : live.runs[0].points.train.length + index);
      } else {
        const box = run.overlay.getBoundingClientRect();
        const x = run.fromX(event.clientX - box.left), y = run.fromY(event.clientY - box.top);
        const round = (v) => Math.round(v * 1000) / 1000;
        knob("added", { added: [...config.added, [round(x), round(y), Number(mode)]] });
      }
    });
  }

  function removePoint(k) {
    const [origin, index] = live.runs[0].origins[k];
    if (origin === "added") knob("added", { added: config.added.filter((_, i) => i !== index) });
    else knob("removed", { removed: [...config.removed, index] });
  }

  // --- look inside: a neuron's card for the selected point; the explorer of its loss --------------
  async function showCard() {
    const card = $("#card");
    $("#explore").disabled = selectedPoint === null;
    if (selectedPoint === null) return (card.textContent = "No point selected.");
    const training = live.runs[0].points.train.length;
    const point = selectedPoint < training ? `training point ${selectedPoint}` : `test point ${selectedPoint - training}`;
    if (!selectedNeuron) return (card.textContent = `${point} selected: click a neuron.`);
    try {
      const c = await queued(() => call("card", selectedPoint, selectedNeuron));
      const n = (x) => (x === null ? "—" : Number(x).toPrecision(5));
      card.textContent = [
        `${c.neuron} on ${point} (x = ${c.point.slice(0, 2).map(n).join(", ")}, label ${c.point[2]}), its loss C = ${n(c.loss)}`,
        `z = w·a + b = ${n(c.z)}    a = activation(z) = ${n(c.a)}`,
        `δ = ∂C/∂z = ${n(c.delta)}    ∂C/∂b = δ = ${c.dC_db === null ? "no bias" : n(c.dC_db)}`,
        ...c.inputs.map((a, j) => `∂C/∂w${j} = δ · a${j} = ${n(c.delta)} × ${n(a)} = ${n(c.dC_dw[j])}`),
      ].join("\n");
    } catch (error) {
      card.textContent = `No card: ${error.message}`;
    }
  }

  $("#explore").addEventListener("click", async () => {
    const opened = window.open("", "_blank"); // opened now, while the click still allows it
    try {
      const page = await queued(() => call("explore", selectedPoint));
      opened.location.href = URL.createObjectURL(new Blob([page], { type: "text/html" }));
    } catch (error) {
      if (opened) opened.close();
      status.textContent = `The explorer could not be made: ${error.message}`;
    }
  });

  // --- compare: pinned runs beside the live one, every loss curve on one axis ---------------------
  let pinned = [];

  function keep() {
    return queued(async () => {
      pinned = await call("keep");
      const root = $("#pinned");
      root.replaceChildren();
      root.classList.remove("tv-compact");
      if (pinned.length) {
        const epochs = [...new Set(pinned.flatMap((run) => run.frames.map((f) => f.epoch)))].sort((a, b) => a - b);
        window.chainruleTrainingView(root, { palette: live.palette, epochs: epochs, runs: pinned }).render(epochs.length - 1);
      }
      drawCompare();
      return undefined;
    });
  }

  function drawCompare() {
    const chart = $("#compare");
    const width = Number(chart.getAttribute("width")), height = Number(chart.getAttribute("height"));
    const curves = [...pinned.map((run) => [run.title, run.frames]), ["live run (training loss)", live ? live.runs[0].frames : []]];
    const values = curves.flatMap(([, frames]) => frames.map((f) => f.losses.train)).filter(Number.isFinite);
    const last = Math.max(1, ...curves.flatMap(([, frames]) => frames.map((f) => f.epoch)));
    const top = Math.max(1e-12, ...values);
    const x = (epoch) => 40 + (epoch / last) * (width - 50), y = (loss) => height - 20 - (loss / top) * (height - 40);
    const parts = [`<text x="4" y="12" class="tv-axis">loss (${top.toPrecision(3)} at top), by epoch to ${last}</text>`];
    curves.forEach(([title, frames], k) => {
      const colour = k === curves.length - 1 ? COLOURS[0] : COLOURS[k + 1];
      const points = frames.filter((f) => Number.isFinite(f.losses.train)).map((f) => `${x(f.epoch).toFixed(1)},${y(f.losses.train).toFixed(1)}`);
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points.join(" ")}"/>`);
      const legend = document.createElementNS("http://www.w3.org/2000/svg", "text");
      legend.textContent = title;
      parts.push(`<text x="${width - 8}" y="${26 + 13 * k}" text-anchor="end" class="tv-axis" fill="${colour}" style="fill:${colour}">${legend.innerHTML}</text>`);
    });
    chart.innerHTML = parts.join("");
  }

  /** Three runs from one start: weights only and biases only pinned, both live; each trained alike. */
  async function preset(epochs = 100) {
    await queued(async () => ((pinned = await call("unpin")), undefined));
    for (const learn of ["weights", "biases"]) {
      await configure({ learn: config.learn.map(() => learn) });
      await step(epochs);
      await keep();
    }
    await configure({ learn: config.learn.map(() => "both") });
    await step(epochs);
  }

  $("#keep").addEventListener("click", () => keep());
  $("#unpin").addEventListener("click", () => queued(async () => {
    pinned = await call("unpin");
    $("#pinned").replaceChildren();
    drawCompare();
  }));
  $("#preset").addEventListener("click", () => preset());
  $("#copy").addEventListener("click", () => navigator.clipboard.writeText($("#python").textContent));

  // --- the contract, and opening: the configuration in the URL's hash, or a preset --------------------
  const lab = {
    configure: (settings) => configure(settings),
    step: (n = 1) => step(n),
    play: () => { play(); },
    pause: () => { pause(); },
    reset: () => reset(),
    state: () => queued(() => call("state")),
    python: () => queued(() => call("python")),
    keep: () => keep().then(() => undefined),
    runs: () => queued(() => call("runs")),
    preset: (epochs) => preset(epochs),
    drawn: drawn,
  };
  window.chainrule.extend({ lab: lab });

  function opening() {
    const hash = decodeURIComponent(location.hash.slice(1));
    if (hash === "preset=weights-biases") return { preset: true, settings: {} };
    try {
      return { preset: false, settings: hash ? JSON.parse(hash) : {} };
    } catch (error) {
      return { preset: false, settings: {}, error: "The link's settings are not JSON: the lab opens with its own." };
    }
  }

  const open = opening();
  queued(async () => {
    await loaded;
    show(await call("frame", true));
  }).then(async () => {
    if (Object.keys(open.settings).length) await configure(open.settings).catch(() => {});
    if (open.preset) await preset();
    if (open.error) status.textContent = open.error;
  }, (error) => (status.textContent = `The lab did not start: ${error.message}`));
  $("#preset-link").addEventListener("click", (event) => {
    event.preventDefault();
    preset();
  });
})();
