"""Walking a computation graph: one iterative topological order for backward, steps and drawing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on, itself included, inputs before the values made from them.

    Depth-first, with an explicit stack instead of recursion, so a chain of a million nodes is
    fine. Nodes are visited in the order of each node's ``inputs``, so the order is the same on
    every run, and a value used twice (``a * a``) appears once. Nodes are told apart by identity.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for x in reversed(node.inputs):
            if x not in seen:
                stack.append((x, False))
    return order
