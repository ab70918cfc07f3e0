"""The backward pass one chain-rule step at a time: ``backward_steps()``.

``root.backward()`` applies ``chain_rule`` to every node in one loop (``backpropagate`` in
``value.py``). Here the same loop is a generator: each step is one node handing its gradient on
to its inputs, and can be printed, drawn or inspected before the next one runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .value import Grad, Operand, Value, chain_rule, data_of, seed, store, topological_order


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``node`` passes its gradient back to its inputs.

    ``index`` counts steps from 0 (``draw_step(root, index)`` draws it). ``upstream`` is
    ∂root/∂node; ``local_derivatives`` are ∂node/∂input for each input; ``contributions`` pairs
    each input that receives a gradient with the amount added to it: upstream × local derivative.
    ``grads`` are the pass's gradients so far (∂root/∂v for every value v, 0 where nothing has
    reached it yet), as they stand right after this step.
    """

    index: int
    node: Value
    upstream: Grad
    local_derivatives: tuple[Grad, ...]
    contributions: tuple[tuple[Value, Grad], ...]
    grads: Mapping[Value, Grad]

    def __str__(self) -> str:
        parts = [
            f"{_name(x)} += {data_of(self.upstream):.4g} × {data_of(d):.4g} = {data_of(amount):.4g}"
            for (x, amount), d in zip(self.contributions, self._receiving_derivatives())
        ]
        return f"step {self.index}: {_name(self.node)} → " + ("; ".join(parts) or "nothing to pass on")

    def _receiving_derivatives(self) -> list[Grad]:
        pairs = zip(self.node.inputs, self.local_derivatives)
        return [d for x, d in pairs if x.requires_grad]


def _name(value: Value) -> str:
    return value.label or f"({value.op or 'value'} {value.data:.4g})"


def backward_steps(root: Value, gradient: Operand = 1.0, *, create_graph: bool = False) -> Iterator[Step]:
    """Run ``root.backward()`` one node at a time, yielding each chain-rule step after applying it.

    Nodes come in reverse topological order, so a node's gradient is complete when its step runs.
    The pass keeps its gradients in ``step.grads`` and changes no ``.grad`` while stepping; after
    the last step every ``.grad`` is exactly as ``root.backward()`` leaves it. Stopping early (a
    ``break``, an error) leaves every ``.grad`` as it was before the pass.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: expected a Value, got {type(root).__name__}: {root!r}")
    return _steps(root, seed(root, gradient, "backward_steps()"), create_graph)


def _steps(root: Value, gradient: Grad, create_graph: bool) -> Iterator[Step]:
    order = topological_order(root)
    grads: dict[Value, Grad] = dict.fromkeys(order, 0.0)  # as in backpropagate(): from 0
    grads[root] = gradient
    index = 0
    for node in reversed(order):
        if node.is_leaf:
            continue
        upstream = grads[node]
        local = chain_rule(node, grads, create_graph)  # the same step as in backward()
        receiving = tuple((x, d * upstream) for x, d in zip(node.inputs, local) if x.requires_grad)
        yield Step(index, node, upstream, local, receiving, grads)
        index += 1
    store(grads)


def step_count(root: Value) -> int:
    """How many chain-rule steps the backward pass from ``root`` takes: one per value made by an operation."""
    return sum(not node.is_leaf for node in topological_order(root))
