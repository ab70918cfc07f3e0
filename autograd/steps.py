"""The backward pass one chain-rule step at a time: ``backward_steps()``, ``draw_step()``, ``step_through()``.

``root.backward()`` runs the chain rule over every node in one loop (``backpropagate`` in
``value.py``). Here the same loop, begun and ended by the same ``start_pass`` and ``finish_pass``,
is a generator: each step is one node handing its gradient on to its inputs, and can be printed,
drawn or inspected before the next one runs.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .draw import Drawing, draw_dot
from .graph import topological_order
from .text import check_value, number
from .value import Value, check_backward, finish_pass, start_pass


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``node`` passes its gradient back to its inputs.

    ``upstream`` is ∂root/∂node (``node.grad`` when the step runs); ``local_derivatives`` are
    ∂node/∂input for each input; ``contributions`` pairs each input that receives a gradient
    with the amount added to its grad: upstream × local derivative.
    """

    index: int
    node: Value
    upstream: float | Value
    local_derivatives: tuple[float, ...]
    contributions: tuple[tuple[Value, float | Value], ...]

    def __str__(self) -> str:
        parts = [
            f"{_name(x)} += {number(self.upstream):.4g} × {number(d):.4g} = {number(amount):.4g}"
            for (x, amount), d in zip(self.contributions, self._receiving_derivatives())
        ]
        return f"step {self.index}: {_name(self.node)} → " + ("; ".join(parts) or "nothing to pass on")

    def _receiving_derivatives(self) -> list[float]:
        pairs = zip(self.node.inputs, self.local_derivatives)
        return [d for x, d in pairs if x.requires_grad]


def _name(value: Value) -> str:
    return value.label or f"({value.op or 'value'} {value.data:.4g})"


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[Step]:
    """Run ``root.backward()`` one node at a time, yielding each chain-rule step after applying it.

    Nodes come in reverse topological order, so a node's gradient is complete when its step
    runs. The same rules as ``backward()``: the pass sums its gradients from 0 and ``root``'s
    grad is seeded with ``gradient``; when the last step has run, each leaf adds this pass's
    total to the grad it had before. Iterating to the end leaves every ``.grad`` exactly as
    ``root.backward()`` would; while stepping, leaves show this pass's running sums.
    """
    check_value(root, "backward_steps")
    check_backward(root, gradient, "backward_steps()")
    return _steps(root, gradient)


def _steps(root: Value, gradient: float) -> Iterator[Step]:
    order, earlier = start_pass(root, gradient)
    index = 0
    for node in reversed(order):
        if node.is_leaf:
            continue
        upstream = node.grad
        contributions = []
        local = node.local_derivatives
        for x, derivative in zip(node.inputs, local):
            if x.requires_grad:
                amount = derivative * upstream  # the chain rule, as in backpropagate()
                x.grad += amount
                contributions.append((x, amount))
        yield Step(index, node, upstream, local, tuple(contributions))
        index += 1
    finish_pass(earlier)


def draw_step(root: Value, k: int, **options: Any) -> Drawing:
    """The graph after step ``k`` of the backward pass, with that step's node and contributions in red.

    Runs the backward pass from the start up to step ``k``, draws it, then puts every grad back
    as it was, so drawing a step changes nothing; ``options`` go to ``draw_dot``.
    """
    check_value(root, "draw_step")
    count = step_count(root)
    if type(k) is not int or not 0 <= k < count:
        steps = f"has steps 0 to {count - 1}" if count else "has no steps: no operation made it"
        raise IndexError(f"draw_step: no step {k!r}; the backward pass of {root!r} {steps}")
    saved = [(node, node.grad) for node in topological_order(root)]
    try:
        for step in backward_steps(root):
            if step.index == k:
                return draw_dot(root, step=step, **options)
    finally:
        for node, grad in saved:
            node.grad = grad
    raise AssertionError("unreachable: every index below step_count() is yielded")


def step_count(root: Value) -> int:
    """How many chain-rule steps the backward pass from ``root`` takes: one per value made by an operation."""
    return sum(not node.is_leaf for node in topological_order(root))


def step_through(root: Value, **options: Any) -> Any:
    """A notebook stepper over the backward pass: a slider through the frames, one per step.

    Runs the whole backward pass (grads end as after ``backward()``). With ipywidgets installed
    it returns a widget: a slider and the drawing of the chosen step, with the step in words.
    Without ipywidgets it returns the list of frames (``Drawing`` objects) to display one by one.
    """
    check_value(root, "step_through")
    steps = list(_frames(root, options))
    try:
        import ipywidgets
    except ImportError:
        return [frame for _, frame in steps]
    slider = ipywidgets.IntSlider(value=0, min=0, max=max(len(steps) - 1, 0), description="step")
    picture = ipywidgets.HTML()

    def show(change: Any = None) -> None:
        if not steps:
            picture.value = "<p>no steps: the output is a leaf</p>"
            return
        step, frame = steps[slider.value]
        picture.value = f"<p>{html.escape(str(step))}</p>" + frame.pipe(format="svg", encoding="utf-8")

    slider.observe(show, names="value")
    show()
    return ipywidgets.VBox([slider, picture])


def _frames(root: Value, options: dict[str, Any]) -> Iterator[tuple[Step, Drawing]]:
    """Each step with its drawing, made right after the step, while the grads are as it left them."""
    for step in backward_steps(root):
        yield step, draw_dot(root, step=step, **options)
