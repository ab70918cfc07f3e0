"""``Recorder``: what a network looked like at each epoch of training, for the training view.

A frame holds, for one epoch: the loss (train, and test when a test set is given), every parameter
by its dotted name, every parameter's gradient, and, when the inputs are 2-D, a ``grid``×``grid``
map of the input plane: each neuron's activation there and the model's output.

>>> import nn
>>> X, y = nn.data.xor(labels=(-1, 1))
>>> model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
>>> recorder = nn.Recorder(model, X, y, every=5, grid=8)
>>> history = nn.fit(model, X, y, nn.hinge_loss, nn.optim.SGD(model.parameters(), lr=0.1), 12,
...                  progress=False, recorder=recorder)
>>> recorder.epochs  # the untrained model, every 5th epoch, and the last
[0, 5, 10, 12]
>>> recorder.frames[-1].loss == history[-1]
True
>>> len(recorder.frames[-1].maps["layers.0.neurons.0"])  # 8 × 8 points of the input plane
64

The maps are forward passes over the grid in plain floats (no graph is built), so recording costs
about as much as the training itself for micrograd's moons demo, not more. What a frame holds and
how the maps are made live in ``recording.py``, which the page (``training_view.py``) reads too.
"""

from __future__ import annotations

import math
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import autograd
from autograd import Value, data_of

from ..activations import ACTIVATIONS
from ..module import Module
from .probe import unrecorded
from .recording import Frame, NeuronInfo, gradient_flow, network, plane_maps, to_float
from .training_view import TrainingView, training_view

__all__ = ["Frame", "NeuronInfo", "Recorder", "gradient_flow", "network", "plane_maps"]

LossFunction = Callable[[list[Any], list[Any]], Value]


class Recorder:
    """Records a model while it trains: the untrained model, every ``every`` epochs, and the last epoch.

    Pass it to ``nn.fit(..., recorder=recorder)``, or call ``record(epoch, loss)`` from a loop of your
    own. ``grid`` is the number of points per side of the input-plane maps (2-D inputs only);
    ``extent`` = (x_min, x_max, y_min, y_max) sets the plane shown, by default the data's box with a
    margin. ``threshold`` is the output that separates the classes: the output activation at a score
    of 0 (0.5 for a sigmoid, else 0).
    ``loss_fn`` gives the test loss (``fit`` passes its own).

    Everything is checked when the recorder is made: every sample of ``X`` (and ``X_test``) holds
    as many finite numbers as the first, every label is a finite number (or a list of them), and
    ``grid`` is at most ``MAX_GRID``. The recorder's own forward passes (its maps and losses) are
    not recorded by an open ``nn.inspect`` probe.
    """

    MAX_GRID = 200
    """The finest grid: the page draws the plane 300 pixels wide and its tiles 20 points a side, so a
    finer grid shows nothing more, while every frame computes grid² points per neuron (40,000 at
    200; at 10,000 it would be 10⁸, minutes a frame)."""

    def __init__(
        self,
        model: Module,
        X: Sequence[Any],
        y: Sequence[Any],
        every: int = 1,
        grid: int = 40,
        X_test: Sequence[Any] | None = None,
        y_test: Sequence[Any] | None = None,
        *,
        extent: Sequence[float] | None = None,
        threshold: float | None = None,
        loss_fn: LossFunction | None = None,
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"Recorder: model must be an nn.Module, got {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"Recorder: every must be a positive whole number, got {every!r}")
        if isinstance(grid, bool) or not isinstance(grid, int) or not 2 <= grid <= self.MAX_GRID:
            raise ValueError(f"Recorder: grid must be a whole number from 2 to {self.MAX_GRID}, got {grid!r}")
        if len(X) == 0 or len(X) != len(y):
            raise ValueError(
                f"Recorder: X and y must be non-empty and of one length, got {len(X)} and {len(y)}"
            )
        if X_test is not None and y_test is not None:  # NumPy arrays too
            X_test, y_test = list(X_test), list(y_test)
        if (X_test is None) != (y_test is None) or (X_test is not None and len(X_test) != len(y_test or ())):
            raise ValueError("Recorder: give X_test and y_test together, of one length")
        points = _samples(X, "X")
        points += _samples(X_test or [], "X_test", points[0])
        _check_labels(y, "y")
        _check_labels(y_test or [], "y_test")
        self.model: Any = model  # a Module that is called on one sample
        self.X, self.y, self.X_test, self.y_test = X, y, X_test, y_test
        self.every, self.grid, self.loss_fn = every, grid, loss_fn
        self.frames: list[Frame] = []
        self._display: Any = None  # the notebook output that show() made, refreshed by record()
        self._shown_at = 0.0
        self._refresh_cost = 0.0
        self._parameters = list(model.named_parameters())
        self.network = network(model)
        """The neurons layer by layer (``[]`` for a model that is not a Neuron, Layer or MLP)."""
        self.inputs = len(points[0])
        """How many inputs the model takes: the maps need 2."""
        output_activation = self.network[-1][0].activation if self.network else "linear"
        squash = ACTIVATIONS.get(output_activation)  # the boundary is where the score z is 0: f(0)
        default = float(squash(Value(0.0)).data) if squash is not None else 0.0
        self.threshold = default if threshold is None else _number(threshold, "threshold")
        self.extent: tuple[float, float, float, float] | None = None
        if self.inputs == 2:
            self.extent = _check_extent(extent) if extent is not None else _padded_box(points)

    # --- what has been recorded ------------------------------------------------------------------

    @property
    def epochs(self) -> list[int]:
        """The recorded epochs, in order: the timeline of the view."""
        return [frame.epoch for frame in self.frames]

    @property
    def names(self) -> list[str]:
        """Every parameter's dotted name, in the model's order."""
        return [name for name, _ in self._parameters]

    def grid_points(self) -> list[tuple[float, float]]:
        """The points of the maps (cell centres), row by row from the bottom: (x₀, y₀), (x₁, y₀), …"""
        if self.extent is None:
            return []
        x0, x1, y0, y1 = self.extent
        xs, ys = _centres(x0, x1, self.grid), _centres(y0, y1, self.grid)
        return [(u, v) for v in ys for u in xs]

    # --- recording -------------------------------------------------------------------------------

    def start(self, loss_fn: LossFunction | None = None) -> int:
        """Get ready to train: remember ``loss_fn``, record the untrained model; return the epoch reached.

        The first frame (epoch 0) holds the loss on the whole training set and its gradient, the
        one the first full-batch step follows. Training again continues the same timeline.
        """
        if loss_fn is not None and self.loss_fn is None:
            self.loss_fn = loss_fn
        if self.frames:
            return self.frames[-1].epoch
        loss, gradients = None, None
        if self.loss_fn is not None:
            with unrecorded():
                output = self.loss_fn([self.model(x) for x in self.X], list(self.y))
            loss = output.data
            trainable = [p for _, p in self._parameters if p.requires_grad]
            if output.requires_grad and trainable:
                found = {id(p): float(g) for p, g in zip(trainable, autograd.grad(output, trainable))}
                gradients = [found.get(id(p), 0.0) for _, p in self._parameters]
        self.record(0, loss, gradients=gradients)
        return 0

    def wants(self, epoch: int) -> bool:
        """Whether ``record`` keeps this epoch: every ``every``-th one (epoch 0 included)."""
        return epoch % self.every == 0

    def record(
        self,
        epoch: int,
        loss: float | None = None,
        *,
        test_loss: float | None = None,
        gradients: Sequence[float] | None = None,
        last: bool = False,
    ) -> bool:
        """Record the model at the end of ``epoch`` if ``wants(epoch)`` or it is the ``last``; True if kept.

        ``gradients`` default to each parameter's ``.grad`` (those of the epoch's last step). The
        test loss is computed with ``loss_fn`` when a test set is given and ``test_loss`` is not.
        A view on screen (``show()``) is refreshed, a few times a second at most, and at the last.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"Recorder.record: epoch must be a whole number ≥ 0, got {epoch!r}")
        if self.frames and epoch <= self.frames[-1].epoch:
            raise ValueError(
                f"Recorder.record: epoch {epoch} must come after {self.frames[-1].epoch}, the last recorded"
            )
        if not (last or self.wants(epoch)):
            return False
        if gradients is not None and len(gradients) != len(self._parameters):
            raise ValueError(
                f"Recorder.record: {len(gradients)} gradients for {len(self._parameters)} parameters"
            )
        if test_loss is None and self.X_test is not None and self.loss_fn is not None:
            with autograd.no_grad(), unrecorded():
                test_loss = self.loss_fn([self.model(x) for x in self.X_test], list(self.y_test or ())).data
        grads = gradients if gradients is not None else [to_float(p.grad) for _, p in self._parameters]
        frame = Frame(
            epoch=epoch,
            loss=None if loss is None else float(loss),
            test_loss=None if test_loss is None else float(test_loss),
            parameters={name: p.data for name, p in self._parameters},
            gradients={name: float(g) for (name, _), g in zip(self._parameters, grads)},
        )
        if self.extent is not None:
            maps, output = plane_maps(self.model, self.grid_points(), self.network)
            frame.maps = {name: array("d", values) for name, values in maps.items()}
            frame.output = None if output is None else array("d", output)
        self.frames.append(frame)
        self._refresh(final=last)
        return True

    # --- the view --------------------------------------------------------------------------------

    def view(self, title: str | None = None) -> TrainingView:
        """The training view of what has been recorded so far (``nn.training_view(self)``)."""
        if title is not None and not isinstance(title, str):
            raise TypeError(f"Recorder.view: title must be a string, got {type(title).__name__}: {title!r}")
        return training_view(self, titles=None if title is None else [title])

    def show(self) -> Any:
        """Show the view in a notebook, refreshed as ``fit`` records (IPython's ``display``/``update``)."""
        from IPython.display import HTML, display

        waiting = HTML("<p>The training view appears at the first recorded epoch.</p>")
        self._display = display(self.view() if self.frames else waiting, display_id=True)
        self._shown_at = time.perf_counter()
        return self._display

    def _refresh(self, final: bool) -> None:
        """Update the view on screen: at most every 0.25 s (or twice what an update takes), and at the end."""
        if self._display is None:
            return
        now = time.perf_counter()
        if not final and now - self._shown_at < max(0.25, 2 * self._refresh_cost):
            return
        self._display.update(self.view())
        self._shown_at = time.perf_counter()
        self._refresh_cost = self._shown_at - now


# --- helpers --------------------------------------------------------------------------------------


def _number(v: Any, where: str) -> float:
    """``v`` (a number or a Value) as a finite float, or an error naming ``where`` it was found."""
    number = data_of(v)
    try:
        if isinstance(number, (str, bytes)):
            raise TypeError
        number = float(number)
    except (TypeError, ValueError):
        raise TypeError(f"Recorder: {where}: {v!r} ({type(v).__name__}) is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"Recorder: {where}: {number} is not finite; the maps need finite numbers")
    return number


def _listed(x: Any) -> list[Any]:
    """A sample or a label as a list: a lone number (or Value) is a list of one."""
    if isinstance(x, (str, bytes, Value)) or not isinstance(x, Iterable):
        return [x]
    return list(x)


def _samples(X: Sequence[Any], name: str, like: list[float] | None = None) -> list[list[float]]:
    """The samples of ``X`` as lists of finite floats, each as long as ``like`` (X's first sample)
    or, without it, as X's own first."""
    points: list[list[float]] = []
    for i, x in enumerate(X):
        point = [_number(v, f"{name}[{i}]") for v in _listed(x)]
        first = like if like is not None else points[0] if points else point
        if len(point) != len(first):
            raise ValueError(
                f"Recorder: {name}[{i}] has {len(point)} number{'s' if len(point) != 1 else ''} but "
                f"X[0] has {len(first)}; every sample needs as many inputs as the model takes"
            )
        points.append(point)
    return points


def _check_labels(y: Sequence[Any], name: str) -> None:
    """Every label is a finite number, or a list of them (a one-hot target)."""
    for i, t in enumerate(y):
        for v in _listed(t):
            _number(v, f"{name}[{i}]")


def _padded_box(points: list[list[float]]) -> tuple[float, float, float, float]:
    """The box around ``points`` with a margin of 15% of its size on each side, its width a float.

    Coordinates as large as 1e308 give a finite box (the margin shrinks to fit below the largest
    float); coordinates spanning more than the largest float are refused: no grid can cover them.
    """
    box = []
    for axis in (0, 1):
        lo, hi = min(p[axis] for p in points), max(p[axis] for p in points)
        width = hi - lo
        if width == math.inf:
            raise ValueError(
                f"Recorder: X's coordinates x{'₁₂'[axis]} from {lo:g} to {hi:g} span more than the largest "
                "float; scale the data, or pass extent= to choose the plane shown"
            )
        margin = 0.15 * width if width > 0 else max(1.0, 0.15 * abs(lo))
        while not math.isfinite(min(hi + margin, _LARGEST) - max(lo - margin, -_LARGEST)):
            margin /= 2
        box += [max(lo - margin, -_LARGEST), min(hi + margin, _LARGEST)]
    return (box[0], box[1], box[2], box[3])


_LARGEST = sys.float_info.max


def _centres(lo: float, hi: float, n: int) -> list[float]:
    """The centres of n equal cells from lo to hi (the fraction first: no product overflows)."""
    return [min(hi, lo + (hi - lo) * ((i + 0.5) / n)) for i in range(n)]


def _check_extent(extent: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        values = [_number(v, "extent") for v in _listed(extent)]
    except (TypeError, ValueError):
        values = []
    if (
        len(values) != 4
        or not all(map(math.isfinite, values))
        or values[0] >= values[1]
        or values[2] >= values[3]
        or not math.isfinite(values[1] - values[0])
        or not math.isfinite(values[3] - values[2])
    ):
        raise ValueError(
            "Recorder: extent must be (x_min, x_max, y_min, y_max), finite, with min < max and each "
            f"width below the largest float, got {extent!r}"
        )
    return (values[0], values[1], values[2], values[3])
