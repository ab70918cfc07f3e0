"""The backward-pass explorer: one HTML page to step through backprop, node by node, in any browser.

``autograd.explore(loss).save("explorer.html")`` writes a page with the graph (laid out once by
Graphviz, as ``draw_dot`` draws it), a timeline over the chain-rule steps of ``backward_steps``, a
panel that says each step in words and maths with the op's rule, the backward pass as code
(``autograd.compile``'s source for this graph) with the lines of the step highlighted, and a "your
turn" mode in which the learner types each step's amounts before they are revealed. In a notebook,
``autograd.explore(loss)`` shows the page inline.

Every leaf can be changed in the page (click or Enter and type, drag across it, ↑/↓): the page runs
the graph forward and back again with its own code and repaints; ``Explorer.set({leaf: number})``
does the same in Python, and ``randomize(seed)`` draws fresh numbers as the page's "New numbers"
button does (``explorer.html#seed=17`` opens with them).

The page carries its numbers as JSON (see ``autograd.pages``)::

    nodes  [{id, label, name, code, kind, op, symbol, infix, data, grad, requires_grad, lines, group}]
           id: place in topological_order; grad: after the whole pass; code: the node's variable in
           the code (v7); lines: its lines in the code
    edges  [{input, output, position, derivative}]  ∂output/∂input, for output.inputs[position]
    steps  [{node, upstream, contributions: [[input id, amount], ...]}]  as backward_steps gives them
    code   the lines of compile's code for the graph;  program  its forward pass and local derivatives
           as JavaScript;  random  the leaves "New numbers" draws
    neurons  [{key, z, a, b, w, x, members}]  each nn neuron, for the neuron card
    slips  autograd.slips' words and step slips, to name a wrong amount in *your turn*

and ``window.chainrule`` adds ``grads()`` (node id → the grad shown, ``null`` before the pass
reaches it), ``values()`` (node id → data), ``set(node, number)`` (node: id, name or label),
``reset()``, ``randomize(seed)``, ``error()`` (the message of an op out of its domain, or null),
``derivatives()`` (every edge's local derivative now), ``answer([amounts])`` (your turn: submit the
next step's amounts; true if all right), ``feedback()`` (what the last answer was told: the slip it
looks like, one per amount, null where right) and ``score()`` to the shell's timeline. Every value's
SVG group carries ``data-node="<id>"``. Clicking a value inside an ``nn`` neuron opens its card (z,
a, δ = ∂C/∂z, ∂C/∂b = δ, each ∂C/∂wᵢ = δ·xᵢ with the numbers). Printing the page, or
``Explorer.worksheet()``, gives a handout: the graph with empty grad boxes, then an answer key.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from .. import OPS, Step, Value, backward_steps, topological_order
from ..compiler import JAVASCRIPT, Code, code_for, javascript_expression, node_code
from ..pages import Page, svg_image
from ..pages.shell import compact_drawing
from ..slips import MESSAGES, STEP_SLIPS
from ..value import apply, is_number
from .draw import draw_dot, groups
from .text import name_table, node_kind, node_name, number, op_symbol

MAX_VALUES = 2000
"""Graphs with more values than this are drawn one box per neuron (or layer) unless asked otherwise."""


def rule(op: str) -> str:
    """The rule of operation ``op`` as the page states it: ``∂tanh(x)/∂x = 1 − tanh²(x): one minus …``."""
    return f"{OPS[op].rule}: {OPS[op].words}" if OPS[op].words else OPS[op].rule


_FORMAT = re.compile(r"(?P<sign>[+ -]?)(?:\.(?P<digits>\d+))?(?P<type>[eEfFgG%]?)")

MAX_EDGES = 3000
"""Graphs with more edges than this are drawn one box per neuron too: layout time grows with edges."""

RANDOM_TRIES = 100
"""How many draws ``Explorer.randomize`` makes before giving up on numbers every op accepts."""


class Explorer(Page):
    """The backward-pass explorer of one graph: ``to_html()``, ``save(path)``, inline in notebooks.

    Made by ``autograd.explore(root)``, which runs the backward pass on its own copy of the graph
    (``copy.deepcopy``): the page holds every step, and root's Values are only read, never written,
    so every ``.data`` and ``.grad`` stays as it was, even while another thread trains them.
    ``set({leaf: number})`` and ``randomize(seed)`` give the explorer of the same graph with other
    numbers at its leaves: this explorer's numbers, with the changes.
    """

    title = "chainrule · backward pass"
    assets = ("explorer.css", "explorer.js")
    height = 880

    def __init__(
        self,
        root: Value,
        *,
        rankdir: str = "LR",
        format_spec: str = ".4f",
        show_local_derivatives: bool = False,
        color_by_grad: bool = False,
        names: Any = None,
        legend: bool = True,
        group: str | None = None,
        max_nodes: int | None = MAX_VALUES,
        leaf_data: Mapping[Value, float] | None = None,
    ) -> None:
        match = _check(root, format_spec, max_nodes)
        self.root, self._table = root, name_table(names)
        self._options = dict(rankdir=rankdir, format_spec=format_spec, names=names, legend=legend)
        self._options.update(show_local_derivatives=show_local_derivatives, color_by_grad=color_by_grad)
        self._options.update(group=group, max_nodes=max_nodes)
        self._order = topological_order(root)
        self._index = {value: i for i, value in enumerate(self._order)}
        self.values = len(self._order)
        # Everything below is computed on the explorer's own copy of the graph (``order``), node for
        # node the same as root's: root's Values are only read, so a model may go on training meanwhile.
        order = _own_copy(root, self._order, {self._index[v]: x for v, x in (leaf_data or {}).items()})
        own, index = order[-1], {value: i for i, value in enumerate(order)}
        table = {order[self._index[v]]: name for v, name in self._table.items() if v in self._index}
        self._leaf_data = {self._order[i]: v.data for i, v in enumerate(order) if v.is_leaf}
        group, cut, note = _layout(order, group, max_nodes)
        code = code_for(own)  # a constant is written in as a number: the number as it is now
        code_names, code_lines = _code_links(code, index)
        # a value with no name is drawn with its variable in the code (v6), as the step panel says
        unnamed = {v: code_names[i] for i, v in enumerate(order) if i in code_names}
        steps = list(backward_steps(own))
        names = {**unnamed, **{v: node_name(v, table) for v in order if node_name(v, table)}}
        svg = _draw(own, {**self._options, "names": names, "group": group, "max_nodes": cut})
        group_of = groups(order, group) if group is not None else {}
        nodes = [
            _node(i, v, table, code_names.get(i), code_lines.get(i, []), group_of.get(v))
            for i, v in enumerate(order)
        ]
        edges = _edges(order, index)
        self._data: dict[str, Any] = {
            "frames": len(steps),
            "root": index[own],
            "format": {"sign": match["sign"], "digits": match["digits"], "type": match["type"]},
            "nodes": nodes,
            "edges": edges,
            "steps": [_step(step, index) for step in steps],
            "rules": {op: rule(op) for op in sorted({v.op for v in order if v.op})},
            "code": code.source.split("\n")[:-1],  # the lines as compile numbers them
            "random": [i for i, v in enumerate(order) if _redrawn(v)],
            "neurons": _neurons(order, index),
            "slips": _slips(),
            "program": _program(order),
            "note": note,
            "grouped": group is not None,
        }
        self.svg = compact_drawing(_mark(svg))

    def data(self) -> dict[str, Any]:
        return self._data

    def body(self) -> str:
        note = self._data["note"]
        return (
            paper(self.svg)
            + '<main class="cr-explorer">'
            + (f'<p class="cr-note">{html.escape(note)}</p>' if note else "")
            + '<div class="cr-graph" id="cr-graph">'
            '<div class="cr-zoom cr-live"><button type="button" data-zoom="in" title="zoom in">+</button>'
            '<button type="button" data-zoom="out" title="zoom out">−</button>'
            '<button type="button" data-zoom="fit" title="fit the whole graph">fit</button></div>'
            f'<div class="cr-canvas">{self.svg}</div></div>'
            '<p class="cr-static">The graph after the whole backward pass: every grad as backward() '
            "leaves it. Open the page where scripts run to step through it.</p>"
            '<div class="cr-edit cr-live"><span class="cr-hint-edit">Change a leaf: click it (or Tab to it, '
            "Enter) and type, drag across it (Shift: finer), or ↑/↓.</span> "
            '<button type="button" id="cr-reset">Reset numbers</button> '
            '<button type="button" id="cr-new" title="fresh numbers at the leaves; the seed goes in the '
            'address (#seed=…)">New numbers</button> <span id="cr-seed"></span>'
            '<span id="cr-error" class="cr-error" role="alert"></span></div>'
            '<div id="cr-announce" class="cr-sr cr-live" aria-live="polite"></div>'
            '<div class="cr-panels cr-live">'
            '<section class="cr-side"><div class="cr-mode"><label><input type="checkbox" id="cr-turn"> '
            'Your turn: type each amount before it is shown</label> <span id="cr-score"></span></div>'
            '<div id="cr-step" class="cr-step"></div>'
            '<div id="cr-node" class="cr-node"></div></section>'
            '<section class="cr-codebox"><div class="cr-codetitle">the backward pass as code '
            "(autograd.compile)</div>"
            '<pre id="cr-code" class="cr-code"></pre></section>'
            "</div>"
            f'<section class="cr-key" id="cr-key">{answer_key(self._data)}</section></main>'
        )

    def fallback(self) -> str:
        return (
            svg_image(self.svg, "the graph after the whole backward pass")
            + '<p style="font-size:12px;color:#666">The graph after the whole backward pass '
            "(the interactive explorer needs scripts: a trusted notebook, or the page from save()).</p>"
        )

    def __repr__(self) -> str:
        steps = self._data["frames"]
        return f"<Explorer: {self.values} values, {steps} steps>"

    def worksheet(self) -> Worksheet:
        """A handout of this graph to print (``worksheet().save("sheet.html")``, then the browser's
        Print): the whole graph at the paper's width with every data filled in and every grad box
        empty, then an answer key with every grad and each step's amounts. The explorer page itself
        prints the same way."""
        return Worksheet(self)

    def set(self, changes: Mapping[Value | str, float]) -> Explorer:
        """The explorer of the same graph with other numbers at some leaves; this one is unchanged.

        ``changes`` maps a leaf (the Value, its label, or its name in ``names``) to a number. Every
        value is computed again from the leaves, forward through each op's rule and back as
        ``backward()`` goes; the graph's own Values keep their ``.data`` and ``.grad``. A key that is
        not a leaf of this graph, or a number that is not finite, is refused with a message naming
        it; numbers outside an op's domain raise the error the op raises (``log(Value(…))``: …).

        >>> from autograd import Value
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> y = x * w
        >>> explore(y).set({"w": 0.5}).data()["nodes"][0]["grad"], w.data
        (0.5, -3.0)
        """
        if not isinstance(changes, Mapping):
            raise TypeError(f"Explorer.set: changes must map leaves to numbers, got {type(changes).__name__}")
        leaf_data = dict(self._leaf_data)
        for key, number_ in changes.items():
            leaf_data[self._leaf(key)] = _finite(number_, key)
        return Explorer(self.root, **self._options, leaf_data=leaf_data)

    def randomize(self, seed: int) -> Explorer:
        """The explorer of the same graph with fresh numbers, drawn from ``seed``: an exercise.

        Each leaf that needs a gradient or has a label (inputs, weights, biases, targets; not the
        literal numbers of the code, such as the 2 of ``x ** 2``) gets a number from −2.0 to 2.0 in
        steps of 0.1, drawn from ``seed`` as the page draws them for ``explorer.html#seed=17``.
        Draws that take an op outside its domain are skipped for the next ones.
        """
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"Explorer.randomize: seed must be a whole number, got {seed!r}")
        drawn = [self._order[i] for i in self._data["random"]]
        stream = draws(seed)
        for _ in range(RANDOM_TRIES):
            changes: dict[Value | str, float] = {v: next(stream) for v in drawn}
            try:
                return self.set(changes)
            except (ArithmeticError, ValueError):
                continue
        raise ValueError(f"Explorer.randomize: {RANDOM_TRIES} draws from seed {seed} all left an op's domain")

    def _leaf(self, key: Value | str) -> Value:
        """The leaf ``key`` names: the Value itself, or the one leaf with that name or label."""
        if isinstance(key, Value):
            found = [key] if key in self._index else []
        elif isinstance(key, str):
            found = [v for v in self._order if key in (v.label, node_name(v, self._table))]
        else:
            raise TypeError(
                f"Explorer.set: a key must be a Value or a name, got {type(key).__name__}: {key!r}"
            )
        if len(found) != 1:
            many = f"{len(found)} values are called {key!r}" if found else f"{key!r} is not in this graph"
            raise ValueError(f"Explorer.set: {many}; give a leaf of this graph (its Value, label or name)")
        if not found[0].is_leaf:
            raise ValueError(
                f"Explorer.set: {key!r} is made by {found[0].op}, not a leaf: change the leaves it comes from"
            )
        return found[0]


class Worksheet(Page):
    """The printable handout of an explorer: the graph with empty grad boxes, then the answer key."""

    title = "chainrule · worksheet"
    assets = ("explorer.css",)

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer

    def data(self) -> dict[str, Any]:
        return {"frames": 0}

    def body(self) -> str:
        data, svg = self.explorer.data(), self.explorer.svg
        # the boxes to fill in: a line about as wide as the number was
        blank = re.sub(
            r">grad ([^<]*)</text>",
            lambda m: f">grad {'_' * max(4, len(html.unescape(m[1])) - 1)}</text>",
            svg,
        )
        return (
            paper(svg) + '<main class="cr-explorer cr-worksheet"><h2>Backpropagation by hand</h2>'
            "<p>Fill in every grad, the output's first (it is 1), then each value's from the values "
            "made from it: <code>input.grad += local derivative × grad</code>.</p>"
            f'<div class="cr-graph"><div class="cr-canvas">{blank}</div></div>'
            f'<section class="cr-key">{answer_key(data)}</section></main>'
        )

    def fallback(self) -> str:
        return self.body()


def paper(svg: str) -> str:
    """The paper a drawing prints on, as a style: landscape where the graph is wider (by 30%) than
    tall, so that scaled to the paper's width it is drawn as large as it can be."""
    size = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', svg)
    wide = size is not None and float(size[1]) > 1.3 * float(size[2])
    return f"<style>@page {{ size: {'landscape' if wide else 'portrait'}; }}</style>"


def answer_key(data: dict[str, Any]) -> str:
    """The answer key of an explorer's data: every value's data and grad, then each step's amounts."""

    def name(node: dict[str, Any]) -> str:
        return node["name"] or node["code"] or f"#{node['id']}"

    form = data["format"]
    spec = "{:" + (form["sign"] or "") + (f".{form['digits']}" if form["digits"] else "") + form["type"] + "}"
    nodes = data["nodes"]
    rows = "".join(
        f"<tr><td>{html.escape(name(n))}</td><td>{spec.format(n['data'])}</td>"
        f"<td>{spec.format(n['grad']) if n['requires_grad'] else 'constant: no grad'}</td></tr>"
        for n in nodes
    )
    steps = "".join(
        f"<li>{html.escape(name(nodes[s['node']]))}: "
        + ", ".join(f"{html.escape(name(nodes[i]))} += {spec.format(x)}" for i, x in s["contributions"])
        + "</li>"
        for s in data["steps"]
    )
    return (
        "<h2>Answer key</h2><table><tr><th>value</th><th>data</th><th>grad</th></tr>"
        f"{rows}</table><h3>The steps</h3><ol>{steps}</ol>"
    )


def explore(root: Value, **options: Any) -> Explorer:
    """The backward-pass explorer of ``root``'s graph: an HTML page to step through the chain rule.

    ``options`` are ``draw_dot``'s (``rankdir``, ``format_spec``, ``show_local_derivatives``,
    ``color_by_grad``, ``names``, ``legend``, ``group``) and ``max_nodes``: graphs with more values
    than this (2,000) are drawn one box per neuron; ``max_nodes=None`` draws every value.
    (``color_by_grad`` fills each value by its grad after the whole pass, from the first frame.)
    ``root.backward()`` need not have been called, and no ``.grad`` is changed.

    >>> from autograd import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> page = explore((x * w).tanh())  # page.save("explorer.html"), or show it in a notebook
    >>> page, x.grad
    (<Explorer: 4 values, 2 steps>, 0.0)
    """
    return Explorer(root, **options)


def _draw(root: Value, options: dict[str, Any]) -> str:
    """``draw_dot(root, **options)`` as SVG, without its warning of a cut (the page's note says it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return draw_dot(root, **options).pipe(format="svg", encoding="utf-8")


def _check(root: Value, format_spec: str, max_nodes: int | None) -> re.Match[str]:
    """Refuse what ``explore`` cannot show, naming the argument; the parts of ``format_spec``."""
    if not isinstance(root, Value):
        raise TypeError(f"explore: root must be a Value, got {type(root).__name__}: {root!r}")
    if not root.requires_grad:
        raise ValueError(
            f"explore: root {root!r} does not require grad: it was made from constants only, or "
            "inside no_grad(), so there is no backward pass to step through"
        )
    match = _FORMAT.fullmatch(format_spec) if isinstance(format_spec, str) else None
    if match is None:
        raise ValueError(
            f"explore: format_spec must be a precision and a type such as '.4f', '.3g' or '.2e', "
            f"got {format_spec!r}"
        )
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"explore: max_nodes must be a positive whole number or None, got {max_nodes!r}")
    return match


def _layout(
    order: list[Value], group: str | None, max_nodes: int | None
) -> tuple[str | None, int | None, str | None]:
    """How to draw a graph: the grouping, the most values to draw (``None``: all), and a note saying why.

    A graph with more values than ``max_nodes``, or more edges than ``MAX_EDGES``, is drawn one box
    per neuron; where no neuron is found (a graph not built from ``nn`` modules), only the
    ``max_nodes`` values nearest the output are drawn, as ``draw_dot`` does.
    """
    edges = sum(len(value.inputs) for value in order)
    if group is not None or max_nodes is None or (len(order) <= max_nodes and edges <= MAX_EDGES):
        return group, None, None
    if groups(order, "neuron"):
        return (
            "neuron",
            None,
            (
                f"This graph has {len(order)} values and {edges} edges, more than are drawn whole: each "
                "neuron of the network is one box, highlighted while a step inside it runs. "
                "autograd.explore(root, max_nodes=None) draws every value."
            ),
        )
    return (
        None,
        max_nodes,
        (
            f"This graph has {len(order)} values: the {max_nodes} nearest the output are drawn, and steps "
            "further back are shown in the panel only. autograd.explore(root, max_nodes=None) draws "
            "every value."
        ),
    )


def _own_copy(root: Value, order: list[Value], leaf_data: Mapping[int, float]) -> list[Value]:
    """A copy of ``root``'s graph (``copy.deepcopy``), its values in ``order``'s order, made ready for
    the explorer's pass: every grad 0 and, if ``leaf_data`` gives numbers (by place in ``order``),
    those at the leaves and every value computed again from them, forward through each op's rule
    (``apply``, which raises as building the graph would). ``root``'s own Values are only read."""
    memo: dict[int, Any] = {}
    copy.deepcopy(root, memo)  # memo: each original's id → its copy
    graph: list[Value] = [memo[id(value)] for value in order]
    for i, value in enumerate(graph):
        value.grad = 0.0
        if i in leaf_data:
            value.data = leaf_data[i]
        elif leaf_data and not value.is_leaf:
            value.data = apply(OPS[value.op], value.inputs).data
    return graph


def _node(
    i: int, value: Value, table: Mapping[Value, str], code: str | None, lines: list[int], group: str | None
) -> dict[str, Any]:
    """One value as the page holds it (see the module's notes)."""
    return {
        "id": i,
        "label": value.label,
        "name": node_name(value, table),
        "code": code,
        "kind": node_kind(value),
        "op": value.op or None,
        "symbol": op_symbol(value),
        "infix": OPS[value.op].infix if value.op else "",
        "data": value.data,
        "grad": number(value.grad),
        "requires_grad": value.requires_grad,
        "lines": lines,
        "group": group,
    }


def _edges(order: list[Value], index: dict[Value, int]) -> list[dict[str, Any]]:
    """Every arrow into an operation, with ∂output/∂input at the data as it is."""
    return [
        {"input": index[x], "output": i, "position": position, "derivative": number(derivative)}
        for i, value in enumerate(order)
        if not value.is_leaf
        for position, (x, derivative) in enumerate(zip(value.inputs, value.local_derivatives))
    ]


def _step(step: Step, index: dict[Value, int]) -> dict[str, Any]:
    return {
        "node": index[step.node],
        "upstream": number(step.upstream),
        "contributions": [[index[x], number(amount)] for x, amount in step.contributions],
    }


def _neurons(order: list[Value], index: dict[Value, int]) -> list[dict[str, Any]]:
    """Each neuron of a graph built from ``nn`` modules, for the page's neuron card: its ``z`` (the
    ``linear`` node its weights and bias feed), its activation ``a`` (the value made from z alone in
    the same neuron, or ``None``), bias ``b``, weights ``w`` and their inputs ``x``, and ``members``,
    every value drawn inside it; all as node ids."""
    group_of = groups(order, "neuron")
    made_from: dict[Value, list[Value]] = {}
    for value in order:
        for x in value.inputs:
            made_from.setdefault(x, []).append(value)
    neurons = []
    for z in order:
        n = (len(z.inputs) - 1) // 2
        if z.op != "linear" or node_kind(z.inputs[-1]) != "bias" or z not in group_of:
            continue
        after = [v for v in made_from.get(z, []) if v.inputs == (z,) and group_of.get(v) == group_of[z]]
        neurons.append(
            {
                "key": group_of[z],
                "z": index[z],
                "a": index[after[0]] if after else None,
                "b": index[z.inputs[-1]],
                "w": [index[w] for w in z.inputs[n : 2 * n]],
                "x": [index[x] for x in z.inputs[:n]],
                "members": [index[v] for v in order if group_of.get(v) == group_of[z]],
            }
        )
    return neurons


def _slips() -> dict[str, Any]:
    """``autograd.slips`` for the page's *your turn*: its words, and each step slip's amount as
    JavaScript over ``q`` (``q.local``, ``q.upstream``, ``q.out``, ``q.input``, ``q.share``), and
    whether it needs ``q.share``."""
    names = {key: f"q.{key}" for key in ("local", "upstream", "out", "input", "share")}
    step = [
        [message, javascript_expression(template.format(**names)), "{share}" in template]
        for message, template in STEP_SLIPS
    ]
    return {**MESSAGES, "step": step}


def _redrawn(value: Value) -> bool:
    """Whether ``randomize`` draws a new number for ``value``: a leaf that needs a gradient or has a
    label (the literal numbers of the code, such as the 2 of ``x ** 2``, stay)."""
    return value.is_leaf and (value.requires_grad or bool(value.label))


def _finite(x: object, key: object) -> float:
    """``x`` as a finite float, or an error naming the leaf it was meant for."""
    if isinstance(x, Value) or not is_number(x):
        raise TypeError(
            f"Explorer.set: the number for {key!r} must be a real number, got {type(x).__name__}: {x!r}"
        )
    value = float(x)  # type: ignore[arg-type]
    if not math.isfinite(value):
        raise ValueError(f"Explorer.set: the number for {key!r} must be finite, got {value!r}")
    return value


def draws(seed: int) -> Iterator[float]:
    """Numbers from −2.0 to 2.0 in steps of 0.1, from the 32-bit generator mulberry32 started at
    ``seed``: the page's script draws the same ones (``explorer.html#seed=17``)."""
    state = seed & 0xFFFFFFFF
    while True:
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((state ^ (state >> 15)) * (state | 1)) & 0xFFFFFFFF
        t ^= (t + ((t ^ (t >> 7)) * (t | 61))) & 0xFFFFFFFF
        yield ((t ^ (t >> 14)) % 41 - 20) / 10


def _program(order: list[Value]) -> str:
    """The graph's forward pass and every local derivative as one JavaScript function, for the page to
    compute with when a leaf changes: each node's expressions as ``compile`` writes them
    (``node_code``), from its op's templates, over ``v[id]``.

    ``function (x, fail) {… return [v, d];}`` takes every value's number by node id (the leaves' are
    used) and returns them all (``v``) and, for each value made by an operation, ∂value/∂input for
    each input (``d[id]``). Where an op leaves its domain it calls ``fail(id, reason)`` with the
    reason Python gives, and goes on (NaN and Infinity flow on to what depends on it).
    """
    names = {value: f"v[{i}]" for i, value in enumerate(order)}
    lines = ["function (x, fail) {", "var v = x.slice(), d = [];"]
    for i, value in enumerate(order):
        if value.is_leaf:
            continue
        code = node_code(value, names, JAVASCRIPT)
        lines.append(f"v[{i}] = {code.forward};")
        lines += [f"if ({test}) fail({i}, {json.dumps(reason)});" for test, reason in code.domain]
        lines.append(f"d[{i}] = [{', '.join(code.derivatives)}];")
    return "\n".join([*lines, "return [v, d];", "}"])


def _code_links(code: Code, index: dict[Value, int]) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Each node's variable in the code (``v7``) and its lines, as ``code`` gives them: a value made by
    an operation, the lines that compute it and pass its gradient back; a parameter, the line that
    reads it and the one that adds to its grad."""
    names = {index[value]: name for value, name in code.names.items()}
    lines = {index[value]: numbers for value, numbers in code.lines.items()}
    return names, lines


def _mark(svg: str) -> str:
    """The SVG without its XML prologue and comments, marked for the page's script.

    Each value's group gets ``data-node="<id>"``, each operation's ``data-op="<id>"`` and each arrow
    into an operation ``data-edge="<output>:<position>"``, read from the ids ``draw_dot`` gives them
    (``v<i>``, ``v<i>op``, ``v<i>op_in<p>``).
    """
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)

    def node(found: re.Match[str]) -> str:
        attribute = f'data-op="{found[2]}"' if found[3] else f'data-node="{found[2]}"'
        return f"{found[1]} {attribute}>"

    svg = re.sub(r'(<g id="v(\d+)(op)?" class="node")>', node, svg)
    return re.sub(r'(<g id="v(\d+)op_in(\d+)" class="edge")>', r'\1 data-edge="\2:\3">', svg)
