"""Losses: values and gradients against PyTorch and central finite differences, and their edges:
log1p in BCE with logits, BCE at saturation, NumPy numbers as targets, refused targets."""

import inspect
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
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
    torch = pytest.importorskip("torch")
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


# --- at the edges ---------------------------------------------------------------------------------


def test_bce_with_logits_keeps_the_tiny_loss_of_a_confident_right_answer():
    logit = Value(40.0)
    loss = losses.binary_cross_entropy_with_logits(logit, 1.0)
    loss.backward()
    assert loss.data == pytest.approx(4.248354255291589e-18, rel=1e-15)  # log1p(e⁻⁴⁰), not 0
    assert logit.grad == pytest.approx(-4.248354255291589e-18, rel=1e-15)  # σ(40) − 1


@given(st.floats(-1000, 1000), st.floats(0, 1))
def test_bce_with_logits_is_exact_against_log1p(z, y):
    logit = Value(z)
    loss = losses.binary_cross_entropy_with_logits([logit], [y])
    loss.backward()
    expected = max(z, 0) - y * z + math.log1p(math.exp(-abs(z)))  # rounds to a few ulps of |z|
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=4e-16 * abs(z) + 1e-300)
    sigma = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    assert logit.grad == pytest.approx(sigma - y, rel=1e-12, abs=1e-15)


def test_bce_with_logits_matches_torch_at_large_scores():
    torch = pytest.importorskip("torch")
    for z in (-745.0, -40.0, -36.0, -1e-3, 0.0, 17.0, 36.0, 40.0, 700.0):
        for y in (0.0, 0.3, 1.0):
            logit = Value(z)
            ours = losses.binary_cross_entropy_with_logits(logit, y)
            ours.backward()
            tensor = _t(z).requires_grad_()
            theirs = torch.nn.functional.binary_cross_entropy_with_logits(tensor, _t(y))
            theirs.backward()
            # for z < 0 torch adds z − z + log(1 + eᶻ), which rounds to the ulps of |z| (0 at z = −40)
            assert ours.data == pytest.approx(theirs.item(), rel=1e-14, abs=4e-16 * abs(z)), (z, y)
            # torch's gradient σ(z) − y rounds σ(z) first, to an ulp of 1 (σ(40) − 1 becomes 0)
            assert logit.grad == pytest.approx(tensor.grad.item(), rel=1e-12, abs=2.3e-16), (z, y)


def test_log1p_value_and_gradient_at_tiny_and_ordinary_arguments():
    for u in (1e-300, 4e-18, 1e-9, 0.5, 3.0):
        x = Value(u)
        out = losses.log1p(x)
        out.backward()
        assert out.data == pytest.approx(math.log1p(u), rel=1e-15)
        assert x.grad == pytest.approx(1 / (1 + u), rel=1e-15)
    assert gradcheck(lambda v: losses.log1p(v), [0.25])


def test_bce_gradient_matches_torch_where_p_times_one_minus_p_is_at_least_1e_12():
    torch = pytest.importorskip("torch")
    for p in (1e-11, 0.02, 0.5, 0.97, 1 - 1e-11):
        for y in (0.0, 0.25, 1.0):
            probability = Value(p)
            ours = losses.binary_cross_entropy(probability, y)
            ours.backward()
            tensor = _t(p).requires_grad_()
            theirs = torch.nn.functional.binary_cross_entropy(tensor, _t(y))
            theirs.backward()
            assert ours.data == pytest.approx(theirs.item(), rel=1e-9)
            assert probability.grad == pytest.approx(tensor.grad.item(), rel=1e-4), (p, y)


def test_bce_gradient_at_saturation_is_documented_where_it_differs_from_torch():
    torch = pytest.importorskip("torch")
    # Exactly at 0 or 1 the log is clamped at −100: the loss is PyTorch's, the gradient 0 (a constant's)
    for p, y in [(1.0, 0.0), (0.0, 1.0)]:
        probability = Value(p)
        loss = losses.binary_cross_entropy(probability, y)
        loss.backward()
        tensor = _t(p).requires_grad_()
        torch.nn.functional.binary_cross_entropy(tensor, _t(y)).backward()
        assert loss.data == 100.0
        assert probability.grad == 0.0
        assert abs(tensor.grad.item()) == pytest.approx(1e12, rel=1e-8)  # PyTorch: (p − y) / 1e-12
    # Closer than 1e-12 to 0 but not clamped: the exact derivative −y/p, where PyTorch caps at 1e12
    probability = Value(1e-13)
    losses.binary_cross_entropy(probability, 1.0).backward()
    assert probability.grad == pytest.approx(-1e13, rel=1e-12)


def test_bce_refuses_targets_outside_zero_one_like_torch():
    torch = pytest.importorskip("torch")
    for target in (2.0, -1.0, np.float32(1.5)):
        with pytest.raises(ValueError, match=r"binary_cross_entropy: targets must lie in \[0, 1\]"):
            losses.binary_cross_entropy([Value(0.5)], [target])
        with pytest.raises(RuntimeError, match="between 0 and 1"):
            torch.nn.functional.binary_cross_entropy(_t([0.5]), _t([float(target)]))


def test_cross_entropy_takes_numpy_integer_labels():
    logits = [Value(1.0), Value(2.0)]
    expected = losses.cross_entropy([1.0, 2.0], 1).data
    assert losses.cross_entropy(logits, np.int64(1)).data == expected
    assert losses.cross_entropy([logits], [np.int64(1)]).data == expected
    assert losses.cross_entropy([logits, logits], np.array([1, 1])).data == expected
    assert losses.cross_entropy([logits], [np.int32(1)]).data == expected
    with pytest.raises(ValueError, match=r"class index in \[0, 2\), got np.int64\(2\)"):
        losses.cross_entropy(logits, np.int64(2))
    with pytest.raises(ValueError, match="class index"):
        losses.cross_entropy([logits], [1.0])  # a float is not a class index, as in PyTorch
    with pytest.raises(ValueError, match="class index"):
        losses.cross_entropy([logits], [True])


@pytest.mark.parametrize(
    "loss",
    [losses.mse_loss, losses.sse_loss, losses.binary_cross_entropy, losses.binary_cross_entropy_with_logits],
)
@pytest.mark.parametrize("kind", [np.float32, np.float64, np.int64, np.int8])
def test_numpy_scalars_are_numbers_as_predictions_and_targets(loss, kind):
    prediction, target = 0.25, 1
    reference = loss(Value(prediction), float(target))
    for predictions, targets in [
        (Value(prediction), kind(target)),
        ([Value(prediction)], [kind(target)]),
        ([Value(prediction)], np.array([target], dtype=kind)),
    ]:
        result = loss(predictions, targets)
        assert isinstance(result, Value) and type(result.data) is float
        assert result.data == pytest.approx(reference.data, rel=1e-7)
    assert type(loss(kind(0) if loss is not losses.binary_cross_entropy else np.float32(0.25), 1.0)) is Value


def test_hinge_loss_takes_numpy_labels():
    assert losses.hinge_loss([Value(0.25)], np.array([-1])).data == 1.25
    assert nn.hinge_loss(Value(0.25), np.int64(1)).data == 0.75


def test_a_zero_dimensional_numpy_array_is_a_lone_number():
    assert losses.mse_loss(Value(0.5), np.array(1.0)).data == 0.25
    assert losses.mse_loss(np.array(0.5), np.array(1.0)).data == 0.25
    assert losses.binary_cross_entropy_with_logits(Value(0.0), np.array(1)).data == pytest.approx(math.log(2))


@pytest.mark.parametrize("target", [1, np.int64(1), np.array(1)])
def test_cross_entropy_takes_a_lone_class_index_of_any_integer_kind(target):
    logits = [Value(1.0), Value(2.0)]
    assert losses.cross_entropy(logits, target).data == losses.cross_entropy([1.0, 2.0], 1).data


@pytest.mark.parametrize("target", [1.0, 1.5, np.array(1.0), np.float64(1.0)])
def test_cross_entropy_refuses_a_target_that_is_not_a_class_index(target):
    with pytest.raises(ValueError, match=r"cross_entropy: target must be a class index in \[0, 2\)"):
        losses.cross_entropy([Value(1.0), Value(2.0)], target)


def test_l2_penalty_shows_its_default_alpha_where_learners_read_it():
    default = inspect.signature(losses.l2_penalty).parameters["alpha"].default
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"`nn\.l2_penalty\(parameters, alpha=([^)]+)\)`", readme)
    assert shown is not None and float(shown.group(1)) == default
    assert "1e-4 unless you pass another" in (losses.l2_penalty.__doc__ or "")
    assert losses.l2_penalty([Value(3.0)]).data == default * 9  # α Σ w², α already in
