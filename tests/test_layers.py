"""Neuron, Layer, MLP: forward maths, shapes, activations, initialisers, seeds."""

import math
import pickle
import random
import statistics

import pytest

import autograd
import nn
from autograd import Value


def test_neuron_computes_activation_of_weighted_sum_plus_bias():
    neuron = nn.Neuron(3, activation="tanh", seed=0)
    neuron.b.data = 0.3
    x = [0.5, -1.0, 2.0]
    out = neuron(x)
    expected = math.tanh(sum(w.data * xi for w, xi in zip(neuron.w, x)) + 0.3)
    assert out.data == pytest.approx(expected, abs=1e-15)
    z = out.inputs[0]  # one linear node: z = x·w + b, its inputs x₁…x₃, w₁…w₃, b
    assert out.op == "tanh" and z.op == "linear" and z.inputs[3:] == (*neuron.w, neuron.b)
    out.backward()
    slope = 1 - expected**2
    assert [w.grad for w in neuron.w] == pytest.approx([slope * xi for xi in x])
    assert neuron.b.grad == z.grad == pytest.approx(slope)  # ∂C/∂b = δ = ∂C/∂z


def test_neuron_without_bias_and_linear_activation():
    neuron = nn.Neuron(2, activation="linear", bias=False, seed=0)
    assert neuron.b is None
    out = neuron([2.0, 3.0])
    assert out.op == "dot"
    assert out.data == pytest.approx(2 * neuron.w[0].data + 3 * neuron.w[1].data)


@pytest.mark.parametrize(
    ("activation", "reference"),
    [
        ("relu", lambda z: max(0.0, z)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z),
        ("linear", lambda z: z),
        (lambda v: v * v, lambda z: z * z),
    ],
)
def test_activations(activation, reference):
    neuron = nn.Neuron(2, activation=activation, seed=3)
    for x in ([1.0, 2.0], [-1.5, 0.25], [-3.0, -3.0]):
        z = neuron.w[0].data * x[0] + neuron.w[1].data * x[1]
        assert neuron(x).data == pytest.approx(reference(z), abs=1e-12)


def test_layer_always_returns_a_list_and_mlp_returns_value_for_one_output():
    layer = nn.Layer(2, 1, seed=0)
    assert isinstance(layer([1.0, 2.0]), list) and len(layer([1.0, 2.0])) == 1
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    outputs = nn.MLP(2, [3, 4], seed=0)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 4
    assert isinstance(nn.MLP(1, [1], seed=0)(0.5), Value)  # a lone number is one input


def test_a_layer_turns_plain_inputs_into_constants_once_for_all_its_neurons():
    layer = nn.Layer(2, 3, activation="linear", seed=0)
    outputs = layer([1.0, -2.0])
    constants = {
        id(node)
        for out in outputs
        for node in autograd.topological_order(out)
        if node.is_leaf and not node.requires_grad
    }
    assert len(constants) == 2


def test_mlp_hidden_and_output_activations():
    model = nn.MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert [n._config["activation"] for n in model.layers[0].neurons] == ["tanh"] * 3
    assert [out.op for out in model([0.1, 0.2])] == ["sigmoid", "sigmoid"]
    assert nn.MLP(2, [3, 1], seed=0)([0.1, 0.2]).op == "linear"  # linear output: z = x·w + b itself


def test_mlp_gradients_match_finite_differences():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    x, eps = [0.4, -0.7], 1e-6
    model(x).backward()
    for p in model.parameters():
        original = p.data
        p.data = original + eps
        up = model(x).data
        p.data = original - eps
        down = model(x).data
        p.data = original
        assert p.grad == pytest.approx((up - down) / (2 * eps), abs=1e-7), p.label


def test_seed_and_rng_are_reproducible():
    assert nn.MLP(2, [4, 1], seed=7).state_dict() == nn.MLP(2, [4, 1], seed=7).state_dict()
    assert nn.MLP(2, [4, 1], seed=7).state_dict() != nn.MLP(2, [4, 1], seed=8).state_dict()
    a = nn.Layer(2, 3, rng=random.Random(5)).state_dict()
    assert a == nn.Layer(2, 3, rng=random.Random(5)).state_dict()
    random.seed(11)
    first = nn.MLP(2, [3, 1]).state_dict()
    random.seed(11)
    assert nn.MLP(2, [3, 1]).state_dict() == first
    with pytest.raises(ValueError, match="not both"):
        nn.Neuron(2, seed=1, rng=random.Random(1))


@pytest.mark.parametrize(
    ("init", "fan_in", "fan_out", "variance"),
    [
        ("uniform", 50, 40, 1 / 3),
        ("xavier", 50, 40, 2 / 90),
        ("glorot_normal", 50, 40, 2 / 90),
        ("he", 50, 40, 2 / 50),
        ("kaiming_normal", 50, 40, 2 / 50),
    ],
)
def test_initialisers_have_the_documented_variance(init, fan_in, fan_out, variance):
    layer = nn.Layer(fan_in, fan_out, init=init, seed=0)
    weights = [w.data for w in layer.weights()]
    assert statistics.fmean(weights) == pytest.approx(0.0, abs=0.05 * math.sqrt(variance) * 3)
    assert statistics.pvariance(weights) == pytest.approx(variance, rel=0.1)
    assert all(b.data == 0.0 for b in layer.biases())
    if init in ("xavier", "he"):
        bound = math.sqrt(3 * variance)
        assert max(abs(w) for w in weights) <= bound


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.Neuron(0), "nin"),
        (lambda: nn.Neuron(2, activation="swish"), "unknown activation"),
        (lambda: nn.Neuron(2, init="zeros"), "unknown init"),
        (lambda: nn.Layer(2, 0), "nout"),
        (lambda: nn.MLP(2, []), "nouts"),
        (lambda: nn.MLP(0, [3]), "MLP: nin must be a positive whole number, got 0"),
        (lambda: nn.MLP(2, [3, 0]), "MLP: each size in nouts must be a positive whole number, got 0"),
        (lambda: nn.MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0]), "expects 2 inputs, got 3"),
        (lambda: nn.Neuron(3, seed=0)([1.0]), r"^Neuron\(nin=3\) expects 3 inputs, got 1"),
    ],
)
def test_mistakes_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("module", [nn.Neuron(2, seed=0), nn.Layer(2, 3, seed=0)])
def test_an_input_that_is_not_a_number_is_named_with_the_module(module):
    with pytest.raises(
        TypeError, match=rf"^{type(module).__name__}: expected a Value or a real number, got str"
    ):
        module(["a", 1.0])


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


def test_the_activations_known_by_name_are_the_ops_marked_activation_and_linear():
    marked = {op.name for op in autograd.OPS.values() if op.activation}
    assert marked == {"relu", "tanh", "sigmoid", "leaky_relu"}
    assert set(nn.ACTIVATIONS) == marked | {"linear"}
    for name in marked:  # each is the Value method of its op's name
        assert nn.ACTIVATIONS[name] is getattr(Value, name)
        assert nn.ACTIVATIONS[name](Value(-0.5)).op == name
    assert nn.ACTIVATIONS["linear"](Value(-0.5)).data == -0.5
