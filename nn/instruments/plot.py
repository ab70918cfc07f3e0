"""Pictures of a model for notebooks and scripts, drawn with matplotlib (imported only when called).

- ``decision_boundary(model, X, y)``: the model's output over the input plane, split at the class
  threshold, with the data on top (2-D inputs).
- ``loss_curves({"name": losses, ...})``: loss against epoch, one line per run.
- ``gradient_flow(model)``: per layer, the mean |∂C/∂w| and |∂C/∂b| of the last backward pass, on
  a log scale, where vanishing or exploding gradients show as a slope.
- ``weight_histograms(model)``: the weights and biases of each layer, one histogram per layer.

Each returns the matplotlib object it drew on (an ``Axes``, or the ``Figure`` for the histograms).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..module import Module
from .recorder import Recorder
from .recording import gradient_flow as _layer_gradients
from .recording import label_number, network, plane_maps
from .training_view import PALETTE

CLASS_COLOURS = tuple("#{:02x}{:02x}{:02x}".format(*PALETTE[side]) for side in ("negative", "positive"))
"""The two classes: orange below the threshold, blue above (the training view's ``PALETTE``)."""


def _axes(ax: Any, size: tuple[float, float] = (5.0, 4.0)) -> Any:
    """``ax`` itself, or new axes on a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def decision_boundary(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    ax: Any = None,
    *,
    grid: int = 100,
    threshold: float | None = None,
    extent: Sequence[float] | None = None,
) -> Any:
    """The model's decision regions over the plane of its two inputs, the points of ``(X, y)`` on top.

    The regions are where the output is above or below ``threshold`` (0.5 for a sigmoid output,
    else 0); the line between them is the decision boundary. The origin is marked with a +.
    """
    recorder = Recorder(model, X, y, grid=grid, extent=extent, threshold=threshold)
    if recorder.inputs != 2:
        raise ValueError(f"decision_boundary: the model must take 2 inputs, X has {recorder.inputs}")
    _, output = plane_maps(model, recorder.grid_points(), recorder.network)
    if output is None:
        raise ValueError("decision_boundary: the model must have one output")
    assert recorder.extent is not None
    x0, x1, y0, y1 = recorder.extent
    ax = _axes(ax)
    rows = [output[i * grid : (i + 1) * grid] for i in range(grid)]
    ax.imshow(
        [[1.0 if v > recorder.threshold else 0.0 for v in row] for row in rows],
        origin="lower",
        extent=(x0, x1, y0, y1),
        aspect="auto",
        cmap=_class_map(),
        alpha=0.35,
        vmin=0,
        vmax=1,
    )
    centres = recorder.grid_points()
    ax.contour(
        sorted({u for u, _ in centres}),
        sorted({v for _, v in centres}),
        rows,
        levels=[recorder.threshold],
        colors="black",
        linewidths=1,
    )
    _scatter_classes(ax, X, y)
    if x0 < 0 < x1 and y0 < 0 < y1:
        ax.scatter([0], [0], marker="+", s=150, color="black", linewidths=1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    return ax


def _scatter_classes(ax: Any, X: Sequence[Any], y: Sequence[Any]) -> None:
    """The points of ``(X, y)``, one colour per class (the two of ``CLASS_COLOURS`` for two classes)."""
    labels = sorted(set(label_number(t) for t in y))
    for k, label in enumerate(labels):
        points = [x for x, t in zip(X, y) if label_number(t) == label]
        ax.scatter(
            [float(p[0]) for p in points],
            [float(p[1]) for p in points],
            color=CLASS_COLOURS[min(k, 1)] if len(labels) <= 2 else None,
            edgecolors="black",
            s=25,
            label=f"y = {label:g}",
        )


def loss_curves(histories: Mapping[str, Sequence[float]], ax: Any = None, *, log: bool = False) -> Any:
    """One line per run: the loss of each epoch (``log=True`` for a log scale)."""
    if not isinstance(histories, Mapping):
        raise TypeError(
            f"loss_curves: histories must be a dict of name → losses, got {type(histories).__name__}"
        )
    ax = _axes(ax)
    for name, losses in histories.items():
        ax.plot(range(1, len(losses) + 1), list(losses), label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    if histories:
        ax.legend()
    return ax


def gradient_flow(model: Module, ax: Any = None) -> Any:
    """Mean |∂C/∂w| and mean |∂C/∂b| of each layer (from each parameter's ``.grad``), on a log scale.

    Read it after a ``backward()``: a line falling towards the first layer is a vanishing gradient.
    """
    neurons = network(model)
    if not neurons:
        raise ValueError(
            f"gradient_flow: the model must be a Neuron, Layer or MLP, got {type(model).__name__}"
        )
    gradients = {name: float(p.grad) for name, p in model.named_parameters()}
    flow = _layer_gradients(neurons, gradients)
    ax = _axes(ax)
    layers = list(range(len(flow)))
    ax.plot(layers, [max(w, 1e-300) for w, _ in flow], "o-", label="mean |∂C/∂w|")
    with_bias = [(i, b) for i, (_, b) in enumerate(flow) if b is not None]
    if with_bias:
        ax.plot(
            [i for i, _ in with_bias], [max(b, 1e-300) for _, b in with_bias], "s--", label="mean |∂C/∂b|"
        )
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xticklabels([f"layers.{i}" for i in layers])
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel("mean |gradient|")
    ax.legend()
    return ax


def weight_histograms(model: Module, bins: int = 20) -> Any:
    """One histogram per layer of its weights and its biases; returns the ``Figure``."""
    neurons = network(model)
    if not neurons:
        raise ValueError(
            f"weight_histograms: the model must be a Neuron, Layer or MLP, got {type(model).__name__}"
        )
    import matplotlib.pyplot as plt

    values = {name: p.data for name, p in model.named_parameters()}
    figure, axes = plt.subplots(1, len(neurons), figsize=(3.2 * len(neurons), 2.8), squeeze=False)
    for i, (ax, layer) in enumerate(zip(axes[0], neurons)):
        ax.hist([values[w] for n in layer for w in n.weights], bins=bins, alpha=0.7, label="weights")
        biases = [values[n.bias] for n in layer if n.bias is not None]
        if biases:
            ax.hist(biases, bins=bins, alpha=0.7, label="biases")
        ax.set_title(f"layers.{i}")
        ax.legend()
    figure.tight_layout()
    return figure


def _class_map() -> Any:
    from matplotlib.colors import ListedColormap

    return ListedColormap(list(CLASS_COLOURS))
