"""Neuron, Layer and MLP: the network of micrograd, with names, roles, seeds and initialisers.

A neuron computes ``activation(w·x + b)``: one ``linear`` node for the pre-activation z = w·x + b
(``dot`` when it has no bias), one node for the activation. A layer is a list of neurons that see
the same inputs; an MLP is a chain of layers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Parameter, Value, as_value, linear

from . import torch_bridge
from .module import Module
from .seeding import make_rng

Activation = str | Callable[[Value], Value]
Inputs = Sequence[Value | float] | Value | float

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,  # max(0, z)
    "tanh": Value.tanh,  # (e^z − e^−z) / (e^z + e^−z)
    "sigmoid": Value.sigmoid,  # 1 / (1 + e^−z)
    "leaky_relu": Value.leaky_relu,  # z if z > 0 else 0.01·z
    "linear": lambda z: z,  # z itself: no activation (the output of a regression)
}
"""The activations known by name; any callable ``Value -> Value`` works too."""


# Each initialiser draws one weight from ``rng`` given the layer's fan-in (inputs per neuron)
# and fan-out (neurons in the layer).
def _uniform(fan_in: int, fan_out: int, rng: random.Random) -> float:
    # micrograd's choice: w ~ U(−1, 1), whatever the size of the layer
    return rng.uniform(-1.0, 1.0)


def _xavier_uniform(fan_in: int, fan_out: int, rng: random.Random) -> float:
    # Glorot & Bengio (2010): w ~ U(−a, a), a = √(6 / (fan_in + fan_out)), so Var(w) = 2 / (fan_in + fan_out)
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def _xavier_normal(fan_in: int, fan_out: int, rng: random.Random) -> float:
    # w ~ N(0, σ²), σ = √(2 / (fan_in + fan_out))
    return rng.gauss(0.0, math.sqrt(2.0 / (fan_in + fan_out)))


def _he_uniform(fan_in: int, fan_out: int, rng: random.Random) -> float:
    # He et al. (2015), for ReLU: w ~ U(−a, a), a = √(6 / fan_in), so Var(w) = 2 / fan_in
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound)


def _he_normal(fan_in: int, fan_out: int, rng: random.Random) -> float:
    # w ~ N(0, σ²), σ = √(2 / fan_in)
    return rng.gauss(0.0, math.sqrt(2.0 / fan_in))


INITIALISERS: dict[str, Callable[[int, int, random.Random], float]] = {
    "uniform": _uniform,
    "xavier": _xavier_uniform,
    "glorot": _xavier_uniform,
    "xavier_normal": _xavier_normal,
    "glorot_normal": _xavier_normal,
    "he": _he_uniform,
    "kaiming": _he_uniform,
    "he_normal": _he_normal,
    "kaiming_normal": _he_normal,
}
"""Weight initialisers by name. "xavier"/"glorot" and "he"/"kaiming" are the uniform variants
(as ``torch.nn.init.xavier_uniform_`` and ``kaiming_uniform_`` with ReLU gain); add ``_normal``
for the Gaussian ones. Biases always start at 0."""


def _activation_function(activation: Activation) -> Callable[[Value], Value]:
    if callable(activation):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} or pass a function"
        )
    return ACTIVATIONS[activation]


def _activation_name(activation: Activation) -> str:
    return activation if isinstance(activation, str) else getattr(activation, "__name__", repr(activation))


def _as_inputs(x: Inputs, expected: int, owner: Module) -> tuple[Value, ...]:
    """``x`` as ``expected`` Values (a lone number is accepted when ``expected`` is 1).

    Plain numbers become constants once here, so every neuron of a layer shares the same inputs.
    """
    if isinstance(x, (Value, int, float)):
        x = [x]
    if len(x) != expected:
        raise ValueError(f"{type(owner).__name__}(nin={expected}) expects {expected} inputs, got {len(x)}")
    return tuple([xi if isinstance(xi, Value) else as_value(xi, type(owner).__name__) for xi in x])


class Neuron(Module):
    """One neuron: ``activation(w·x + b)``.

    ``w`` is a list of ``nin`` weights, ``b`` the bias (``None`` with ``bias=False``). Weights
    start from ``init`` (see ``INITIALISERS``; ``fan_out`` is the size of the layer, used by
    Xavier), biases at 0. ``seed`` or ``rng`` makes the starting weights reproducible.
    """

    def __init__(
        self,
        nin: int,
        activation: Activation = "relu",
        bias: bool = True,
        init: str = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
        fan_out: int = 1,
    ) -> None:
        if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive whole number, got {nin!r}")
        if init not in INITIALISERS:
            raise ValueError(f"Neuron: unknown init {init!r}; choose one of {sorted(INITIALISERS)}")
        self._activation = _activation_function(activation)
        self._config = {"nin": nin, "activation": _activation_name(activation), "bias": bias, "init": init}
        draw = INITIALISERS[init]
        generator = make_rng(seed, rng)
        self.w = [Parameter(draw(nin, fan_out, generator), role="weight") for _ in range(nin)]
        self.b = Parameter(0.0, role="bias") if bias else None

    @property
    def nin(self) -> int:
        """How many inputs the neuron takes."""
        return len(self.w)

    def __call__(self, x: Inputs) -> Value:
        """The neuron's output for the inputs ``x``: activation(w·x + b)."""
        return self._forward(_as_inputs(x, len(self.w), self))

    def _forward(self, x: tuple[Value, ...]) -> Value:
        """activation(w·x + b) for inputs already checked by ``_as_inputs`` (a layer checks once for all).

        ``nn.inspect`` records z and a here by wrapping ``self._activation`` on the instance.
        """
        return self._activation(linear(x, self.w, self.b))


class Layer(Module):
    """``nout`` neurons side by side, each seeing all ``nin`` inputs. Calling it returns a list, always."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "relu",
        bias: bool = True,
        init: str = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if isinstance(nout, bool) or not isinstance(nout, int) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive whole number, got {nout!r}")
        generator = make_rng(seed, rng)
        self._config = {
            "nin": nin,
            "nout": nout,
            "activation": _activation_name(activation),
            "bias": bias,
            "init": init,
        }
        self.neurons = [Neuron(nin, activation, bias, init, rng=generator, fan_out=nout) for _ in range(nout)]

    def __call__(self, x: Inputs) -> list[Value]:
        """Each neuron's output for the inputs ``x``, as a list of ``nout`` Values."""
        x = _as_inputs(x, len(self.neurons[0].w), self)
        return [neuron._forward(x) for neuron in self.neurons]


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation``, the last layer ``output_activation`` ("linear" by default,
    as in micrograd). Calling it returns a single Value when the last layer has one neuron, and a
    list of Values otherwise. ``MLP(2, [16, 16, 1], seed=0)`` is 2 inputs → 16 → 16 → 1 output.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation = "relu",
        output_activation: Activation = "linear",
        bias: bool = True,
        init: str = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size")
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in [nin, *nouts]):
            raise ValueError(
                f"MLP: nin and every size in nouts must be positive whole numbers, got {nin!r}, {nouts!r}"
            )
        generator = make_rng(seed, rng)
        self._config = {
            "nin": nin,
            "nouts": nouts,
            "activation": _activation_name(activation),
            "output_activation": _activation_name(output_activation),
            "bias": bias,
            "init": init,
        }
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < last else output_activation,
                bias,
                init,
                rng=generator,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The network's output for ``x``: a Value if the last layer has one neuron, else a list."""
        outputs: Any = x
        for layer in self.layers:
            outputs = layer(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` (float64, same weights): the way on to PyTorch.

        Each layer becomes ``torch.nn.Linear`` (row j of its weight is neuron j's ``w``) followed by
        the matching activation module. Needs PyTorch installed; chainrule itself does not.
        """
        return torch_bridge.to_torch(self)
