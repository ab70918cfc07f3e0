"""docs/from-micrograd.md says only what is true: its code runs as shown, and its numbers are measured."""

import contextlib
import io
import math
import re
from pathlib import Path

import pytest

import autograd
import nn
from autograd import Value

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "from-micrograd.md"

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def _blocks():
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(3))
def test_each_code_block_prints_what_its_comments_say(index):
    source = _blocks()[index]
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(source, f"{GUIDE.name} block {index}", "exec"), {})
    printed = output.getvalue().splitlines()
    said = [
        line.split("  # ")[1] for line in source.splitlines() if line.startswith("print(") and "  # " in line
    ]
    assert len(printed) == len(said) and said
    for line, comment in zip(printed, said):
        assert comment.startswith(line) or line in comment, (line, comment)


def _lecture(seed, lr=0.1, **kwargs):
    """The lecture's loop, 20 steps of ``lr`` on Σ (ŷ − y)²; returns the last loss and the network."""
    n = nn.MLP(3, [4, 4, 1], seed=seed, **kwargs)
    for _ in range(20):
        ypred = [n(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
        n.zero_grad()
        loss.backward()
        for p in n.parameters():
            p.data += -lr * p.grad
    return loss.data, n


def _constant(model):
    """Whether the model gives one output for all four inputs."""
    with autograd.no_grad():
        return len({model(x).data for x in XS}) == 1


def test_with_the_defaults_the_lecture_loop_gets_stuck_at_four_with_tanh_it_learns():
    finals = {seed: _lecture(seed) for seed in range(100)}
    near_four = [seed for seed, (loss, _) in finals.items() if abs(loss - 4) < 0.02]
    exactly_four = [seed for seed, (loss, _) in finals.items() if abs(loss - 4) < 1e-9]
    assert len(near_four) == 78 and len(exactly_four) == 67
    assert sum(loss < 1 for loss, _ in finals.values()) == 5
    for seed in exactly_four:  # a hidden layer whose ReLUs are all dead on every input: a constant output
        model = finals[seed][1]
        with autograd.no_grad():
            first = [[a.data for a in model.layers[0](x)] for x in XS]
            second = [[a.data for a in model.layers[1](x)] for x in first]
            outputs = {model(x).data for x in XS}
        assert all(a == 0.0 for row in first for a in row) or all(a == 0.0 for row in second for a in row)
        assert len(outputs) == 1
    tanh = [_lecture(seed, activation="tanh", output_activation="tanh")[0] for seed in range(100)]
    assert max(tanh) < 0.06
    assert sum(_constant(nn.MLP(3, [4, 4, 1], seed=seed)) for seed in range(100)) == 3
    assert sum(_constant(model) for _, model in finals.values()) == 78
    assert sum(_constant(_lecture(seed, lr=0.01)[1]) for seed in range(100)) == 7


def test_the_defaults_and_losses_the_guide_describes():
    assert nn.MLP(3, [4, 4, 1]).config()["activation"] == "relu"
    assert nn.MLP(3, [4, 4, 1]).config()["output_activation"] == "linear"
    assert all(b.data == 0.0 for b in nn.MLP(3, [4, 4, 1], seed=0).biases())
    predictions, targets = [Value(3.0), Value(-1.0)], [1.0, 1.0]
    assert nn.sse_loss(predictions, targets).data == 0.5 * (4 + 4)
    assert nn.mse_loss(predictions, targets).data == (4 + 4) / 2


def test_math_tanh_of_a_value_is_a_float_outside_the_graph():
    v = Value(0.5)
    assert type(math.tanh(v)) is float
    (v * math.tanh(v)).backward()
    assert v.grad == math.tanh(0.5)  # the float counts as a constant: no 1 − tanh² term
