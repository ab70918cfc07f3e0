"""The libraries under comparison, behind one small interface: make a leaf; and counting nodes.

chainrule and micrograd are always present in the benchmark environment; PyTorch is optional and
used scalar by scalar (one 0-d float64 tensor per number), which is the same work a scalar engine
does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import micrograd.engine

import autograd


@dataclass(frozen=True)
class Library:
    """A name and how to make a differentiable leaf holding a float (all three share the rest:
    ``+ * ** relu()`` on values and ``root.backward()``)."""

    name: str
    leaf: Callable[[float], Any]


CHAINRULE = Library("chainrule", autograd.Value)
MICROGRAD = Library("micrograd", micrograd.engine.Value)


def torch_library() -> Library | None:
    """PyTorch used one scalar tensor per number, or None when torch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def leaf(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    return Library("torch", leaf)


def count_operations(root: Any) -> int:
    """Number of nodes made by an operation (not leaves) that ``root`` depends on, in any library.

    chainrule nodes list their ``inputs``; micrograd nodes keep a set ``_prev``. The walk is
    iterative so that deep micrograd graphs can be counted too.
    """
    seen: set[int] = set()
    stack = [root]
    operations = 0
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        inputs = node.inputs if isinstance(node, autograd.Value) else tuple(node._prev)
        if inputs:
            operations += 1
        stack.extend(inputs)
    return operations
