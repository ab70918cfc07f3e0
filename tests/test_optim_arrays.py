"""Plain SGD on a large group runs on arrays: the same numbers as one parameter at a time, to the bit."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value
from nn import optim

pytest.importorskip("numpy")


def _run(one_at_a_time: bool, lr: float, weight_decay: float, seed: int, monkeypatch) -> tuple[list, dict]:
    monkeypatch.setattr(optim, "ARRAY_UPDATE_FROM", 10**9 if one_at_a_time else 1)
    rng = random.Random(seed)
    params = [Value(rng.uniform(-3, 3), requires_grad=rng.random() > 0.1) for _ in range(300)]
    optimizer = optim.SGD(params, lr=lr, weight_decay=weight_decay)
    for _ in range(3):
        for p in params:
            p.grad = rng.uniform(-5, 5)
        optimizer.step()
    return [p.data for p in params], optimizer.state_dict()


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 1), st.sampled_from([0.0, 1e-3, 0.5]), st.integers(0, 2**16))
def test_array_update_is_the_scalar_update_bit_for_bit(lr, weight_decay, seed):
    with pytest.MonkeyPatch.context() as monkeypatch:
        scalar = _run(True, lr, weight_decay, seed, monkeypatch)
        arrays = _run(False, lr, weight_decay, seed, monkeypatch)
    assert arrays == scalar  # data of every parameter (frozen ones unmoved) and the saved state


def test_a_grad_that_is_no_number_stops_the_array_step_before_anything_moves(monkeypatch):
    monkeypatch.setattr(optim, "ARRAY_UPDATE_FROM", 1)
    params = [Value(float(i)) for i in range(5)]
    for p in params:
        p.grad = 1.0
    params[3].grad = "oops"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"the grad of Value\(data=3.0"):
        optim.SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_momentum_keeps_its_buffers_one_parameter_at_a_time(monkeypatch):
    monkeypatch.setattr(optim, "ARRAY_UPDATE_FROM", 1)
    model = nn.MLP(3, [4, 1], seed=0)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for p in model.parameters():
        p.grad = 1.0
    optimizer.step()
    assert all(state["momentum_buffer"] == 1.0 for state in optimizer.state.values())
