"""Benchmark: one network as a scalar graph and as tensors, against PyTorch's vectorised code.

- The moons step: micrograd's demo (100 points, MLP(2, [16, 16, 1]) with ReLU, mean hinge loss
  plus 1e-4·Σp², SGD at 0.05) replayed over the batch (``autograd.compile(..., batch=True)``) and
  fused into matrix products (``fuse=True``), against the same network, loss and step in PyTorch
  on float64 tensors (one thread, after warming up). Goals: replay ≤ 3× PyTorch, fused ≤ 1×.
- A digits epoch: ``MLP(64, [32, 10])`` with tanh on the 8×8 digits, cross-entropy, SGD at 0.1,
  mini-batches of 32 (the 44 full ones of the training split): plain engine, compiled per example,
  replayed, fused, and PyTorch. Goal: fused ≤ 0.1 s.
- Plain SGD's ``optimizer.step()`` over that network's 2,410 parameters, one at a time and as
  arrays. Goal: the update as arrays costs no more than the fused replayed step of a batch of 32
  that computed its gradients.

Every variant starts from the same weights and the first losses must agree to 1e-9. Each figure is
the median of several samples (each sample the mean of a block of steps), the variants taking
turns, with the samples' range; a goal's verdict compares the medians and says in how many of the
paired samples it held.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd
import nn

from .demo_step import ALPHA, LEARNING_RATE, SIZES, make_moons

DIGITS_SIZES = [32, 10]
DIGITS_BATCH = 32
DIGITS_LEARNING_RATE = 0.1
TOLERANCE = 1e-9


@dataclass
class Figure:
    """Samples of one variant's time (s) for one piece of work."""

    name: str
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def text(self) -> str:
        return (
            f"{self.name} {_amount(self.median)} [{_amount(min(self.samples))}–{_amount(max(self.samples))}]"
        )


def _amount(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def sample(works: dict[str, Callable[[], Any]], samples: int, block: int) -> dict[str, Figure]:
    """Each work's time, ``samples`` times the mean of ``block`` runs, the works taking turns (the
    garbage collector on, as a user has it; collected before each block so none pays for another)."""
    figures = {name: Figure(name, []) for name in works}
    for _ in range(samples):
        for name, work in works.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(block):
                work()
            figures[name].samples.append((time.perf_counter() - start) / block)
    return figures


def goal_line(what: str, figure: Figure, reference: Figure | None, goal: float) -> str:
    """``what: replayed 1.0 ms [...], torch 0.4 ms [...] -> 2.5x torch (goal ≤ 3x: met in 7 of 7 samples)``;
    without a reference the goal is in seconds."""
    if reference is None:
        held = sum(s <= goal for s in figure.samples)
        verdict = "met" if figure.median <= goal else "NOT met"
        return (
            f"{what}: {figure.text()} (goal ≤ {_amount(goal)}: {verdict}, "
            f"{held} of {len(figure.samples)} samples within it)"
        )
    ratio = figure.median / reference.median
    held = sum(a / b <= goal for a, b in zip(figure.samples, reference.samples))
    verdict = "met" if ratio <= goal else "NOT met"
    return (
        f"{what}: {figure.text()}, {reference.text()} -> {ratio:.2f}x {reference.name} "
        f"(goal ≤ {goal:g}x: {verdict}, {held} of {len(figure.samples)} samples within it)"
    )


# --- the moons step ---------------------------------------------------------------------------------


def _moons_model() -> nn.MLP:
    return nn.MLP(2, SIZES, activation="relu", seed=1337)


def replayed_moons_step(fuse: bool) -> Callable[[], float]:
    """One SGD step of the demo, the loss replayed over the 100 points (``reduction="mean"``: the
    penalty, the same in every example's loss, counts once, as in the demo)."""
    model = _moons_model()
    parameters = model.parameters()
    X, y = make_moons()

    def loss(x: Any, label: Any) -> autograd.Value:
        return nn.hinge_loss(model(x), label) + nn.l2_penalty(parameters, alpha=ALPHA)

    replay = autograd.compile(loss, X[0], y[0], batch=True, reduction="mean", fuse=fuse)
    optimizer = nn.optim.SGD(parameters, lr=LEARNING_RATE)
    X_array, y_array = np.array(X), np.array(y, dtype=float)

    def step() -> float:
        optimizer.zero_grad()
        value = float(replay(X_array, y_array).mean())
        optimizer.step()
        return value

    return step


def torch_moons_step() -> Callable[[], float]:
    """The same step in PyTorch, on float64 tensors: the network as ``to_torch`` makes it."""
    import torch

    torch.set_num_threads(1)
    net = _moons_model().to_torch()
    X, y = make_moons()
    inputs, labels = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)

    def step() -> float:
        optimizer.zero_grad()
        scores = net(inputs)[:, 0]
        penalty = sum((p * p).sum() for p in net.parameters())
        loss = torch.relu(1 - labels * scores).mean() + ALPHA * penalty
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


def moons(samples: int, block: int, torch: bool) -> list[str]:
    steps = {"replayed": replayed_moons_step(False), "fused": replayed_moons_step(True)}
    if torch:
        steps["torch"] = torch_moons_step()
    _agree("moons step", {name: [step() for _ in range(3)] for name, step in steps.items()})
    for step in steps.values():  # warm: caches, allocator, lazy imports
        for _ in range(block):
            step()
    figures = sample(steps, samples, block)
    what = "moons step (MLP 2-16-16-1, 100 points, hinge + L2, SGD)"
    reference = figures.get("torch")
    if reference is None:
        return [f"{what}: {figures['replayed'].text()}, {figures['fused'].text()} (PyTorch not installed)"]
    return [
        goal_line(f"{what}, replayed vs PyTorch vectorised float64", figures["replayed"], reference, 3.0),
        goal_line(f"{what}, fused vs PyTorch vectorised float64", figures["fused"], reference, 1.0),
    ]


def _agree(what: str, losses: dict[str, list[float]]) -> None:
    first = next(iter(losses.values()))
    for name, trajectory in losses.items():
        for number, (a, b) in enumerate(zip(trajectory, first)):
            if abs(a - b) > TOLERANCE * max(1.0, abs(b)):
                raise AssertionError(f"{what} {number}: {name}'s loss {a!r} differs from {b!r}")


# --- the digits epoch -------------------------------------------------------------------------------


def _digits_batches() -> tuple[list[tuple[list[list[float]], list[int]]], int]:
    X, y = nn.data.digits()
    X_train, y_train, _, _ = nn.data.split(X, y)
    full = len(X_train) // DIGITS_BATCH
    batches = [
        (
            X_train[i * DIGITS_BATCH : (i + 1) * DIGITS_BATCH],
            y_train[i * DIGITS_BATCH : (i + 1) * DIGITS_BATCH],
        )
        for i in range(full)
    ]
    return batches, full * DIGITS_BATCH


def _digits_model() -> nn.MLP:
    return nn.MLP(64, DIGITS_SIZES, activation="tanh", init="xavier", seed=0)


def _chainrule_epoch(kind: str, batches: Sequence[tuple[Any, Any]]) -> Callable[[], float]:
    """An epoch over ``batches`` with the plain engine, ``compile`` per example, or the replay."""
    model = _digits_model()
    parameters = model.parameters()
    optimizer = nn.optim.SGD(parameters, lr=DIGITS_LEARNING_RATE)

    def loss(x: Any, target: Any) -> autograd.Value:  # one example's share of the batch's mean
        scores: Any = model(x)
        return nn.cross_entropy(scores, target) / DIGITS_BATCH

    hot = [(np.array(X), np.array(nn.data.one_hot(y, 10))) for X, y in batches]
    if kind in ("replayed", "fused"):
        replay = autograd.compile(loss, hot[0][0][0], hot[0][1][0], batch=True, fuse=kind == "fused")
        run = lambda X, Y: float(replay(X, Y).sum())  # noqa: E731
    elif kind == "compiled":
        compiled = autograd.compile(loss, hot[0][0][0].tolist(), hot[0][1][0].tolist())
        run = lambda X, Y: sum(compiled(x, t) for x, t in zip(X.tolist(), Y.tolist()))  # noqa: E731
    else:

        def run(X: Any, Y: Any) -> float:
            rows: Any = [model(x) for x in X.tolist()]
            total = nn.cross_entropy(rows, Y.tolist())
            total.backward()
            return total.data

    def epoch() -> float:
        first = None
        for X, Y in hot:
            optimizer.zero_grad()
            value = run(X, Y)
            optimizer.step()
            first = value if first is None else first
        return float(first)  # type: ignore[arg-type]

    return epoch


def _torch_epoch(batches: Sequence[tuple[Any, Any]]) -> Callable[[], float]:
    import torch

    torch.set_num_threads(1)
    net = _digits_model().to_torch()
    optimizer = torch.optim.SGD(net.parameters(), lr=DIGITS_LEARNING_RATE)
    tensors = [(torch.tensor(X, dtype=torch.float64), torch.tensor(y)) for X, y in batches]

    def epoch() -> float:
        first = None
        for X, y in tensors:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(X), y)
            loss.backward()
            optimizer.step()
            first = float(loss.item()) if first is None else first
        return float(first)  # type: ignore[arg-type]

    return epoch


def digits(samples: int, torch: bool, plain: bool = True) -> list[str]:
    batches, count = _digits_batches()
    kinds = (["plain", "compiled"] if plain else []) + ["replayed", "fused"]
    epochs = {kind: _chainrule_epoch(kind, batches) for kind in kinds}
    if torch:
        epochs["torch"] = _torch_epoch(batches)
    _agree("digits epoch, first loss of", {name: [epoch()] for name, epoch in epochs.items()})
    figures = sample(epochs, samples, 1)
    what = f"digits epoch (MLP 64-32-10 tanh, {count} images in batches of {DIGITS_BATCH}, SGD)"
    parts = ", ".join(figure.text() for name, figure in figures.items() if name != "fused")
    lines = [f"{what}: {parts}"]
    lines.append(goal_line(f"{what}, fused", figures["fused"], None, 0.1))
    if "plain" in figures:
        speedups = ", ".join(
            f"{name} {figures['plain'].median / figure.median:.3g}x" for name, figure in figures.items()
        )
        lines.append(f"digits epoch, faster than the plain engine: {speedups}")
    return lines


def sgd_line(samples: int) -> str:
    """``optimizer.step()`` of plain SGD over the digits network's parameters, one at a time and as
    arrays, and the update as arrays against the fused replayed step of one batch that it follows
    (goal: the update costs no more than the step that computed its gradients)."""
    from nn import optim

    model = _digits_model()
    for number, p in enumerate(model.parameters()):
        p.grad = (number % 7 - 3) * 1e-3
    optimizers = {name: optim.SGD(model.parameters(), lr=1e-9) for name in ("one at a time", "as arrays")}
    threshold = optim.ARRAY_UPDATE_FROM

    def stepping(name: str) -> Callable[[], None]:
        def step() -> None:
            optim.ARRAY_UPDATE_FROM = 10**9 if name == "one at a time" else threshold
            try:
                optimizers[name].step()
            finally:
                optim.ARRAY_UPDATE_FROM = threshold

        return step

    (X, labels), *_ = _digits_batches()[0]
    X_batch, Y_batch = np.array(X), np.array(nn.data.one_hot(labels, 10))

    def loss(x: Any, target: Any) -> autograd.Value:
        scores: Any = model(x)
        return nn.cross_entropy(scores, target)

    replay = autograd.compile(loss, X_batch[0], Y_batch[0], batch=True, fuse=True)
    replay(X_batch, Y_batch)  # the first call traces examples again: not part of a step
    works = {name: stepping(name) for name in optimizers} | {"fused step": lambda: replay(X_batch, Y_batch)}
    figures = sample(works, samples, 50)
    speedup = figures["one at a time"].median / figures["as arrays"].median
    parts = ", ".join(figures[name].text() for name in optimizers)
    versus = goal_line(
        f"the update as arrays against the fused replay of a batch of {DIGITS_BATCH} before it",
        figures["as arrays"],
        figures["fused step"],
        1.0,
    )
    return f"SGD step over {model.num_parameters():,} parameters: {parts} -> {speedup:.2g}x; {versus}"


def run(quick: bool, torch: bool) -> list[str]:
    """The tensor benchmark's lines (at least 5 samples each, fewer steps per sample when quick)."""
    lines = moons(samples=5 if quick else 9, block=10 if quick else 40, torch=torch)
    return [*lines, *digits(samples=5, torch=torch), sgd_line(samples=5 if quick else 9)]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.tensor", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    try:
        import torch as _  # noqa: F401

        has_torch = True
    except ImportError:
        has_torch = False
    for line in run(arguments.quick, has_torch):
        print(line, flush=True)
