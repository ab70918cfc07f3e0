"""Module: parameters found by walking attributes, dotted names as labels, roles, state, repr."""

import pytest

import nn
from autograd import Parameter, Value


class Affine(nn.Module):
    """A hand-made module: a weight list, a lone bias, and private state the walk must skip."""

    def __init__(self) -> None:
        self.w = [Parameter(1.0, role="weight"), Parameter(2.0, role="weight")]
        self.b = Parameter(3.0, role="bias")
        self._cache = [Value(99.0)]
        self.note = "not a parameter"


class Stack(nn.Module):
    def __init__(self) -> None:
        self.first = Affine()
        self.blocks = [Affine(), Affine()]
        self.scale = Parameter(0.5, role="weight")


def test_named_parameters_walk_attributes_in_definition_order():
    names = [name for name, _ in Stack().named_parameters()]
    assert names == [
        "first.w.0", "first.w.1", "first.b",
        "blocks.0.w.0", "blocks.0.w.1", "blocks.0.b",
        "blocks.1.w.0", "blocks.1.w.1", "blocks.1.b",
        "scale",
    ]  # fmt: skip


def test_labels_are_the_names_seen_from_the_outermost_module():
    inner = Affine()
    assert [p.label for p in inner.parameters()] == ["w.0", "w.1", "b"]

    class Outer(nn.Module):
        def __init__(self, child: nn.Module) -> None:
            self.child = child

    Outer(inner)
    assert [p.label for p in inner.parameters()] == ["child.w.0", "child.w.1", "child.b"]
    model = nn.MLP(2, [3, 1], seed=0)
    assert all(p.label == name for name, p in model.named_parameters())


def test_mlp_names_follow_pytorch_style():
    model = nn.MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == model.num_parameters() == 3 * 3 + 4


def test_weights_and_biases_use_roles():
    model = nn.MLP(3, [4, 2], seed=1)
    assert {p.role for p in model.weights()} == {"weight"}
    assert {p.role for p in model.biases()} == {"bias"}
    assert len(model.weights()) == 3 * 4 + 4 * 2
    assert len(model.biases()) == 4 + 2
    assert all(p.label.endswith(".b") for p in model.biases())
    no_bias = nn.MLP(3, [4, 2], bias=False, seed=1)
    assert no_bias.biases() == [] and no_bias.num_parameters() == 20


def test_shared_parameters_are_listed_once():
    shared = Parameter(1.0, role="weight")

    class Tied(nn.Module):
        def __init__(self) -> None:
            self.a = [shared]
            self.b = (shared, Value(2.0))

    model = Tied()
    assert [name for name, _ in model.named_parameters()] == ["a.0", "b.1"]
    assert shared.label == "a.0"  # the label is that first name too, as in state_dict()
    assert list(model.state_dict()) == ["a.0", "b.1"]


def test_a_parameter_listed_twice_in_one_attribute_is_labelled_with_its_first_name():
    shared = Parameter(1.0, role="weight")

    class Tied(nn.Module):
        def __init__(self) -> None:
            self.pair = (shared, Affine(), shared)

    named = list(Tied().named_parameters())
    assert named[0] == ("pair.0", shared) and shared.label == "pair.0"
    assert all(p.label == name for name, p in named)


def test_a_module_that_refers_to_its_parent_does_not_loop():
    parent = Stack()
    parent.first.back = parent
    assert len(parent.parameters()) == 10
    assert [p.label for p in parent.first.w] == ["first.w.0", "first.w.1"]  # not "back.first.w.0"


def test_zero_grad_and_trainable_count():
    model = nn.MLP(2, [2, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    for p in model.biases():
        p.requires_grad = False
    assert model.num_parameters(trainable_only=True) == len(model.weights()) == 6
    assert model.num_parameters() == 9


def test_state_dict_round_trip_and_refusals():
    model, other = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()
    before = other.state_dict()
    bad = dict(before)
    bad["layers.0.neurons.0.b"] = float("nan")
    wrong_name = dict(before)
    wrong_name["extra"] = wrong_name.pop("layers.1.neurons.0.b")
    for state in (bad, wrong_name, {}, [1.0], {**before, "layers.0.neurons.0.b": "1"}):
        with pytest.raises(ValueError):
            other.load_state_dict(state)
        assert other.state_dict() == before


def test_repr_is_readable_and_collapses_repeats():
    text = repr(nn.MLP(2, [16, 1], activation="tanh", seed=0))
    first = "MLP(nin=2, nouts=[16, 1], activation='tanh', output_activation='linear', bias=True) ("
    assert text.splitlines()[0] == first
    assert "(neurons.0-15): 16 × Neuron(nin=2, activation='tanh', bias=True)" in text
    assert "(layers.1): Layer(nin=16, nout=1, activation='linear', bias=True)" in text
    assert repr(nn.Neuron(3, bias=False)) == "Neuron(nin=3, activation='relu', bias=False)"
