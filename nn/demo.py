"""The flagship demo: watch a small network learn, then look at its graph and its backward pass.

Run it with ``make demo`` or ``python -m nn.demo [--out DIR] [--quick]``. It

1. trains the classic 2-3-1 sigmoid network on one example three times, updating only the
   weights, only the biases, or both (the experiment of notebook 04);
2. trains the same shape of network on XOR;
3. prints a table of final losses and writes figures into ``DIR`` (``figures/`` by default):
   the loss curves (PNG), one neuron's computation graph (SVG) and the frames of its backward
   pass, one chain-rule step each (SVG), and two backward-pass explorers (HTML pages to step
   through in a browser): micrograd's lecture neuron, and the XOR network's loss on one example;
4. trains micrograd's moons network with a ``Recorder`` watching and writes its training view,
   ``training.html``: every neuron, weight, bias and gradient at every epoch.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from tqdm import tqdm

import autograd
from autograd import Value

from .data import make_moons
from .instruments.recorder import Recorder
from .instruments.training_view import training_view
from .layers import MLP
from .losses import hinge_loss, l2_penalty, sse_loss
from .optim import SGD, LambdaLR
from .train import fit

# --- the w / b experiment: one example, the starting values of the classic derivation ------------

EXAMPLE_INPUT = (0.5, 0.3)
EXAMPLE_TARGET = 0.09
HIDDEN_WEIGHTS = ((0.2, -0.4), (0.5, 0.6), (0.1, -0.5))  # w1…w6, two per hidden neuron
OUTPUT_WEIGHTS = (-0.3, 0.8, 0.1)  # w7, w8, w9
HIDDEN_BIASES = (0.1, 0.21, 0.11)  # b1, b2, b3
OUTPUT_BIAS = 0.22  # b4
XOR = (((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0))

VARIANTS: dict[str, Callable[[MLP], list[Value]]] = {
    "only weights": MLP.weights,
    "only biases": MLP.biases,
    "weights and biases": MLP.parameters,
}
"""Which parameters each run of the experiment trains."""


def sigmoid_network(seed: int | None = None) -> MLP:
    """A 2-3-1 network with sigmoid hidden and output neurons."""
    return MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=seed)


def classic_start() -> dict[str, float]:
    """The starting values of the experiment, keyed by the network's parameter names."""
    state: dict[str, float] = {}
    for k, (weights, bias) in enumerate(zip(HIDDEN_WEIGHTS, HIDDEN_BIASES)):
        for j, w in enumerate(weights):
            state[f"layers.0.neurons.{k}.w.{j}"] = w
        state[f"layers.0.neurons.{k}.b"] = bias
    for k, w in enumerate(OUTPUT_WEIGHTS):
        state[f"layers.1.neurons.0.w.{k}"] = w
    state["layers.1.neurons.0.b"] = OUTPUT_BIAS
    return state


def predict(model: MLP, x: Sequence[float]) -> Value:
    """The output of a network whose last layer has one neuron (so calling it gives one Value)."""
    return cast(Value, model(x))


def train(
    model: MLP,
    trained: list[Value],
    samples: Sequence[tuple[Sequence[float], float]],
    epochs: int,
    lr: float,
    description: str,
) -> list[float]:
    """Gradient descent on C = ½Σ(o − y)², updating ``trained`` only (θ ← θ − lr·∂C/∂θ).

    Returns the loss of every epoch (one step on the whole of ``samples``).
    """
    history = []
    for _ in tqdm(range(epochs), desc=f"{description:>20}", unit="epoch", leave=True, file=sys.stderr):
        loss = sse_loss([predict(model, x) for x, _ in samples], [y for _, y in samples])
        model.zero_grad()
        loss.backward()
        for p in trained:
            p.data -= lr * float(p.grad)
        history.append(loss.data)
    return history


def bias_experiment(epochs: int = 3000, lr: float = 0.01) -> dict[str, list[float]]:
    """Train the classic network from the same start once per variant; the loss curves by variant."""
    runs = {}
    for variant, chosen in VARIANTS.items():
        model = sigmoid_network()
        model.load_state_dict(classic_start())
        runs[variant] = train(model, chosen(model), [(EXAMPLE_INPUT, EXAMPLE_TARGET)], epochs, lr, variant)
    return runs


def xor_experiment(epochs: int = 2000, lr: float = 2.0, seed: int = 0) -> tuple[MLP, list[float]]:
    """Train a 2-3-1 sigmoid network on XOR; the trained model and its loss curve."""
    model = sigmoid_network(seed=seed)
    history = train(model, model.parameters(), XOR, epochs, lr, "XOR")
    return model, history


# --- output ---------------------------------------------------------------------------------------


def loss_table(runs: dict[str, list[float]]) -> str:
    """A text table with each run's loss at the start and at the end."""
    width = max(len(name) for name in runs)
    lines = [f"{'run':<{width}}  {'epochs':>6}  {'first loss':>10}  {'final loss':>10}"]
    for name, history in runs.items():
        lines.append(f"{name:<{width}}  {len(history):>6}  {history[0]:>10.5f}  {history[-1]:>10.5f}")
    return "\n".join(lines)


def plot_losses(runs: dict[str, list[float]], xor_history: list[float], path: Path) -> None:
    """Both experiments' loss curves side by side, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, history in runs.items():
        left.plot(history, label=name)
    left.set_title("2-3-1 sigmoid net, one example: what is trained")
    left.set_xlabel("epoch")
    left.set_ylabel("loss ½(o − y)²")
    left.legend()
    right.plot(xor_history, color="tab:purple")
    right.set_yscale("log")
    right.set_title("XOR, 2-3-1 sigmoid net, all parameters")
    right.set_xlabel("epoch")
    right.set_ylabel("loss ½Σ(o − y)², log scale")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def draw_neuron(model: MLP, x: Sequence[float], out: Path, frames: int = 3) -> list[Path]:
    """Draw the first hidden neuron of ``model`` on input ``x`` as SVG: whole, and step by step.

    ``neuron_graph.svg`` shows the graph after the backward pass, each arrow labelled with its
    local derivative ∂out/∂in, so the chain rule can be read off the picture.
    ``backward_step_<k>.svg`` shows the graph right after chain-rule step k, that step in red.
    """
    neuron = model.layers[0].neurons[0]
    output = neuron(x)
    model.zero_grad()
    written = []
    for step in autograd.backward_steps(output):
        if step.index < frames:
            path = out / f"backward_step_{step.index}.svg"
            path.write_bytes(autograd.draw_dot(output, step=step).pipe(format="svg"))
            written.append(path)
    path = out / "neuron_graph.svg"
    path.write_bytes(autograd.draw_dot(output, show_local_derivatives=True).pipe(format="svg"))
    return [path, *written]


def lecture_neuron() -> Value:
    """micrograd's lecture neuron, o = tanh(x1·w1 + x2·w2 + b), with b chosen so that o ≈ 0.7071."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1w1", "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def write_explorers(model: MLP, out: Path) -> list[Path]:
    """The backward-pass explorers: ``explorer.html`` for the lecture neuron, ``explorer_xor.html``
    for ``model``'s loss C = ½(o − y)² on the XOR example x = (0, 1), y = 1."""
    neuron = out / "explorer.html"
    autograd.explore(lecture_neuron()).save(neuron)
    x, y = XOR[1]
    loss = sse_loss([predict(model, x)], [y])
    loss.label = "C"
    xor = out / "explorer_xor.html"
    autograd.explore(loss).save(xor)
    return [neuron, xor]


def moons_demo(
    epochs: int = 100, record: bool = False, grid: int = 40, test: bool = False
) -> tuple[MLP, list[float], Recorder | None]:
    """micrograd's moons demo: the model, its loss history and, with ``record``, its Recorder.

    ``MLP(2, [16, 16, 1])`` on 100 moons labelled ±1, C = hinge loss + 10⁻⁴·Σθ², full-batch SGD
    with the learning rate falling from 1.0 to 0.1. ``record`` watches every epoch with a
    ``grid``×``grid`` map; ``test`` adds 50 more moons as a test set.
    """
    X, y = make_moons(n_samples=100, noise=0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], seed=1)
    optimizer = SGD(model.parameters(), lr=1.0)
    scheduler = LambdaLR(optimizer, lambda epoch: 1.0 - 0.9 * epoch / epochs)

    def loss_fn(scores: list[Value], targets: list[float]) -> Value:
        return hinge_loss(scores, targets) + l2_penalty(model.parameters(), 1e-4)

    recorder = None
    if record:
        X_test, y_test = make_moons(n_samples=50, noise=0.1, seed=1, labels=(-1, 1)) if test else (None, None)
        recorder = Recorder(model, X, y, grid=grid, X_test=X_test, y_test=y_test)
    history = fit(
        model, X, y, loss_fn, optimizer, epochs, progress=False, scheduler=scheduler, recorder=recorder
    )
    return model, history, recorder


def write_training_view(out: Path, epochs: int = 100) -> Path:
    """``training.html``: the training view of micrograd's moons demo, with 50 test points."""
    _, _, recorder = moons_demo(epochs, record=True, test=True)
    assert recorder is not None
    path = out / "training.html"
    training_view(recorder, titles=[f"moons: MLP(2, [16, 16, 1]), {epochs} epochs"]).save(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run both experiments, print the table, write the figures; 0 on success."""
    parser = argparse.ArgumentParser(prog="python -m nn.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="folder for the figures (default: figures/)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the epochs, for a fast check")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    print("Training the 2-3-1 sigmoid network on x = (0.5, 0.3), y = 0.09, lr = 0.01:")
    runs = bias_experiment(epochs=3000 // scale)
    print("\nTraining the same shape of network on XOR, lr = 2.0:")
    xor_model, xor_history = xor_experiment(epochs=2000 // scale)

    print("\nFinal losses")
    print(loss_table({**runs, "XOR (all parameters)": xor_history}))
    with autograd.no_grad():
        outputs = ", ".join(f"{x} → {predict(xor_model, x).data:.3f}" for x, _ in XOR)
    print(f"XOR outputs: {outputs}")

    written = [out / "loss_curves.png"]
    plot_losses(runs, xor_history, written[0])
    written += draw_neuron(xor_model, XOR[2][0], out)
    written += write_explorers(xor_model, out)
    print("\nTraining micrograd's moons network with a Recorder watching every epoch…")
    written.append(write_training_view(out, epochs=100 // scale))
    print(f"\nFigures written to {out.resolve()}:")
    for path in written:
        print(f"  {path.name}")
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
