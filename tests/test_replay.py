"""autograd.compile(..., batch=True): the replay over a batch adds what looping backward() adds.

Random MLPs, activations, losses and batch sizes: the replayed outputs and gradients equal the
plain engine's, example by example and summed over the batch, to 1e-12 of the sum of the sizes
of the terms (the two add the same products in other orders); the fused replay equals both; a
graph that depends on the data is refused.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import TraceMismatchError, Value

np = pytest.importorskip("numpy")

ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]
LOSSES = ["hinge", "mse", "bce_logits", "cross_entropy"]


def _loss(name: str, model: nn.MLP, penalty: float):
    """The loss of one example, as a user writes it for the engine."""

    def loss(x, y):
        out = model(x)
        if name == "hinge":
            value = nn.hinge_loss(out, y)
        elif name == "mse":
            value = nn.mse_loss(out, y)
        elif name == "bce_logits":
            value = nn.binary_cross_entropy_with_logits(out, y)
        else:
            value = nn.cross_entropy(out, y)
        return value + nn.l2_penalty(model.parameters(), penalty) if penalty else value

    return loss


def _targets(name: str, rng: random.Random, n: int, classes: int) -> list:
    if name == "hinge":
        return [rng.choice([-1.0, 1.0]) for _ in range(n)]
    if name == "mse":
        return [rng.uniform(-2, 2) for _ in range(n)]
    if name == "bce_logits":
        return [rng.choice([0.0, 0.3, 1.0]) for _ in range(n)]
    return nn.data.one_hot([rng.randrange(classes) for _ in range(n)], classes)


def _engine(loss, parameters, X, Y):
    """Looping ``loss(x, y).backward()``: outputs, summed gradients and the sums of their sizes."""
    for p in parameters:
        p.grad = 0.0
    outputs, sizes = [], [0.0] * len(parameters)
    for x, y in zip(X, Y):
        before = [p.grad for p in parameters]
        value = loss(x, y)
        if value.requires_grad:  # every parameter may be frozen
            value.backward()
        outputs.append(value.data)
        sizes = [s + abs(p.grad - b) for s, p, b in zip(sizes, parameters, before)]
    return np.array(outputs), np.array([p.grad for p in parameters]), np.array(sizes)


def _replayed(step, parameters, X, Y):
    for p in parameters:
        p.grad = 0.0
    outputs = step(np.array(X), np.array(Y))
    return outputs, np.array([p.grad for p in parameters])


def _close(a, b, sizes):
    assert np.all(np.abs(a - b) <= 1e-12 * sizes + 1e-300), np.max(np.abs(a - b) - 1e-12 * sizes)


@st.composite
def networks(draw):
    nin = draw(st.integers(1, 4))
    loss = draw(st.sampled_from(LOSSES))
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    outputs = draw(st.integers(2, 4)) if loss == "cross_entropy" else 1
    activation = draw(st.sampled_from(ACTIVATIONS))
    bias = draw(st.booleans())
    model = nn.MLP(nin, [*hidden, outputs], activation=activation, bias=bias, seed=draw(st.integers(0, 99)))
    frozen = draw(st.lists(st.booleans(), min_size=model.num_parameters(), max_size=model.num_parameters()))
    for p, freeze in zip(model.parameters(), frozen):
        p.requires_grad = not (freeze and draw(st.booleans()))  # some parameters get no gradient
    return model, loss, outputs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.integers(1, 1000), st.sampled_from([0.0, 1e-3]), st.integers(0, 2**16))
def test_replay_equals_the_engine_summed_over_the_batch(network, size, penalty, seed):
    model, name, classes = network
    rng = random.Random(seed)
    size = size if model.num_parameters() * size < 20_000 else 20_000 // model.num_parameters()
    X = [[rng.uniform(-2, 2) for _ in range(model.layers[0].neurons[0].nin)] for _ in range(size)]
    Y = _targets(name, rng, size, classes)
    parameters = model.parameters()
    loss = _loss(name, model, penalty)
    outputs, grads, sizes = _engine(loss, parameters, X, Y)
    frozen_grads = {p: p.grad for p in parameters if not p.requires_grad}
    for fuse in (False, True):
        step = autograd.compile(loss, X[0], Y[0], batch=True, fuse=fuse)
        replayed, replayed_grads = _replayed(step, parameters, X, Y)
        _close(
            replayed, outputs, np.abs(outputs).max()
        )  # a fused sum rounds otherwise: an ulp of the largest
        _close(replayed_grads, grads, sizes)
        assert all(p.grad == g for p, g in frozen_grads.items())  # no gradient: .grad untouched
    mean = autograd.compile(loss, X[0], Y[0], batch=True, fuse=True, reduction="mean")
    _, mean_grads = _replayed(mean, parameters, X, Y)
    _close(mean_grads * size, grads, sizes)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 300), st.integers(0, 2**16))
def test_a_branch_on_the_data_is_refused(size, seed):
    w = Value(0.5, label="w")

    def branching(x):  # the graph of x > 0 is not the graph of x <= 0
        return x * w if x.data > 0 else x * w * w

    rng = random.Random(seed)
    X = [rng.uniform(-1, 1) for _ in range(size)]
    X[-1] = -abs(X[0]) if X[0] > 0 else abs(X[0]) + 0.1  # the first and last differ in sign
    step = autograd.compile(branching, X[0], batch=True)
    with pytest.raises(TraceMismatchError, match="depends on the data"):
        step(X)
    first = next(i for i, x in enumerate(X) if (x > 0) != (X[0] > 0))  # check traces every example
    with pytest.raises(TraceMismatchError, match=f"traced on example {first} of the batch"):
        autograd.compile(branching, X[0], batch=True).check(X)


def test_a_number_read_from_the_data_is_refused():
    w = Value(2.0)
    step = autograd.compile(lambda x: w * x - x.data, 1.0, batch=True)  # x.data: a constant in the trace
    with pytest.raises(TraceMismatchError, match="the constant"):
        step([1.0, 2.0, 3.0])


def test_fused_source_reads_as_tensor_code_and_names_the_scalar_values():
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    step = autograd.compile(lambda x, y: nn.mse_loss(model(x), y), [0.0, 0.0], 0.0, batch=True, fuse=True)
    source = step.source
    for line in ("z1 = x @ W1.T + b1", "a1 = np.tanh(z1)", "dz1 = (1.0 - a1 * a1) * da1", "db1 = dz1.sum(0)"):
        assert line in source
    assert "dW1 = dz1.T @ x" in source and "da1 = dz2 @ W2" in source
    assert "# layers.0.neurons.0.w.0 … layers.0.neurons.15.w.1" in source
    assert "# layers.0.neurons.0.b … layers.0.neurons.15.b" in source
    assert [layer.number for layer in step.layers] == [1, 2, 3]


def test_every_tensor_line_names_the_scalar_values_it_stands_for():
    model = nn.MLP(3, [5, 4, 1], activation="tanh", seed=2)
    step = autograd.compile(lambda x, y: nn.mse_loss(model(x), y), [0.0] * 3, 0.0, batch=True, fuse=True)
    source = step.source
    tensor_lines = [line.strip() for line in source.splitlines() if re.match(r"\s*d?[WbzaX]\d+ =", line)]
    assert len(tensor_lines) == 11 + 11  # W b z (a) for each layer; back: dz dW db (da) for each
    for line in tensor_lines:
        assert re.search(r"#.*(\bv\d+|\bg\d+|layers\.\d)", line), line
    for l in (1, 2):  # δ of the z's: dz's columns are the gradients of z's columns, value for value
        zs = re.search(rf"z{l} = .*# (v\d+), (v\d+), …, (v\d+)", source)
        deltas = re.search(rf"dz{l} = .*# (g\d+), (g\d+), …, (g\d+): δ", source)
        assert zs and deltas and [v[1:] for v in zs.groups()] == [g[1:] for g in deltas.groups()]
    assert "dW2 = dz2.T @ a1  # ∂C/∂w = Σ over the batch of δ·x: layers.1.neurons.0.w.0 … " in source
    assert "db3 = dz3.sum(0)  # ∂C/∂b = Σ over the batch of δ: layers.2.neurons.0.b\n" in source
    assert re.search(r"da1 = dz2 @ W2  # g\d+, g\d+, …, g\d+\n", source)


def test_the_replay_writes_from_the_op_table_templates(monkeypatch):
    """One place for an op's code: a template changed in ``autograd.ops.OPS`` changes both replays."""
    tanh = autograd.OPS["tanh"]
    changed = dataclasses.replace(
        tanh, code="math.tanh({0} * 1.0)", derivative_code=("(1.0 - {out} * {out}) * 1.0",)
    )
    monkeypatch.setitem(autograd.OPS, "tanh", changed)
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    plain = autograd.compile(lambda x: model(x), [0.5, -0.5], batch=True)
    assert re.search(r"v\d+ = np\.tanh\(v\d+ \* 1\.0\)", plain.source)
    assert re.search(r"g\d+ = \(\(1\.0 - v(\d+) \* v\1\) \* 1\.0\) \* g\d+", plain.source)
    fused = autograd.compile(lambda x: model(x), [0.5, -0.5], batch=True, fuse=True)
    assert "a1 = np.tanh(z1 * 1.0)" in fused.source
    assert "dz1 = ((1.0 - a1 * a1) * 1.0) * da1" in fused.source


def test_class_indices_as_replayed_targets_are_refused_with_the_one_hot_form_named():
    model = nn.MLP(2, [3], seed=0)
    with pytest.raises(ValueError, match=r"a Value cannot pick a score: give a one-hot row, nn.data.one_hot"):
        autograd.compile(lambda x, t: nn.cross_entropy(model(x), t), [0.1, 0.2], 2, batch=True)


def test_replay_matches_pytorch_on_the_moons_step():
    torch = pytest.importorskip("torch")
    model = nn.MLP(2, [8, 8, 1], activation="relu", seed=1)
    X, y = nn.data.make_moons(50, labels=(-1, 1))
    step = autograd.compile(
        lambda x, t: nn.hinge_loss(model(x), t), X[0], y[0], batch=True, fuse=True, reduction="mean"
    )
    model.zero_grad()
    losses = step(X, y)
    net = model.to_torch()
    loss = torch.relu(
        1 - torch.tensor(y, dtype=torch.float64) * net(torch.tensor(X, dtype=torch.float64))[:, 0]
    )
    loss.mean().backward()
    assert np.allclose(losses, loss.detach().numpy(), rtol=1e-13, atol=1e-15)
    theirs = [g for layer in net if hasattr(layer, "weight") for g in (layer.weight.grad, layer.bias.grad)]
    ours = [[n.w for n in layer.neurons] for layer in model.layers]
    for weight, neurons in zip(theirs[::2], ours):
        assert np.allclose([[p.grad for p in w] for w in neurons], weight.numpy(), rtol=1e-12, atol=1e-15)
    biases = [[n.b.grad for n in layer.neurons] for layer in model.layers]
    assert all(np.allclose(b, t.numpy(), rtol=1e-12, atol=1e-15) for b, t in zip(biases, theirs[1::2]))


def test_an_operation_outside_its_domain_raises_naming_the_line():
    w = Value(1.0)
    step = autograd.compile(lambda x: (x * w).log(), 1.0, batch=True)
    step([1.0, 2.0])  # the first call traces examples again: there the engine itself would raise
    w.grad = 0.0
    with pytest.raises(
        FloatingPointError,
        match=r"line \d+: if np.any\(v\d+ <= 0.0\).*log, at example 2 of the batch: "
        r"log is defined only for positive numbers",
    ):
        step([1.0, 2.0, -1.0])
    assert w.grad == 0.0  # a failed call adds nothing


def test_inputs_of_another_shape_or_batch_size_are_refused():
    w = Value(1.0)
    step = autograd.compile(lambda x, y: x[0] * w + y, [1.0, 2.0], 3.0, batch=True)
    with pytest.raises(ValueError, match=r"shape \(2,\) per row"):
        step([[1.0, 2.0, 3.0]], [1.0])
    with pytest.raises(ValueError, match="same number"):
        step([[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean'"):
        autograd.compile(lambda x: x * w, 1.0, batch=True, reduction="max")
    with pytest.raises(ValueError, match="batch=True"):
        autograd.compile(lambda x: x * w, 1.0, fuse=True)


def test_an_output_without_parameters_or_inputs_is_one_number_per_example():
    w = Value(3.0)
    step = autograd.compile(lambda x: w * 2.0, 1.0, batch=True)
    assert step([1.0, 2.0]).tolist() == [6.0, 6.0]
    assert w.grad == 4.0  # 2 per example, as two backward() calls add


def test_a_value_the_same_for_every_example_receives_its_gradient_summed_over_the_batch():
    w, u = Value(0.7, label="w"), Value(-0.3, label="u")

    def fn(x):
        s = w * w + u  # the same for every example
        return x * s + (x * w + u).tanh() * u + s

    X = [0.5, -1.25, 2.0, 0.0, -0.75]
    for p in (w, u):
        p.grad = 0.0
    outputs = []
    for x in X:
        out = fn(Value(x))
        out.backward()
        outputs.append(out.data)
    engine = [w.grad, u.grad]
    w.grad = u.grad = 0.0
    step = autograd.compile(fn, X[0], batch=True)
    assert np.allclose(step(X), outputs, rtol=1e-15, atol=0)
    assert np.allclose([w.grad, u.grad], engine, rtol=1e-13, atol=0)
    # the four ways a share reaches a value the same for every example: Σ x·g, Σ x · g, x · Σ g, n · g
    for form in (r"\.dot\(g\d+\)", r"\(?v\d+\)?\.sum\(\) \* g\d+", r"g\d+\.sum\(\)", r"n \* g\d+"):
        assert re.search(form, step.source), form


def test_without_numpy_batch_true_names_the_extra_to_install():
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import autograd\n"
        "try:\n    autograd.compile(lambda x: x * autograd.Value(1.0), 1.0, batch=True)\n"
        "except ImportError as error:\n    print(error)\n"
    )
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'chainrule[tensor]'" in printed.stdout


def test_one_hot_cross_entropy_is_the_class_index_form_bit_for_bit():
    rng = random.Random(3)
    for _ in range(50):
        row = [Value(rng.uniform(-30, 30)) for _ in range(5)]
        label = rng.randrange(5)
        indexed = nn.cross_entropy(row, label)
        indexed.backward()
        expected = [v.grad for v in row]
        for v in row:
            v.grad = 0.0
        hot = nn.cross_entropy(row, nn.data.one_hot([label], 5)[0])
        hot.backward()
        assert hot.data == indexed.data
        assert [v.grad for v in row] == expected
    assert math.isfinite(nn.cross_entropy([Value(1000.0), Value(-1000.0)], [0.0, 1.0]).data)


def test_the_readme_example_runs_and_prints_the_fused_lines(capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(
        r"```py\n(.*?)```", readme, flags=re.S
    )  # the replay's: NumPy, not in the playground
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("100 losses, mean ")
    assert printed[1].startswith("z1 = x @ W1.T + b1  # ") and printed[2].startswith("db1 = dz1.sum(0)  # ")


def test_a_value_made_inside_the_function_is_refused_as_one():
    step = autograd.compile(lambda x: x * Value(2.0), 1.0, batch=True)  # a new parameter per call
    with pytest.raises(TraceMismatchError, match=r"node \d+ is a new Value made inside the function"):
        step([1.0, 2.0])


def test_gradients_hold_the_last_calls_sum_or_mean_in_the_order_of_parameters():
    w, b, frozen = Value(0.5, label="w"), Value(-1.0, label="b"), Value(3.0, requires_grad=False)

    def fn(x):
        return (x * w + b).tanh() * frozen

    X = [0.25, -1.5, 2.0, 0.75]
    for reduction, scale in (("sum", 1.0), ("mean", 1 / len(X))):
        step = autograd.compile(fn, X[0], batch=True, reduction=reduction)
        assert set(step.parameters) == {w, b}  # the frozen Value is a constant of the code
        w.grad = b.grad = 0.0
        step(X)
        assert step.gradients.tolist() == [p.grad for p in step.parameters]
        expected = {w: 0.0, b: 0.0}
        for x in X:
            w.grad = b.grad = 0.0
            fn(Value(x)).backward()
            expected = {p: expected[p] + p.grad for p in (w, b)}
        assert np.allclose(step.gradients, [expected[p] * scale for p in step.parameters], rtol=1e-14)
