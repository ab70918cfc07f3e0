// The backward-pass explorer: restyles the graph Graphviz laid out, one chain-rule step per frame.
//
// Frame k shows the graph after k steps of the backward pass: the grads reached so far, and the node
// of the last step applied (step k − 1) highlighted, each arrow into it labelled with what it added
// to that input's grad.
// Adds chainrule.grads(): node id -> the grad shown, or null where the pass has not arrived yet.
"use strict";
(function () {
  var cr = window.chainrule, data = cr.data;
  var nodes = data.nodes, steps = data.steps, root = data.root;
  var format = formatter(data.format);
  var SVG = "http://www.w3.org/2000/svg";

  // --- numbers written as Python's format spec writes them (".4f", ".3g", ".2e") ----------------
  function formatter(spec) {
    var digits = spec.digits === null ? 6 : Number(spec.digits), type = spec.type.toLowerCase();
    return function (x) {
      if (x === null || x === undefined) return "—";
      if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
      var text;
      if (type === "f") text = x.toFixed(digits);
      else if (type === "e") text = x.toExponential(digits).replace(/e([+-])(\d)$/, "e$10$2");
      else if (type === "%") text = (100 * x).toFixed(digits) + "%";
      else text = String(Number(x.toPrecision(Math.max(digits, 1))));  // "g": no trailing zeros
      if (spec.sign === "+" && x >= 0) text = "+" + text;
      if (spec.sign === " " && x >= 0) text = " " + text;
      return text;
    };
  }
  // Half a unit in the last place shown: an answer this close reads the same on the page.
  function tolerance(x) {
    var digits = data.format.digits === null ? 6 : Number(data.format.digits);
    var type = data.format.type.toLowerCase();
    if (type === "f" || type === "%") return 0.5 * Math.pow(10, -digits) * (type === "%" ? 0.01 : 1);
    var magnitude = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
    return 0.5 * Math.pow(10, magnitude - Math.max(type === "e" ? digits : digits - 1, 0));
  }

  // --- names ----------------------------------------------------------------------------------------
  function name(id) {
    var node = nodes[id];
    return node.name || node.code || "#" + id;
  }
  var rootName = nodes[root].name || "L";
  function partial(of, by) { return "∂" + of + "/∂" + by; }
  function dL(id) { return id === root ? "1" : partial(rootName, name(id)); }
  function inputsOf(id) { return into[id] || []; }
  function formula(id) {  // "x1w1 = x1 * w1", "o = tanh(n)"
    var node = nodes[id], ins = inputsOf(id).map(function (e) { return name(e.input); });
    if (!node.op) return name(id) + " = " + format(node.data);
    var shown = ins.length > 6 ? ins.slice(0, 5).concat(["… " + (ins.length - 5) + " more"]) : ins;
    var infix = { add: " + ", mul: " · ", div: " / ", pow: " ** ", general_pow: " ** " }[node.op];
    var right = infix && ins.length === 2 ? shown.join(infix) : node.symbol + "(" + shown.join(", ") + ")";
    return name(id) + " = " + right;
  }
  function escape(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // --- the graph's elements, found once ---------------------------------------------------------------
  var edges = data.edges;
  var derivative = {}, into = {};  // "output:position" -> local derivative; output -> its input edges
  edges.forEach(function (e) {
    derivative[e.output + ":" + e.position] = e.derivative;
    (into[e.output] = into[e.output] || []).push(e);
  });
  var box = document.getElementById("cr-graph"), canvas = box.querySelector(".cr-canvas");
  var svg = canvas.querySelector("svg");
  var pan = document.createElement("div");  // moved and scaled as one layer: the drawing is not restyled
  pan.className = "cr-pan";
  canvas.insertBefore(pan, svg);
  pan.appendChild(svg);
  var element = {}, gradText = {}, opElement = {}, edgeElement = {};
  svg.querySelectorAll("[data-node]").forEach(function (g) {
    var id = Number(g.getAttribute("data-node"));
    element[id] = g;
    g.querySelectorAll("text").forEach(function (t) {
      if (t.textContent.indexOf("grad ") === 0) gradText[id] = t;
    });
  });
  svg.querySelectorAll("[data-op]").forEach(function (g) { opElement[g.getAttribute("data-op")] = g; });
  svg.querySelectorAll("[data-edge]").forEach(function (g) { edgeElement[g.getAttribute("data-edge")] = g; });
  // In a graph drawn one box per neuron, the box a value is in: <g id="group-layers.0.neurons.1">
  function groupBox(id) {
    var key = nodes[id].group;
    return key === null || key === undefined ? null : svg.querySelector('[id="group-' + key + '"]');
  }

  // The arrow from input number `position` of node `output`, and a label drawn on it on demand.
  function edgeFor(output, input, nth) {
    var positions = inputsOf(output).filter(function (e) { return e.input === input; });
    var e = positions[nth || 0];
    return e ? edgeElement[output + ":" + e.position] : undefined;
  }
  // A point a third of the way along a Graphviz edge "M x,y C x,y x,y x,y ...", a chain of cubic
  // Bézier segments: near the input, where arrows converging on one operation are still apart.
  function alongEdge(d, fraction) {
    var n = (d.match(/-?[\d.]+(e-?\d+)?/g) || []).map(Number), points = [];
    for (var i = 0; i + 1 < n.length; i += 2) points.push([n[i], n[i + 1]]);
    var segments = Math.floor((points.length - 1) / 3);
    if (segments < 1) return { x: points[0][0], y: points[0][1] };
    var s = Math.min(fraction * segments, segments - 1e-9), first = 3 * Math.floor(s), t = s - Math.floor(s);
    var p = points.slice(first, first + 4), u = 1 - t;
    function at(axis) {  // B(t) = u³·p0 + 3u²t·p1 + 3ut²·p2 + t³·p3
      return u * u * u * p[0][axis] + 3 * u * u * t * p[1][axis] + 3 * u * t * t * p[2][axis] + t * t * t * p[3][axis];
    }
    return { x: at(0), y: at(1) };
  }
  function label(g, text) {
    var t = g.querySelector("text.cr-amount");
    if (!t) {
      var path = g.querySelector("path");
      if (!path) return;
      var middle = alongEdge(path.getAttribute("d"), 0.35);
      t = document.createElementNS(SVG, "text");
      t.setAttribute("class", "cr-amount");
      t.setAttribute("x", middle.x);
      t.setAttribute("y", middle.y - 4);
      t.setAttribute("text-anchor", "middle");
      g.appendChild(t);
    }
    t.textContent = text;
  }

  // --- gradients at a frame: the contributions of the first k steps, summed in order ----------------
  var cached = { frame: 0, grads: initial() };
  function initial() {
    var grads = nodes.map(function () { return null; });
    grads[root] = 1;  // the seed: ∂L/∂L = 1
    return grads;
  }
  function apply(grads, step) {
    step.contributions.forEach(function (c) {
      grads[c[0]] = (grads[c[0]] === null ? 0 : grads[c[0]]) + c[1];
    });
  }
  function gradsAt(k) {
    if (k < cached.frame) cached = { frame: 0, grads: initial() };
    for (; cached.frame < k; cached.frame++) apply(cached.grads, steps[cached.frame]);
    return cached.grads;
  }
  cr.grads = function () {
    var grads = gradsAt(cr.frame), shown = {};
    grads.forEach(function (g, id) { shown[id] = g; });
    return shown;
  };

  // --- drawing a frame --------------------------------------------------------------------------------
  var shownText = [], marked = [], selected = null;
  var stepPanel = document.getElementById("cr-step"), nodePanel = document.getElementById("cr-node");
  var turn = document.getElementById("cr-turn"), scoreText = document.getElementById("cr-score");
  var score = { right: 0, wrong: 0 };

  function mark(el, cls) {
    if (el) { el.classList.add(cls); marked.push([el, cls]); }
  }
  function clearMarks() {
    marked.forEach(function (m) {
      m[0].classList.remove(m[1]);
      var t = m[0].querySelector && m[0].querySelector("text.cr-amount");
      if (t) t.textContent = "";
    });
    marked = [];
  }

  function render(k) {
    var grads = gradsAt(k);
    for (var id = 0; id < nodes.length; id++) {
      var text = grads[id] === null ? "grad —" : "grad " + format(grads[id]);
      if (shownText[id] !== text && gradText[id]) {
        gradText[id].textContent = text;
        if (element[id]) element[id].classList.toggle("cr-unreached", grads[id] === null);
      }
      shownText[id] = text;
    }
    clearMarks();
    var asking = turn.checked && k < cr.frames;
    var step = asking ? steps[k] : (k > 0 ? steps[k - 1] : null);
    if (step) {
      mark(element[step.node], asking ? "cr-asking" : "cr-current");
      mark(opElement[step.node], asking ? "cr-asking" : "cr-current");
      if (!element[step.node] && !opElement[step.node]) mark(groupBox(step.node), "cr-current");
      var seen = {};
      step.contributions.forEach(function (c) {
        var nth = seen[c[0]] = (seen[c[0]] || 0) + 1;
        var g = edgeFor(step.node, c[0], nth - 1);
        mark(g, "cr-flow");
        mark(element[c[0]], "cr-receiving");
        if (g) label(g, asking ? "+= ?" : "+= " + format(c[1]));
      });
    }
    stepPanel.innerHTML = asking ? question(k) : describe(k);
    highlightCode(step ? nodes[step.node].lines : [], "cr-hl");
    if (selected !== null) showNode(selected);
    // Every change is written; now read the layout once: pan to the node, scroll the code to its lines.
    if (step) keepInView(element[step.node] || opElement[step.node] || groupBox(step.node));
    scrollCode(step ? nodes[step.node].lines : []);
    if (asking) {
      var first = stepPanel.querySelector("input");
      if (first && document.activeElement && document.activeElement.id === "cr-turn") first.focus();
    }
  }

  // One contribution in maths: ∂L/∂x += ∂n/∂x · ∂L/∂n = local · upstream = amount
  function contributionLine(step, c, position, amount) {
    var local = derivative[step.node + ":" + position];
    return partial(rootName, name(c[0])) + " += " + partial(name(step.node), name(c[0])) + " · " +
      dL(step.node) + " = " + format(local) + " · " + format(step.upstream) + amount;
  }
  function positionsOf(step) {  // the input position of each contribution, in order
    var receiving = inputsOf(step.node).filter(function (e) { return nodes[e.input].requires_grad; });
    return receiving.map(function (e) { return e.position; });
  }
  function describe(k) {
    if (k === 0) {
      return "<h3>Before the first step</h3><p>Only the output's gradient is known: " +
        escape(dL(root)) + " = 1. Each step takes one value whose gradient is complete and passes " +
        "it back to the values it was made from: <code>input.grad += local derivative × grad</code>." +
        "</p><p>" + cr.frames + " steps: press → (or ▶) to run the first.</p>";
    }
    var step = steps[k - 1], node = nodes[step.node], positions = positionsOf(step);
    var lines = step.contributions.map(function (c, i) {
      return "<li>" + escape(contributionLine(step, c, positions[i], " = " + format(c[1]))) + "</li>";
    });
    return "<h3>Step " + (k - 1) + " of " + cr.frames + ": " + escape(formula(step.node)) + "</h3>" +
      "<p class='cr-rule'>" + escape(data.rules[node.op] || "") + "</p>" +
      (lines.length ? "<ul class='cr-maths'>" + lines.join("") + "</ul>" :
        "<p>Nothing to pass on: no input of " + escape(name(step.node)) + " needs a gradient.</p>") +
      (k === cr.frames ? "<p>The pass is complete: every grad is what <code>backward()</code> gives.</p>" : "");
  }

  // --- your turn: type each amount of the next step before it is applied ------------------------------
  var attempts = {}, answered = {};
  function question(k) {
    var step = steps[k], node = nodes[step.node], positions = positionsOf(step);
    var rows = step.contributions.map(function (c, i) {
      var local = derivative[step.node + ":" + positions[i]];
      var tries = attempts[k + ":" + i] || 0, hints = [];
      if (tries >= 1) hints.push("The rule: " + (data.rules[node.op] || "") + ", so " +
        partial(name(step.node), name(c[0])) + " = " + format(local) + ".");
      if (tries >= 2) hints.push("The upstream gradient: " + dL(step.node) + " = " + format(step.upstream) + ".");
      return "<li>" + escape(partial(rootName, name(c[0])) + " += " + partial(name(step.node), name(c[0])) +
        " · " + dL(step.node) + " = ") +
        "<input type='text' inputmode='decimal' size='10' data-answer='" + i + "' aria-label='amount'> " +
        (tries >= 3 ? "<button type='button' data-reveal='" + i + "'>show</button>" : "") +
        "<span class='cr-verdict' data-verdict='" + i + "'>" + (tries ? "not quite" : "") + "</span>" +
        hints.map(function (h) { return "<div class='cr-hint'>" + escape(h) + "</div>"; }).join("") + "</li>";
    });
    var done = k > 0 ? steps[k - 1].contributions.map(function (c) {
      return escape(name(c[0]) + " += " + format(c[1]));
    }) : [];
    return (k > 0 && answered[k - 1] ? "<p class='cr-done'>Step " + (k - 1) + " applied: " + done.join(", ") +
      "</p>" : "") +
      "<h3>Your turn, step " + k + " of " + cr.frames + ": " + escape(formula(step.node)) + "</h3>" +
      (rows.length ? "<p>What does each input receive? Type the amount, then Enter.</p><ul class='cr-maths'>" +
        rows.join("") + "</ul>" : "<p>Nothing to pass on here. <button type='button' data-skip>next</button></p>");
  }
  function parse(text) {
    var cleaned = text.replace(/−/g, "-").replace(/\s+/g, "");
    return cleaned === "" || isNaN(Number(cleaned)) ? NaN : Number(cleaned);
  }
  function check(input) {
    var k = cr.frame, step = steps[k], i = Number(input.getAttribute("data-answer"));
    var amount = step.contributions[i][1], typed = parse(input.value);
    var verdict = stepPanel.querySelector("[data-verdict='" + i + "']");
    if (isNaN(typed)) { verdict.textContent = "type a number"; return; }
    if (format(typed) === format(amount) || Math.abs(typed - amount) <= tolerance(amount) * (1 + 1e-9)) {
      score.right++;
      input.disabled = true;
      input.classList.add("cr-right");
      verdict.textContent = "right: " + format(amount);
      settled(k);
    } else {
      score.wrong++;
      attempts[k + ":" + i] = (attempts[k + ":" + i] || 0) + 1;
      var values = Array.prototype.map.call(stepPanel.querySelectorAll("input"), function (x) {
        return [x.value, x.disabled];
      });
      stepPanel.innerHTML = question(k);
      stepPanel.querySelectorAll("input").forEach(function (x, j) {
        x.value = values[j][0];
        if (values[j][1]) { x.disabled = true; x.classList.add("cr-right"); }
      });
      var again = stepPanel.querySelector("[data-answer='" + i + "']");
      again.classList.add("cr-wrong");
      again.focus();
      again.select();
    }
    showScore();
  }
  function settled(k) {  // every amount of step k answered: apply it
    var open = stepPanel.querySelectorAll("input:not([disabled])");
    if (open.length) { open[0].focus(); return; }
    answered[k] = true;
    cr.next();
    var next = stepPanel.querySelector("input");
    if (next) next.focus();
  }
  function showScore() {
    scoreText.textContent = score.right + score.wrong ?
      "score: " + score.right + " right, " + score.wrong + " wrong" : "";
  }
  stepPanel.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.hasAttribute("data-answer")) check(event.target);
  });
  stepPanel.addEventListener("click", function (event) {
    var target = event.target;
    if (target.hasAttribute("data-reveal")) {
      var input = stepPanel.querySelector("[data-answer='" + target.getAttribute("data-reveal") + "']");
      input.value = format(steps[cr.frame].contributions[Number(input.getAttribute("data-answer"))][1]);
      input.disabled = true;
      target.remove();
      settled(cr.frame);
    } else if (target.hasAttribute("data-skip")) {
      cr.next();
    }
  });
  turn.addEventListener("change", function () { cr.pause(); cr.go(cr.frame); showScore(); });
  // Submits the answers for the current step; for tests and scripts: true if all were right.
  cr.answer = function (amounts) {
    if (!turn.checked) { turn.checked = true; cr.go(cr.frame); }
    var before = cr.frame;
    amounts.forEach(function (a, i) {
      var input = stepPanel.querySelector("[data-answer='" + i + "']");
      if (input && !input.disabled) { input.value = String(a); check(input); }
    });
    return cr.frame === before + 1;
  };
  cr.score = function () { return { right: score.right, wrong: score.wrong }; };

  // --- clicking a value: its op, rule, data, grad and lines of code -----------------------------------
  function showNode(id) {
    selected = id;
    var node = nodes[id], grad = gradsAt(cr.frame)[id];
    svg.querySelectorAll(".cr-selected").forEach(function (g) { g.classList.remove("cr-selected"); });
    if (element[id]) element[id].classList.add("cr-selected");
    nodePanel.innerHTML = "<h3>" + escape(name(id)) + " <small>(" + escape(node.kind) +
      (node.code ? ", <code>" + escape(node.code) + "</code> in the code" : "") + ")</small></h3>" +
      "<p>" + escape(node.op ? formula(id) : "a leaf: made by no operation") + "</p>" +
      (node.op ? "<p class='cr-rule'>" + escape(data.rules[node.op] || "") + "</p>" : "") +
      "<p>data " + escape(format(node.data)) + ", grad " + escape(format(grad)) +
      (grad === null ? " (the pass has not reached it yet)" : "") + "</p>";
    highlightCode(node.lines, "cr-sel");
  }
  function select(id) {  // a click on a value: show it, and its lines in the code
    showNode(id);
    scrollCode(nodes[id].lines);
  }
  svg.addEventListener("click", function (event) {
    var g = event.target.closest("[data-node]");
    if (g) select(Number(g.getAttribute("data-node")));
  });

  // --- the code view -----------------------------------------------------------------------------------
  var codeBox = document.getElementById("cr-code");
  var codeLines = data.code.split("\n").slice(0, -1).map(function (line, i) {
    var span = document.createElement("span");
    span.className = "cr-line";
    span.textContent = String(i + 1).padStart(4) + "  " + line + "\n";
    codeBox.appendChild(span);
    return span;
  });
  var highlighted = { "cr-hl": [], "cr-sel": [] };
  function highlightCode(lines, cls) {
    highlighted[cls].forEach(function (n) { codeLines[n - 1].classList.remove(cls); });
    highlighted[cls] = lines;
    lines.forEach(function (n) { codeLines[n - 1].classList.add(cls); });
  }
  function scrollCode(lines) {  // the code box only, never the page, so that the last line shows
    if (!lines.length) return;
    var line = codeLines[lines[lines.length - 1] - 1], top = line.offsetTop - codeBox.offsetTop;
    if (top < codeBox.scrollTop || top > codeBox.scrollTop + codeBox.clientHeight - line.offsetHeight) {
      codeBox.scrollTop = top - codeBox.clientHeight / 2;
    }
  }

  // --- zoom and pan: a CSS transform on the drawing ----------------------------------------------------
  var view = { x: 0, y: 0, scale: 1 };
  var width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  function place() {
    pan.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
  }
  function fit() {
    var w = canvas.clientWidth, h = canvas.clientHeight, margin = 24;
    view.scale = Math.min(1.5, (w - 2 * margin) / width, (h - 2 * margin) / height);
    if (view.scale < 0.6) view.scale = 0.6;  // still readable: pan (or zoom out) to see the rest
    view.x = Math.max(0, (w - width * view.scale) / 2);
    view.y = Math.max(0, (h - height * view.scale) / 2);
    place();
  }
  function zoom(factor, cx, cy) {
    var scale = Math.min(8, Math.max(0.05, view.scale * factor));
    view.x = cx - (cx - view.x) * scale / view.scale;
    view.y = cy - (cy - view.y) * scale / view.scale;
    view.scale = scale;
    place();
  }
  function keepInView(el) {  // pan as little as needed to show el whole, with a margin
    if (!el) return;
    var r = el.getBoundingClientRect(), c = canvas.getBoundingClientRect(), margin = 24;
    function shift(low, high, from, to) {
      if (high - low > to - from - 2 * margin || low < from + margin) return from + margin - low;
      return high > to - margin ? to - margin - high : 0;
    }
    var dx = shift(r.left, r.right, c.left, c.right), dy = shift(r.top, r.bottom, c.top, c.bottom);
    if (dx || dy) { view.x += dx; view.y += dy; place(); }
  }
  canvas.addEventListener("wheel", function (event) {
    event.preventDefault();
    var c = canvas.getBoundingClientRect();
    zoom(Math.exp(-event.deltaY / 400), event.clientX - c.left, event.clientY - c.top);
  }, { passive: false });
  var drag = null;
  canvas.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    place();
  });
  window.addEventListener("pointerup", function () { drag = null; });
  box.querySelector(".cr-zoom").addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-zoom");
    var w = canvas.clientWidth / 2, h = canvas.clientHeight / 2;
    if (action === "in") zoom(1.25, w, h);
    else if (action === "out") zoom(0.8, w, h);
    else if (action === "fit") fit();
  });
  cr.view = view;

  fit();
  if (height * view.scale + 48 < canvas.clientHeight) {  // a small graph: no empty band below it
    canvas.style.height = Math.max(160, Math.ceil(height * view.scale + 48)) + "px";
    fit();
  }
  keepInView(element[root]);
  cr.render(render);
})();
