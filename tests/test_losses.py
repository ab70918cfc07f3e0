"""Losses: values and gradients against PyTorch and central finite differences."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, gradcheck
from nn import losses


def _data(seed, n=5):
    rng = random.Random(seed)
    return rng, [rng.uniform(-3, 3) for _ in range(n)]


# Each case: our loss as a function of predictions (Values), torch's twin on a tensor, the targets.
def _cases(seed):
    rng, scores = _data(seed)
    real = [rng.uniform(-2, 2) for _ in scores]
    bits = [float(rng.random() < 0.5) for _ in scores]
    signs = [2 * b - 1 for b in bits]
    probabilities = [rng.uniform(0.02, 0.98) for _ in scores]
    return {
        "mse": (scores, lambda p: losses.mse_loss(p, real), lambda F, t: F.mse_loss(t, _t(real))),
        "sse": (
            scores,
            lambda p: losses.sse_loss(p, real),
            lambda F, t: 0.5 * F.mse_loss(t, _t(real), reduction="sum"),
        ),
        "bce": (
            probabilities,
            lambda p: losses.binary_cross_entropy(p, bits),
            lambda F, t: F.binary_cross_entropy(t, _t(bits)),
        ),
        "bce_logits": (
            scores,
            lambda p: losses.binary_cross_entropy_with_logits(p, bits),
            lambda F, t: F.binary_cross_entropy_with_logits(t, _t(bits)),
        ),
        "cross_entropy": (
            scores,
            lambda p: losses.cross_entropy([p[:3], p[2:]], [2, 0]),
            lambda F, t: F.cross_entropy(_rows(t), _long([2, 0])),
        ),
        "hinge": (
            scores,
            lambda p: losses.hinge_loss(p, signs),
            lambda F, t: (1 - _t(signs) * t).clamp(min=0).mean(),
        ),
        "l2": (scores, lambda p: losses.l2_penalty(p, alpha=0.3), lambda F, t: 0.3 * (t * t).sum()),
    }


def _t(values):
    import torch

    return torch.tensor(values, dtype=torch.float64)


def _long(values):
    import torch

    return torch.tensor(values, dtype=torch.long)


def _rows(t):
    import torch

    return torch.stack([t[:3], t[2:]])


NAMES = ["mse", "sse", "bce", "bce_logits", "cross_entropy", "hinge", "l2"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(4))
def test_loss_matches_torch_value_and_gradient(name, seed):
    torch = pytest.importorskip("torch")
    xs, ours, theirs = _cases(seed)[name]
    values = [Value(x) for x in xs]
    loss = ours(values)
    loss.backward()
    tensor = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    reference = theirs(torch.nn.functional, tensor)
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-12)
    assert [v.grad for v in values] == pytest.approx(tensor.grad.tolist(), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(4))
def test_loss_gradient_matches_finite_differences(name, seed):
    xs, ours, _ = _cases(seed)[name]
    assert gradcheck(lambda *v: ours(list(v)), xs)


def test_sse_gradient_is_prediction_minus_target():
    predictions = [Value(1.5), Value(-2.0)]
    losses.sse_loss(predictions, [1.0, 1.0]).backward()
    assert [p.grad for p in predictions] == [0.5, -3.0]


def test_lone_prediction_and_target():
    assert losses.mse_loss(Value(3.0), 1.0).data == 4.0
    assert losses.hinge_loss(Value(0.25), -1).data == 1.25
    assert losses.cross_entropy([Value(0.0), Value(0.0)], 1).data == pytest.approx(math.log(2))


@given(st.floats(-1000, 1000), st.sampled_from([0.0, 1.0]))
def test_bce_with_logits_is_stable_for_large_scores(z, y):
    logit = Value(z)
    loss = losses.binary_cross_entropy_with_logits([logit], [y])
    loss.backward()
    sigma = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    expected = max(z, 0) - y * z + math.log1p(math.exp(-abs(z)))
    assert loss.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert logit.grad == pytest.approx(sigma - y, abs=1e-12)


@given(st.lists(st.floats(-1000, 1000), min_size=2, max_size=6), st.data())
def test_cross_entropy_is_stable_for_large_scores(scores, data):
    target = data.draw(st.integers(0, len(scores) - 1))
    logits = [Value(s) for s in scores]
    loss = losses.cross_entropy(logits, target)
    loss.backward()
    m = max(scores)
    softmax = [math.exp(s - m) for s in scores]
    total = sum(softmax)
    assert math.isfinite(loss.data) and loss.data >= -1e-12
    assert loss.data == pytest.approx(m + math.log(total) - scores[target], rel=1e-9, abs=1e-9)
    for j, logit in enumerate(logits):
        assert logit.grad == pytest.approx(softmax[j] / total - (j == target), abs=1e-12)


def test_logsumexp_does_not_overflow_and_its_gradient_is_the_softmax():
    logits = [Value(1000.0), Value(999.0), Value(-5.0)]
    out = losses.logsumexp(logits)
    out.backward()
    weights = [1.0, math.exp(-1.0), math.exp(-1005.0)]
    assert out.data == pytest.approx(1000.0 + math.log(sum(weights)), rel=1e-15)
    assert [v.grad for v in logits] == pytest.approx([w / sum(weights) for w in weights], abs=1e-15)


def test_bce_clamps_log_like_torch():
    torch = pytest.importorskip("torch")
    for p, y in [(0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1e-50, 1.0)]:
        ours = losses.binary_cross_entropy([Value(p)], [y]).data
        theirs = torch.nn.functional.binary_cross_entropy(_t([p]), _t([y])).item()
        assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: losses.mse_loss([Value(1.0)], [1.0, 2.0]), "1 predictions but 2 targets"),
        (lambda: losses.mse_loss([], []), "no predictions"),
        (lambda: losses.binary_cross_entropy([Value(1.5)], [1.0]), r"\[0, 1\]"),
        (lambda: losses.hinge_loss([Value(1.0)], [0.0]), "-1 or \\+1"),
        (lambda: losses.cross_entropy([Value(1.0), Value(2.0)], 2), "class index"),
        (lambda: losses.cross_entropy([[Value(1.0)]], [0, 0]), "1 rows of logits but 2 targets"),
    ],
)
def test_mistakes_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
