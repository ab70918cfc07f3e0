"""nn.inspect: each neuron's z, a and δ, checked against autograd.grad, the parameters and PyTorch."""

import copy
import math
import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value


def _batch(seed, n, nin=2):
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)], [
        rng.uniform(-1, 1) for _ in range(n)
    ]


def _inspected_loss(model, X, Y):
    with nn.inspect(model) as probe:
        outputs = [model(x) for x in X]
        loss = nn.mse_loss(outputs, Y)
    return probe, loss


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4), st.sampled_from(["tanh", "sigmoid", "relu", "leaky_relu"]))
def test_delta_is_the_gradient_of_the_loss_with_respect_to_each_z(seed, n, activation):
    model = nn.MLP(2, [3, 2, 1], activation=activation, seed=seed)
    X, Y = _batch(seed, n)
    probe, loss = _inspected_loss(model, X, Y)
    zs = [z for name in probe for z in probe[name].z]
    expected = autograd.grad(loss, zs)
    loss.backward()
    assert [z.grad for z in zs] == expected
    assert len(zs) == 6 * n  # one z per neuron per sample


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4))
def test_bias_gradient_is_the_sum_of_deltas_and_weight_gradient_the_sum_of_delta_times_input(seed, n):
    model = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=seed)
    X, _ = _batch(seed, n, nin=3)
    with nn.inspect(model) as probe:
        loss = nn.cross_entropy([model(x) for x in X], [i % 2 for i in range(n)])
    loss.backward()
    for name in probe:
        record = probe[name]
        assert record.neuron.b.grad == pytest.approx(math.fsum(record.delta), rel=1e-12, abs=1e-15)
        for j, w in enumerate(record.neuron.w):
            expected = math.fsum(d * x[j] for d, x in zip(record.delta, record.a_prev))
            assert w.grad == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert "✗" not in probe.table()
    assert probe.table().count("✓") == 6 + (4 * 3 + 2 * 4)  # a bias and every weight of each neuron


def test_records_z_a_and_the_inputs_each_neuron_saw():
    model = nn.MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", seed=1)
    with nn.inspect(model) as probe:
        out = model([0.5, -1.0])
    hidden = probe["layers.0.neurons.1"]
    neuron = model.layers[0].neurons[1]
    z = neuron.w[0].data * 0.5 + neuron.w[1].data * -1.0 + neuron.b.data
    assert hidden.z[0].data == pytest.approx(z, rel=1e-15)
    assert hidden.a[0].data == math.tanh(hidden.z[0].data)
    assert hidden.a_prev == [(0.5, -1.0)]
    assert probe["layers.1.neurons.0"].a[0] is out
    assert probe["layers.1.neurons.0"].a_prev == [
        tuple(r.a[0].data for r in (probe["layers.0.neurons.0"], hidden))
    ]


def test_recording_stops_when_closed_and_the_model_pays_nothing_afterwards():
    model = nn.MLP(2, [2, 1], seed=0)
    before = {id(n): n._activation for layer in model.layers for n in layer.neurons}
    probe = nn.inspect(model)
    model([1.0, 2.0])
    probe.close()
    model([1.0, 2.0])
    assert [len(probe[name].z) for name in probe] == [1, 1, 1]
    assert {id(n): n._activation for layer in model.layers for n in layer.neurons} == before
    assert "closed" in repr(probe) and "3 neurons" in repr(probe)
    probe.close()  # closing twice does nothing


def test_the_with_block_closes_the_probe_even_on_an_error():
    model = nn.MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    activation = neuron._activation
    with pytest.raises(ValueError), nn.inspect(model) as probe:
        model([1.0, 2.0, 3.0])  # one input too many
    assert not probe.open
    assert neuron._activation is activation


def test_a_lone_neuron_and_a_neuron_without_bias():
    neuron = nn.Neuron(2, activation="sigmoid", bias=False, seed=0)
    with nn.inspect(neuron) as probe:
        out = neuron([1.0, 3.0])
    out.backward()
    assert list(probe) == ["neuron"]
    assert probe["neuron"].z[0].grad == pytest.approx(out.data * (1 - out.data), rel=1e-15)
    table = probe.table()
    assert "∂C/∂b" not in table and "Σ δ·a_prev: ✓✓" in table


def test_table_marks_a_gradient_that_does_not_match():
    model = nn.MLP(2, [1], activation="tanh", seed=0)
    with nn.inspect(model) as probe:
        loss = nn.mse_loss(model([1.0, 2.0]), 0.0)
    loss.backward()
    model.layers[0].neurons[0].b.grad += 1.0  # as if an earlier backward had not been zeroed
    assert "✗" in probe.table()
    assert "∂C/∂w = Σ δ·a_prev: ✓✓" in probe.table()


def test_clear_forgets_and_recording_goes_on():
    model = nn.MLP(1, [1], seed=0)
    with nn.inspect(model) as probe:
        model(1.0)
        probe.clear()
        model(2.0)
    assert probe["layers.0.neurons.0"].a_prev == [(2.0,)]


def test_under_no_grad_z_and_a_are_recorded_without_inputs():
    model = nn.MLP(2, [1], seed=0)
    with nn.inspect(model) as probe, autograd.no_grad():
        model([1.0, 1.0])
    assert probe["layers.0.neurons.0"].a_prev == [()]
    assert "no inputs recorded" in probe.table()


def test_mistakes_raise_clear_errors():
    model = nn.MLP(2, [1], seed=0)
    with nn.inspect(model) as probe, pytest.raises(ValueError, match="already being inspected"):
        nn.inspect(model)
    with pytest.raises(
        KeyError, match=r"no neuron named 'layers\.0\.neurons\.7'; the neurons are layers\.0\.neurons\.0"
    ):
        probe["layers.0.neurons.7"]
    with pytest.raises(TypeError, match=r"nn\.inspect: model must be an nn\.Module"):
        nn.inspect([Value(1.0)])


def test_deltas_match_torch_per_sample():
    torch = pytest.importorskip("torch")
    model = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=4)
    X, Y = _batch(4, 3)
    probe, loss = _inspected_loss(model, X, Y)
    loss.backward()
    net = model.to_torch()
    inputs = torch.tensor(X, dtype=torch.float64)
    z1 = net[0](inputs)
    z1.retain_grad()
    z2 = net[2](net[1](z1))
    z2.retain_grad()
    torch.nn.functional.mse_loss(net[3](z2).squeeze(1), torch.tensor(Y, dtype=torch.float64)).backward()
    for k in range(3):
        assert probe[f"layers.0.neurons.{k}"].delta == pytest.approx(
            z1.grad[:, k].tolist(), rel=1e-12, abs=1e-15
        )
    assert probe["layers.1.neurons.0"].delta == pytest.approx(z2.grad[:, 0].tolist(), rel=1e-12, abs=1e-15)


def test_a_layer_is_inspected_by_its_neurons_names():
    layer = nn.Layer(2, 3, activation="sigmoid", seed=0)
    with nn.inspect(layer) as probe:
        outputs = layer([0.5, -0.5])
    assert list(probe) == ["neurons.0", "neurons.1", "neurons.2"]
    assert [probe[name].a[0] for name in probe] == outputs


def test_a_neuron_reached_by_two_names_is_recorded_once_under_its_first():
    class Twice(nn.Module):
        def __init__(self):
            self.first = nn.Neuron(1, activation="tanh", seed=0)
            self.again = [self.first]

        def __call__(self, x):
            return self.first(x)

    model = Twice()
    with nn.inspect(model) as probe:
        model(0.5)
    assert list(probe) == ["first"] and len(probe["first"].z) == 1
    assert model.first._activation is nn.ACTIVATIONS["tanh"]


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_model_copied_inside_inspect_is_a_plain_model(duplicate):
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    with nn.inspect(model) as probe:
        twin = duplicate(model)
        twin([1.0, 2.0])
        assert all(len(probe[name].z) == 0 for name in probe)
        with nn.inspect(twin) as second:  # the copy can be inspected on its own
            twin([1.0, 2.0])
        assert len(second["layers.0.neurons.0"].z) == 1
    assert twin([1.0, 2.0]).data == model([1.0, 2.0]).data


@pytest.mark.parametrize("name", ["rel_tol", "abs_tol"])
@pytest.mark.parametrize("bad", [-1e-9, math.nan, "1e-9"])
def test_the_table_refuses_a_tolerance_that_is_not_a_finite_number_at_least_zero(name, bad):
    model = nn.MLP(2, [2, 1], seed=0)
    with nn.inspect(model) as probe:
        nn.mse_loss(model([1.0, 2.0]), 0.0).backward()
    error = ValueError if isinstance(bad, float) else TypeError
    with pytest.raises(error, match=rf"table: {name} must be a finite number ≥ 0, got {bad!r}"):
        probe.table(**{name: bad})
