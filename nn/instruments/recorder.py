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
import time
from array import array
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from ..module import Module
from .recording import Frame, NeuronInfo, gradient_flow, network, plane_maps, to_float
from .training_view import TrainingView, training_view

__all__ = ["Frame", "NeuronInfo", "Recorder", "gradient_flow", "network", "plane_maps"]

LossFunction = Callable[[list[Any], list[Any]], Value]


class Recorder:
    """Records a model while it trains: the untrained model, every ``every`` epochs, and the last epoch.

    Pass it to ``nn.fit(..., recorder=recorder)``, or call ``record(epoch, loss)`` from a loop of your
    own. ``grid`` is the number of points per side of the input-plane maps (2-D inputs only);
    ``extent`` = (x_min, x_max, y_min, y_max) sets the plane shown, by default the data's box with a
    margin. ``threshold`` is the output that separates the classes (0.5 for a sigmoid output, else 0).
    ``loss_fn`` gives the test loss (``fit`` passes its own).
    """

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
        if isinstance(grid, bool) or not isinstance(grid, int) or grid < 2:
            raise ValueError(f"Recorder: grid must be a whole number ≥ 2, got {grid!r}")
        if len(X) == 0 or len(X) != len(y):
            raise ValueError(
                f"Recorder: X and y must be non-empty and of one length, got {len(X)} and {len(y)}"
            )
        if (X_test is None) != (y_test is None) or (X_test is not None and len(X_test) != len(y_test or ())):
            raise ValueError("Recorder: give X_test and y_test together, of one length")
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
        self.inputs = len(_point(X[0]))
        """How many inputs the model takes: the maps need 2."""
        output_activation = self.network[-1][0].activation if self.network else "linear"
        self.threshold = float(
            threshold if threshold is not None else 0.5 if output_activation == "sigmoid" else 0
        )
        self.extent: tuple[float, float, float, float] | None = None
        if self.inputs == 2:
            points = [_point(x) for x in [*X, *(X_test or [])]]
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
        n = self.grid
        xs = [x0 + (i + 0.5) * (x1 - x0) / n for i in range(n)]
        ys = [y0 + (j + 0.5) * (y1 - y0) / n for j in range(n)]
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
            with autograd.no_grad():
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


def _point(x: Any) -> list[float]:
    """A sample as a list of floats (a lone number is a 1-D sample)."""
    if isinstance(x, (Value, int, float)):
        return [to_float(x)]
    return [to_float(v) for v in x]


def _padded_box(points: list[list[float]]) -> tuple[float, float, float, float]:
    """The box around ``points`` with a margin of 15% of its size on each side."""
    box = []
    for axis in (0, 1):
        lo, hi = min(p[axis] for p in points), max(p[axis] for p in points)
        margin = 0.15 * (hi - lo) if hi > lo else 1.0
        box += [lo - margin, hi + margin]
    return (box[0], box[1], box[2], box[3])


def _check_extent(extent: Sequence[float]) -> tuple[float, float, float, float]:
    values = [float(v) for v in extent]
    if (
        len(values) != 4
        or not all(map(math.isfinite, values))
        or values[0] >= values[1]
        or values[2] >= values[3]
    ):
        raise ValueError(
            f"Recorder: extent must be (x_min, x_max, y_min, y_max) with min < max, got {extent!r}"
        )
    return (values[0], values[1], values[2], values[3])
