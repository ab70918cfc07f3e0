"""Optimizers, schedules and clipping: trajectories against torch.optim, freezing, state."""

import copy
import json
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from nn import optim

START = [0.5, -1.2, 0.8, 0.3, -0.4]


def objective(p, tanh):
    """A small non-convex loss over five scalars, written once for Values and for torch tensors."""
    coupled = sum((p[i] * p[i + 1] - 0.5) ** 2 for i in range(len(p) - 1))
    return coupled + 0.3 * sum(tanh(x) for x in p) + 0.05 * p[0] ** 4


def trajectory(params, make, tanh, read, steps, groups=None):
    """Parameters after each of ``steps`` optimizer steps on ``objective`` (ours or torch's alike)."""
    optimizer = make(params if groups is None else groups(params))
    points = []
    for _ in range(steps):
        optimizer.zero_grad()
        objective(params, tanh).backward()
        optimizer.step()
        points.append([read(p) for p in params])
    return points


def run_ours(make, steps, groups=None):
    return trajectory([Value(x) for x in START], make, Value.tanh, lambda p: p.data, steps, groups)


def run_torch(torch, make, steps, groups=None):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    return trajectory(params, make, torch.tanh, lambda p: p.item(), steps, groups)


CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-6}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "betas": (0.6, 0.9)}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.05, "alpha": 0.9}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.2, "eps": 1e-6}),
]


@pytest.mark.parametrize(("name", "settings"), CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_trajectory_matches_torch(name, settings):
    torch = pytest.importorskip("torch")
    ours = run_ours(lambda p: getattr(optim, name)(p, **settings), 60)
    theirs = run_torch(torch, lambda p: getattr(torch.optim, name)(p, foreach=False, **settings), 60)
    assert ours[0] != [*START]
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, abs=1e-9, rel=0), f"step {step + 1}"


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        ours = getattr(optim, name)([Value(1.0)]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        for key, value in ours.items():
            assert theirs[key] == value, f"{name}.{key}"


def test_param_groups_with_their_own_settings_match_torch():
    torch = pytest.importorskip("torch")

    def groups(params):
        return [
            {"params": params[:2], "lr": 0.01},
            {"params": params[2:], "momentum": 0.5, "weight_decay": 0.2},
        ]

    ours = run_ours(lambda g: optim.SGD(g, lr=0.05, momentum=0.9), 30, groups)
    theirs = run_torch(torch, lambda g: torch.optim.SGD(g, lr=0.05, momentum=0.9, foreach=False), 30, groups)
    assert ours[-1] == pytest.approx(theirs[-1], abs=1e-12)


def _train(model, optimizer, steps=5):
    X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, 1.0, 0.0]
    for _ in range(steps):
        optimizer.zero_grad()
        nn.mse_loss([model(x) for x in X], y).backward()
        optimizer.step()


@pytest.mark.parametrize("which", ["weights", "biases"])
def test_training_only_weights_or_only_biases_with_a_group(which):
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    for p in model.biases():
        p.data = 0.1  # nonzero biases, so that every gradient is nonzero
    trained, frozen = (
        (model.weights(), model.biases()) if which == "weights" else (model.biases(), model.weights())
    )
    before_trained, before_frozen = [p.data for p in trained], [p.data for p in frozen]
    _train(model, optim.SGD(trained, lr=0.1))
    assert [p.data for p in frozen] == before_frozen
    assert all(a != b for a, b in zip(before_trained, [p.data for p in trained]))


def test_frozen_parameters_with_requires_grad_false_do_not_move_even_with_weight_decay():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    for p in model.biases():
        p.requires_grad = False
        p.data = 0.1
    weights_before = [p.data for p in model.weights()]
    for make in (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.5), lambda ps: optim.AdamW(ps, lr=0.1)):
        _train(model, make(model.parameters()))
        assert all(p.data == 0.1 and p.grad == 0.0 for p in model.biases())
    assert all(a != b.data for a, b in zip(weights_before, model.weights()))


def test_step_reads_gradients_that_are_values():
    x = Value(3.0)
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    optim.SGD([x], lr=0.1).step()
    assert x.data == pytest.approx(3.0 - 0.1 * 6.0) and isinstance(x.data, float)


def test_optimizer_state_dict_round_trip_continues_identically():
    def make(model):
        return optim.Adam(model.parameters(), lr=0.05, amsgrad=True)

    a = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    optimizer_a = make(a)
    _train(a, optimizer_a)
    b = nn.MLP(2, [3, 1], activation="tanh", seed=9)
    b.load_state_dict(a.state_dict())
    optimizer_b = make(b)
    optimizer_b.load_state_dict(json.loads(json.dumps(optimizer_a.state_dict())))
    _train(a, optimizer_a)
    _train(b, optimizer_b)
    assert a.state_dict() == b.state_dict()
    with pytest.raises(ValueError, match="groups do not match"):
        optim.Adam([Value(1.0)]).load_state_dict(optimizer_a.state_dict())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: optim.SGD([]), "empty"),
        (lambda: optim.SGD([Value(1.0)], lr=-1), "lr must be a finite number ≥ 0"),
        (lambda: optim.SGD([Value(1.0)], nesterov=True), "Nesterov"),
        (lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.0)), "betas"),
        (lambda: optim.SGD([1.0]), "only optimize Values"),
        (lambda: optim.SGD([{"params": [Value(1.0)], "momentun": 0.9}]), "unknown settings"),
    ],
)
def test_mistakes_raise_clear_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_parameter_in_two_groups_is_refused():
    shared = Value(1.0)
    with pytest.raises(ValueError, match="more than one place"):
        optim.SGD([{"params": [shared]}, {"params": [shared]}], lr=0.1)


def test_a_parameter_listed_twice_is_refused_by_name():
    twice = Value(1.0, label="w")
    with pytest.raises(
        ValueError, match=r"^Adam: the parameter Value\(.*label='w'\) appears in more than one place"
    ):
        optim.Adam([Value(2.0), twice, twice])


SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 11], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (1 + epoch)}),
]


@pytest.mark.parametrize(("name", "settings"), SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_schedule_matches_torch(name, settings):
    torch = pytest.importorskip("torch")
    ours_optimizer = optim.SGD([{"params": [Value(1.0)]}, {"params": [Value(2.0)], "lr": 0.3}], lr=0.1)
    ours = getattr(optim, name)(ours_optimizer, **settings)
    tensors = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    theirs_optimizer = torch.optim.SGD([{"params": tensors[:1]}, {"params": tensors[1:], "lr": 0.3}], lr=0.1)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_optimizer, **settings)
    for epoch in range(25):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-9, abs=1e-15), (
            f"epoch {epoch}"
        )
        assert [g["lr"] for g in ours_optimizer.param_groups] == ours.get_last_lr()
        ours_optimizer.step()
        ours.step()
        theirs_optimizer.step()
        theirs.step()


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = random.Random(int(norm_type if norm_type != math.inf else 9) + int(max_norm))
    grads = [rng.uniform(-2, 2) for _ in range(7)]
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g, dtype=torch.float64)
    total = optim.clip_grad_norm_(params, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type, foreach=False)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    assert [p.grad for p in params] == pytest.approx([t.grad.item() for t in tensors], rel=1e-12)
    if norm_type == math.inf:
        clipped = max(abs(p.grad) for p in params)
    else:
        clipped = math.fsum(abs(p.grad) ** norm_type for p in params) ** (1 / norm_type)
    assert clipped <= max_norm + 1e-9


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    grads = [-3.0, -0.5, 0.0, 0.7, 2.5]
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    optim.clip_grad_value_(params, 1.0)
    tensor = torch.tensor(grads, dtype=torch.float64)
    tensor.grad = tensor.clone()
    torch.nn.utils.clip_grad_value_([tensor], 1.0)
    assert [p.grad for p in params] == tensor.grad.tolist() == [-1.0, -0.5, 0.0, 0.7, 1.0]


# --- saved state: refused unless step() could have made it ---------------------------------------


def _stepped(make):
    model = nn.MLP(2, [2, 1], seed=0)
    optimizer = make(model.parameters())
    nn.mse_loss(model([1.0, -1.0]), 0.5).backward()
    optimizer.step()
    return model, optimizer


@pytest.mark.parametrize(
    ("make", "change", "message"),
    [
        (optim.Adam, {"step": -1.0}, r"step must be a whole number ≥ 0, got -1.0"),
        (optim.Adam, {"step": 1.5}, r"step must be a whole number ≥ 0, got 1.5"),
        (optim.Adam, {"exp_avg_sq": -1.0}, r"exp_avg_sq must be a finite number ≥ 0, got -1.0"),
        (optim.Adam, {"exp_avg_sq": math.nan}, r"exp_avg_sq must be a finite number ≥ 0, got nan"),
        (optim.Adam, {"exp_avg": math.inf}, r"exp_avg must be a finite number, got inf"),
        (optim.Adam, {"bogus": 1.0}, r"unknown state 'bogus' .*step, exp_avg, exp_avg_sq, max_exp_avg_sq"),
        (lambda p: optim.Adam(p, amsgrad=True), {"max_exp_avg_sq": -2.0}, r"max_exp_avg_sq must be a finite"),
        (lambda p: optim.RMSprop(p, centered=True, momentum=0.9), {"square_avg": -1.0}, r"square_avg must"),
        (optim.Adagrad, {"sum": -1.0}, r"sum must be a finite number ≥ 0"),
        (
            lambda p: optim.SGD(p, momentum=0.9),
            {"exp_avg": 1.0},
            r"unknown state 'exp_avg' .*momentum_buffer",
        ),
    ],
)
def test_load_state_dict_refuses_a_state_the_next_step_would_turn_into_nan(make, change, message):
    model, optimizer = _stepped(make)
    saved = optimizer.state_dict()
    before = copy.deepcopy(optimizer.state_dict())
    saved["state"][0].update(change)
    with pytest.raises(ValueError, match=rf"load_state_dict: parameter 0's {message}"):
        optimizer.load_state_dict(saved)
    assert optimizer.state_dict() == before
    optimizer.step()  # from the state it kept: finite weights, where the refused one gave NaN
    assert all(math.isfinite(p.data) for p in model.parameters())


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


class Heavy(optim.Optimizer):
    """An optimizer of a learner's own: it remembers a velocity that no table lists."""

    settings = {"lr": 0.0}  # noqa: RUF012

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def _update(self, p, grad, group, state):
        state["velocity"] = 0.9 * state.get("velocity", 0.0) + grad
        p.data -= group["lr"] * state["velocity"]


def test_an_optimizer_of_ones_own_loads_any_state_names_as_finite_numbers():
    _, optimizer = _stepped(Heavy)
    saved = optimizer.state_dict()
    assert set(saved["state"][0]) == {"velocity"}
    optimizer.load_state_dict(saved)
    assert optimizer.state_dict() == saved
    saved["state"][0]["velocity"] = math.nan
    with pytest.raises(ValueError, match=r"parameter 0's velocity must be a finite number, got nan"):
        optimizer.load_state_dict(saved)
