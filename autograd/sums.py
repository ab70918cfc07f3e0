"""Many values into one node: ``value_sum`` (x₁ + … + xₙ), ``dot`` (a·b) and ``linear`` (a neuron's z).

One node for a whole sum is faster and flatter than a chain of ``+``, and its local derivatives
say the lesson at once: ∂z/∂wᵢ = xᵢ and ∂z/∂b = 1 for a neuron's z = x·w + b.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import cast

from . import ops
from .value import Operand, Value, apply, as_value


def _operands(values: Iterable[Operand], caller: str) -> tuple[Value, ...]:
    """``values`` as a tuple of Values, plain numbers made constants (``caller`` for messages)."""
    given = tuple(values)
    if all(map(isinstance, given, repeat(Value))):  # the common case: Values already
        return cast("tuple[Value, ...]", given)
    return tuple([as_value(x, caller) for x in given])


def value_sum(values: Iterable[Operand]) -> Value:
    """x₁ + … + xₙ as one node (faster and flatter than a chain of ``+``)."""
    inputs = _operands(values, "sum")
    return apply(ops.SUM, inputs) if inputs else Value(0.0, requires_grad=False)


def dot(a: Iterable[Operand], b: Iterable[Operand]) -> Value:
    """a₁b₁ + … + aₙbₙ as one node: a weighted sum w·x."""
    left, right = _operands(a, "dot"), _operands(b, "dot")
    _check_same_length(left, right, "dot")
    return apply(ops.DOT, left + right) if left else Value(0.0, requires_grad=False)


def linear(x: Iterable[Operand], w: Iterable[Operand], b: Operand | None = None) -> Value:
    """x₁w₁ + … + xₙwₙ + b as one node: a neuron's pre-activation z, as ``torch.nn.functional.linear``.

    Its local derivatives are a neuron's lesson: ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ and ∂z/∂b = 1, so the
    bias receives δ = ∂C/∂z itself. Without ``b`` it is ``dot(x, w)``.
    """
    if b is None:
        return dot(x, w)
    inputs, weights = _operands(x, "linear"), _operands(w, "linear")
    _check_same_length(inputs, weights, "linear")
    return apply(ops.LINEAR, (*inputs, *weights, as_value(b, "linear")))


def _check_same_length(a: tuple[Value, ...], b: tuple[Value, ...], caller: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{caller}: the two sequences differ in length ({len(a)} and {len(b)})")
