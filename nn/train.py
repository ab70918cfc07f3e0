"""``fit``: the training loop, packaged, with a progress bar.

The loop itself is the lesson, and it is short; write it out while learning::

    for epoch in range(epochs):
        loss = loss_fn([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

``fit`` runs the same loop over mini-batches, shows progress, and returns the loss history.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from autograd import Value, whole_number

from .data import batches
from .module import Module
from .optim import LRScheduler, Optimizer
from .seeding import make_rng

if TYPE_CHECKING:
    from .instruments.recorder import Recorder


def fit(
    model: Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    loss_fn: Callable[[list[Any], list[Any]], Value],
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    progress: bool = True,
    scheduler: LRScheduler | None = None,
    seed: int | None = 0,
    recorder: Recorder | None = None,
) -> list[float]:
    """Train ``model`` for ``epochs`` passes over ``(X, y)``; return the mean loss of each epoch.

    Each step computes ``loss_fn([model(x) for x in batch_X], batch_y)``, then zero_grad (the
    optimizer's parameters, and every parameter of a ``Module``), backward, step.
    ``batch_size=None`` uses all samples at once (full-batch gradient descent); otherwise
    batches are shuffled from ``seed`` (``None``: from Python's global ``random``).
    ``scheduler.step()`` runs after each epoch.
    The progress bar is tqdm's, on stderr (the notebook widget inside Jupyter when ipywidgets is
    installed, text otherwise); ``progress=False`` hides it.
    ``recorder`` (an ``nn.Recorder``) records the untrained model, then the epochs it chooses and the
    last one: their loss, parameters, gradients and maps, for ``nn.training_view``.
    """
    epochs = whole_number(epochs, "fit: epochs")
    if len(X) == 0:
        raise ValueError("fit: there are no samples to train on (X is empty)")
    rng = make_rng(seed)
    size = len(X) if batch_size is None else batch_size
    history: list[float] = []
    start = recorder.start(loss_fn) if recorder is not None else 0
    bar = progress_bar()(range(epochs), desc="training", unit="epoch", disable=not progress, file=sys.stderr)
    for epoch in bar:
        total, count = 0.0, 0
        for batch_X, batch_y in batches(X, y, size, shuffle=batch_size is not None, rng=rng):
            loss = loss_fn([model(x) for x in batch_X], batch_y)
            if not isinstance(loss, Value):
                raise TypeError(
                    f"fit: loss_fn must return a Value to backpropagate from, got {type(loss).__name__}: "
                    f"{loss!r}; compute it from the model's outputs with Value operations (nn.mse_loss, ...)"
                )
            optimizer.zero_grad()
            if isinstance(model, Module):  # parameters left out of the optimizer: this step's grads too
                model.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.data * len(batch_X)
            count += len(batch_X)
        history.append(total / count)
        if scheduler is not None:
            scheduler.step()
        if recorder is not None:
            recorder.record(start + epoch + 1, history[-1], last=epoch == epochs - 1)
        bar.set_postfix(loss=f"{history[-1]:.4g}")
    return history


def progress_bar() -> Any:
    """tqdm's notebook widget inside a Jupyter kernel that has ipywidgets, its text bar everywhere else.

    (``tqdm.auto`` picks the widget whenever it runs in a kernel, and warns "IProgress not found"
    when ipywidgets is missing; the text bar works there too.) In a browser (Pyodide), where no
    thread can start, the bar runs without tqdm's monitor thread.
    """
    ipython = sys.modules.get("IPython")  # loaded already in any IPython shell, never here by us
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and "IPKernelApp" in getattr(shell, "config", {}) and find_spec("ipywidgets"):
        from tqdm.notebook import tqdm as notebook_bar

        return notebook_bar
    from tqdm.std import tqdm as text_bar  # the progress bar loads when training starts, not with nn

    if sys.platform == "emscripten":  # in a browser no thread can start: no monitor thread for the bar
        text_bar.monitor_interval = 0
    return text_bar
