"""The backward-pass explorer: one HTML page to step through backprop, node by node, in any browser.

``autograd.explore(loss).save("explorer.html")`` writes a page with the graph (laid out once by
Graphviz, as ``draw_dot`` draws it), a timeline over the chain-rule steps of ``backward_steps``, a
panel that says each step in words and maths with the op's rule, the backward pass as code
(``autograd.compile``'s source for this graph) with the lines of the step highlighted, and a "your
turn" mode in which the learner types each step's amounts before they are revealed. In a notebook,
``autograd.explore(loss)`` shows the page inline.

The page carries its numbers as JSON (see ``autograd.pages``)::

    nodes  [{id, label, name, code, kind, op, symbol, data, grad, requires_grad, lines}]
           id: place in topological_order; grad: after the whole pass; code: the node's variable in
           the code (v7); lines: its lines in the code
    edges  [{input, output, position, derivative}]  ∂output/∂input, for output.inputs[position]
    steps  [{node, upstream, contributions: [[input id, amount], ...]}]  as backward_steps gives them

and ``window.chainrule`` adds ``grads()`` (node id → the grad shown, ``null`` before the pass
reaches it), ``answer([amounts])`` (your turn: submit the next step's amounts; true if all right)
and ``score()`` to the shell's timeline. Every value's SVG group carries ``data-node="<id>"``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .. import OPS, Step, Value, backward_steps, topological_order
from ..compiler import Code, code_for
from ..pages import Page, svg_image
from .draw import draw_dot, groups
from .text import name_table, node_kind, node_name, number, op_symbol

MAX_VALUES = 2000
"""Graphs with more values than this are drawn one box per neuron (or layer) unless asked otherwise."""

RULES: dict[str, str] = {
    "add": "a sum passes its gradient on unchanged",
    "mul": "a product hands each input the other factor",
    "div": "one over the denominator for the numerator, −a/b² for the denominator",
    "pow": "bring the power down and take one off it",
    "general_pow": "the base as for a constant power; for the exponent, the output times ln a",
    "exp": "the local derivative is the output itself",
    "log": "one over the input",
    "sqrt": "one over twice the output",
    "tanh": "one minus the output squared",
    "sigmoid": "the output times one minus the output",
    "relu": "the gradient passes where the input was positive, and stops where it was not",
    "leaky_relu": "the gradient passes where the input was positive, scaled by the slope where not",
    "abs": "the sign of the input",
    "sin": "the cosine of the input",
    "cos": "minus the sine of the input",
    "sum": "every term receives the gradient unchanged",
    "dot": "each factor's local derivative is its partner",
    "linear": "1 for the bias (it receives δ = ∂L/∂z itself), each weight's input, each input's weight",
}
"""Each operation's local derivative in words; the step panel shows it after the maths of ``OPS[op].rule``."""


def rule(op: str) -> str:
    """The rule of operation ``op`` as the page states it: ``∂tanh(x)/∂x = 1 − tanh²(x): one minus …``."""
    return f"{OPS[op].rule}: {RULES[op]}" if op in RULES else OPS[op].rule


_FORMAT = re.compile(r"(?P<sign>[+ -]?)(?:\.(?P<digits>\d+))?(?P<type>[eEfFgG%]?)")


class Explorer(Page):
    """The backward-pass explorer of one graph: ``to_html()``, ``save(path)``, inline in notebooks.

    Made by ``autograd.explore(root)``, which runs the backward pass on a copy of the gradients:
    the page holds every step, and every ``.grad`` stays as it was.
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
    ) -> None:
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
        table = name_table(names)
        order = topological_order(root)
        self.values = len(order)
        note = None
        if group is None and max_nodes is not None and len(order) > max_nodes:
            group = "neuron"
            note = (
                f"This graph has {len(order)} values, more than the {max_nodes} drawn whole: each neuron of "
                "the network is one box, highlighted while a step inside it runs. "
                "autograd.explore(root, max_nodes=None) draws every value."
            )
        index = {value: i for i, value in enumerate(order)}
        group_of = groups(order, group) if group is not None else {}  # the box each value is drawn in
        code = code_for(root)
        code_names, code_lines = _code_links(code, index)
        # a value with no name is drawn with its variable in the code (v6), as the step panel calls it
        drawn_names = {
            v: code_names[i] for i, v in enumerate(order) if not node_name(v, table) and i in code_names
        }
        steps, grads, svg = _run_and_draw(
            root,
            order,
            rankdir=rankdir,
            format_spec=format_spec,
            show_local_derivatives=show_local_derivatives,
            color_by_grad=color_by_grad,
            max_nodes=None,
            group=group,
            names={**drawn_names, **table},
            legend=legend,
        )
        nodes = [
            {
                "id": i,
                "label": value.label,
                "name": node_name(value, table),
                "code": code_names.get(i),
                "kind": node_kind(value),
                "op": value.op or None,
                "symbol": op_symbol(value),
                "data": value.data,
                "grad": grads[i],
                "requires_grad": value.requires_grad,
                "lines": code_lines.get(i, []),
                "group": group_of.get(value),
            }
            for i, value in enumerate(order)
        ]
        edges = [
            {"input": index[x], "output": i, "position": position, "derivative": number(derivative)}
            for i, value in enumerate(order)
            if not value.is_leaf
            for position, (x, derivative) in enumerate(zip(value.inputs, value.local_derivatives))
        ]
        self._data: dict[str, Any] = {
            "frames": len(steps),
            "root": index[root],
            "format": {"sign": match["sign"], "digits": match["digits"], "type": match["type"]},
            "nodes": nodes,
            "edges": edges,
            "steps": [
                {
                    "node": index[step.node],
                    "upstream": number(step.upstream),
                    "contributions": [[index[x], number(amount)] for x, amount in step.contributions],
                }
                for step in steps
            ],
            "rules": {op: rule(op) for op in sorted({v.op for v in order if v.op})},
            "code": code.source,
            "note": note,
            "grouped": group is not None,
        }
        self.svg = _mark(svg, order, index)

    def data(self) -> dict[str, Any]:
        return self._data

    def body(self) -> str:
        note = self._data["note"]
        return (
            '<main class="cr-explorer">'
            + (f'<p class="cr-note">{html.escape(note)}</p>' if note else "")
            + '<div class="cr-graph" id="cr-graph">'
            '<div class="cr-zoom cr-live"><button type="button" data-zoom="in" title="zoom in">+</button>'
            '<button type="button" data-zoom="out" title="zoom out">−</button>'
            '<button type="button" data-zoom="fit" title="fit the whole graph">fit</button></div>'
            f'<div class="cr-canvas">{self.svg}</div></div>'
            '<p class="cr-static">The graph after the whole backward pass: every grad as backward() '
            "leaves it. Open the page where scripts run to step through it.</p>"
            '<div class="cr-panels cr-live">'
            '<section class="cr-side"><div class="cr-mode"><label><input type="checkbox" id="cr-turn"> '
            'Your turn: type each amount before it is shown</label> <span id="cr-score"></span></div>'
            '<div id="cr-step" class="cr-step" aria-live="polite"></div>'
            '<div id="cr-node" class="cr-node"></div></section>'
            '<section class="cr-codebox"><div class="cr-codetitle">the backward pass as code '
            "(autograd.compile)</div>"
            '<pre id="cr-code" class="cr-code"></pre></section>'
            "</div></main>"
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


def _run_and_draw(root: Value, order: list[Value], **options: Any) -> tuple[list[Step], list[float], str]:
    """The steps of ``root``'s backward pass from zero grads, the grads it ends with, and the SVG of
    the graph after it (``draw_dot(root, **options)``); every ``.grad`` is then put back as it was."""
    saved = [(value, value.grad) for value in order]
    try:
        for value in order:
            value.grad = 0.0
        steps = list(backward_steps(root))
        grads = [number(value.grad) for value in order]
        svg = draw_dot(root, **options).pipe(format="svg", encoding="utf-8")
    finally:
        for value, grad in saved:
            value.grad = grad
    return steps, grads, svg


def _code_links(code: Code, index: dict[Value, int]) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Each node's variable in the code (``v7``) and its lines: a value made by an operation has the
    lines ``code.lines`` gives; a parameter, the line that reads it and the one that adds to its grad."""
    written = code.source.splitlines()
    names, lines = {}, {index[value]: numbers for value, numbers in code.lines.items()}
    for value, numbers in code.lines.items():
        found = re.match(r"\s*(v\d+) =", written[numbers[0] - 1]) if numbers else None
        if found:
            names[index[value]] = found[1]
    for number_, line in enumerate(written, start=1):
        found = re.match(r"\s*(?:(v\d+) = )?parameters\[(\d+)\]", line)
        if found:
            node = index[code.parameters[int(found[2])]]
            lines.setdefault(node, []).append(number_)
            if found[1]:
                names[node] = found[1]
    return names, lines


def _mark(svg: str, order: list[Value], index: dict[Value, int]) -> str:
    """The SVG without its XML prologue and comments, marked for the page's script.

    Each value's group gets ``data-node="<id>"``, each operation's ``data-op="<id>"`` and each arrow
    into an operation ``data-edge="<output>:<position>"``.
    """
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)

    def node(found: re.Match[str]) -> str:
        number_, operation = found[2], found[3]
        attribute = f'data-op="{number_}"' if operation else f'data-node="{number_}"'
        return f"{found[1]} {attribute}>\n<title>v{number_}{operation}</title>"

    svg = re.sub(r'(<g id="node\d+" class="node")>\n<title>v(\d+)(op)?</title>', node, svg)
    seen: dict[tuple[int, int], int] = {}

    def edge(found: re.Match[str]) -> str:
        source, target = int(found[2]), int(found[3])
        n = seen.get((source, target), 0)
        seen[(source, target)] = n + 1
        positions = [p for p, x in enumerate(order[target].inputs) if index[x] == source]
        mark = f' data-edge="{target}:{positions[n]}"' if n < len(positions) else ""
        return f"{found[1]}{mark}>\n<title>{found[4]}</title>"

    return re.sub(
        r'(<g id="edge\d+" class="edge")>\n<title>(?=v(\d+)&#45;&gt;v(\d+)op<)(.*?)</title>', edge, svg
    )
