"""Neuron, Layer and MLP: the network of micrograd, with names, roles, seeds and initialisers.

A neuron computes ``activation(w·x + b)``: one ``linear`` node for the pre-activation z = w·x + b
(``dot`` when it has no bias), one node for the activation. A layer is a list of neurons that see
the same inputs; an MLP is a chain of layers.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd import Parameter, Value, as_value, linear, whole_number

from . import torch_bridge
from .activations import ACTIVATIONS
from .module import Module
from .persistence import brief
from .seeding import make_rng

Activation = str | Callable[[Value], Value]
Inputs = Sequence[Value | float] | Value | float

MAX_PARAMETERS = 10_000_000
"""The most parameters one ``Neuron``, ``Layer`` or ``MLP`` may have, checked before anything is
built. Each parameter is a Python object of about 200 bytes, so ten million take some 2 GB; raise
``nn.layers.MAX_PARAMETERS`` if you mean more."""


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
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {brief(activation)}; choose one of {sorted(ACTIVATIONS)} or pass a function"
        )
    return ACTIVATIONS[activation]


def _activation_name(activation: Activation) -> str:
    """The table's name for ``activation`` (a function in the table has its name there too)."""
    if isinstance(activation, str):
        return activation
    named = [name for name, function in ACTIVATIONS.items() if function is activation]
    return named[0] if named else getattr(activation, "__name__", repr(activation))


def _check_stack(
    owner: str, nin: Any, nouts: Sequence[Any], activations: Sequence[Any], bias: Any, init: Any
) -> tuple[int, list[int], bool]:
    """Check a stack of layers' arguments (one neuron: ``nouts = [1]``) without building anything.

    Returns ``nin``, ``nouts`` and ``bias`` as plain Python values. The parameter count,
    Σ (n_in · n_out + n_out if bias), is checked against ``MAX_PARAMETERS`` first, so a mistyped
    size fails at once instead of filling the memory.
    """
    nin = whole_number(nin, f"{owner}: nin", 1)
    nouts = [
        whole_number(n, f"{owner}: {'nout' if owner == 'Layer' else 'each size in nouts'}", 1) for n in nouts
    ]
    if not (isinstance(bias, bool) or type(bias).__name__ in ("bool_", "bool")):  # NumPy's too
        raise TypeError(f"{owner}: bias must be True or False, got {brief(bias)}")
    if not isinstance(init, str) or init not in INITIALISERS:
        raise ValueError(f"{owner}: unknown init {brief(init)}; choose one of {sorted(INITIALISERS)}")
    for activation in activations:
        _activation_function(activation)
    count = sum(fan_in * fan_out + fan_out * bool(bias) for fan_in, fan_out in zip([nin, *nouts], nouts))
    if count > MAX_PARAMETERS:
        size = f"{count:,}" if count < 10**30 else f"about 10^{int(count.bit_length() * math.log10(2))}"
        raise ValueError(
            f"{owner}: these sizes make {size} parameters, more than nn.layers.MAX_PARAMETERS = "
            f"{MAX_PARAMETERS:,} (each is a Python object of about 200 bytes); raise it if you mean it"
        )
    return nin, nouts, bool(bias)


def _check_keys(owner: str, config: Mapping[str, Any], keys: set[str]) -> None:
    """Refuse a config (from a file) whose arguments are not exactly ``keys``."""
    if set(config) != keys:
        raise ValueError(f"{owner}: expected the arguments {sorted(keys)}, got {brief(sorted(config))}")


def _as_inputs(x: Inputs, expected: int, owner: Module) -> tuple[Value, ...]:
    """``x`` as ``expected`` Values (a lone number, NumPy's too, is accepted when ``expected`` is 1).

    Plain numbers become constants once here, named ``x[0]``, ``x[1]``, … as drawings show them, so
    every neuron of a layer shares the same inputs.
    """
    inputs: Any = [x] if isinstance(x, (Value, numbers.Real)) else x
    try:
        count = len(inputs)
    except TypeError:
        raise TypeError(
            f"{type(owner).__name__}(nin={expected}) expects {expected} inputs (a list of numbers or "
            f"Values), got {type(inputs).__name__}"
        ) from None
    if count != expected:
        raise ValueError(f"{type(owner).__name__}(nin={expected}) expects {expected} inputs, got {count}")
    return tuple([xi if isinstance(xi, Value) else _named_input(xi, i, owner) for i, xi in enumerate(inputs)])


def _named_input(number: Any, i: int, owner: Module) -> Value:
    """The number given as input ``i``, as a constant named ``x[i]``."""
    constant = as_value(number, type(owner).__name__)
    constant.label = f"x[{i}]"
    return constant


class Neuron(Module):
    """One neuron: ``activation(w·x + b)``.

    ``w`` is a list of ``nin`` weights, ``b`` the bias (``None`` with ``bias=False``). Weights
    start from ``init`` (see ``INITIALISERS``; ``fan_out`` is the size of the layer, used by
    Xavier), biases at 0. ``seed`` or ``rng`` makes the starting weights reproducible.
    """

    _always_shown = ("activation", "bias")

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
        nin, _, bias = _check_stack("Neuron", nin, [1], [activation], bias, init)
        fan_out = whole_number(fan_out, "Neuron: fan_out", 1)
        self._activation = _activation_function(activation)
        name = _activation_name(activation)
        self._config = {"nin": nin, "activation": name, "bias": bias, "init": init}
        # whether nn.load, which rebuilds the activation from its name, gets this very function back
        self._rebuildable = ACTIVATIONS.get(name) is self._activation
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

    @classmethod
    def _check_config(cls, config: Mapping[str, Any]) -> int:
        _check_keys("Neuron", config, {"nin", "activation", "bias", "init"})
        nin, _, bias = _check_stack(
            "Neuron", config["nin"], [1], [config["activation"]], config["bias"], config["init"]
        )
        return nin + bias

    def _save_problem(self) -> str | None:
        if self._rebuildable:
            return None
        return (
            f"its activation {self._config['activation']!r} is a function, which a file cannot hold "
            f"(nn.load rebuilds activations by name): use one of {sorted(ACTIVATIONS)}, "
            "or add yours to nn.ACTIVATIONS"
        )


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
        nin, (nout,), bias = _check_stack("Layer", nin, [nout], [activation], bias, init)
        generator = make_rng(seed, rng)
        self._config = {
            "nin": nin,
            "nout": nout,
            "activation": _activation_name(activation),
            "bias": bias,
            "init": init,
        }
        self.neurons = [Neuron(nin, activation, bias, init, rng=generator, fan_out=nout) for _ in range(nout)]

    _always_shown = ("activation", "bias")

    def __call__(self, x: Inputs) -> list[Value]:
        """Each neuron's output for the inputs ``x``, as a list of ``nout`` Values."""
        x = _as_inputs(x, len(self.neurons[0].w), self)
        return [neuron._forward(x) for neuron in self.neurons]

    @classmethod
    def _check_config(cls, config: Mapping[str, Any]) -> int:
        _check_keys("Layer", config, {"nin", "nout", "activation", "bias", "init"})
        nin, (nout,), bias = _check_stack(
            "Layer", config["nin"], [config["nout"]], [config["activation"]], config["bias"], config["init"]
        )
        return nout * (nin + bias)


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
        nin, nouts, bias = _check_stack(
            "MLP", nin, _sizes(nouts), [activation, output_activation], bias, init
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

    _always_shown = ("activation", "output_activation", "bias")

    @classmethod
    def _check_config(cls, config: Mapping[str, Any]) -> int:
        keys = {"nin", "nouts", "activation", "output_activation", "bias", "init"}
        _check_keys("MLP", config, keys)
        activations = [config["activation"], config["output_activation"]]
        nin, nouts, bias = _check_stack(
            "MLP", config["nin"], _sizes(config["nouts"]), activations, config["bias"], config["init"]
        )
        return sum(fan_out * (fan_in + bias) for fan_in, fan_out in zip([nin, *nouts], nouts))

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


def _sizes(nouts: Any) -> list[Any]:
    """``MLP``'s ``nouts`` as a non-empty list, with a message that shows the form it takes."""
    if isinstance(nouts, (numbers.Number, str, bytes)) or not hasattr(nouts, "__iter__"):
        raise TypeError(
            f"MLP: nouts must be a list of layer sizes, such as [3] for one layer of 3 neurons "
            f"or [16, 16, 1] for three layers, got {brief(nouts)}"
        )
    sizes = list(nouts)
    if not sizes:
        raise ValueError("MLP: nouts must list at least one layer size")
    return sizes
