"""The activations ``nn`` knows by name: the engine's ops marked ``activation``, and "linear".

A name is what ``nn.save`` writes for a neuron's activation and ``nn.load`` reads back; what the
name means lives in the op's entry of ``autograd.OPS``, so nothing here repeats it.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd import OPS, Op, Value


def _identity(z: Value) -> Value:
    """z itself: no activation (the output of a regression)."""
    return z


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    **{op.name: getattr(Value, op.name) for op in OPS.values() if op.activation},
    "linear": _identity,  # z itself
}
"""The activations known by name: the engine's ops marked ``activation`` in ``autograd.OPS``, each
the ``Value`` method of its name (relu, tanh, sigmoid, leaky_relu at its default slope), and
"linear", z itself. Any callable ``Value -> Value`` works too, but only those in this table can be
saved (``nn.load`` rebuilds activations by name): add yours here to save it."""


def activation_op(name: str) -> tuple[Op, tuple[float, ...]] | None:
    """The engine's op that the activation ``name`` of ``ACTIVATIONS`` applies, with its settings
    at the method's defaults (leaky_relu's slope); None for "linear" or an activation of your own."""
    op, method = OPS.get(name), ACTIVATIONS.get(name)
    if op is None or not op.activation or method is None or method is not getattr(Value, name, None):
        return None
    return op, tuple(getattr(method, "__defaults__", None) or ())
