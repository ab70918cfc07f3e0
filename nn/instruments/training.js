// The training view: draws each run's network, decision regions, loss and gradient flow at a frame.
//
// window.chainruleTrainingView(root, data, onSelect) builds the view of data (training_view.py's
// JSON) inside root and returns {render(k), update(data), select(r, name), state(k), runs}: the saved
// page drives it from the shell's timeline (below), the site's lab feeds it frames as a run trains.
// On a saved page (the shell, autograd/pages/shell.js) it adds chainrule.epochs, chainrule.state()
// and chainrule.select(run, neuron) to window.chainrule.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var ORANGE, BLUE, WHITE;  // training_view.PALETTE, from the data of the view made last

  // --- small helpers ---------------------------------------------------------------------------
  function element(tag, attributes, parent, namespace) {
    var node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
    for (var key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function svg(tag, attributes, parent) { return element(tag, attributes, parent, SVG); }
  /** Orange (−1) through white (0) to blue (+1), as an [r, g, b] triple. */
  function rgb(f) {
    f = Math.max(-1, Math.min(1, f || 0));
    var end = f > 0 ? BLUE : ORANGE, a = Math.abs(f);
    return [0, 1, 2].map(function (i) { return Math.round(WHITE[i] + a * (end[i] - WHITE[i])); });
  }
  function css(f) { var c = rgb(f); return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }
  function number(x, digits) {
    if (x === null || x === undefined) return "—";
    if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4)) return x.toExponential(2);
    return x.toFixed(digits === undefined ? 4 : digits);
  }
  /** The bytes of a map, as signed numbers q: value = offset + scale·q/127 (see training_view.py). */
  function codes(encoded) {
    var text = atob(encoded[1]), q = new Int8Array(text.length);
    for (var i = 0; i < text.length; i++) q[i] = text.charCodeAt(i);
    return q;
  }
  /** The colours of q = −127 … 127 at a strength, as r, g, b, 255 per entry (made once per strength). */
  var tables = {};
  function colours(strength) {
    if (tables[strength]) return tables[strength];
    var table = new Uint8ClampedArray(4 * 255);
    for (var q = -127; q <= 127; q++) {
      var c = rgb(strength * q / 127), p = 4 * (q + 127);
      table[p] = c[0]; table[p + 1] = c[1]; table[p + 2] = c[2]; table[p + 3] = 255;
    }
    return (tables[strength] = table);
  }
  /** Paint a size×size map of codes q (rows from the bottom up) on a canvas: q/127 of full colour. */
  function paint(canvas, size, q, strength) {
    var context = canvas.getContext("2d"), image = context.createImageData(size, size), table = colours(strength);
    for (var row = 0; row < size; row++) {
      for (var column = 0; column < size; column++) {
        var from = 4 * (q[row * size + column] + 127), to = 4 * ((size - 1 - row) * size + column);
        image.data[to] = table[from]; image.data[to + 1] = table[from + 1]; image.data[to + 2] = table[from + 2];
        image.data[to + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
  }

  function trainingView(root, data, onSelect) {
  var TILE = 30, MAIN = 300, CHART_W = 300, CHART_H = 130;
  ORANGE = data.palette.negative; BLUE = data.palette.positive; WHITE = data.palette.zero;
  tables = {};
  // --- the shared timeline: each run shows its last frame at or before the timeline's epoch -------
  var epochs = data.epochs;
  if (data.runs.length > 1) {  // several runs: each a narrow column, so that they sit side by side
    MAIN = 220; CHART_W = 220;
    root.classList.add("tv-compact");
  }
  var runs = data.runs.map(function (run, r) { return build(run, r); });

  function frameAt(run, k) {
    var index = 0;
    for (var f = 0; f < run.data.frames.length; f++) if (run.data.frames[f].epoch <= epochs[k]) index = f;
    return index;
  }

  // --- one run: its panels ------------------------------------------------------------------------
  function build(runData, r) {
    var run = { data: runData, index: r, selected: null, hovered: null, shown: -1 };
    var section = element("section", { "class": "tv-run", "data-run": String(r) }, root);
    element("h2", {}, section).textContent = runData.title;
    if (runData.note) element("p", { "class": "tv-note" }, section).textContent = runData.note;
    var top = element("div", { "class": "tv-top" }, section);
    buildNetwork(run, top);
    if (runData.grid) buildMain(run, top);
    var charts = element("div", { "class": "tv-charts" }, section);
    run.loss = svg("svg", { "class": "tv-loss", width: CHART_W, height: CHART_H, role: "img", "aria-label": "loss by epoch" }, charts);
    run.flow = svg("svg", { "class": "tv-flow", width: CHART_W, height: CHART_H, role: "img", "aria-label": "gradient flow" }, charts);
    buildLoss(run);
    buildFlow(run);
    run.info = element("div", { "class": "tv-info cr-mono" }, section);
    run.info.textContent = "Hover over a neuron (click to keep it) to see its w, b and their gradients.";
    run.largestWeight = largestWeight(runData);
    return run;
  }

  /** The largest |w| of the frames that carry their parameters (a live run's older frames do not). */
  function largestWeight(runData) {
    var weights = 0;
    runData.frames.forEach(function (frame) {
      runData.layers.forEach(function (layer) {
        layer.forEach(function (neuron) {
          neuron.weights.forEach(function (w) {
            if (isFinite(frame.parameters[w])) weights = Math.max(weights, Math.abs(frame.parameters[w]));
          });
        });
      });
    });
    return weights || 1;
  }

  function buildNetwork(run, parent) {
    var layers = run.data.layers, inputs = run.data.inputs;
    var columns = [inputs].concat(layers.map(function (layer) { return layer.length; }));
    var tallest = Math.max.apply(null, columns), gap = TILE + 10, step = 96;
    var width = step * (columns.length - 1) + TILE + 8, height = tallest * gap + 8;
    var box = element("div", { "class": "tv-network" }, parent);
    box.style.width = width + "px"; box.style.height = height + "px";
    var links = svg("svg", { width: width, height: height, "class": "tv-links" }, box);
    function position(column, row) {
      var count = columns[column];
      return { x: 4 + column * step, y: 4 + (tallest - count) * gap / 2 + row * gap };
    }
    run.tiles = [];
    run.links = [];
    for (var i = 0; i < inputs; i++) {  // the inputs: x₁ and x₂ are maps of themselves
      var at = position(0, i), tile = element("div", { "class": "tv-tile tv-input" }, box);
      tile.style.left = at.x + "px"; tile.style.top = at.y + "px";
      if (run.data.grid && inputs === 2) {
        var canvas = element("canvas", { width: 2, height: 2 }, tile);
        paint(canvas, 2, i === 0 ? [-127, 127, -127, 127] : [-127, -127, 127, 127], 0.8);  // x₁ grows →, x₂ ↑
      }
      element("span", { "class": "tv-name" }, tile).textContent = "x" + "₁₂₃₄₅₆₇₈₉"[i % 9];
    }
    layers.forEach(function (layer, l) {
      layer.forEach(function (neuron, j) {
        var at = position(l + 1, j);
        neuron.weights.forEach(function (w, k) {
          var from = position(l, k), x0 = from.x + TILE, y0 = from.y + TILE / 2, x1 = at.x, y1 = at.y + TILE / 2;
          var path = svg("path", {
            d: "M" + x0 + "," + y0 + " C" + (x0 + x1) / 2 + "," + y0 + " " + (x0 + x1) / 2 + "," + y1 + " " + x1 + "," + y1,
            "data-weight": run.data.names[w],
          }, links);
          run.links.push({ path: path, weight: w });
        });
        var tile = element("div", { "class": "tv-tile", "data-neuron": neuron.name, tabindex: "0" }, box);
        tile.style.left = at.x + "px"; tile.style.top = at.y + "px";
        var canvas = run.data.grid ? element("canvas", { width: run.data.grid.tile, height: run.data.grid.tile }, tile) : null;
        var bias = element("span", { "class": "tv-bias" }, tile);
        if (neuron.bias === null) bias.classList.add("tv-absent");
        tile.title = neuron.name + " (" + neuron.activation + ")";
        run.tiles.push({ neuron: neuron, layer: l, canvas: canvas, bias: bias, element: tile });
        tile.addEventListener("mouseenter", function () { run.hovered = neuron; showNeuron(run); });
        tile.addEventListener("mouseleave", function () { run.hovered = null; showNeuron(run); });
        tile.addEventListener("focus", function () { run.hovered = neuron; showNeuron(run); });
        tile.addEventListener("blur", function () { run.hovered = null; showNeuron(run); });
        tile.addEventListener("click", function () { select(run.index, run.selected === neuron ? null : neuron.name); });
        tile.addEventListener("keydown", function (event) { if (event.key === "Enter") tile.click(); });
      });
    });
  }

  function buildMain(run, parent) {
    var grid = run.data.grid, box = element("div", { "class": "tv-main" }, parent);
    box.style.width = box.style.height = MAIN + "px";
    run.canvas = element("canvas", { width: grid.size, height: grid.size }, box);
    run.canvas.style.width = run.canvas.style.height = MAIN + "px";
    run.overlay = svg("svg", { width: MAIN, height: MAIN, "class": "tv-overlay" }, box);
    var e = grid.extent;
    run.toX = function (x) { return (x - e[0]) / (e[1] - e[0]) * MAIN; };
    run.toY = function (y) { return MAIN - (y - e[2]) / (e[3] - e[2]) * MAIN; };
    if (e[0] < 0 && e[1] > 0 && e[2] < 0 && e[3] > 0) {
      var ox = run.toX(0), oy = run.toY(0);
      svg("path", { d: "M" + (ox - 7) + "," + oy + "h14M" + ox + "," + (oy - 7) + "v14", "class": "tv-origin" }, run.overlay);
    }
    run.fromX = function (px) { return e[0] + px / MAIN * (e[1] - e[0]); };
    run.fromY = function (py) { return e[2] + (MAIN - py) / MAIN * (e[3] - e[2]); };
    var threshold = run.data.threshold;
    ["train", "test"].forEach(function (kind) {
      run.data.points[kind].forEach(function (p, i) {
        var fill = css(p[2] > threshold ? 1 : -1), x = run.toX(p[0]), y = run.toY(p[1]);
        if (!(x >= 0 && x <= MAIN && y >= 0 && y <= MAIN)) return;  // outside the plane shown
        if (kind === "train") svg("circle", { cx: x, cy: y, r: 3.5, fill: fill, "class": "tv-point", "data-point": i }, run.overlay);
        else svg("rect", { x: x - 3, y: y - 3, width: 6, height: 6, fill: fill, "class": "tv-point tv-test", "data-test-point": i }, run.overlay);
      });
    });
    run.boundary = svg("line", { "class": "tv-boundary", visibility: "hidden" }, run.overlay);
  }

  // --- charts: loss by epoch, gradient flow by layer ----------------------------------------------
  function scale(lo, hi, a, b) { var d = hi - lo || 1; return function (v) { return a + (v - lo) / d * (b - a); }; }

  function buildLoss(run) {
    var frames = run.data.frames, values = [];
    frames.forEach(function (f) { ["train", "test"].forEach(function (k) { if (f.losses[k] !== null && isFinite(f.losses[k])) values.push(f.losses[k]); }); });
    var lo = Math.min.apply(null, values.concat([0])), hi = Math.max.apply(null, values.concat([lo + 1e-12]));
    run.lossX = scale(epochs[0], epochs[epochs.length - 1], 34, CHART_W - 8);
    run.lossY = scale(lo, hi, CHART_H - 20, 14);
    svg("text", { x: 4, y: 11, "class": "tv-axis" }, run.loss).textContent = "loss  (" + number(hi, 3) + " at top)";
    svg("text", { x: CHART_W - 8, y: CHART_H - 4, "text-anchor": "end", "class": "tv-axis" }, run.loss).textContent = "epoch " + epochs[epochs.length - 1];
    svg("text", { x: 34, y: CHART_H - 4, "class": "tv-axis" }, run.loss).textContent = String(epochs[0]);
    svg("line", { x1: 34, x2: CHART_W - 8, y1: run.lossY(lo), y2: run.lossY(lo), "class": "tv-axisline" }, run.loss);
    ["train", "test"].forEach(function (kind) {
      var points = frames.filter(function (f) { return f.losses[kind] !== null && isFinite(f.losses[kind]); })
        .map(function (f) { return run.lossX(f.epoch) + "," + run.lossY(f.losses[kind]); });
      if (points.length) svg("polyline", { points: points.join(" "), "class": "tv-curve tv-" + kind }, run.loss);
    });
    run.lossMarker = svg("line", { y1: 14, y2: CHART_H - 20, "class": "tv-marker" }, run.loss);
    run.lossText = svg("text", { x: CHART_W - 8, y: 24, "text-anchor": "end", "class": "tv-axis" }, run.loss);
  }

  function buildFlow(run) {
    var values = [], layers = run.data.layers.length;
    run.data.frames.forEach(function (f) { f.flow.forEach(function (pair) { pair.forEach(function (v) { if (v > 0 && isFinite(v)) values.push(Math.log10(v)); }); }); });
    var lo = values.length ? Math.floor(Math.min.apply(null, values)) : -3, hi = values.length ? Math.ceil(Math.max.apply(null, values)) : 0;
    if (hi === lo) hi = lo + 1;
    run.flowX = scale(0, Math.max(layers - 1, 1), 64, CHART_W - 30);
    run.flowY = function (v) { return scale(lo, hi, CHART_H - 20, 28)(Math.log10(Math.max(v, Math.pow(10, lo)))); };
    svg("text", { x: 4, y: 11, "class": "tv-axis" }, run.flow).textContent = "gradient flow: mean |∂C/∂w| —, |∂C/∂b| - -";
    svg("text", { x: 40, y: 31, "text-anchor": "end", "class": "tv-axis" }, run.flow).textContent = "1e" + hi;
    svg("text", { x: 40, y: CHART_H - 18, "text-anchor": "end", "class": "tv-axis" }, run.flow).textContent = "1e" + lo;
    for (var l = 0; l < layers; l++) {
      svg("text", { x: run.flowX(l), y: CHART_H - 4, "text-anchor": "middle", "class": "tv-axis" }, run.flow).textContent = "layers." + l;
    }
    run.flowW = svg("polyline", { "class": "tv-curve tv-w" }, run.flow);
    run.flowB = svg("polyline", { "class": "tv-curve tv-b" }, run.flow);
  }

  // --- drawing a frame ----------------------------------------------------------------------------
  function draw(run, f) {
    var frame = run.data.frames[f], grid = run.data.grid, parameters = frame.parameters;
    run.shown = f;
    run.links.forEach(function (link) {
      var w = parameters[link.weight];
      link.path.setAttribute("stroke", css(w > 0 ? 0.9 : -0.9));
      link.path.setAttribute("stroke-width", isFinite(w) ? (0.3 + 4 * Math.abs(w) / run.largestWeight).toFixed(2) : "0.3");
    });
    run.tiles.forEach(function (tile) {
      var b = tile.neuron.bias === null ? null : parameters[tile.neuron.bias];
      tile.bias.textContent = b === null ? "no b" : isFinite(b) ? b.toFixed(2) : String(b);
      tile.bias.style.borderLeftColor = css(b === null ? 0 : Math.tanh(2 * b));
      var encoded = grid && frame.maps.neurons && frame.maps.neurons[tile.neuron.name];
      if (tile.canvas && encoded) {
        paint(tile.canvas, grid.tile, codes(encoded), 1);
      }
    });
    if (grid && frame.maps.output) {
      paint(run.canvas, grid.size, codes(frame.maps.output), 0.75);
    }
    var x = run.lossX(frame.epoch);
    run.lossMarker.setAttribute("x1", x); run.lossMarker.setAttribute("x2", x);
    run.lossText.textContent = "train " + number(frame.losses.train) + (frame.losses.test === null ? "" : "  test " + number(frame.losses.test));
    var flow = function (k) {  // layer l's mean |∂C/∂w| (k = 0) or |∂C/∂b| (k = 1), where there is one
      return frame.flow.map(function (p, l) { return p[k] !== null && isFinite(p[k]) ? run.flowX(l) + "," + run.flowY(p[k]) : ""; })
        .filter(Boolean).join(" ");
    };
    run.flowW.setAttribute("points", flow(0));
    run.flowB.setAttribute("points", flow(1));
    showNeuron(run);
  }

  /** The hovered (or else the clicked) neuron: its numbers in the panel, its boundary on the plot. */
  function showNeuron(run) {
    var neuron = run.hovered || run.selected, frame = run.data.frames[Math.max(run.shown, 0)];
    if (run.boundary) run.boundary.setAttribute("visibility", "hidden");
    if (!neuron) return;
    var p = frame.parameters, g = frame.gradients, names = run.data.names;
    var rows = [neuron.name + "  (" + neuron.activation + ")  at epoch " + frame.epoch, pad("", 12) + pad("value", 12) + "∂C/∂·"];
    neuron.weights.forEach(function (w) { rows.push(pad(names[w].split(".").slice(-2).join("."), 12) + pad(number(p[w]), 12) + number(g[w])); });
    if (neuron.bias !== null) rows.push(pad("b", 12) + pad(number(p[neuron.bias]), 12) + number(g[neuron.bias]));
    else rows.push("no bias: z = w·x, and its boundary passes through the origin");
    var first = run.data.layers[0].indexOf(neuron) >= 0;
    if (first && run.boundary && run.data.inputs === 2) {
      var ends = boundary(p[neuron.weights[0]], p[neuron.weights[1]], neuron.bias === null ? 0 : p[neuron.bias], run.data.grid.extent);
      if (ends) {
        run.boundary.setAttribute("x1", run.toX(ends[0][0])); run.boundary.setAttribute("y1", run.toY(ends[0][1]));
        run.boundary.setAttribute("x2", run.toX(ends[1][0])); run.boundary.setAttribute("y2", run.toY(ends[1][1]));
        run.boundary.setAttribute("visibility", "visible");
      }
      rows.push("boundary w·x + b = 0 drawn on the plot" + (ends ? "" : " (outside the plotted area)"));
    }
    run.info.textContent = rows.join("\n");
  }
  function pad(text, width) { while (text.length < width) text += " "; return text; }

  /** The two ends of the line w₁x + w₂y + b = 0 inside the box [x0, x1] × [y0, y1], or null. */
  function boundary(w1, w2, b, e) {
    var points = [];
    if (w2 !== 0) [e[0], e[1]].forEach(function (x) { var y = -(w1 * x + b) / w2; if (y >= e[2] && y <= e[3]) points.push([x, y]); });
    if (w1 !== 0) [e[2], e[3]].forEach(function (y) { var x = -(w2 * y + b) / w1; if (x >= e[0] && x <= e[1]) points.push([x, y]); });
    return points.length >= 2 ? [points[0], points[points.length - 1]] : null;
  }

  /** Show epoch k of the timeline: each run at its last frame at or before it. */
  function render(k) {
    runs.forEach(function (run) { var f = frameAt(run, k); if (f !== run.shown) draw(run, f); });
  }

  /** Take new data of the same runs (the same networks and points, more frames): redraw the charts and
   *  show the last epoch. A live page calls this as frames arrive. */
  function update(newData) {
    data = newData;
    epochs = newData.epochs;
    newData.runs.forEach(function (runData, r) {
      var run = runs[r];
      run.data = runData;
      run.shown = -1;
      run.largestWeight = largestWeight(runData);
      run.loss.replaceChildren(); run.flow.replaceChildren();
      buildLoss(run); buildFlow(run);
    });
    render(epochs.length - 1);
  }

  function runState(run, f) {
    var frame = run.data.frames[f], parameters = {};
    run.data.names.forEach(function (name, i) { parameters[name] = frame.parameters[i]; });
    return { epoch: frame.epoch, losses: { train: frame.losses.train, test: frame.losses.test }, parameters: parameters };
  }
  /** The state at epoch k: {epoch, losses, parameters} for one run, {epoch, runs: [...]} for several. */
  function state(k) {
    if (runs.length === 1) return runState(runs[0], frameAt(runs[0], k));
    return { epoch: epochs[k], runs: runs.map(function (run) { return runState(run, frameAt(run, k)); }) };
  }
  /** Keep a neuron selected (its numbers shown, its boundary drawn), as a click on its tile does. */
  function select(r, name) {
    var run = runs[r];
    run.selected = null;
    run.data.layers.forEach(function (layer) { layer.forEach(function (n) { if (n.name === name) run.selected = n; }); });
    run.tiles.forEach(function (t) { t.element.classList.toggle("tv-selected", t.neuron === run.selected); });
    showNeuron(run);
    if (onSelect) onSelect(r, run.selected && run.selected.name);
    return run.selected !== null;
  }
  return { runs: runs, render: render, update: update, state: state, select: select, epochs: function () { return epochs; } };
  }
  window.chainruleTrainingView = trainingView;

  // --- a saved page: the shell's timeline drives the view; the contract for tests and embedding ---
  var chainrule = window.chainrule, root = document.getElementById("training");
  if (!root || !chainrule || !chainrule.render) return;
  var view = trainingView(root, chainrule.data), epochs = chainrule.data.epochs;
  chainrule.epochs = epochs;
  /** The frame as shown: {epoch, losses, parameters} for one run, {epoch, runs: [...]} for several. */
  chainrule.state = function () { return view.state(chainrule.frame); };
  chainrule.select = view.select;
  chainrule.render(function (k) {
    view.render(k);
    var label = document.querySelector('.cr-timeline [data-cr="label"]');
    if (label && epochs.length) label.textContent = "epoch " + epochs[k] + "  (" + k + " of " + chainrule.frames + ")";
  });
  chainrule.go(chainrule.frames);  // open on the trained model; ← and Home go back to the start
})();
