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
    # The path from root being explored, and for each node on it an iterator over its inputs. (Two
    # lists, not one of pairs: on a deep graph the path is long, and every pair would be one more
    # object for Python's garbage collector to walk.)
    path, inputs_left = [root], [iter(root._inputs)]
    while path:
        for x in inputs_left[-1]:
            if x not in seen:
                seen.add(x)
                if x._inputs:  # go deeper: x's inputs come first
                    path.append(x)
                    inputs_left.append(iter(x._inputs))
                    break
                order.append(x)  # a leaf has nothing before it
        else:  # every input of the last node on the path is in order already
            inputs_left.pop()
            order.append(path.pop())
    return order
