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

from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value

from .data import batches
from .optim import LRScheduler, Optimizer
from .seeding import make_rng


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
) -> list[float]:
    """Train ``model`` for ``epochs`` passes over ``(X, y)``; return the mean loss of each epoch.

    Each step computes ``loss_fn([model(x) for x in batch_X], batch_y)``, then zero_grad,
    backward, step. ``batch_size=None`` uses all samples at once (full-batch gradient descent);
    otherwise batches are shuffled from ``seed`` (``None``: from Python's global ``random``).
    ``scheduler.step()`` runs after each epoch.
    The progress bar is tqdm's (the notebook widget inside Jupyter); ``progress=False`` hides it.
    """
    if epochs < 0:
        raise ValueError(f"fit: epochs must be ≥ 0, got {epochs!r}")
    if len(X) == 0:
        raise ValueError("fit: there are no samples to train on (X is empty)")
    rng = make_rng(seed)
    size = len(X) if batch_size is None else batch_size
    history: list[float] = []
    from tqdm.auto import tqdm  # the progress bar loads when training starts, not with nn

    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        total, count = 0.0, 0
        for batch_X, batch_y in batches(X, y, size, shuffle=batch_size is not None, rng=rng):
            loss = loss_fn([model(x) for x in batch_X], batch_y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.data * len(batch_X)
            count += len(batch_X)
        history.append(total / count)
        if scheduler is not None:
            scheduler.step()
        bar.set_postfix(loss=f"{history[-1]:.4g}")
    return history
