"""Reliability of ``nn``: hostile arguments, non-finite numbers and hostile files.

Every test here is one failure that was found and fixed: a wrong or silent result, a crash or a
hang, an unclear message. Where PyTorch has a twin the result is compared with it.
"""

import json
import math
import os
import pickle
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from autograd.pages.files import temporary_prefix
from nn import optim

# --- optimizers: arguments refused when made, IEEE results at every step ---------------------------


def _same(a: float, b: float) -> bool:
    """Equal, or both NaN."""
    return a == b or (math.isnan(a) and math.isnan(b))


def _run_both(torch, name, settings, grads):
    """p after each step of our optimizer and torch's, fed the same gradients."""
    ours, theirs = Value(0.5), torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(optim, name)([ours], **settings)
    reference = getattr(torch.optim, name)([theirs], foreach=False, **settings)
    points = []
    for g in grads:
        ours.grad = g
        theirs.grad = torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        reference.step()
        points.append((ours.data, theirs.item()))
    return points


@pytest.mark.parametrize(
    ("gradient", "alpha", "steps"), [(0.1, 0.9, 331), (-4821.66, 0.5, 53), (5.0, 0.5, 53)]
)
def test_centered_rmsprop_gives_torchs_nan_where_rounding_makes_the_variance_negative(gradient, alpha, steps):
    torch = pytest.importorskip("torch")
    points = _run_both(torch, "RMSprop", {"lr": 0.01, "alpha": alpha, "centered": True}, [gradient] * steps)
    # v − ḡ² → 0 makes the last steps huge, so rounding differences grow; the NaN comes at the same step
    assert (
        [math.isnan(a) for a, _ in points]
        == [math.isnan(b) for _, b in points]
        == [False] * (steps - 1) + [True]
    )
    assert points[steps // 2][0] == pytest.approx(points[steps // 2][1], rel=1e-9)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad"])
def test_eps_zero_on_a_zero_gradient_gives_torchs_nan_not_zero_division(name):
    torch = pytest.importorskip("torch")
    points = _run_both(torch, name, {"eps": 0.0}, [0.0, 0.0, 1.0])
    assert math.isnan(points[0][0])
    assert all(_same(a, b) for a, b in points)


OPTIMIZER_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.1, "eps": 0.0}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "amsgrad": True, "eps": 0.0}),
    ("RMSprop", {"lr": 0.1, "alpha": 0.5, "momentum": 0.5}),
    ("RMSprop", {"lr": 0.1, "eps": 0.0, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.5, "eps": 0.0}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
]
CENTERED = [*OPTIMIZER_CASES, ("RMSprop", {"lr": 0.1, "alpha": 0.5, "centered": True, "momentum": 0.5})]
GRADIENTS = st.one_of(
    st.floats(min_value=-1e150, max_value=1e150),
    st.sampled_from([0.0, -0.0, 1e-320, 1e100, -1e140, math.inf, -math.inf, math.nan]),
)


@given(st.sampled_from(OPTIMIZER_CASES), st.lists(GRADIENTS, min_size=1, max_size=8))
def test_optimizers_follow_torch_through_nan_inf_zero_and_huge_gradients(case, grads):
    torch = pytest.importorskip("torch")
    name, settings = case
    for ours, theirs in _run_both(torch, name, settings, grads):
        assert type(ours) is float
        assert _same(ours, theirs) or ours == pytest.approx(theirs, rel=1e-12, abs=1e-300)


@given(st.sampled_from(CENTERED), st.lists(st.floats(), min_size=1, max_size=8))
def test_optimizers_never_raise_whatever_the_gradient(case, grads):
    # where g² reaches the largest float, PyTorch's fused g·g may round the other way, and centered
    # RMSprop's v − ḡ² cancels to rounding errors: no comparison, but never an exception
    name, settings = case
    p = Value(0.5)
    optimizer = getattr(optim, name)([p], **settings)
    for g in grads:
        p.grad = g
        optimizer.step()
        assert type(p.data) is float


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), ValueError, "initial_accumulator_value"),
        (lambda p: optim.SGD(p, lr="0.1"), TypeError, "SGD: lr must be a number, got str"),
        (lambda p: optim.Adam(p, betas=None), TypeError, "Adam: betas must be two numbers"),
        (lambda p: optim.Adam(p, betas=(0.9, math.nan)), ValueError, "betas"),
        (lambda p: optim.AdamW(p, betas=(0.9,)), TypeError, "AdamW: betas"),
        (lambda p: optim.SGD(p, lr=math.nan), ValueError, "SGD: lr must be a finite number"),
        (lambda p: optim.Adam(p, lr=math.inf), ValueError, "Adam: lr must be a finite number"),
        (lambda p: optim.RMSprop(p, alpha=-0.5), ValueError, "RMSprop: alpha"),
        (lambda p: optim.RMSprop(p, momentum=math.nan), ValueError, "RMSprop: momentum"),
        (lambda p: optim.Adam(p, eps=-1e-8), ValueError, "Adam: eps"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), ValueError, "Adagrad: lr_decay"),
        (lambda p: optim.SGD(p, weight_decay=True), TypeError, "SGD: weight_decay must be a number"),
        (lambda p: optim.RMSprop(p, centered="no"), TypeError, "RMSprop: centered must be True or False"),
        (lambda p: optim.SGD([{"params": p, "lr": -0.1}]), ValueError, "SGD: lr"),
    ],
)
def test_arguments_are_refused_when_the_optimizer_is_made_naming_them(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])


def test_torch_refuses_what_we_refuse():
    torch = pytest.importorskip("torch")
    p = [torch.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError):
        torch.optim.Adagrad(p, initial_accumulator_value=-1)
    with pytest.raises((TypeError, ValueError)):
        torch.optim.SGD(p, lr="0.1")
    with pytest.raises((TypeError, ValueError)):
        torch.optim.Adam(p, betas=None)


def test_numpy_settings_become_floats_so_parameters_stay_floats():
    np = pytest.importorskip("numpy")
    p = Value(1.0)
    p.grad = 0.5
    optimizer = optim.SGD([p], lr=np.float32(0.1), momentum=np.float64(0.5))
    optimizer.step()
    assert type(p.data) is float and type(optimizer.param_groups[0]["lr"]) is float
    scheduler = optim.StepLR(optimizer, step_size=np.int64(2), gamma=np.float32(0.5))
    scheduler.step()
    scheduler.step()
    assert type(optimizer.param_groups[0]["lr"]) is float


def test_passing_the_model_or_a_single_parameter_says_what_to_pass():
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"SGD\(model\.parameters\(\), \.\.\.\), not the model"):
        optim.SGD(model, lr=0.1)
    with pytest.raises(
        TypeError, match=r"Adam: params must be a list .* got a single Value; put it in a list"
    ):
        optim.Adam(model.parameters()[0])
    with pytest.raises(TypeError, match="got a dict"):
        optim.SGD(model.state_dict())
    with pytest.raises(TypeError, match="got int"):
        optim.SGD(3)
    with pytest.raises(TypeError, match=r"SGD: a group's 'params' is model\.parameters\(\), not the model"):
        optim.SGD([{"params": model}])
    with pytest.raises(TypeError, match="SGD: a group's 'params' must be a list of Values, got float"):
        optim.SGD([{"params": 0.5}])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_a_gradient_that_is_not_a_number_stops_the_step_before_any_parameter_moves(name):
    params = [Value(1.0), Value(2.0, label="broken"), Value(3.0)]
    optimizer = getattr(optim, name)(params, lr=0.1)
    params[0].grad, params[1].grad, params[2].grad = 1.0, "x", 1.0
    with pytest.raises(
        TypeError, match=rf"{name}: the grad of Value\(.*label='broken'\) is not a number: str"
    ):
        optimizer.step()
    assert [p.data for p in params] == [1.0, 2.0, 3.0] and optimizer.state == {}
    with pytest.raises(TypeError, match="clip_grad_value_: the grad of"):
        optim.clip_grad_value_(params, 0.5)
    assert params[0].grad == 1.0


def test_amsgrad_keeps_a_nan_in_its_largest_average_as_torch_does():
    torch = pytest.importorskip("torch")
    ours, theirs = Value(0.5), torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    optimizer = optim.Adam([ours], amsgrad=True)
    reference = torch.optim.Adam([theirs], amsgrad=True, foreach=False)
    for g in (1.0, math.nan):
        ours.grad, theirs.grad = g, torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        reference.step()
    assert math.isnan(optimizer.state[ours]["max_exp_avg_sq"])
    assert math.isnan(reference.state[theirs]["max_exp_avg_sq"].item())


def test_optimizer_load_state_dict_checks_everything_and_changes_nothing_on_failure():
    p = Value(1.0)
    optimizer = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    optimizer.step()
    good = optimizer.state_dict()
    before = (optimizer.param_groups[0]["lr"], dict(optimizer.state[p]))
    bad_lr = {**good, "param_groups": [{**good["param_groups"][0], "lr": -1.0}]}
    bad_state = {**good, "state": {0: {"momentum_buffer": "x"}}}
    bad_position = {**good, "state": {"zero": {"momentum_buffer": 1.0}}}
    for bad in ({}, {"param_groups": [{}]}, bad_lr, bad_state, bad_position, [1, 2]):
        with pytest.raises(ValueError, match=r"SGD(\.load_state_dict)?: "):
            optimizer.load_state_dict(bad)
        assert (optimizer.param_groups[0]["lr"], optimizer.state[p]) == before
    optimizer.load_state_dict(good)
    assert optimizer.state[p] == before[1]


# --- schedulers -------------------------------------------------------------------------------------


def _optimizer():
    return optim.SGD([Value(1.0)], lr=0.1)


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda o: optim.StepLR(o, step_size=2, gamma=-1), "gamma"),
        (lambda o: optim.StepLR(o, step_size=2, gamma=math.nan), "gamma"),
        (lambda o: optim.StepLR(o, step_size=2.5), "step_size"),
        (lambda o: optim.MultiStepLR(o, [2, 4], gamma=math.nan), "gamma"),
        (lambda o: optim.MultiStepLR(o, [2, -4]), "milestones"),
        (lambda o: optim.ExponentialLR(o, gamma=-0.5), "gamma"),
        (lambda o: optim.ExponentialLR(o, gamma=math.inf), "gamma"),
        (lambda o: optim.CosineAnnealingLR(o, T_max=10, eta_min=-1), "eta_min"),
        (lambda o: optim.CosineAnnealingLR(o, T_max=10, eta_min=math.nan), "eta_min"),
        (lambda o: optim.LambdaLR(o, lambda epoch: -1.0), "epoch 0"),
    ],
)
def test_schedulers_refuse_arguments_that_make_a_negative_or_nan_rate(make, argument):
    optimizer = _optimizer()
    with pytest.raises(ValueError, match=argument):
        make(optimizer)
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_a_lambda_that_turns_negative_later_stops_step_and_keeps_the_rate():
    optimizer = _optimizer()
    scheduler = optim.LambdaLR(optimizer, lambda epoch: 1.0 - epoch / 2)
    scheduler.step()
    scheduler.step()
    with pytest.raises(ValueError, match=r"LambdaLR: the learning rate at epoch 3 would be -0\.05"):
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.0 and scheduler.last_epoch == 2


def test_a_growing_schedule_reaches_inf_like_torch_instead_of_overflow_error():
    torch = pytest.importorskip("torch")
    ours = optim.ExponentialLR(_optimizer(), gamma=10.0)
    t = torch.zeros(1, requires_grad=True)
    theirs = torch.optim.lr_scheduler.ExponentialLR(torch.optim.SGD([t], lr=0.1), gamma=10.0)
    for _ in range(400):
        theirs.optimizer.step()
        ours.step()
        theirs.step()
    assert ours.get_last_lr() == theirs.get_last_lr() == [math.inf]


def test_scheduler_load_state_dict_refuses_a_wrong_state_clearly():
    scheduler = optim.StepLR(_optimizer(), step_size=2)
    scheduler.step()
    before = scheduler.state_dict()
    for bad in (
        {},
        {"last_epoch": 1},
        {"last_epoch": -3, "base_lrs": [0.1]},
        {"last_epoch": 1, "base_lrs": []},
    ):
        with pytest.raises(ValueError, match=r"StepLR\.load_state_dict: "):
            scheduler.load_state_dict(bad)
        assert scheduler.state_dict() == before
    scheduler.load_state_dict({"last_epoch": 4, "base_lrs": [1.0]})
    assert scheduler.get_last_lr() == [pytest.approx(0.01)]


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="StepLR: expected an optimizer"):
        optim.StepLR([Value(1.0)], step_size=1)


# --- gradient clipping ------------------------------------------------------------------------------


def _with_grads(grads):
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def _torch_clip(torch, grads, max_norm, norm_type):
    tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g, dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type, foreach=False).item()
    return total, [t.grad.item() for t in tensors]


def test_clip_norm_minus_inf_is_the_smallest_gradient_as_in_torch():
    torch = pytest.importorskip("torch")
    params = _with_grads([3.0, -4.0, 5.0])
    total = optim.clip_grad_norm_(params, 1.0, norm_type=-math.inf)
    expected, grads = _torch_clip(torch, [3.0, -4.0, 5.0], 1.0, -math.inf)
    assert total == expected == 3.0
    assert [p.grad for p in params] == pytest.approx(grads, rel=1e-15)


@pytest.mark.parametrize("max_norm", [math.nan, -1.0, "1", None])
def test_clip_refuses_a_max_norm_that_is_not_a_number_at_least_zero(max_norm):
    params = _with_grads([3.0, 4.0])
    with pytest.raises((ValueError, TypeError), match="clip_grad_norm_: max_norm"):
        optim.clip_grad_norm_(params, max_norm)
    assert [p.grad for p in params] == [3.0, 4.0]


@pytest.mark.parametrize("norm_type", [0, 0.0, math.nan, "2"])
def test_clip_refuses_norm_type_zero_or_not_a_number(norm_type):
    with pytest.raises(ValueError, match="clip_grad_norm_: norm_type must be a nonzero number"):
        optim.clip_grad_norm_(_with_grads([3.0, 4.0]), 1.0, norm_type=norm_type)


@pytest.mark.parametrize("size", [1e154, 1e200, 1e300, 1e307])
def test_clip_norm_of_exploding_gradients_is_exact_and_clips(size):
    params = _with_grads([size, -size, size / 2])
    total = optim.clip_grad_norm_(params, 1.0)
    assert total == pytest.approx(size * 1.5, rel=1e-15)  # √(1 + 1 + ¼) = 1.5
    assert math.hypot(*[p.grad for p in params]) == pytest.approx(1.0, rel=1e-6)
    assert [p.grad for p in params] == pytest.approx([2 / 3, -2 / 3, 1 / 3], rel=1e-6)


def test_clip_norm_of_a_sixty_layer_explosion_does_not_overflow_the_sum():
    grads = [1e153 * (1.5**i) for i in range(60)]
    params = _with_grads(grads)
    total = optim.clip_grad_norm_(params, 5.0)
    assert math.isfinite(total) and total == pytest.approx(math.hypot(*grads), rel=1e-12)
    assert math.hypot(*[p.grad for p in params]) == pytest.approx(5.0, rel=1e-6)


def test_clip_norm_of_tiny_gradients_does_not_underflow():
    grads = [1e-300, 1e-300]
    total = optim.clip_grad_norm_(_with_grads(grads), 1.0)
    assert total == pytest.approx(math.sqrt(2) * 1e-300, rel=1e-15)  # PyTorch gives 0.0 here


@given(
    st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=1, max_size=10),
    st.sampled_from([0.5, 1.0, 2.0, 3.0, -1.0, -2.0, math.inf, -math.inf]),
    st.sampled_from([0.0, 0.1, 1.0, 1e6, math.inf]),
)
def test_clip_grad_norm_matches_torch_for_every_order(grads, norm_type, max_norm):
    torch = pytest.importorskip("torch")
    params = _with_grads(grads)
    total = optim.clip_grad_norm_(params, max_norm, norm_type)
    expected, clipped = _torch_clip(torch, grads, max_norm, norm_type)
    assert _same(total, expected) or total == pytest.approx(expected, rel=1e-12)
    assert all(
        _same(p.grad, g) or p.grad == pytest.approx(g, rel=1e-12, abs=1e-300) for p, g in zip(params, clipped)
    )


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=10),
    st.sampled_from([1.0, 2.0, math.inf, -math.inf, -2.0]),
)
def test_clip_grad_norm_never_raises_and_follows_torch_on_nan_and_inf(grads, norm_type):
    torch = pytest.importorskip("torch")
    params = _with_grads(grads)
    total = optim.clip_grad_norm_(params, 1.0, norm_type)
    assert all(type(p.grad) is float for p in params)
    if any(math.isnan(g) for g in grads):
        assert math.isnan(total) and all(math.isnan(p.grad) for p in params)
    elif all(abs(g) < 1e150 for g in grads):  # where torch's norm does not overflow, the same numbers
        expected, clipped = _torch_clip(torch, grads, 1.0, norm_type)
        assert _same(total, expected) or total == pytest.approx(expected, rel=1e-12)
        assert all(
            _same(p.grad, g) or p.grad == pytest.approx(g, rel=1e-12, abs=1e-300)
            for p, g in zip(params, clipped)
        )
    else:
        assert total >= 0


def test_clipping_a_model_or_a_number_says_what_to_pass():
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"clip_grad_norm_: pass model\.parameters\(\), not the model"):
        optim.clip_grad_norm_(model, 1.0)
    with pytest.raises(TypeError, match="clip_grad_value_: expected a Value or a list of Values, got float"):
        optim.clip_grad_value_(0.5, 1.0)
    with pytest.raises(TypeError, match="clip_grad_norm_: expected Values, got float"):
        optim.clip_grad_norm_([0.5], 1.0)


def test_clip_error_if_nonfinite_as_in_torch():
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm"):
        optim.clip_grad_norm_(_with_grads([1.0, math.inf]), 1.0, error_if_nonfinite=True)


def test_clip_grad_value_keeps_nan_and_refuses_a_bad_bound():
    params = _with_grads([math.nan, 5.0, -math.inf])
    optim.clip_grad_value_(params, 1.0)
    assert math.isnan(params[0].grad) and params[1].grad == 1.0 and params[2].grad == -1.0
    for bad in (math.nan, -1.0, "1"):
        with pytest.raises((ValueError, TypeError), match="clip_grad_value_: clip_value"):
            optim.clip_grad_value_(params, bad)


# --- layers: sizes checked before building, NumPy numbers, messages ---------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(2, [10**20]),
        lambda: nn.MLP(100_000, [100_000, 1]),
        lambda: nn.Layer(2, 10**20),
        lambda: nn.Neuron(10**20),
        lambda: nn.MLP(10**5000, [1]),
    ],
)
def test_a_huge_architecture_is_refused_before_anything_is_built(make, monkeypatch):
    def built(*args, **kwargs):
        raise AssertionError("a parameter was built")

    monkeypatch.setattr(nn.layers, "Parameter", built)
    with pytest.raises(
        ValueError, match=r"parameters, more than nn\.layers\.MAX_PARAMETERS = 10,000,000"
    ) as error:
        make()
    assert len(str(error.value)) < 300


def test_max_parameters_can_be_raised(monkeypatch):
    monkeypatch.setattr(nn.layers, "MAX_PARAMETERS", 10)
    with pytest.raises(ValueError, match="MAX_PARAMETERS = 10 "):
        nn.MLP(2, [3, 1])  # 13 parameters
    monkeypatch.setattr(nn.layers, "MAX_PARAMETERS", 13)
    assert nn.MLP(2, [3, 1]).num_parameters() == 13


@pytest.mark.parametrize("nouts", [3, 3.0, "3", None])
def test_mlp_with_a_single_size_says_nouts_is_a_list(nouts):
    with pytest.raises(TypeError, match=r"MLP: nouts must be a list of layer sizes, such as \[3\]"):
        nn.MLP(2, nouts)


def test_numpy_scalars_of_every_kind_are_numbers_as_inputs():
    np = pytest.importorskip("numpy")
    neuron = nn.Neuron(1, activation="tanh", seed=0)
    mlp = nn.MLP(1, [1], seed=0)
    layer = nn.Layer(2, 2, seed=0)
    for kind in (np.int8, np.int64, np.uint16, np.float16, np.float32, np.float64):
        assert neuron(kind(5)).data == neuron(5.0).data
        assert mlp(kind(1)).data == mlp(1.0).data
        assert [v.data for v in layer([kind(1), kind(2)])] == [v.data for v in layer([1.0, 2.0])]
        assert [v.data for v in layer(np.array([1, 2], dtype=kind))] == [v.data for v in layer([1.0, 2.0])]
    assert mlp(np.float32(0.5)).data == mlp(float(np.float32(0.5))).data


def test_numpy_sizes_build_a_model_that_saves(tmp_path):
    np = pytest.importorskip("numpy")
    model = nn.MLP(np.int64(2), [np.int32(3), np.uint8(1)], bias=np.bool_(True), seed=0)
    assert model.config()["nouts"] == [3, 1] and type(model.config()["nin"]) is int
    assert type(nn.Layer(2, np.int64(3)).config()["nout"]) is int
    model.save(tmp_path / "m.json")
    assert nn.load(tmp_path / "m.json").state_dict() == model.state_dict()


def test_an_input_that_has_no_length_is_named():
    with pytest.raises(
        TypeError, match=r"Layer\(nin=2\) expects 2 inputs \(a list of numbers or Values\), got generator"
    ):
        nn.Layer(2, 3, seed=0)(x for x in [1.0, 2.0])


def test_repr_shows_every_layers_activation_and_bias():
    text = repr(nn.MLP(2, [3, 1], seed=0))
    assert "(layers.0): Layer(nin=2, nout=3, activation='relu', bias=True)" in text
    assert "(neurons.0-2): 3 × Neuron(nin=2, activation='relu', bias=True)" in text
    assert "(layers.1): Layer(nin=3, nout=1, activation='linear', bias=True)" in text
    assert "Layer(nin=2, nout=1, activation='tanh', bias=False)" in repr(
        nn.MLP(2, [1], "relu", "tanh", bias=False)
    )


def test_models_pickle_and_come_back_the_same():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.state_dict() == model.state_dict() and repr(copy) == repr(model)
    assert copy([0.3, -0.2]).data == model([0.3, -0.2]).data
    assert all(callable(f) and f.__name__ != "<lambda>" for f in nn.ACTIVATIONS.values())


# --- data sets and fit --------------------------------------------------------------------------------


def test_data_sets_take_numpy_numbers_and_give_plain_floats():
    np = pytest.importorskip("numpy")
    X, y = nn.data.make_blobs(n_samples=np.int64(9), centers=np.int64(3), cluster_std=np.float32(0.5))
    assert len(X) == 9 and set(y) == {0, 1, 2} and all(type(c) is float for point in X for c in point)
    X, _ = nn.data.make_moons(np.int64(10), noise=np.float32(0.1))
    assert len(X) == 10 and all(type(c) is float for point in X for c in point)
    X, _ = nn.data.make_circles(np.int64(10), factor=np.float32(0.5))
    assert all(type(c) is float for point in X for c in point)
    assert [len(b) for b, _ in nn.data.batches(X, X, np.int64(4), shuffle=False)] == [4, 4, 2]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.data.make_moons(10.5), "make_moons: n_samples"),
        (lambda: nn.data.make_moons(10, noise=math.nan), "make_moons: noise"),
        (lambda: nn.data.make_blobs(centers=[]), "make_blobs: centers must list"),
        (lambda: nn.data.make_blobs(centers=2.5), "make_blobs: centers"),
    ],
)
def test_data_set_arguments_get_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_fit_refuses_fractional_epochs_and_a_loss_that_is_not_a_value():
    model = nn.MLP(2, [1], seed=0)
    X, y = nn.data.xor()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"fit: epochs must be a whole number ≥ 0, got 2\.5"):
        nn.fit(model, X, y, nn.mse_loss, optimizer, epochs=2.5, progress=False)

    def float_loss(outputs, targets):
        return nn.mse_loss(outputs, targets).data

    with pytest.raises(TypeError, match="fit: loss_fn must return a Value to backpropagate from, got float"):
        nn.fit(model, X, y, float_loss, optimizer, epochs=1, progress=False)


# --- model files: what is read, what is refused before building -------------------------------------


def _document(model=None):
    return json.loads(json.dumps(nn.persistence.document_of(model or nn.MLP(2, [3, 1], seed=1))))


def _write(path, document_or_text):
    text = document_or_text if isinstance(document_or_text, str) else json.dumps(document_or_text)
    path.write_text(text)
    return path


def _in_a_thread(function, *args):
    """Run ``function(*args)``; return what it raised. A hang fails the test instead of stalling it."""
    outcome = []

    def run():
        try:
            function(*args)
            outcome.append(None)
        except BaseException as error:  # the test looks at what was raised
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert outcome, f"{function.__qualname__} did not return"
    return outcome[0]


def test_duplicate_keys_in_a_model_file_are_refused(tmp_path):
    text = json.dumps(_document())
    twice_parameter = text.replace('"layers.0.neurons.0.b": ', '"layers.0.neurons.0.w.0": ', 1)
    twice_top = text[:-1] + ', "version": 2}'
    for number, bad in enumerate([twice_parameter, twice_top]):
        path = _write(tmp_path / f"m{number}.json", bad)
        with pytest.raises(nn.ModelFileError, match="appears twice in one object"):
            nn.load(path)
        with pytest.raises(nn.ModelFileError, match="appears twice"):
            nn.MLP(2, [3, 1], seed=1).load(path)


def test_an_architecture_bigger_than_its_parameters_is_refused_before_building(tmp_path, monkeypatch):
    def built(*args, **kwargs):
        raise AssertionError("the model was built")

    document = _document()
    monkeypatch.setattr(nn.layers, "Parameter", built)
    document["architecture"]["config"].update(nin=100_000, nouts=[100_000, 1])
    document["parameters"] = {}
    with pytest.raises(nn.ModelFileError, match=r"cannot build .* 10,000,200,001 parameters, more than"):
        nn.load(_write(tmp_path / "huge.json", document))
    document["architecture"]["config"].update(nin=1000, nouts=[1000, 1])
    with pytest.raises(nn.ModelFileError, match=r"has 1,002,001 parameters, but the file holds 0"):
        nn.load(_write(tmp_path / "big.json", document))
    document["parameters"] = {"w": 0.5}
    document["architecture"]["config"].update(nin=2, nouts=[3, 1])
    with pytest.raises(nn.ModelFileError, match="has 13 parameters, but the file holds 1"):
        nn.load(_write(tmp_path / "small.json", document))
    # the 230-byte file of the report: a version 1 file with only the sizes
    short = {"format": "chainrule-model", "version": 1, "parameters": {}}
    short["architecture"] = {"class": "MLP", "config": {"nin": 100000, "nouts": [100000, 1]}}
    with pytest.raises(nn.ModelFileError, match="MLP: expected the arguments"):
        nn.load(_write(tmp_path / "short.json", short))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    error = _in_a_thread(nn.load, fifo)
    assert isinstance(error, nn.ModelFileError) and "not a regular file (a FIFO" in str(error)
    error = _in_a_thread(nn.MLP(2, [3, 1]).load, fifo)
    assert isinstance(error, nn.ModelFileError)
    error = _in_a_thread(nn.MLP(2, [3, 1]).save, fifo)
    assert (
        isinstance(error, OSError)
        and "not a regular file" in str(error)
        and stat.S_ISFIFO(os.stat(fifo).st_mode)
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_dev_zero_and_a_directory_are_refused_without_reading(tmp_path):
    error = _in_a_thread(nn.load, "/dev/zero")
    assert isinstance(
        error, nn.ModelFileError
    ) and "/dev/zero: not a regular file (a character device)" in str(error)
    with pytest.raises(nn.ModelFileError, match="not a regular file \\(a directory\\)"):
        nn.load(tmp_path)


def test_what_is_read_is_capped_and_saving_refuses_a_file_loading_would_refuse(tmp_path, monkeypatch):
    model = nn.MLP(2, [3, 1], seed=1)
    model.save(tmp_path / "m.json")
    monkeypatch.setattr(nn.persistence, "MAX_FILE_BYTES", 100)
    with pytest.raises(nn.ModelFileError, match="larger than 100 bytes"):
        nn.load(tmp_path / "m.json")
    with pytest.raises(ValueError, match=r"more than loading reads \(MAX_FILE_BYTES = 100\)"):
        model.save(tmp_path / "other.json")
    assert not (tmp_path / "other.json").exists()


def test_a_five_thousand_digit_integer_gets_a_clear_error(tmp_path):
    text = json.dumps(_document())
    for number, bad in enumerate(
        [
            text.replace('"nin": 2', '"nin": ' + "9" * 5000),
            text.replace('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": ' + "1" * 5000),
        ]
    ):
        assert bad != text
        with pytest.raises(nn.ModelFileError, match="an integer of 5,000 digits is too long"):
            nn.load(_write(tmp_path / f"m{number}.json", bad))


def test_a_huge_architecture_or_name_is_cut_short_in_messages(tmp_path):
    document = _document()
    document["architecture"]["config"]["activation"] = "x" * 10_000_000
    message = str(_in_a_thread(nn.load, _write(tmp_path / "a.json", document)))
    assert "xxx...xxx" in message and len(message) < 2000
    message = str(_in_a_thread(nn.MLP(2, [3, 1]).load, tmp_path / "a.json"))
    assert "xxx...xxx" in message and len(message) < 2000
    document = _document()
    document["architecture"]["class"] = "C" * 1_000_000
    message = str(_in_a_thread(nn.load, _write(tmp_path / "c.json", document)))
    assert "unknown module class" in message and len(message) < 2000
    document = _document()
    document["parameters"]["p" * 1_000_000] = document["parameters"].pop("layers.0.neurons.0.b")
    message = str(_in_a_thread(nn.load, _write(tmp_path / "p.json", document)))
    assert "unexpected ['ppp" in message and len(message) < 2000


def test_save_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as error:
        nn.MLP(2, [3, 1]).save(path)
    assert error.value.filename == str(path) and ".chainrule" not in str(error.value)
    with pytest.raises(IsADirectoryError) as error:
        nn.MLP(2, [3, 1]).save(tmp_path)
    assert error.value.filename == str(tmp_path) and ".chainrule" not in str(error.value)


def test_a_save_refused_by_permissions_names_the_users_path_even_as_root(tmp_path, monkeypatch):
    opened = os.open

    def refuse(name, flags, mode=0o777):
        if ".chainrule-" in os.fspath(name):
            raise PermissionError(13, "Permission denied", os.fspath(name))
        return opened(name, flags, mode)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionError) as error:
        nn.MLP(2, [3, 1]).save(tmp_path / "model.json")
    assert error.value.filename == str(tmp_path / "model.json") and ".chainrule" not in str(error.value)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions and a user that is not root"
)
def test_a_save_refused_by_permissions_names_the_users_path(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as error:
            nn.MLP(2, [3, 1]).save(locked / "model.json")
        assert error.value.filename == str(locked / "model.json")
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_saving_over_a_file_keeps_its_permissions(tmp_path, mode):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(mode)
    nn.MLP(2, [3, 1]).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode and nn.load(path).num_parameters() == 13


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="only root may give a file to another user"
)
def test_saving_over_anothers_file_as_root_keeps_its_owner_and_group(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    os.chown(path, 12345, 23456)
    path.chmod(0o4750)
    nn.MLP(2, [3, 1]).save(path)
    information = os.stat(path)
    assert (information.st_uid, information.st_gid, stat.S_IMODE(information.st_mode)) == (
        12345,
        23456,
        0o4750,
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        nn.MLP(2, [3, 1]).save(tmp_path / "model.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "model.json").st_mode) == 0o644


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    model = nn.MLP(2, [3, 1], seed=3)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path / "real")) == ["model.json"]
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "real" / "new.json")
    model.save(dangling)
    assert (
        dangling.is_symlink() and nn.load(tmp_path / "real" / "new.json").state_dict() == model.state_dict()
    )


def test_a_killed_saves_temporary_file_is_removed_by_the_next_save_and_only_it(tmp_path):
    path = tmp_path / "model.json"
    prefix = temporary_prefix(path)
    stale = tmp_path / f"{prefix}0123456789abcdef.tmp"
    stale.write_text("half a model")
    other_target = tmp_path / f"{temporary_prefix(tmp_path / 'other.json')}0123456789abcdef.tmp"
    other_target.write_text("another file's")
    not_ours = tmp_path / f"{prefix}not-random.tmp"
    not_ours.write_text("someone else's")
    an_hour_ago = time.time() - 3600
    for file in (stale, other_target, not_ours):
        os.utime(file, (an_hour_ago, an_hour_ago))
    nn.MLP(2, [3, 1]).save(path)
    assert not stale.exists()
    assert other_target.exists() and not_ours.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["model.json", other_target.name, not_ours.name])


@pytest.mark.skipif(os.name != "posix", reason="advisory locks")
def test_a_temporary_file_that_a_running_save_holds_or_that_is_fresh_is_left_alone(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "model.json"
    held = tmp_path / f"{temporary_prefix(path)}00000000000000aa.tmp"
    fresh = tmp_path / f"{temporary_prefix(path)}00000000000000bb.tmp"
    held.write_text("being written")
    fresh.write_text("just made")
    an_hour_ago = time.time() - 3600
    os.utime(held, (an_hour_ago, an_hour_ago))
    with open(held, "rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)
        nn.MLP(2, [3, 1]).save(path)
        assert held.exists() and fresh.exists()
    nn.MLP(2, [3, 1]).save(path)
    assert not held.exists() and fresh.exists()


def test_a_failed_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space left on device") as error:
        nn.MLP(2, [3, 1]).save(path)
    assert error.value.filename == str(path)
    assert os.listdir(tmp_path) == ["model.json"] and path.read_text() == "old"


# --- model files: which class is rebuilt, what can be saved -----------------------------------------


class MLP(nn.Module):
    """A learner's own MLP, named like the library's."""

    def __init__(self, size: int = 2) -> None:
        self._config = {"size": size}
        self.w = [nn.Parameter(0.5) for _ in range(size)]


class NoConfig(nn.Module):
    """A module whose constructor needs an argument it does not record."""

    def __init__(self, size: int) -> None:
        self.w = [nn.Parameter(0.5) for _ in range(size)]


class OtherArguments(nn.MLP):
    """A subclass whose constructor takes other arguments than the MLP config it inherits."""

    def __init__(self, width: int) -> None:
        super().__init__(2, [width, 1])


class NoArguments(nn.Module):
    def __init__(self) -> None:
        self.w = nn.Parameter(0.25)


def test_a_learners_own_mlp_does_not_take_over_loading_the_librarys(tmp_path):
    library = nn.MLP(2, [3, 1], seed=0)
    library.save(tmp_path / "library.json")
    own = MLP(3)
    own.save(tmp_path / "own.json")
    assert type(nn.load(tmp_path / "library.json")) is nn.MLP
    rebuilt = nn.load(tmp_path / "own.json")
    assert type(rebuilt) is MLP and rebuilt.num_parameters() == 3
    with pytest.raises(nn.ModelFileError, match="the file holds"):
        library.load(tmp_path / "own.json")
    version_1 = _document(library)
    version_1["version"] = 1
    del version_1["architecture"]["module"]
    assert type(nn.load(_write(tmp_path / "v1.json", version_1))) is nn.MLP
    own_version_1 = _document(NoArguments())
    own_version_1["version"] = 1
    del own_version_1["architecture"]["module"]
    assert type(nn.load(_write(tmp_path / "own_v1.json", own_version_1))) is NoArguments


def test_an_unknown_module_names_the_classes_of_that_name_it_knows(tmp_path):
    document = _document()
    document["architecture"]["module"] = "notebook"
    with pytest.raises(
        nn.ModelFileError,
        match=r"unknown module class 'MLP' of module 'notebook' \(defined so far: .*nn\.layers\.MLP",
    ):
        nn.load(_write(tmp_path / "m.json", document))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.MLP(2, [3, 1], activation=lambda z: z.tanh()), "activation '<lambda>' is a function"),
        (lambda: nn.Neuron(2, activation=lambda z: z), "activation '<lambda>' is a function"),
        (lambda: nn.Layer(2, 2, activation=_my_relu), "activation 'relu' is a function"),
        (lambda: NoConfig(3), r"nn\.load would call NoConfig\(\) and that fails .*self\._config"),
        (lambda: OtherArguments(3), r"nn\.load would call OtherArguments\(nin=2, .*\) and that fails"),
    ],
)
def test_saving_refuses_what_cannot_be_loaded_back(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        make().save(tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def _my_relu(z):
    return z.tanh()


_my_relu.__name__ = "relu"  # a function of the learner's that shares a name with the table's


def test_the_tables_own_functions_and_modules_without_arguments_save_and_load(tmp_path):
    model = nn.MLP(2, [3, 1], activation=Value.tanh, output_activation=Value.sigmoid, seed=0)
    model.save(tmp_path / "m.json")
    rebuilt = nn.load(tmp_path / "m.json")
    assert rebuilt.config()["activation"] == "tanh" and rebuilt([0.5, 0.2]).data == model([0.5, 0.2]).data
    NoArguments().save(tmp_path / "n.json")
    assert nn.load(tmp_path / "n.json").state_dict() == {"w": 0.25}


def test_the_reliability_benchmark_runs_and_reports_each_refusal():
    from benchmarks import reliability

    lines = reliability.run(quick=True)
    assert any("10,000,200,001 parameters" in line for line in lines)
    assert any(line.startswith("MLP(2, [10**20]) is refused") for line in lines)
    assert any(line.startswith("clip_grad_norm_ on 10,000 gradients") for line in lines)


def test_threads_saving_to_one_path_leave_one_whole_model_and_no_temporary_file(tmp_path):
    path = tmp_path / "model.json"
    models = [nn.MLP(2, [8, 1], seed=seed) for seed in range(8)]
    errors = []

    def save(model):
        try:
            for _ in range(5):
                model.save(path)
        except BaseException as error:  # the test looks at what was raised
            errors.append(error)

    threads = [threading.Thread(target=save, args=(model,)) for model in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert nn.load(path).state_dict() in [model.state_dict() for model in models]
    assert os.listdir(tmp_path) == ["model.json"]


def test_to_torch_does_not_take_a_function_of_ones_own_for_the_one_of_the_same_name():
    pytest.importorskip("torch")
    with pytest.raises(
        ValueError, match=r"to_torch: layer 0 uses a function of its own as activation \('relu'\)"
    ):
        nn.MLP(2, [3, 1], activation=_my_relu).to_torch()
    with pytest.raises(ValueError, match="to_torch: layer 1 uses a function of its own"):
        nn.MLP(2, [3, 1], output_activation=lambda z: z).to_torch()
    assert len(nn.MLP(2, [3, 1], activation=Value.tanh).to_torch()) == 3


@given(
    st.integers(1, 5),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.booleans(),
    st.integers(-3, 3).filter(lambda change: change != 0),
)
def test_any_architecture_whose_size_differs_from_the_files_parameters_is_refused_before_building(
    nin, nouts, bias, change
):
    document = _document(nn.MLP(nin, nouts, bias=bias, seed=0))
    names = list(document["parameters"])
    if change < 0:
        for name in names[: min(-change, len(names))]:
            del document["parameters"][name]
    else:
        document["parameters"].update({f"extra.{i}": 0.0 for i in range(change)})
    expected = sum(b * (a + bias) for a, b in zip([nin, *nouts], nouts))
    with tempfile.TemporaryDirectory() as directory:
        path = _write(Path(directory) / "m.json", document)
        with pytest.raises(nn.ModelFileError, match=rf"has {expected:,} parameters, but the file holds"):
            nn.load(path)
