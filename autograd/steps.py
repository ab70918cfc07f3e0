"""The backward pass one chain-rule step at a time: ``backward_steps()``.

``root.backward()`` applies ``chain_rule`` to every node in one loop (``backpropagate`` in
``value.py``). Here the same loop is a generator: each step is one node handing its gradient on
to its inputs, and can be printed, drawn or inspected before the next one runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from .value import Grad, Operand, Value, chain_rule, data_of, seed, store, topological_order


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``node`` passes its gradient back to its inputs.

    ``index`` counts steps from 0 (``draw_step(root, index)`` draws it). ``upstream`` is
    ∂root/∂node; ``local_derivatives`` are ∂node/∂input for each input; ``contributions`` pairs
    each input that receives a gradient with the amount added to it: upstream × local derivative.
    ``grads`` are the pass's gradients so far (∂root/∂v for every value v, 0 where nothing has
    reached it yet), as they stood right after this step: a step kept for later still shows its own.
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
    history = _History(grads, root)
    index = 0
    for node in reversed(order):
        if node.is_leaf:
            continue
        upstream = grads[node]
        local = chain_rule(node, grads, create_graph)  # the same step as in backward()
        receiving = tuple((x, d * upstream) for x, d in zip(node.inputs, local) if x.requires_grad)
        history.record(index, receiving)
        yield Step(index, node, upstream, local, receiving, _GradsAt(history, index))
        index += 1
    store(grads)


class _History:
    """The gradients of one pass at every step, kept as changes: for each value that received
    something, the steps it received at, each with its gradient after it (``[step, grad, step,
    grad, …]``). Memory grows with the arrows of the graph, not with steps × values."""

    def __init__(self, grads: dict[Value, Grad], root: Value) -> None:
        self.grads = grads  # the pass's own, as they stand now
        self.root, self.seed = root, grads[root]
        self.changes: dict[Value, list[Any]] = {}

    def record(self, index: int, receiving: tuple[tuple[Value, Grad], ...]) -> None:
        every, grads = self.changes, self.grads
        for x, _ in receiving:
            changes = every.get(x)
            if changes is None:
                every[x] = [index, grads[x]]
            elif changes[-2] == index:  # x is an input twice (a * a): its final gradient
                changes[-1] = grads[x]
            else:
                changes += (index, grads[x])

    def at(self, value: Value, index: int) -> Grad:
        """``value``'s gradient right after step ``index``: its last change up to then."""
        changes = self.changes.get(value, ())
        for i in range(len(changes) - 2, -1, -2):  # latest first: most values change once or twice
            if changes[i] <= index:
                return cast(Grad, changes[i + 1])
        return self.seed if value is self.root else 0.0


class _GradsAt(Mapping[Value, Grad]):
    """The pass's gradients right after step ``index``, read from its history: ∂root/∂v for every
    value v of the graph (0 where nothing has reached it yet)."""

    __slots__ = ("history", "index")

    def __init__(self, history: _History, index: int) -> None:
        self.history, self.index = history, index

    def __getitem__(self, value: Value) -> Grad:
        if value not in self.history.grads:
            raise KeyError(value)
        return self.history.at(value, self.index)

    def __iter__(self) -> Iterator[Value]:
        return iter(self.history.grads)

    def __len__(self) -> int:
        return len(self.history.grads)

    def __repr__(self) -> str:
        return f"<grads after step {self.index}: {len(self)} values>"


def step_count(root: Value) -> int:
    """How many chain-rule steps the backward pass from ``root`` takes: one per value made by an operation."""
    return sum(not node.is_leaf for node in topological_order(root))
