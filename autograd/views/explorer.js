// The backward-pass explorer: restyles the graph Graphviz laid out, one chain-rule step per frame.
//
// Frame k shows the graph after k steps of the backward pass: the grads reached so far, and the node
// of the last step applied (step k − 1) highlighted, each arrow into it labelled with what it added
// to that input's grad.
// Every leaf can be changed (typed, dragged, ↑/↓): the page runs the graph's forward pass and local
// derivatives (data.program, written in Python from the op table's templates) and the backward pass
// as backward() does, and repaints what changed.
// Adds chainrule.grads(): node id -> the grad shown, or null where the pass has not arrived yet;
// chainrule.values(): node id -> data; chainrule.set(node, number); chainrule.reset();
// chainrule.randomize(seed); chainrule.error(); chainrule.derivatives(); chainrule.answer(amounts),
// chainrule.feedback() and chainrule.score() for "your turn" (see explorer.py).
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
      if (x >= 0 && spec.sign !== "-") text = spec.sign + text;  // "+" or " " (or "") before x ≥ 0
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
  function dL(id) { return partial(rootName, id === root ? rootName : name(id)); }
  function inputsOf(id) { return into[id] || []; }
  function localOf(id, position) { return local[id][position]; }  // ∂node/∂(its input at position)
  function formula(id) {  // "x1w1 = x1 * w1", "o = tanh(n)"
    var node = nodes[id], ins = inputsOf(id).map(function (e) { return name(e.input); });
    if (!node.op) return name(id) + " = " + format(node.data);
    var shown = ins.length > 6 ? ins.slice(0, 5).concat(["… " + (ins.length - 5) + " more"]) : ins;
    var infix = node.infix && ins.length === 2;  // "a · b"; else "σ(a)", "Σ(a, b, c)"
    var right = infix ? shown.join(" " + node.infix + " ") : node.symbol + "(" + shown.join(", ") + ")";
    return name(id) + " = " + right;
  }
  function escape(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // --- the graph's elements, found once ---------------------------------------------------------------
  var edges = data.edges;
  var local = [], into = {}, sources = [];  // by output id: local derivatives, input edges, input ids
  edges.forEach(function (e) {
    (local[e.output] = local[e.output] || [])[e.position] = e.derivative;
    (into[e.output] = into[e.output] || []).push(e);
    (sources[e.output] = sources[e.output] || [])[e.position] = e.input;
  });
  var box = document.getElementById("cr-graph"), canvas = box.querySelector(".cr-canvas");
  var svg = canvas.querySelector("svg");
  // Graphviz shifts the whole drawing with a transform on its top group; the viewBox says the same
  // shift, and a browser then paints only the part of the drawing in view (it paints all of what is
  // under a transformed group whenever any of it changes).
  var outer = svg.querySelector("g"), shift = /^scale\(1 1\) rotate\(0\) translate\(([-\d.]+) ([-\d.]+)\)$/
    .exec(outer ? outer.getAttribute("transform") || "" : "");
  if (shift) {
    var bounds = svg.viewBox.baseVal;
    svg.setAttribute("viewBox", [bounds.x - Number(shift[1]), bounds.y - Number(shift[2]), bounds.width, bounds.height].join(" "));
    outer.removeAttribute("transform");
  }
  var pan = document.createElement("div");  // moved and scaled as one layer: the drawing is not restyled
  pan.className = "cr-pan";
  canvas.insertBefore(pan, svg);
  pan.appendChild(svg);
  var element = {}, gradText = {}, dataText = {}, opElement = {}, edgeElement = {};
  svg.querySelectorAll("[data-node]").forEach(function (g) {
    var id = Number(g.getAttribute("data-node"));
    element[id] = g;
    g.querySelectorAll("text").forEach(function (t) {
      if (t.textContent.indexOf("grad ") === 0) gradText[id] = t;
      if (t.textContent.indexOf("data ") === 0) dataText[id] = t;
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
    if (broken) return nodes.map(function () { return null; });  // no pass runs past an error
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
  var shownText = [], marked = [], selected = null, drawnFrame = null;
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
        gradText[id].firstChild.data = text;  // the text node changed in place: no new node to lay out
        if (element[id]) element[id].classList.toggle("cr-unreached", grads[id] === null);
        if (editing && grads[id] !== null) flash(element[id]);
      }
      shownText[id] = text;
    }
    var asking = turn.checked && k < cr.frames;
    var step = asking ? steps[k] : (k > 0 ? steps[k - 1] : null);
    // An edit keeps the frame: the same elements stay marked, only the amounts on the arrows change.
    var same = editing && drawnFrame !== null && drawnFrame.k === k && drawnFrame.asking === asking;
    drawnFrame = { k: k, asking: asking };
    if (!same) clearMarks();
    if (step && !same) {
      var current = asking ? "cr-asking" : "cr-current";
      mark(element[step.node], current);
      mark(opElement[step.node], current);
      if (!element[step.node] && !opElement[step.node]) mark(groupBox(step.node), "cr-current");
    }
    var seen = {};
    (step ? step.contributions : []).forEach(function (c) {  // after an edit, only the amounts change
      var nth = seen[c[0]] = (seen[c[0]] || 0) + 1, g = edgeFor(step.node, c[0], nth - 1);
      if (!same) { mark(g, "cr-flow"); mark(element[c[0]], "cr-receiving"); }
      if (g) label(g, asking ? "+= ?" : "+= " + format(c[1]));
    });
    stepPanel.innerHTML = (broken ? "<p class='cr-error'>" + escape(name(broken.node) + ": " + broken.message) + "</p>" : "") +
      (asking ? question(k) : describe(k));
    if (selected !== null) showNode(selected);
    if (same) return;
    announce(k);
    highlightCode(step ? nodes[step.node].lines : [], "cr-hl");
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
    var local = localOf(step.node, position);
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
    return "<h3>Step " + k + " of " + cr.frames + ": " + escape(formula(step.node)) + "</h3>" +
      (step.node === root ? "<p>" + escape(dL(root)) + " = 1: the output's own gradient, where the pass starts.</p>" : "") +
      "<p class='cr-rule'>" + escape(data.rules[node.op] || "") + "</p>" +
      (lines.length ? "<ul class='cr-maths'>" + lines.join("") + "</ul>" :
        "<p>Nothing to pass on: no input of " + escape(name(step.node)) + " needs a gradient.</p>") +
      (k === cr.frames ? "<p>The pass is complete: every grad is what <code>backward()</code> gives.</p>" : "");
  }

  // --- your turn: type each amount of the next step before it is applied ------------------------------
  var attempts = {}, answered = {}, said = {}, feedback = [];  // said: the slip named for an answer
  function question(k) {
    var step = steps[k], node = nodes[step.node], positions = positionsOf(step);
    var rows = step.contributions.map(function (c, i) {
      var local = localOf(step.node, positions[i]);
      var tries = attempts[k + ":" + i] || 0, hints = [];
      if (tries >= 1) hints.push("The rule: " + (data.rules[node.op] || "") + ", so " +
        partial(name(step.node), name(c[0])) + " = " + format(local) + ".");
      if (tries >= 2) hints.push("The upstream gradient: " + dL(step.node) + " = " + format(step.upstream) + ".");
      return "<li>" + escape(partial(rootName, name(c[0])) + " += " + partial(name(step.node), name(c[0])) +
        " · " + dL(step.node) + " = ") +
        "<input type='text' inputmode='decimal' size='10' data-answer='" + i + "' aria-label='amount'> " +
        (tries >= 3 ? "<button type='button' data-reveal='" + i + "'>show</button>" : "") +
        "<span class='cr-verdict' data-verdict='" + i + "'>" + (tries ? "not quite" +
          (said[k + ":" + i] ? ": " + escape(said[k + ":" + i]) : "") : "") + "</span>" +
        hints.map(function (h) { return "<div class='cr-hint'>" + escape(h) + "</div>"; }).join("") + "</li>";
    });
    var done = k > 0 ? steps[k - 1].contributions.map(function (c) {
      return escape(name(c[0]) + " += " + format(c[1]));
    }) : [];
    return (k > 0 && answered[k - 1] ? "<p class='cr-done'>Step " + k + " applied: " + done.join(", ") +
      "</p>" : "") +
      "<h3>Your turn, step " + (k + 1) + " of " + cr.frames + ": " + escape(formula(step.node)) + "</h3>" +
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
      feedback.push(null);
      score.right++;
      input.disabled = true;
      input.classList.add("cr-right");
      verdict.textContent = "right: " + format(amount);
      settled(k);
    } else {
      score.wrong++;
      attempts[k + ":" + i] = (attempts[k + ":" + i] || 0) + 1;
      said[k + ":" + i] = slip(k, i, typed);
      feedback.push(said[k + ":" + i] || "not quite");
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
    if (event.key === "Enter" && event.target.hasAttribute("data-answer")) { feedback = []; check(event.target); }
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
  // chainrule.feedback() gives what the last answer was told, one entry per amount (null: right).
  cr.answer = function (amounts) {
    if (!turn.checked) { turn.checked = true; cr.go(cr.frame); }
    var before = cr.frame;
    feedback = [];
    amounts.forEach(function (a, i) {
      var input = stepPanel.querySelector("[data-answer='" + i + "']");
      if (input && !input.disabled) { input.value = String(a); check(input); }
    });
    return cr.frame === before + 1;
  };
  cr.score = function () { return { right: score.right, wrong: score.wrong }; };
  cr.feedback = function () { return feedback.slice(); };

  // --- naming the slip: autograd.diagnose (autograd/slips.py) in JavaScript, its words and the step
  // slips' amounts (written from the same templates) in data.slips -----------------------------------
  var words = data.slips, stepSlips = words.step.map(function (s) {
    return [s[0], new Function("q", "return " + s[1]), s[2]];  // s[2]: it needs q.share
  });
  function isClose(a, b, rtol, atol) { return Math.abs(a - b) <= Math.max(rtol * Math.max(Math.abs(a), Math.abs(b)), atol); }
  function cleanFactor(ratio, rtol) {  // [±n, d]: ratio as ±n or ±1/d for whole n, d up to 1000, or null
    if (!isFinite(ratio) || ratio === 0) return null;
    var f = Math.abs(ratio) >= 1 ? [Math.round(ratio), 1] : [Math.sign(ratio), Math.abs(Math.round(1 / ratio))];
    var whole = f[0] / f[1];
    if (f[1] === 0 || Math.abs(whole) > 1000 || 1 / Math.abs(whole) > 1000) return null;
    return isClose(ratio, whole, Math.max(rtol, 1e-9), 0) ? f : null;
  }
  function factorSlip(f) {
    var size = Math.abs(f[0]), sign = f[0] < 0 ? "−" : "";
    var written = "×" + sign + (f[1] === 1 ? size : f[1] === 2 ? "½" : "1/" + f[1]);
    if (size === 1 && f[1] === 1) return written + ": " + words.sign;
    var two = (size === 2 && f[1] === 1) || f[1] === 2;
    var cause = two ? words.two : words.samples.replace("{n}", f[1] === 1 ? size : f[1]);
    return written + ": " + cause + (f[0] < 0 ? words.and_sign : "");
  }
  function diagnose(mine, right, candidates, rtol, atol, bias) {
    if (!isFinite(mine)) return words.not_finite;
    for (var i = 0; i < candidates.length; i++) {
      var number = candidates[i][1];
      if (isFinite(number) && isClose(mine, number, Math.max(rtol, 1e-9), atol)) return candidates[i][0];
    }
    if (right !== 0 && !isClose(mine, right, Math.max(rtol, 1e-9), atol)) {
      var f = cleanFactor(mine / right, rtol);
      if (f && !(f[0] === 1 && f[1] === 1)) return factorSlip(f);
    }
    return bias ? words.bias : null;
  }
  cr.diagnose = diagnose;  // for the test that it agrees with Python's
  function slip(k, i, typed) {  // the slip an amount typed for input i of step k looks like, or null
    var step = steps[k], c = step.contributions[i], shares = [];
    for (var j = 0; j < k; j++) {
      steps[j].contributions.forEach(function (d) { if (d[0] === step.node) shares.push(d[1]); });
    }
    var q = { local: localOf(step.node, positionsOf(step)[i]), upstream: step.upstream,
      out: nodes[step.node].data, input: nodes[c[0]].data, share: shares.length > 1 ? shares[shares.length - 1] : null };
    var candidates = stepSlips.filter(function (s) { return q.share !== null || !s[2]; })
      .map(function (s) { return [s[0], s[1](q)]; });
    var atol = tolerance(c[1]), rtol = c[1] === 0 ? 0 : atol / Math.abs(c[1]);
    return diagnose(typed, c[1], candidates, rtol, atol, nodes[c[0]].kind === "bias");
  }

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
      "<p>data " + escape(format(node.data)) + ", " + (!node.requires_grad ? "constant: no grad" :
        "grad " + escape(format(grad)) + (id === root ? " (" + escape(dL(root)) + " = 1)" :
          grad === null ? (broken ? " (no pass: " + escape(broken.message) + ")" :
            " (the pass has not reached it yet)") : "")) + "</p>" +
      (node.op ? "" : "<p class='cr-muted'>A leaf: click it or press Enter to type a number, " +
        "drag across it, or ↑/↓.</p>");
    var card = neuronOf[id];
    if (card) nodePanel.innerHTML += neuronCard(card);
    highlightCode(node.lines, "cr-sel");
  }
  // --- the neuron card: a neuron's z, a, δ = ∂C/∂z and its parameters' gradients, numbers substituted -
  var neuronOf = {};
  (data.neurons || []).forEach(function (n) { n.members.forEach(function (id) { neuronOf[id] = n; }); });
  var SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉";
  function sub(i) { return String(i).replace(/\d/g, function (d) { return SUBSCRIPT[Number(d)]; }); }
  function neuronCard(n) {  // the final pass's gradients: they follow every change of a leaf
    var C = rootName, delta = nodes[n.z].grad, z = nodes[n.z], grey = broken !== null;
    function f(x) { return grey ? "—" : format(x); }
    var rows = [
      "z = w·x + b = " + f(z.data) + (n.a === null ? "" : ",  a = " + nodes[n.a].symbol + "(z) = " + f(nodes[n.a].data)),
      "δ = " + partial(C, "z") + " = " + f(delta),
      partial(C, "b") + " = δ = " + f(nodes[n.b].grad),
    ];
    n.w.forEach(function (w, i) {
      rows.push(partial(C, "w" + sub(i)) + " = δ · x" + sub(i) + " = " + f(delta) + " · " + f(nodes[n.x[i]].data) +
        " = " + f(nodes[w].grad));
    });
    return "<div class='cr-neuron'><h3>neuron " + escape(n.key) + "</h3><ul class='cr-maths'>" +
      rows.map(function (r) { return "<li>" + escape(r) + "</li>"; }).join("") + "</ul>" +
      "<p class='cr-muted'>x" + sub(0) + "… are " + escape(n.x.map(name).join(", ")) +
      "; the bias's gradient is δ itself, and each weight's is δ times its input.</p></div>";
  }
  function select(id) {  // a click on a value: show it, and its lines in the code
    showNode(id);
    scrollCode(nodes[id].lines);
  }
  svg.addEventListener("click", function (event) {
    var g = event.target.closest("[data-node]");
    if (g && nodes[Number(g.getAttribute("data-node"))].op) select(Number(g.getAttribute("data-node")));
    var box_ = !g && event.target.closest('[id^="group-"]');
    if (box_) {  // a neuron drawn as one box: its card
      var key = box_.id.slice("group-".length);
      var found = (data.neurons || []).filter(function (n) { return n.key === key; })[0];
      if (found) select(found.a === null ? found.z : found.a);
    }
  });

  // --- the code view -----------------------------------------------------------------------------------
  var codeBox = document.getElementById("cr-code");
  var codeLines = data.code.map(function (line, i) {  // split in Python, as compile numbers them
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

  // --- live numbers: change a leaf, run the graph forward and back again ---------------------------
  // data.program is the graph's forward pass and local derivatives as one function, written from
  // the op table's templates (see explorer.py); it calls fail(id, reason) where an op leaves its domain.
  var program = new Function("return " + data.program)();
  var order = [];  // the values made by operations, in topological order (ids are that order)
  nodes.forEach(function (n) { if (n.op) order.push(n.id); });
  var original = nodes.map(function (n) { return n.data; });
  var broken = null, editing = false, outlined = [];  // broken: {node, message, after: {id: true}} while an op fails

  // Python's repr of a float (2.0, -1e-05, 1e+16), so that a message reads as Python writes it.
  function pyFloat(x) {
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    var parts = x.toExponential().split("e"), exponent = Number(parts[1]);
    if (exponent < -4 || exponent >= 16) {
      return parts[0] + "e" + (exponent < 0 ? "-" : "+") + String(Math.abs(exponent)).padStart(2, "0");
    }
    var text = String(x);
    return /[.e]/.test(text) ? text : text + ".0";
  }
  function pyValue(id) {  // Value(data=-1.0, grad=0.0, label='x'), as an error message quotes it
    var label = nodes[id].label;
    return "Value(data=" + pyFloat(nodes[id].data) + ", grad=0.0" +
      (label ? ", label='" + label.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'" : "") + ")";
  }
  var requires = nodes.map(function (n) { return n.requires_grad; });
  // Runs the graph on the current leaves: every data, local derivative, step and grad of the pass.
  function compute() {
    var failed = null;
    var result = program(nodes.map(function (n) { return n.data; }), function (id, reason) {
      if (failed === null) failed = { id: id, reason: reason };
    });
    var v = result[0];
    local = result[1];
    broken = null;
    for (var k = 0; k < order.length; k++) {
      var id = order[k], ins = sources[id];
      nodes[id].data = v[id];
      if (failed !== null && failed.id === id) {  // the message Python raises, operands as Values
        broken = { node: id, after: {}, message: nodes[id].op + "(" + ins.map(pyValue).join(", ") + "): " + failed.reason };
      }
      if (broken) {
        var after = id === broken.node;
        for (var i = 0; i < ins.length && !after; i++) after = broken.after[ins[i]] === true;
        if (after) broken.after[id] = true;
      }
    }
    if (!broken) backward();
    cached = { frame: 0, grads: initial() };
  }
  function backward() {  // as backward() does: last value first, input.grad += local · grad
    var grads = new Array(nodes.length).fill(0);
    grads[root] = 1;
    for (var k = order.length - 1, s = 0; k >= 0; k--, s++) {
      var id = order[k], upstream = grads[id], ins = sources[id], d = local[id], contributions = [];
      for (var i = 0; i < ins.length; i++) {
        if (!requires[ins[i]]) continue;
        var amount = d[i] * upstream;
        grads[ins[i]] += amount;
        contributions.push([ins[i], amount]);
      }
      steps[s] = { node: id, upstream: upstream, contributions: contributions };
    }
    for (var j = 0; j < nodes.length; j++) nodes[j].grad = grads[j];
  }
  // What changed is lit until 0.6 s after the last change: one class per element, one timer for all.
  var flashing = [], flashTimer = null;
  function flash(el) {
    if (!el || el.classList.contains("cr-flash")) return;
    el.classList.add("cr-flash");
    flashing.push(el);
    clearTimeout(flashTimer);
    flashTimer = setTimeout(unflash, 600);
  }
  function unflash() {
    flashing.forEach(function (el) { el.classList.remove("cr-flash"); });
    flashing = [];
  }
  var shownData = nodes.map(function (n) { return "data " + format(n.data); });
  function repaint() {  // the data that changed, the greyed values, then the frame as it is now
    for (var id = 0; id < nodes.length; id++) {
      var grey = broken !== null && broken.after[id] === true;
      var text = grey ? "data —" : "data " + format(nodes[id].data);
      if (text !== shownData[id] && dataText[id]) {
        dataText[id].firstChild.data = text;
        if (!grey) flash(element[id]);
      }
      shownData[id] = text;
      if (element[id]) element[id].classList.toggle("cr-grey", grey);  // as it is: no change, no repaint
      if (opElement[id]) opElement[id].classList.toggle("cr-grey", grey);
    }
    errorText.textContent = broken ? name(broken.node) + ": " + broken.message : "";
    outline(false);
    outlined = broken ? [element[broken.node], opElement[broken.node]].filter(Boolean) : [];
    outline(true);
    if (!literalsDue) { literalsDue = true; setTimeout(rewriteLiterals, 0); }  // the graph paints first
    editing = true;
    cr.go(cr.frame);
    editing = false;
  }
  // Where an op failed, its value and operation: outlined, with the message as their tooltip (the SVG
  // title, which says the id Graphviz gave them otherwise).
  function outline(on) {
    outlined.forEach(function (g) {
      g.classList.toggle("cr-broken", on);
      g.querySelector("title").textContent = on ? errorText.textContent : g.id;
    });
  }
  // A constant is written into the code as a number (v5 = v4 * 2.0): its lines say its new one.
  var users = {}, literal = {};
  edges.forEach(function (e) { (users[e.input] = users[e.input] || []).push(e.output); });
  function pyLiteral(x) { var text = pyFloat(x); return x < 0 || Object.is(x, -0) ? "(" + text + ")" : text; }
  nodes.forEach(function (n) { if (!n.op && !n.requires_grad) literal[n.id] = pyLiteral(n.data); });
  function literalPattern(text) {  // the number alone, not inside another (0.0 in 10.0, v10.0)
    return new RegExp("(?<![\\w.])" + text.replace(/[.()+\-]/g, "\\$&") + "(?![\\w.])", "g");
  }
  var literalsDue = false;
  function rewriteLiterals() {
    literalsDue = false;
    Object.keys(literal).forEach(function (id) {
      var now = pyLiteral(nodes[id].data), before = literal[id], pattern = literalPattern(before), spans = [];
      if (now === before) return;
      (users[id] || []).forEach(function (user) {
        nodes[user].lines.forEach(function (number) { spans.push(codeLines[number - 1]); });
      });
      spans.forEach(function (span) {
        span.textContent = span.textContent.replace(pattern, now);
        if (spans.length <= 20) flash(span);  // a few lines flash; many would only flicker
      });
      literal[id] = now;
    });
  }
  var errorText = document.getElementById("cr-error"), seedText = document.getElementById("cr-seed");
  function find(key) {  // a node by id, name, label or variable in the code
    if (typeof key === "number" && nodes[key]) return key;
    var found = nodes.filter(function (n) { return n.name === key || n.label === key || n.code === key; });
    if (found.length !== 1) {
      throw new Error("chainrule.set: " + (found.length ? found.length + " values are called " : "no value ") +
        JSON.stringify(key));
    }
    return found[0].id;
  }
  function setLeaves(changes) {  // changes: [[id, number], ...]; repaints once
    changes.forEach(function (c) { nodes[c[0]].data = c[1]; });
    compute();
    repaint();  // the frame again, and the clicked value's panel
  }
  cr.set = function (key, number) {
    var id = find(key), x = Number(number);
    if (nodes[id].op) throw new Error("chainrule.set: " + name(id) + " is made by " + nodes[id].op + ", not a leaf");
    if (typeof number === "boolean" || !isFinite(x)) throw new Error("chainrule.set: the number for " + name(id) + " must be finite, got " + number);
    setLeaves([[id, x]]);
    return broken === null;
  };
  cr.values = function () {
    var values = {};
    nodes.forEach(function (n, id) { values[id] = broken && broken.after[id] ? null : n.data; });
    return values;
  };
  cr.error = function () { return broken ? broken.message : null; };
  cr.derivatives = function () {  // [output id, position, ∂output/∂input] for every edge, as now
    return edges.map(function (e) { return [e.output, e.position, local[e.output][e.position]]; });
  };
  cr.reset = function () {
    setLeaves(nodes.filter(function (n) { return !n.op; }).map(function (n) { return [n.id, original[n.id]]; }));
    seedText.textContent = "";
  };
  // New numbers from a seed: the 32-bit generator mulberry32, as Explorer.randomize draws them in Python.
  function draws(seed) {
    var state = seed >>> 0;
    return function () {
      state = (state + 0x6D2B79F5) >>> 0;
      var t = Math.imul(state ^ (state >>> 15), state | 1) >>> 0;
      t = (t ^ ((t + (Math.imul(t ^ (t >>> 7), t | 61) >>> 0)) >>> 0)) >>> 0;
      return (((t ^ (t >>> 14)) >>> 0) % 41 - 20) / 10;
    };
  }
  cr.randomize = function (seed) {
    var next = draws(seed);
    for (var attempt = 0; attempt < 100; attempt++) {
      setLeaves(data.random.map(function (id) { return [id, next()]; }));
      if (!broken) break;
    }
    seedText.textContent = "seed " + seed;
    return broken === null;
  };
  document.getElementById("cr-reset").addEventListener("click", function () { cr.reset(); });
  document.getElementById("cr-new").addEventListener("click", function () {
    var seed = Math.floor(Math.random() * 1000000);
    cr.randomize(seed);
    try { history.replaceState(null, "", "#seed=" + seed); } catch (e) { /* a sandboxed frame */ }
  });

  // --- editing a leaf in the graph: type, drag, or ↑/↓ ---------------------------------------------------
  var editor = document.createElement("input");
  editor.className = "cr-editor";
  editor.setAttribute("inputmode", "decimal");
  editor.setAttribute("aria-label", "new number");
  editor.hidden = true;
  box.appendChild(editor);
  var editingId = null;
  function isLeaf(id) { return id !== null && !nodes[id].op && element[id] !== undefined; }
  function openEditor(id) {
    keepInView(element[id]);
    var r = element[id].getBoundingClientRect(), b = box.getBoundingClientRect();
    editingId = id;
    editor.hidden = false;
    editor.style.left = (r.left - b.left) + "px";
    editor.style.top = (r.top - b.top) + "px";
    editor.style.width = Math.max(80, r.width) + "px";
    editor.value = String(nodes[id].data);
    editor.setAttribute("aria-label", "new number for " + name(id));
    editor.focus();
    editor.select();
  }
  function closeEditor(apply) {
    if (editingId === null) return;
    var id = editingId, typed = parse(editor.value);
    editingId = null;
    editor.hidden = true;
    if (apply && isFinite(typed)) setLeaves([[id, typed]]);
    element[id].focus();
  }
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter") closeEditor(true);
    else if (event.key === "Escape") closeEditor(false);
  });
  editor.addEventListener("blur", function () { closeEditor(true); });
  nodes.forEach(function (n) {  // every value (and neuron box) is reached by Tab; Enter is a click on it
    var g = element[n.id];
    if (!g) return;
    focusable(g).setAttribute("aria-label", name(n.id) + " (" + n.kind + "): press Enter " + (n.op ? "to show it" : "to change its number, or ↑/↓"));
    if (!n.op) g.classList.add("cr-leaf");
  });
  svg.querySelectorAll('[id^="group-"]').forEach(focusable);
  function focusable(g) { g.setAttribute("tabindex", "0"); g.setAttribute("role", "button"); return g; }
  svg.addEventListener("focusin", function (event) { keepInView(event.target); });
  svg.addEventListener("keydown", function (event) {
    var g = event.target.closest && event.target.closest("[data-node]"), id = g ? Number(g.getAttribute("data-node")) : null;
    var step = event.shiftKey ? 0.01 : 0.1;
    if (event.key === "Enter") {  // a leaf's editor opens; anything else does what a click does
      event.preventDefault();
      if (isLeaf(id)) { select(id); openEditor(id); } else event.target.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    }
    else if (isLeaf(id) && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      setLeaves([[id, round(nodes[id].data + (event.key === "ArrowUp" ? step : -step), step)]]);
    }
  });
  function round(x, step) { return Number((Math.round(x / step) * step).toFixed(6)); }
  var scrub = null, pendingScrub = null;
  svg.addEventListener("pointerdown", function (event) {
    var g = event.target.closest("[data-node]"), id = g ? Number(g.getAttribute("data-node")) : null;
    if (!isLeaf(id)) return;
    event.stopPropagation();  // a drag over a leaf changes it; anywhere else it pans
    if (g.setPointerCapture) g.setPointerCapture(event.pointerId);  // its moves come here: no hit tests
    scrub = { id: id, x: event.clientX, start: nodes[id].data, moved: false };
  });
  window.addEventListener("pointermove", function (event) {
    if (!scrub) return;
    var dx = event.clientX - scrub.x;
    if (!scrub.moved && Math.abs(dx) < 4) return;
    scrub.moved = true;
    var step = event.shiftKey ? 0.001 : 0.01;
    var value = round(scrub.start + dx * step, step);
    if (pendingScrub === null) requestAnimationFrame(function () { setLeaves([pendingScrub]); pendingScrub = null; });
    pendingScrub = [scrub.id, value];
  });
  window.addEventListener("pointerup", function () {
    if (scrub && !scrub.moved) { var id = scrub.id; scrub = null; select(id); openEditor(id); return; }
    scrub = null;
  });
  // --- printing: grads left empty to fill in, the answer key with the numbers as they are now --------
  Object.keys(gradText).forEach(function (id) { gradText[id].classList.add("cr-gradtext"); });
  var key = document.getElementById("cr-key");
  window.addEventListener("beforeprint", function () {
    var rows = nodes.map(function (n) {
      return "<tr><td>" + escape(name(n.id)) + "</td><td>" + format(n.data) + "</td><td>" +
        (n.requires_grad ? (broken ? "—" : format(n.grad)) : "constant: no grad") + "</td></tr>";
    });
    var list = broken ? [] : steps.map(function (s) {
      return "<li>" + escape(name(s.node)) + ": " + s.contributions.map(function (c) {
        return escape(name(c[0])) + " += " + format(c[1]);
      }).join(", ") + "</li>";
    });
    key.innerHTML = "<h2>Answer key</h2><table><tr><th>value</th><th>data</th><th>grad</th></tr>" +
      rows.join("") + "</table><h3>The steps</h3><ol>" + list.join("") + "</ol>";
  });
  var announcer = document.getElementById("cr-announce");
  function announce(k) {  // one sentence for screen readers: the step and what each input receives
    if (k === 0) { announcer.textContent = "Before the first step: " + dL(root) + " = 1."; return; }
    var step = steps[k - 1];
    announcer.textContent = "Step " + k + " of " + cr.frames + ": " + formula(step.node) + "; " +
      step.contributions.map(function (c) { return name(c[0]) + " receives " + format(c[1]); }).join(", ") + ".";
  }

  // --- zoom and pan: a CSS transform on the drawing ----------------------------------------------------
  var view = { x: 0, y: 0, scale: 1 };
  var width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  function place() {
    pan.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
  }
  // The scale at which Graphviz's 11-point text is 9 px high.
  var READABLE = 9 / 11;
  function fit(readable) {  // the whole graph; with `readable`, never smaller than 9 px text
    var w = canvas.clientWidth, h = canvas.clientHeight, margin = 24;
    view.scale = Math.min(1.5, (w - 2 * margin) / width, (h - 2 * margin) / height);
    if (readable && view.scale < READABLE) view.scale = READABLE;  // the current step's neighbourhood
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

  function firstView() {
    fit(true);
    if (height * view.scale + 48 < canvas.clientHeight) {  // a small graph: no empty band below it
      canvas.style.height = Math.max(160, Math.ceil(height * view.scale + 48)) + "px";
      fit(true);
    }
    keepInView(element[root]);
  }
  if (canvas.clientWidth && canvas.clientHeight) firstView();
  else if (window.ResizeObserver) {  // not laid out yet (a notebook output still being placed)
    var sized = new ResizeObserver(function () {
      if (!canvas.clientWidth || !canvas.clientHeight) return;
      sized.disconnect();
      firstView();
    });
    sized.observe(canvas);
  }
  function fromAddress() {  // explorer.html#seed=17: the exercise a teacher shared
    var hashed = /(?:^#|&)seed=(\d+)/.exec(location.hash);
    if (hashed) cr.randomize(Number(hashed[1]));
  }
  fromAddress();
  window.addEventListener("hashchange", fromAddress);
  cr.render(render);
})();
