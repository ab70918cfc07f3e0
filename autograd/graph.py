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
    seen = {root}
    # Each stack entry is a node and an iterator over its inputs: the path from root being explored.
    stack = [(root, iter(root._inputs))]
    while stack:
        node, inputs = stack[-1]
        for x in inputs:
            if x not in seen:
                seen.add(x)
                if x._inputs:  # go deeper: x's inputs come first
                    stack.append((x, iter(x._inputs)))
                    break
                order.append(x)  # a leaf has nothing before it
        else:  # every input of node is in order already
            stack.pop()
            order.append(node)
    return order
