"""Training end to end: fit's loop and history, and small networks that must learn XOR and moons."""

import random

import pytest

import nn
from nn import optim


def test_fit_runs_the_explicit_loop_and_returns_the_history():
    X, y = nn.data.xor()
    a = nn.MLP(2, [3, 1], activation="tanh", seed=4)
    b = nn.MLP(2, [3, 1], activation="tanh", seed=4)
    history = nn.fit(a, X, y, nn.mse_loss, optim.SGD(a.parameters(), lr=0.1), epochs=5, progress=False)
    expected = []
    optimizer = optim.SGD(b.parameters(), lr=0.1)
    for _ in range(5):
        loss = nn.mse_loss([b(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected.append(loss.data)
    assert history == expected
    assert a.state_dict() == b.state_dict()


def test_fit_with_batches_and_a_scheduler():
    X, y = nn.data.make_blobs(n_samples=12, centers=[[0.0, 0.0], [3.0, 3.0]], seed=0)
    model = nn.MLP(2, [2], seed=0)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = optim.StepLR(optimizer, step_size=2, gamma=0.5)
    history = nn.fit(
        model, X, y, nn.cross_entropy, optimizer, 4, batch_size=5, progress=False, scheduler=scheduler
    )
    assert len(history) == 4 and all(isinstance(h, float) for h in history)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**2)
    again = nn.MLP(2, [2], seed=0)
    second = optim.SGD(again.parameters(), lr=0.1)
    same = nn.fit(again, X, y, nn.cross_entropy, second, 4, 5, False, optim.StepLR(second, 2, 0.5))
    assert same == history  # shuffling is seeded
    runs = []
    for _ in range(2):  # seed=None: shuffled from Python's global random, so random.seed repeats it
        random.seed(11)
        model = nn.MLP(2, [2], seed=0)
        sgd = optim.SGD(model.parameters(), lr=0.1)
        runs.append(nn.fit(model, X, y, nn.cross_entropy, sgd, 3, batch_size=5, progress=False, seed=None))
    assert runs[0] == runs[1]


def test_fit_shows_a_progress_bar(capsys):
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, nn.mse_loss, optim.SGD(model.parameters(), lr=0.1), 3)
    assert "training" in capsys.readouterr().err
    nn.fit(model, X, y, nn.mse_loss, optim.SGD(model.parameters(), lr=0.1), 3, progress=False)
    assert capsys.readouterr().err == ""


def test_xor_is_learnt_by_a_2_3_1_sigmoid_network():
    X, y = nn.data.xor()
    model = nn.MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    optimizer = optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
    history = nn.fit(model, X, y, nn.binary_cross_entropy, optimizer, 300, progress=False)
    assert history[0] > 0.6 and history[-1] < 0.01
    assert [round(model(x).data) for x in X] == y


def test_moons_are_separated_with_hinge_loss():
    X, y = nn.data.make_moons(n_samples=60, noise=0.1, labels=(-1, 1))
    model = nn.MLP(2, [8, 8, 1], seed=1)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, X, y, nn.hinge_loss, optimizer, 40, batch_size=20, progress=False)
    accuracy = sum((model(x).data > 0) == (label > 0) for x, label in zip(X, y)) / len(X)
    assert history[-1] < 0.2 * history[0]
    assert accuracy >= 0.95


def test_fit_refuses_an_empty_data_set():
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="no samples"):
        nn.fit(model, [], [], nn.mse_loss, optim.SGD(model.parameters(), lr=0.1), epochs=1)


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
