"""Drawing a computation graph as Graphviz DOT: ``draw_dot()``.

Every value is a box (name | data | grad); the operation that made it is a small oval in front of
it, with an arrow from each input. Weights, biases, inputs, constants and intermediate values are
drawn in five styles, listed in a legend. Drawing only reads the graph; it never changes a value.
The picture itself is made by ``render.py`` (``Drawing.pipe()``, or a notebook showing it).

Readers of the SVG (the explorer) find what was drawn by these ids, the same in DOT and SVG:

- ``v<i>``: the value at place ``i`` of ``topological_order(root)``;
- ``v<i>op``: the operation that made it; ``v<i>op_out`` the arrow from the operation to it;
- ``v<i>op_in<p>``: the arrow from its input number ``p`` into the operation (the step's amount
  for that input, or its ∂, is written at the start of this arrow, beside the input);
- ``group-<key>``: the box of a neuron or a layer (``groups()`` gives each value's key).

Every text is drawn exactly as written (``visible()``; ``_label()`` writes it for Graphviz).
"""

from __future__ import annotations

import html
import itertools
import math
import warnings
from collections import deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..ops import OPS
from ..value import Value, topological_order
from .render import Drawing
from .text import (
    KINDS,
    Names,
    check_format_spec,
    check_value,
    name_table,
    node_kind,
    node_name,
    number,
    op_symbol,
)

if TYPE_CHECKING:
    from ..steps import Step

DEFAULT_MAX_NODES = 2000
"""Graphs with more values than this are cut down to the values nearest the output."""

READABLE = 300
"""A model's graph with more values than this is drawn one box per neuron unless asked otherwise."""

STYLES: dict[str, dict[str, str]] = {
    "weight": {"style": "rounded,filled", "fillcolor": "#dbe9ff", "color": "#1f5fbf", "penwidth": "1.5"},
    "bias": {"style": "rounded,filled,dashed", "fillcolor": "#ffe3c2", "color": "#c76a00", "penwidth": "1.5"},
    "input": {"style": "filled", "fillcolor": "#dcf5dc", "color": "#2e7d32", "penwidth": "1.5"},
    "constant": {
        "style": "filled,dotted",
        "fillcolor": "#f2f2f2",
        "color": "#888888",
        "fontcolor": "#555555",
    },
    "intermediate": {"style": "filled", "fillcolor": "#ffffff", "color": "#000000"},
}
"""How each kind of value looks: fill and border colours, border style. Weights and biases have
rounded corners; a bias's border is dashed, a constant's dotted."""

GROUP_STYLE = {"style": "rounded,filled", "fillcolor": "#ede7f6", "color": "#5e35b1", "penwidth": "2"}
LEAVING = {"LR": "e", "RL": "w", "TB": "s", "BT": "n"}
"""The side of a box an arrow leaves from, in each direction of drawing: east when left to right."""

HIGHLIGHT = "#d62728"
"""Colour of the node whose chain-rule step is being shown, and of its contributions."""


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    format_spec: str = ".4f",
    show_local_derivatives: bool = False,
    color_by_grad: bool = False,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    group: str | None = "auto",
    names: Names | None = None,
    legend: bool = True,
    step: Step | None = None,
) -> Drawing:
    """Draw the graph behind ``root``: every value with its data and grad, every operation.

    - ``rankdir``: "LR" (left to right, the default) or "TB" (top to bottom); also "RL", "BT".
    - ``format_spec``: how data and grads are written (``".4f"``: 4 decimals).
    - ``show_local_derivatives``: label each arrow into an operation with ∂out/∂in, the number the
      chain rule multiplies by on the way back.
    - ``color_by_grad``: fill each value by the sign (red +, blue −) and size of its gradient.
    - ``max_nodes``: draw at most this many values, those nearest the output, and say so in the
      drawing and in a warning; ``None`` draws everything. Not applied with ``group``.
    - ``group``: "neuron" or "layer" draws each neuron (or layer) of an ``nn`` model as one box,
      found from the modules that own the parameters; ``None`` draws every value. "auto" (the
      default) groups by neuron when a model's graph has more than ``READABLE`` values, too many
      to read in one picture, and says so.
    - ``names``: names to show instead of labels (``model.named_parameters()`` or a dict).
    - ``step``: a step of ``backward_steps()`` to highlight, with its contributions on the arrows.
    - ``legend``: a strip with a sample of each kind of value drawn and notes on what labels and
      colours mean.

    Returns a ``Drawing`` (a ``graphviz.Digraph``): ``draw_dot(y).render("graph", format="svg")``.
    """
    _check_options(root, rankdir, group, max_nodes, format_spec)
    order = topological_order(root)
    group, notes = _grouping(order, group)
    group_of = groups(order, group) if group is not None else {}
    kept = _kept(root, order, group_of if group is not None else None, max_nodes, notes)
    drawing = _new_drawing(rankdir, arrows_written_on=show_local_derivatives or step is not None)
    for note in notes:
        warnings.warn(note, stacklevel=2)
        drawing.note = note
        drawing.attr(label=_label(note), labelloc="t")
    builder = _Builder(
        order, format_spec, name_table(names), color_by_grad, show_local_derivatives, step, rankdir
    )
    if group is not None:
        drawing.graph_attr["ordering"] = "out"  # neurons listed in the order they compute
        builder.draw_groups(drawing, group_of, kept)
    else:
        builder.draw_values(drawing, kept)
    if legend:
        steps = sum(not value.is_leaf for value in order)
        _draw_legend(drawing, builder.kinds_drawn, show_local_derivatives, color_by_grad, group, step, steps)
    return drawing


def _new_drawing(rankdir: str, arrows_written_on: bool) -> Drawing:
    """An empty drawing in the house style; wider between columns when arrows carry numbers."""
    spacing = {"ranksep": "1.1"} if arrows_written_on else {}
    return Drawing(
        name="chainrule",
        format="svg",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", **spacing},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "box", "margin": "0.05"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    )


def _kept(
    root: Value,
    order: list[Value],
    group_of: dict[Value, str] | None,
    max_nodes: int | None,
    notes: list[str],
) -> set[Value]:
    """The values to draw: all of them, or, past ``max_nodes`` boxes (a group, ``group_of`` given,
    is one box), those nearest the output, with a note saying so added to ``notes``."""
    grouped = group_of or {}
    boxes = len(set(grouped.values())) + sum(value not in grouped for value in order)
    if max_nodes is None or boxes <= max_nodes:
        return set(order)
    notes.append(
        f"draw_dot: showing the {max_nodes} of {len(order)} values nearest the output. "
        "draw_dot(..., max_nodes=None) draws them all"
        + (
            "."
            if group_of is not None
            else "; group='neuron' or group='layer' draws each neuron or layer as one box."
        )
    )
    return _nearest(root, max_nodes)


def _check_options(root: Value, rankdir: str, group: str | None, max_nodes: object, format_spec: str) -> None:
    """Raise an error naming the option unless ``draw_dot``'s options are ones it can draw."""
    check_value(root, "draw_dot")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if group not in (None, "auto", "neuron", "layer"):
        raise ValueError(f"draw_dot: group must be None, 'auto', 'neuron' or 'layer', got {group!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"draw_dot: max_nodes must be a positive whole number or None, got {max_nodes!r}")
    check_format_spec(format_spec)


def _grouping(order: list[Value], group: str | None) -> tuple[str | None, list[str]]:
    """``group`` with "auto" decided (by neuron for a model's graph too large to read), and a note
    saying so when it groups."""
    if group != "auto":
        return group, []
    if len(order) > READABLE and any(getattr(value, "owners", ()) for value in order):
        note = (
            f"draw_dot: {len(order)} values are too many to read in one picture, so each neuron is "
            "one box; draw_dot(..., group=None) draws every value."
        )
        return "neuron", [note]
    return None, []


def _nearest(root: Value, limit: int) -> set[Value]:
    """The ``limit`` values closest to ``root`` (fewest operations away), found breadth first."""
    kept = {root}
    queue = deque([root])
    while queue and len(kept) < limit:
        for x in queue.popleft().inputs:
            if x not in kept and len(kept) < limit:
                kept.add(x)
                queue.append(x)
    return kept


class _Builder:
    """Writes nodes and edges for one drawing; node ids are places in topological order."""

    def __init__(
        self,
        order: list[Value],
        format_spec: str,
        names: Mapping[Value, str],
        color_by_grad: bool,
        show_local_derivatives: bool,
        step: Step | None,
        rankdir: str = "LR",
    ) -> None:
        self.order = order
        self.index = {value: i for i, value in enumerate(order)}
        self.format_spec = format_spec
        self.names = names
        self.show_local_derivatives = show_local_derivatives
        self.step = step
        finite = [abs(self.grad(v)) for v in order if math.isfinite(self.grad(v))] if color_by_grad else []
        self.largest_grad = max(finite, default=0.0)
        self.color_by_grad = color_by_grad
        self.kinds_drawn: set[str] = set()
        self.leaving = LEAVING[rankdir]  # the side of a box its arrows leave from

    # --- one value at a time ---------------------------------------------------------------------

    def draw_values(self, drawing: Drawing, kept: set[Value]) -> None:
        """Every value in ``kept`` with the operation that made it; cut-off inputs feed one '…' node."""
        left_out = len(self.order) - len(kept)
        for value in self.order:
            if value not in kept:
                continue
            self.value_node(drawing, value)
            if value.is_leaf:
                continue
            operation = self.op_node(drawing, value)
            cut = False
            for position, x in enumerate(value.inputs):
                if x in kept:
                    drawing.edge(f"v{self.index[x]}", operation, **self.edge_style(value, position))
                else:
                    cut = True
            if cut:
                drawing.edge("more", operation, style="dashed")
        _more(drawing, left_out)

    def value_node(self, drawing: Drawing, value: Value) -> None:
        kind = node_kind(value)
        self.kinds_drawn.add(kind)
        cells = [node_name(value, self.names), *self.numbers(value)]
        ident = f"v{self.index[value]}"
        drawing.node(ident, _html_row(cells), id=ident, **self.style(value, kind))

    def op_node(self, drawing: Drawing, value: Value) -> str:
        ident = f"v{self.index[value]}op"
        attributes = {"shape": "ellipse", "margin": "0.02"}
        if self.step is not None and value is self.step.node:
            attributes.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
        drawing.node(ident, _label(op_symbol(value)), id=ident, **attributes)
        drawing.edge(ident, f"v{self.index[value]}", id=f"{ident}_out")
        return ident

    def grad(self, value: Value) -> float:
        """The gradient to show: the step's running one while stepping, else ``.grad``."""
        if self.step is not None:
            return number(self.step.grads.get(value, 0.0))
        return number(value.grad)

    def numbers(self, value: Value) -> list[str]:
        """``data …`` and, for values that receive a gradient, ``grad …`` (a constant receives none)."""
        data = f"data {format(value.data, self.format_spec)}"
        return [data, f"grad {format(self.grad(value), self.format_spec)}"] if value.requires_grad else [data]

    def style(self, value: Value, kind: str) -> dict[str, str]:
        attributes = dict(STYLES[kind])
        if self.color_by_grad:
            attributes["fillcolor"] = _grad_colour(self.grad(value), self.largest_grad)
        if self.step is not None and value is self.step.node:
            attributes.update(color=HIGHLIGHT, penwidth="3")
        return attributes

    def edge_style(self, value: Value, position: int) -> dict[str, str]:
        """The arrow from ``value.inputs[position]`` into the operation that made ``value``: its id,
        and the step's amount for that input (or its ∂) written at its start, beside the input, so
        that amounts on arrows converging on one operation stay apart."""
        attributes = {"id": f"v{self.index[value]}op_in{position}"}
        if self.step is not None and value is self.step.node:
            amount = _contribution(self.step, position)
            if amount is not None:
                text = f"+= {format(amount, self.format_spec)}"
                attributes.update(color=HIGHLIGHT, fontcolor=HIGHLIGHT, penwidth="2")
                return {**attributes, **_at_start(text, self.leaving)}
        if self.show_local_derivatives:
            derivative = format(number(value.local_derivatives[position]), self.format_spec)
            attributes.update(_at_start(f"∂ {derivative}", self.leaving))
        return attributes

    # --- one box per neuron or layer ------------------------------------------------------------

    def draw_groups(self, drawing: Drawing, group_of: dict[Value, str], kept: set[Value]) -> None:
        """Each group (a neuron or a layer) as one box; values outside any group as usual.

        Only values in ``kept`` are drawn; inputs left out feed one '…' node."""
        members: dict[str, list[Value]] = {}
        for value in self.order:
            if value in group_of and value in kept:
                members.setdefault(group_of[value], []).append(value)
        # numbered in the order the groups finish computing, so layer 0 is g0
        finishing = sorted(members, key=lambda key: self.index[members[key][-1]])
        box = {key: f"g{i}" for i, key in enumerate(finishing)}
        root = self.order[-1]
        used_outside = {x for v in self.order for x in v.inputs if group_of.get(v) != group_of.get(x)}
        stepping_in = group_of.get(self.step.node) if self.step is not None else None
        for key in finishing:  # the neurons (or layers) in the order they compute
            values = members[key]
            outputs = [v for v in values if v is root or v in used_outside]
            self._group_node(drawing, box[key], key, values, outputs, highlighted=key == stepping_in)

        def source(x: Value) -> str:
            if x not in kept:
                return "more"
            return box[group_of[x]] if x in group_of else f"v{self.index[x]}"

        drawn_edges: set[tuple[str, str]] = set()
        for value in self.order:
            if value not in kept:
                continue
            if value in group_of:
                for x in value.inputs:
                    edge = (source(x), box[group_of[value]])
                    if group_of.get(x) != group_of[value] and edge not in drawn_edges:
                        drawn_edges.add(edge)
                        drawing.edge(*edge)
                continue
            self.value_node(drawing, value)
            if not value.is_leaf:
                operation = self.op_node(drawing, value)
                for position, x in enumerate(value.inputs):
                    drawing.edge(source(x), operation, **self.edge_style(value, position))
        if len(kept) < len(self.order):
            _more(drawing, len(self.order) - len(kept))

    def _group_node(
        self,
        drawing: Drawing,
        ident: str,
        key: str,
        values: list[Value],
        outputs: list[Value],
        highlighted: bool,
    ) -> None:
        """One box for a group; ``highlighted`` when the step being shown is inside it."""
        self.kinds_drawn.add("group")
        parameters = sum(node_kind(v) in ("weight", "bias") for v in values)
        summary = f"{len(values)} values, {parameters} parameters"
        shown = self.numbers(outputs[0]) if len(outputs) == 1 else [f"{len(outputs)} outputs"]
        cells = [key or "model", summary, *shown]
        attributes = dict(GROUP_STYLE)
        if highlighted and self.step is not None:
            cells.append(f"step {self.step.index}: {op_symbol(self.step.node)} in here")
            attributes.update(color=HIGHLIGHT, penwidth="3")
        drawing.node(ident, _html_row(cells), id=_dot_text(f"group-{key}"), **attributes)


def groups(order: list[Value], group: str) -> dict[Value, str]:
    """Which neuron (``group="neuron"``) or layer (``"layer"``) each value of ``order`` belongs to,
    by the dotted name of its module; values outside every group are left out. In a drawing grouped
    so, the box of group ``key`` has the SVG id ``group-<key>``.

    A parameter whose ``owners`` are ``("layers.0", "layers.0.neurons.1")`` belongs to neuron
    ``layers.0.neurons.1`` of layer ``layers.0`` (one without owners, to the model). A value made
    by an operation belongs to the group of its parameter inputs (``linear(x, w, b)`` joins the
    neuron of ``w`` and ``b``); without parameter inputs it joins a group only if all its data
    inputs are in that group (the activation), so a loss stays outside.
    """
    level = 1 if group == "neuron" else 2
    group_of: dict[Value, str] = {}
    for value in order:
        kind = node_kind(value)
        if kind in ("weight", "bias"):
            owners: tuple[str, ...] = getattr(value, "owners", ())
            group_of[value] = owners[-level] if len(owners) >= level else ""
        elif kind == "intermediate":
            from_parameters = {group_of[x] for x in value.inputs if node_kind(x) in ("weight", "bias")}
            settings = OPS[value.op].settings  # e.g. leaky_relu's slope: not data flowing in
            data_inputs = [x for i, x in enumerate(value.inputs) if i not in settings]
            from_inputs = {group_of[x] for x in data_inputs if x in group_of}
            every_input_grouped = all(x in group_of for x in data_inputs)
            if len(from_parameters) == 1:
                group_of[value] = from_parameters.pop()
            elif not from_parameters and every_input_grouped and len(from_inputs) == 1:
                group_of[value] = from_inputs.pop()
    return group_of


def _more(drawing: Drawing, left_out: int) -> None:
    """The '…' node that the inputs left out of a drawing feed, if any were."""
    if left_out:
        drawing.node("more", _label(f"… {left_out} more values"), id="more", shape="note", color="#888888")


def _contribution(step: Step, position: int) -> float | None:
    """What ``step`` added to the grad of its node's input number ``position`` (None: a constant)."""
    inputs = step.node.inputs
    if not inputs[position].requires_grad:
        return None
    # contributions list the inputs that receive a gradient, in input order
    receiving = sum(x.requires_grad for x in inputs[:position])
    return number(step.contributions[receiving][1])


def _grad_colour(grad: float, largest: float) -> str:
    """White for 0 (and NaN), deepening to red for the largest positive gradient and blue for the
    largest negative; an infinite gradient is the deepest colour."""
    if grad != grad or grad == 0:
        return "#ffffff"
    strength = min(abs(grad) / largest, 1.0) if largest and math.isfinite(grad) else 1.0
    red, green, blue = (214, 39, 40) if grad > 0 else (31, 119, 180)
    mix = [round(255 + (channel - 255) * strength) for channel in (red, green, blue)]
    return "#" + "".join(f"{channel:02x}" for channel in mix)


def _html_row(cells: Iterable[str]) -> str:
    """An HTML-like Graphviz label: the non-empty ``cells`` side by side, split by thin rules.

    Each text is shown exactly as written (``_faithful``), so a name such as ``a<b|{c}`` is too.
    """
    row = "<VR/>".join(f"<TD>{_faithful(text)}</TD>" for text in cells if text)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"><TR>{row}</TR></TABLE>>'


def _label(text: str) -> str:
    """``text`` as a Graphviz label (an HTML-like one) that shows it exactly as written."""
    return f"<{_faithful(text)}>"


def _at_start(text: str, side: str) -> dict[str, str]:
    """The attributes that write ``text`` on an arrow near its start, as it leaves its value's box
    from ``side``: the arrow runs into the text and on, so each amount sits on its own arrow."""
    cell = f"<TD>{_faithful(text)}</TD>"
    on_white = f'<<TABLE BORDER="0" CELLPADDING="1" BGCOLOR="white"><TR>{cell}</TR></TABLE>>'
    return {"taillabel": on_white, "tailport": side, "labeldistance": "3", "labelangle": "0"}


def visible(text: str) -> str:
    """``text`` as drawings show it: each character with no picture of its own (control and format
    characters, separators such as U+2028, lone surrogates) as its Python escape (``\\x1b``,
    ``\\u2028``); line breaks and tabs stay (a drawing breaks the line, and widens a tab)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def _faithful(text: str) -> str:
    """``text`` for an HTML-like label, drawn as ``visible(text)``: markup characters escaped, a
    backslash doubled (Graphviz reads ``\\N``, ``\\G`` and ``\\\\`` in every label, HTML-like ones
    too), a line break as ``<BR/>``, a tab as four spaces."""
    escaped = html.escape(visible(text)).replace("\\", "\\\\")
    return escaped.replace("\n", "<BR/>").replace("\t", "&#160;" * 4)


def _dot_text(text: str) -> str:
    """``text`` for an attribute Graphviz reads as an escape string (an id): backslashes doubled."""
    return text.replace("\\", "\\\\")


def _draw_legend(
    drawing: Drawing,
    kinds: set[str],
    local_derivatives: bool,
    color_by_grad: bool,
    group: str | None,
    step: Step | None,
    steps: int,
) -> None:
    """A small strip of samples: one per kind of value that appears in the drawing, and notes.

    When fills show gradients, the samples are left white: only their borders tell kinds apart.
    """
    unfilled = {"fillcolor": "#ffffff"} if color_by_grad else {}
    samples = [(f"legend_{kind}", kind, {**STYLES[kind], **unfilled}) for kind in KINDS if kind in kinds]
    if "group" in kinds:
        samples.append(("legend_group", f"one {group}", GROUP_STYLE))
    notes = []
    if local_derivatives:
        notes.append("∂ on an arrow: ∂out/∂in")
    if color_by_grad:
        notes.append("fill: grad (red +, blue −)")
    if step is not None:
        notes.append(f"red: step {step.index} of the backward pass (steps 0 to {steps - 1})")
        notes.append("+= on an arrow: what it adds to that input's grad")
    if notes:
        samples.append(("legend_notes", "\n".join(notes), {"shape": "plaintext", "margin": "0"}))
    with drawing.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", style="dashed", color="#aaaaaa", fontcolor="#666666")
        for ident, text, style in samples:
            legend.node(ident, _label(text), **style)
        for (first, _, _), (second, _, _) in itertools.pairwise(samples):
            legend.edge(first, second, style="invis")  # keeps the samples in one row
