"""Optimizers, schedules and clipping: trajectories against torch.optim, freezing, state."""

import json
import math
import random

import pytest

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
