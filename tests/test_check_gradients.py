"""nn.check_gradients: right gradients pass, and each usual slip of a hand derivation is named."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn

SIGMOID = "sigmoid"


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def _network(seed=0, activation=SIGMOID):
    """A 2-3-1 network, one forward and backward pass over a batch, and the gradients by hand."""
    model = nn.MLP(2, [3, 1], activation=activation, output_activation="sigmoid", seed=seed)
    rng = random.Random(seed)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]
    Y = [float(rng.random() < 0.5) for _ in X]
    loss = nn.sse_loss([model(x) for x in X], Y)
    loss.backward()
    return model, X, Y, loss


def _by_hand(model, X, Y, slip=None):
    """½Σ(o − y)² differentiated by hand, sample by sample; ``slip`` names a mistake to make."""
    hidden, (out,) = model.layers[0].neurons, model.layers[1].neurons
    g = {name: 0.0 for name, _ in model.named_parameters()}
    for x, y in zip(X, Y):
        h = [_sigmoid(sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data) for n in hidden]
        o = _sigmoid(sum(w.data * hk for w, hk in zip(out.w, h)) + out.b.data)
        delta_o = (o - y) * o * (1 - o)
        g["layers.1.neurons.0.b"] += delta_o
        for k in range(len(hidden)):
            g[f"layers.1.neurons.0.w.{k}"] += delta_o if slip == "input" else delta_o * h[k]
            slope = (1 - h[k]) if slip == "factor a" else 1 if slip == "activation" else h[k] * (1 - h[k])
            delta_k = delta_o * out.w[k].data * slope
            g[f"layers.0.neurons.{k}.b"] += delta_k
            for j in range(2):
                g[f"layers.0.neurons.{k}.w.{j}"] += delta_k * x[j]
    return g


def test_right_gradients_pass_with_a_table():
    model, X, Y, _ = _network()
    mine = _by_hand(model, X, Y)
    report = nn.check_gradients(model, mine)
    assert report.ok and bool(report)
    assert [row.name for row in report.rows] == [name for name, _ in model.named_parameters()]
    for (name, ours, theirs, ratio), (_, p) in zip(report.rows, model.named_parameters()):
        assert ours == mine[name] and theirs == p.grad and ratio == pytest.approx(1.0)
    assert str(report).endswith("13 gradients checked: 13 right, 0 wrong")
    assert "✗" not in str(report) and repr(report) == str(report)


@pytest.mark.parametrize(
    ("factor", "diagnosis"),
    [
        (2.0, "×2: a factor 2 of a square, or a ½, dropped?"),
        (0.5, "×½: a factor 2 of a square, or a ½, dropped?"),
        (-1.0, "×−1: sign flipped?"),
        (4.0, "×4: a sum over 4 samples where the loss takes their mean, or the reverse?"),
        (0.25, "×1/4: a sum over 4 samples where the loss takes their mean, or the reverse?"),
        (-2.0, "×−2: a factor 2 of a square, or a ½, dropped? And sign flipped?"),
    ],
)
def test_a_clean_factor_is_named(factor, diagnosis):
    model, X, Y, _ = _network()
    mine = _by_hand(model, X, Y)
    mine["layers.0.neurons.1.w.0"] *= factor
    report = nn.check_gradients(model, mine)
    assert not report.ok
    assert report.wrong == {"layers.0.neurons.1.w.0": diagnosis}
    assert diagnosis in str(report) and "13 right" not in str(report)
    row = next(row for row in report.rows if row.name == "layers.0.neurons.1.w.0")
    assert row.ratio == pytest.approx(factor)


def test_the_xor_articles_factor_of_two_descending_half_the_sum_while_reporting_the_mean():
    model, X, Y, _ = _network(seed=3)
    mine = _by_hand(model, X, Y)  # gradients of ½Σ(o − y)²
    model.zero_grad()
    nn.mse_loss([model(x) for x in X], Y).backward()  # the loss it prints: (1/4)Σ(o − y)²
    report = nn.check_gradients(model, mine)
    assert set(report.wrong) == set(mine)
    assert set(report.wrong.values()) == {"×2: a factor 2 of a square, or a ½, dropped?"}


def test_the_weights_input_missing_is_named_from_the_bias_gradient():
    model, X, Y, loss = _network(seed=1)
    mine = _by_hand(model, X, Y, slip="input")
    for kwargs in ({}, {"loss": loss}):
        report = nn.check_gradients(model, mine, **kwargs)
        assert set(report.wrong) == {f"layers.1.neurons.0.w.{k}" for k in range(3)}
        assert all("the weight's input missing?" in text for text in report.wrong.values())


def test_a_missing_activation_derivative_is_named_when_the_loss_is_given():
    model, X, Y, loss = _network(seed=2)
    mine = _by_hand(model, X, Y, slip="activation")
    hidden = {name for name in mine if name.startswith("layers.0.")}
    report = nn.check_gradients(model, mine, loss=loss)
    assert set(report.wrong) == hidden
    assert set(report.wrong.values()) == {"a missing activation derivative: σ'(z)?"}
    without_loss = nn.check_gradients(model, mine)
    assert set(without_loss.wrong) == hidden
    assert all("pass loss=" in text for text in without_loss.wrong.values())


def test_the_bias_articles_slip_half_of_the_sigmoids_derivative_is_named():
    model, X, Y, loss = _network(seed=5)
    mine = _by_hand(model, X, Y, slip="factor a")
    report = nn.check_gradients(model, mine, loss=loss)
    assert set(report.wrong) == {name for name in mine if name.startswith("layers.0.")}
    assert set(report.wrong.values()) == {
        "a missing activation derivative: the factor a of σ'(z) = a(1 − a)?"
    }


def test_a_tanh_network_and_an_open_probe():
    model = nn.MLP(1, [2, 1], activation="tanh", seed=0)
    with nn.inspect(model) as probe:
        loss = nn.sse_loss(model(0.7), 0.2)
        loss.backward()
        deltas = {name: probe[name].delta[0] for name in probe}
        mine = {
            "layers.0.neurons.0.b": deltas["layers.0.neurons.0"]
            / (1 - probe["layers.0.neurons.0"].a[0].data ** 2)
        }
        report = nn.check_gradients(model, mine, loss=loss)
        assert len(probe["layers.0.neurons.0"].z) == 1  # the check recorded nothing
    assert report.wrong == {"layers.0.neurons.0.b": "a missing activation derivative: σ'(z)?"}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([2.0, 0.5, -1.0, 3.0, 1 / 8]), st.data())
def test_any_parameter_scaled_by_a_clean_factor_is_caught_and_no_other(seed, factor, data):
    model, X, Y, _ = _network(seed=seed, activation=SIGMOID)
    mine = _by_hand(model, X, Y)
    name = data.draw(st.sampled_from(sorted(mine)))
    if abs(mine[name]) < 1e-9:
        return  # too small for a ratio to be measured
    mine[name] *= factor
    report = nn.check_gradients(model, mine)
    assert list(report.wrong) == [name]
    assert report.wrong[name].startswith("×")


def test_only_the_names_given_are_checked_and_tolerances_apply():
    model = _network()[0]
    b = model.layers[1].neurons[0].b
    assert nn.check_gradients(model, {"layers.1.neurons.0.b": b.grad * (1 + 1e-7)}).ok
    assert not nn.check_gradients(model, {"layers.1.neurons.0.b": b.grad * (1 + 1e-5)}).ok
    assert nn.check_gradients(model, {"layers.1.neurons.0.b": b.grad * (1 + 1e-5)}, rtol=1e-4).ok
    assert len(nn.check_gradients(model, {"layers.1.neurons.0.b": b.grad}).rows) == 1


def test_a_parameter_that_does_not_reach_the_loss():
    model = nn.MLP(1, [1], seed=0)
    report = nn.check_gradients(model, {"layers.0.neurons.0.b": 0.3})  # no backward: every grad is 0
    assert report.wrong == {"layers.0.neurons.0.b": "autograd gives 0: does this parameter reach the loss?"}
    assert math.isinf(report.rows[0].ratio)


def test_a_mismatch_never_raises_but_bad_names_and_values_do():
    model = _network()[0]
    report = nn.check_gradients(model, {"layers.0.neurons.0.b": math.nan})
    assert report.wrong == {"layers.0.neurons.0.b": "not a finite number"}
    with pytest.raises(
        KeyError, match=r"check_gradients: MLP has no parameter 'layers\.0\.neurons\.0\.bias'"
    ):
        nn.check_gradients(model, {"layers.0.neurons.0.bias": 0.1})
    with pytest.raises(TypeError, match=r"the gradient given for 'layers\.0\.neurons\.0\.b' is not a number"):
        nn.check_gradients(model, {"layers.0.neurons.0.b": "0.1"})
    with pytest.raises(TypeError, match=r"check_gradients: model must be an nn\.Module"):
        nn.check_gradients({"b": 0.1}, {"b": 0.1})


# --- arguments refused, and a NaN from the engine named -----------------------------------------


def _trained():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    loss = nn.mse_loss(model([1.0, -1.0]), 0.5)
    loss.backward()
    return model, loss


B = "layers.1.neurons.0.b"


@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize("bad", [-1e-6, math.nan, math.inf, "1e-6", None, True])
def test_check_gradients_refuses_a_tolerance_that_is_not_a_finite_number_at_least_zero(name, bad):
    model, _ = _trained()
    error = ValueError if isinstance(bad, float) else TypeError
    with pytest.raises(error, match=rf"check_gradients: {name} must be a finite number ≥ 0, got {bad!r}"):
        nn.check_gradients(model, {B: 1.0}, **{name: bad})


def test_check_gradients_refuses_a_loss_that_is_not_a_value():
    model, _ = _trained()
    with pytest.raises(
        TypeError, match=r"check_gradients: loss must be the Value you called backward\(\) on"
    ):
        nn.check_gradients(model, {B: 1.0}, loss=1.0)


def test_check_gradients_refuses_an_empty_comparison():
    model, _ = _trained()
    with pytest.raises(ValueError, match=r"check_gradients: mine is empty"):
        nn.check_gradients(model, {})


def test_a_nan_gradient_from_the_engine_is_named_as_such():
    model, loss = _trained()
    bias = model.layers[1].neurons[0].b
    bias.grad = math.nan
    report = nn.check_gradients(model, {B: 1.0}, loss=loss)
    assert not report.ok
    assert report.wrong[B].startswith("autograd's gradient is nan")
    assert "no usual slip" not in str(report)
