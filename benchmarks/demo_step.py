"""Benchmark 1: one training step of micrograd's demo, written the way a user of each library writes it.

The demo: 100 two-moons points, an MLP(2, [16, 16, 1]) with ReLU hidden layers, the hinge loss
mean(relu(1 − y·score)) plus an L2 penalty 1e-4·Σp², and plain SGD with a learning rate of 0.05.
All the models start from micrograd's initial weights, and every step's loss must agree to 1e-9.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import micrograd.engine
import micrograd.nn

import autograd
import nn

from .libraries import count_operations
from .report import CLOSED_GOAL, Result
from .timing import Work, time_interleaved

POINTS = 100
SIZES = [16, 16, 1]
ALPHA = 1e-4
LEARNING_RATE = 0.05
TOLERANCE = 1e-9
COMPILED = "chainrule compiled"

Weights = list[list[tuple[list[float], float]]]
"""``weights[layer][neuron]`` is (w, b)."""


def make_moons(n: int = POINTS, noise: float = 0.1, seed: int = 1337) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, as scikit-learn's ``make_moons``; labels are −1 and +1."""
    rng = random.Random(seed)
    outer, inner = n - n // 2, n // 2
    points = [
        [math.cos(math.pi * i / (outer - 1)), math.sin(math.pi * i / (outer - 1))] for i in range(outer)
    ]
    points += [
        [1 - math.cos(math.pi * i / (inner - 1)), 0.5 - math.sin(math.pi * i / (inner - 1))]
        for i in range(inner)
    ]
    points = [[x + rng.gauss(0, noise), y + rng.gauss(0, noise)] for x, y in points]
    labels = [-1] * outer + [1] * inner
    return points, labels


# --- micrograd, as in its demo notebook ------------------------------------------------------------


def micrograd_model(seed: int = 1337) -> micrograd.nn.MLP:
    random.seed(seed)
    return micrograd.nn.MLP(2, SIZES)


def micrograd_weights(model: micrograd.nn.MLP) -> Weights:
    """The model's weights as plain numbers, to give the other libraries the same start."""
    return [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in model.layers]


def micrograd_step(model: micrograd.nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    inputs = [list(map(micrograd.engine.Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= LEARNING_RATE * p.grad
    return total_loss.data


# --- chainrule -------------------------------------------------------------------------------------


def chainrule_trainer(weights: Weights) -> tuple[nn.MLP, nn.optim.SGD]:
    model = nn.MLP(2, SIZES, activation="relu", output_activation="linear", seed=0)
    for layer, layer_weights in zip(model.layers, weights):
        for neuron, (w, b) in zip(layer.neurons, layer_weights):
            for parameter, value in zip(neuron.w, w):
                parameter.data = value
            if neuron.b is not None:
                neuron.b.data = b
    return model, nn.optim.SGD(model.parameters(), lr=LEARNING_RATE)


def chainrule_step(
    trainer: tuple[nn.MLP, nn.optim.SGD], X: Sequence[Sequence[float]], y: Sequence[int]
) -> float:
    model, optimizer = trainer
    scores: list[Any] = [model(x) for x in X]
    loss = nn.hinge_loss(scores, y) + nn.l2_penalty(model.parameters(), alpha=ALPHA)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def compiled_trainer(
    weights: Weights, X: Sequence[Sequence[float]], y: Sequence[int]
) -> tuple[autograd.CompiledFunction, nn.optim.SGD]:
    """The same model and loss, traced once by ``autograd.compile`` into straight-line Python."""
    model, optimizer = chainrule_trainer(weights)

    def loss_fn(X: Sequence[Sequence[Any]], y: Sequence[Any]) -> autograd.Value:
        scores: list[Any] = [model(x) for x in X]
        return nn.hinge_loss(scores, y) + nn.l2_penalty(model.parameters(), alpha=ALPHA)

    return autograd.compile(loss_fn, X, y), optimizer


def compiled_step(
    trainer: tuple[autograd.CompiledFunction, nn.optim.SGD], X: Sequence[Sequence[float]], y: Sequence[int]
) -> float:
    step, optimizer = trainer
    optimizer.zero_grad()
    loss = step(X, y)
    optimizer.step()
    return loss


# --- PyTorch, one 0-d tensor per number --------------------------------------------------------------


class TorchScalarMLP:
    """micrograd's MLP with every weight a 0-d float64 tensor: PyTorch used as a scalar engine."""

    def __init__(self, weights: Weights) -> None:
        import torch

        def tensor(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        self.layers = [[([tensor(w) for w in ws], tensor(b)) for ws, b in layer] for layer in weights]

    def __call__(self, x: Sequence[Any]) -> Any:
        for index, layer in enumerate(self.layers):
            last = index == len(self.layers) - 1
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            x = x if last else [act.relu() for act in x]
        return x[0]

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for w, b in layer for p in [*w, b]]


def torch_step(model: TorchScalarMLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    import torch

    scores = [model(x) for x in X]
    losses = [(1 - yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) / len(losses)
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    total_loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= LEARNING_RATE * p.grad
            p.grad = None
    return total_loss.item()


# --- the benchmark ---------------------------------------------------------------------------------


SAME_GRAPH = "chainrule, same graph"


def run(library_names: Sequence[str], steps: int) -> Result:
    """Time ``steps`` training steps in each library from the same weights; each figure is the median.

    Beside chainrule as a user writes it (one ``linear`` node per neuron), the variant "same graph"
    builds micrograd's own graph of binary operations with chainrule's Values: node for node the
    work micrograd does, so that line compares the engines, not the graphs.
    """
    X, y = make_moons()
    reference = micrograd_model()
    weights = micrograd_weights(reference)
    models: dict[str, tuple[Any, Callable[..., float]]] = {
        "chainrule": (chainrule_trainer(weights), chainrule_step),
        "micrograd": (reference, micrograd_step),
        SAME_GRAPH: (chainrule_trainer(weights), binary_ops_step),
    }
    if "torch" in library_names:
        models["torch"] = (TorchScalarMLP(weights), torch_step)
    started = time.perf_counter()
    models[COMPILED] = (compiled_trainer(weights, X, y), compiled_step)
    compile_seconds = time.perf_counter() - started
    result = Result("demo step (moons, MLP 2-16-16-1)", "s", target=50, target_of=CLOSED_GOAL)
    losses: dict[str, list[float]] = {}
    works: dict[str, Work] = {}
    for name, (model, step) in models.items():
        trajectory: list[float] = []
        losses[name] = trajectory

        def one_step(
            model: Any = model, step: Callable[..., float] = step, trajectory: list[float] = trajectory
        ) -> None:
            trajectory.append(step(model, X, y))

        works[name] = (one_step, None)
    for name, timing in time_interleaved(works, steps).items():
        result.add(name, timing.runs, variant=name in (COMPILED, SAME_GRAPH))
    for name, trajectory in losses.items():
        for number, (loss, expected) in enumerate(zip(trajectory, losses["micrograd"])):
            if abs(loss - expected) > TOLERANCE:
                raise AssertionError(
                    f"demo step {number}: {name} loss {loss!r} differs from micrograd's {expected!r}"
                )
    result.variants["compiled"] = result.variants.pop(COMPILED)
    result.samples["compiled"] = result.samples.pop(COMPILED)
    result.variants["same graph as micrograd"] = result.variants.pop(SAME_GRAPH)
    result.samples["same graph as micrograd"] = result.samples.pop(SAME_GRAPH)
    nodes = {name: count_operations(graph) for name, graph in demo_graphs(weights, X, y).items()}
    if nodes[SAME_GRAPH] != nodes["micrograd"]:
        raise AssertionError(
            f"the same-graph variant builds {nodes[SAME_GRAPH]} nodes, micrograd {nodes['micrograd']}"
        )
    result.note = f"losses agree to {TOLERANCE:g} over {steps} steps, first {losses['micrograd'][0]:.6f}"
    result.note += (
        f"; graphs: chainrule {nodes['chainrule']:,} nodes, micrograd and same graph {nodes['micrograd']:,}"
    )
    result.note += f"; autograd.compile took {compile_seconds:.2g} s once"
    return result


def backward_per_node(steps: int) -> Result:
    """The backward pass alone, per node, on the same graph: micrograd's demo loss of binary
    operations (65,077 nodes) built by each engine, untimed, and ``loss.backward()`` timed, ``steps``
    runs in turns. A fresh graph for each run: a second micrograd backward would count its
    intermediates' gradients twice. Goal: chainrule's time per node at most micrograd's (target 1x)."""
    X, y = make_moons()
    weights = micrograd_weights(micrograd_model())
    model, _ = chainrule_trainer(weights)
    reference = micrograd_model()
    graphs = demo_graphs(weights, X, y)
    nodes = count_operations(graphs["micrograd"])
    if count_operations(graphs[SAME_GRAPH]) != nodes:
        raise AssertionError("the same-graph variant does not build micrograd's graph")

    def backward(loss: Any) -> None:
        loss.backward()

    works: dict[str, Work] = {
        "chainrule": (backward, lambda: binary_loss(model, X, y)),
        "micrograd": (backward, lambda: micrograd_loss(reference, X, y)),
    }
    result = Result(f"backward alone, demo step's graph ({nodes:,} nodes)", "µs/node", target=1)
    for name, timing in time_interleaved(works, steps).items():
        result.add(name, tuple(seconds / nodes * 1e6 for seconds in timing.runs))
    return result


# --- micrograd's graph, built with chainrule's Values ----------------------------------------------


def binary_forward(model: nn.MLP, xrow: Sequence[float]) -> Any:
    """micrograd's forward pass on chainrule's Values: each neuron a chain of ``+`` over ``w·x`` products."""
    x: list[Any] = [autograd.Value(v) for v in xrow]
    for index, layer in enumerate(model.layers):
        last = index == len(model.layers) - 1
        sums: list[Any] = [sum((wi * xi for wi, xi in zip(n.w, x)), n.b) for n in layer.neurons]  # type: ignore[type-var]
        x = sums if last else [act.relu() for act in sums]
    return x[0]


def binary_loss(model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> Any:
    """micrograd's demo loss, operation for operation, on chainrule's Values."""
    scores = [binary_forward(model, xrow) for xrow in X]
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + ALPHA * sum(p * p for p in model.parameters())


def binary_ops_step(
    trainer: tuple[nn.MLP, nn.optim.SGD], X: Sequence[Sequence[float]], y: Sequence[int]
) -> float:
    model, optimizer = trainer
    loss = binary_loss(model, X, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss.data)


def demo_graphs(weights: Weights, X: Sequence[Sequence[float]], y: Sequence[int]) -> dict[str, Any]:
    """One step's loss graph as each builds it, to count the nodes."""
    model, _ = chainrule_trainer(weights)
    scores: list[Any] = [model(x) for x in X]
    mine = nn.hinge_loss(scores, y) + nn.l2_penalty(model.parameters(), alpha=ALPHA)
    theirs = micrograd_loss(micrograd_model(), X, y)
    return {"chainrule": mine, "micrograd": theirs, SAME_GRAPH: binary_loss(model, X, y)}


def micrograd_loss(model: micrograd.nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> Any:
    """micrograd's demo loss, as ``micrograd_step`` builds it, to count or time its graph."""
    inputs = [list(map(micrograd.engine.Value, xrow)) for xrow in X]
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, map(model, inputs))]
    return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())
