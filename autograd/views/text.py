"""Describing nodes in words: what kind each value is, its name, and ``show()``, a text view of a graph.

The drawing (``draw.py``) and the step-through (``steps.py``) use the same words, so a node is
called the same thing in a picture, in a terminal and in a log.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from ..ops import OPS
from ..value import Value, data_of, topological_order

Names = Mapping[Value, str] | Mapping[str, Value] | Iterable[tuple[str, Value]]
"""Extra names for values: ``{value: name}``, ``{name: value}`` or ``(name, value)`` pairs,
so ``model.named_parameters()`` can be passed as it is."""

KINDS = ("weight", "bias", "input", "constant", "intermediate")
"""What a value can be, in the order legends list them."""


def node_kind(value: Value) -> str:
    """What ``value`` is in its graph: "weight", "bias", "input", "constant" or "intermediate".

    Parameters say so in ``role`` (``nn`` sets it); other leaves are inputs if they require
    grad and constants if they do not; everything made by an operation is intermediate.
    """
    if value.role in ("weight", "bias"):
        return value.role
    if not value.is_leaf:
        return "intermediate"
    return "input" if value.requires_grad else "constant"


def name_table(names: Names | None) -> dict[Value, str]:
    """``names`` as a ``{value: name}`` dict, whichever of the accepted shapes it came in."""
    if names is None:
        return {}
    pairs = names.items() if isinstance(names, Mapping) else names
    table: dict[Value, str] = {}
    for first, second in pairs:
        if isinstance(first, Value) and isinstance(second, str):
            table[first] = second
        elif isinstance(first, str) and isinstance(second, Value):
            table[second] = first
        else:
            raise TypeError(
                "names: expected {value: name}, {name: value} or (name, value) pairs, "
                f"got the pair ({first!r}, {second!r})"
            )
    return table


def node_name(value: Value, names: Mapping[Value, str]) -> str:
    """The name to show for ``value``: from ``names`` if given there, else its ``label`` (may be "")."""
    return names.get(value, value.label)


def number(x: float | Value) -> float:
    """The float inside a data or grad field (a grad is a Value after ``create_graph=True``)."""
    return float(data_of(x))


def check_value(root: object, caller: str) -> None:
    """Raise a ``TypeError`` naming ``caller`` and what it got unless ``root`` is a Value."""
    if not isinstance(root, Value):
        raise TypeError(f"{caller}: expected a Value, got {type(root).__name__}: {root!r}")


def check_format_spec(format_spec: str) -> None:
    """Raise a ``ValueError`` naming ``format_spec`` if it cannot format a float."""
    try:
        format(1.0, format_spec)
    except (ValueError, TypeError) as error:
        raise ValueError(f"format_spec {format_spec!r} cannot format a number: {error}") from None


def op_symbol(value: Value) -> str:
    """The symbol of the operation that made ``value`` ("+", "tanh", "Σ", …); "" for a leaf."""
    return (OPS[value.op].symbol or value.op) if value.op else ""


INDENT_LIMIT = 24
"""How deep ``show()`` indents before it writes the rest of a branch again from the margin, below."""


def show(root: Value, *, format_spec: str = ".4f", names: Names | None = None) -> str:
    """A text view of the graph behind ``root``: an indented tree, output first, inputs below.

    Each line gives the node's number (its place in topological order), name, operation, data
    and grad (constants receive none). A value used more than once is written out the first time
    and referred to by its number afterwards (``↑ #3``), and a branch deeper than ``INDENT_LIMIT``
    goes on from the margin further down (``↓ #3``), so the text grows in proportion to the graph.
    For terminals and logs: ``print(autograd.show(y))``.
    """
    check_value(root, "show")
    check_format_spec(format_spec)
    table = name_table(names)
    number_of = {value: i for i, value in enumerate(topological_order(root))}

    def describe(value: Value) -> str:
        name = node_name(value, table)
        kind = node_kind(value)
        symbol = op_symbol(value)
        made_by = kind if not value.op else value.op if symbol == value.op else f"{value.op} ({symbol})"
        words = [f"#{number_of[value]}", name, made_by] if name else [f"#{number_of[value]}", made_by]
        numbers = f"data={format(value.data, format_spec)}"
        if value.requires_grad:
            numbers += f"  grad={format(number(value.grad), format_spec)}"
        return f"{' '.join(words)}  {numbers}"

    lines: list[str] = []
    written: set[Value] = set()
    later: deque[Value] = deque([root])  # branches to write from the margin
    waiting = {root}
    while later:
        # An explicit stack of (value, prefix for its line, prefix for its inputs, depth): no recursion.
        stack: list[tuple[Value, str, str, int]] = [(later.popleft(), "", "", 0)]
        while stack:
            value, prefix, child_prefix, depth = stack.pop()
            if value in written or (depth and value in waiting):
                arrow = "↑" if value in written else "↓"
                lines.append(f"{prefix}{arrow} #{number_of[value]} {node_name(value, table)}".rstrip())
                continue
            if depth >= INDENT_LIMIT and value.inputs:
                lines.append(f"{prefix}↓ #{number_of[value]} {node_name(value, table)}".rstrip())
                later.append(value)
                waiting.add(value)
                continue
            written.add(value)
            lines.append(prefix + describe(value))
            inputs = value.inputs
            for i in reversed(range(len(inputs))):
                last = i == len(inputs) - 1
                branch, extension = ("└─ ", "   ") if last else ("├─ ", "│  ")
                stack.append((inputs[i], child_prefix + branch, child_prefix + extension, depth + 1))
    return "\n".join(lines)
