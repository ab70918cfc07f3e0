"""What the training view shows, as data: a frame of a recording, the network's neurons, the maps.

``nn.Recorder`` (``recorder.py``) fills these while a model trains; ``nn.training_view`` reads them.
Both depend on this module, and it on neither:

- ``Frame``: the model at the end of one epoch (losses, parameters, gradients, maps);
- ``NeuronInfo`` and ``network(model)``: the neurons layer by layer with their parameters' names;
- ``plane_maps(model, points)``: each neuron's activation over the input plane, with no graph built;
- ``gradient_flow(neurons, gradients)``: per layer, the mean |∂C/∂w| and |∂C/∂b|;
- ``Recording``: what a page needs of a recording (``nn.Recorder`` has it all);
- ``to_float`` and ``label_number``: a number, a Value or a label (one-hot too) as a float.

>>> import nn
>>> from nn.instruments.recording import network, plane_maps
>>> model = nn.MLP(2, [2, 1], activation="tanh", seed=0)
>>> [[neuron.name for neuron in layer] for layer in network(model)]
[['layers.0.neurons.0', 'layers.0.neurons.1'], ['layers.1.neurons.0']]
>>> maps, output = plane_maps(model, [(0.0, 0.0), (1.0, -1.0)])
>>> output == [model([0.0, 0.0]).data, model([1.0, -1.0]).data]
True
"""

from __future__ import annotations

import numbers
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import autograd
from autograd import Value, data_of

from ..activations import ACTIVATIONS, activation_op
from ..layers import MLP, Layer, Neuron
from ..module import Module
from .probe import own_activation, unrecorded


def _on_floats(activation: str) -> Callable[[list[float]], list[float]] | None:
    """Activation ``activation`` of ``nn.ACTIVATIONS`` on a column of plain floats (one per grid point):
    the forward rule of the engine's own op, its settings at the method's defaults (leaky_relu's
    slope); ``None`` for an activation that is no op of the engine."""
    if activation == "linear":
        return lambda z: z
    found = activation_op(activation)
    if found is None:
        return None
    forward, settings = found[0].forward, found[1]
    return lambda z: [forward(v, *settings) for v in z]


@dataclass
class NeuronInfo:
    """Where one neuron sits and which parameters are its own (by dotted name)."""

    name: str
    """Its dotted name, ``layers.1.neurons.3`` (``neuron`` for a model that is one neuron)."""
    layer: int
    weights: list[str]
    bias: str | None
    activation: str


@dataclass
class Frame:
    """The model at the end of one epoch."""

    epoch: int
    loss: float | None
    """The training loss: the epoch's mean loss as ``fit`` returns it (at epoch 0, the untrained model's)."""
    test_loss: float | None
    parameters: dict[str, float]
    gradients: dict[str, float]
    """∂C/∂θ of the epoch's last step (at epoch 0, of the first step: the loss on the whole training set)."""
    maps: dict[str, array] = field(default_factory=dict)
    """Each neuron's activation over the grid, row by row from the bottom (y₀) up; empty if not 2-D."""
    output: array | None = None
    """The model's output over the grid (a one-output model with 2-D inputs), else ``None``."""


@runtime_checkable
class Recording(Protocol):
    """What the training view reads of a recording: the run, its network and its frames (``nn.Recorder``).

    ``isinstance(x, Recording)`` checks that ``x`` has each of these names.
    """

    model: Any
    X: Sequence[Any]
    y: Sequence[Any]
    X_test: Sequence[Any] | None
    y_test: Sequence[Any] | None
    frames: list[Frame]
    network: list[list[NeuronInfo]]
    inputs: int
    threshold: float
    extent: tuple[float, float, float, float] | None
    grid: int

    @property
    def epochs(self) -> list[int]: ...

    @property
    def names(self) -> list[str]: ...


# --- the network, the maps and the gradient flow ---------------------------------------------------


def network(model: Module) -> list[list[NeuronInfo]]:
    """The neurons of a Neuron, Layer or MLP, layer by layer, with the names of their parameters (else [])."""
    names = {id(p): name for name, p in model.named_parameters()}
    layers: list[list[Neuron]] = [[model]] if isinstance(model, Neuron) else []
    if isinstance(model, (MLP, Layer)):
        layers = [list(layer.neurons) for layer in (model.layers if isinstance(model, MLP) else [model])]
    found = []
    for i, neurons in enumerate(layers):
        infos = []
        for neuron in neurons:
            weights = [names[id(w)] for w in neuron.w]
            name = "neuron" if weights[0].startswith("w.") else weights[0].rsplit(".w.", 1)[0]
            activation = neuron.config()["activation"]
            if ACTIVATIONS.get(activation) is not own_activation(neuron):
                activation = f"custom:{activation}"  # a function of the user's, maybe named like ours
            bias = None if neuron.b is None else names[id(neuron.b)]
            infos.append(NeuronInfo(name, i, weights, bias, activation))
        found.append(infos)
    return found


def _layers(model: Module) -> list[Callable[[Any], list[Value]]]:
    """The model as a chain of functions, each giving one layer's outputs as a list."""
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        return [lambda x: [model(x)]]
    return []


def plane_maps(
    model: Module, points: Sequence[tuple[float, float]], neurons: list[list[NeuronInfo]] | None = None
) -> tuple[dict[str, list[float]], list[float] | None]:
    """Each neuron's activation and the model's output at each point of the plane, with no graph built.

    For the activations of ``nn.ACTIVATIONS`` this is plain float arithmetic, z = w·a + b over all
    points at once; a model with activations of its own runs on Values inside ``no_grad()``. The output
    is ``None`` for a model with several outputs.
    """
    if neurons is None:
        neurons = network(model)
    maps: dict[str, list[float]] = {}
    if not neurons:  # any other model: one forward pass per point
        call: Any = model
        with autograd.no_grad(), unrecorded():
            outputs = [call(list(point)) for point in points]
        if all(isinstance(o, (Value, int, float)) for o in outputs):
            return maps, [to_float(o) for o in outputs]
        return maps, None
    if all(_on_floats(neuron.activation) for layer in neurons for neuron in layer):
        by_name = dict(model.named_parameters())
        columns = [[u for u, _ in points], [v for _, v in points]]
        for layer in neurons:
            outputs = []
            for neuron in layer:  # z = w·a + b over every point at once, one weight at a time
                b = 0.0 if neuron.bias is None else by_name[neuron.bias].data
                w = [by_name[weight].data for weight in neuron.weights]
                z = [w[0] * a + b for a in columns[0]]
                for wk, column in zip(w[1:], columns[1:]):
                    z = [s + wk * a for s, a in zip(z, column)]
                on_floats = _on_floats(neuron.activation)
                assert on_floats is not None
                outputs.append(on_floats(z))
                maps[neuron.name] = outputs[-1]
            columns = outputs
    else:  # an activation given as a function: layer by layer on Values
        with autograd.no_grad(), unrecorded():
            for point in points:
                a: Any = list(point)
                for forward, infos in zip(_layers(model), neurons):
                    a = forward(a)
                    for info, value in zip(infos, a):
                        maps.setdefault(info.name, []).append(value.data)
    last = neurons[-1]
    return maps, (maps[last[0].name] if len(last) == 1 else None)


def gradient_flow(
    neurons: list[list[NeuronInfo]], gradients: dict[str, float]
) -> list[tuple[float, float | None]]:
    """Per layer, the mean |∂C/∂w| over its weights and the mean |∂C/∂b| over its biases (None if none)."""
    flow = []
    for layer in neurons:
        weights = [abs(gradients[w]) for neuron in layer for w in neuron.weights]
        biases = [abs(gradients[neuron.bias]) for neuron in layer if neuron.bias is not None]
        flow.append((sum(weights) / len(weights), sum(biases) / len(biases) if biases else None))
    return flow


def label_number(t: Any) -> float:
    """A label as one number: itself (a number or a Value), or the index of the largest entry of a
    one-hot list or array (the class it names)."""
    if isinstance(t, (Value, numbers.Real)) or not isinstance(t, Iterable):
        return to_float(t)
    entries = [to_float(v) for v in t]
    return float(max(range(len(entries)), key=entries.__getitem__))


def to_float(x: Any) -> float:
    """A Value's number, or a number, as a float."""
    return float(data_of(x))
