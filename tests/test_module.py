"""Module: parameters found by walking attributes, dotted names as labels, roles, state, repr."""

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- assignment: linear, and what the walk cannot take is refused, leaving the module usable ---


def _calls_to_assign(count):
    """How many Python function calls it takes to give a module ``count`` parameters one at a time."""
    module, values = nn.Module(), [Value(float(i)) for i in range(count)]
    calls = 0

    def profile(frame, event, argument):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(profile)
    try:
        for i, value in enumerate(values):
            setattr(module, f"p{i}", value)
    finally:
        sys.setprofile(None)
    assert [p.label for p in module.parameters()] == [f"p{i}" for i in range(count)]
    return calls


def test_giving_a_module_parameters_one_attribute_at_a_time_costs_the_same_for_each():
    small, large = _calls_to_assign(300), _calls_to_assign(1200)
    assert large <= 4.5 * small  # four times the parameters, four times the work (not sixteen)


class Box(nn.Module):
    pass


def _parameters_inside(value, skip):
    """The Values that assigning ``value`` to the module ``skip`` gives it (a reference back to
    ``skip`` itself brings none), found as the module's walk finds them."""
    found, seen = {}, {id(skip)}

    def visit(obj):
        if isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item)
        elif isinstance(obj, (Value, nn.Module)) and id(obj) not in seen:
            seen.add(id(obj))
            if isinstance(obj, Value):
                found[id(obj)] = obj
            else:
                for key, item in vars(obj).items():
                    if not key.startswith("_"):
                        visit(item)

    visit(value)
    return found


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_assignment_labels_its_parameters_with_their_names_in_named_parameters(data):
    modules = [Box() for _ in range(3)]
    made: list = []

    def item():
        kind = data.draw(st.sampled_from(["value", "parameter", "module", "again"]))
        if kind == "again" and made:
            return data.draw(st.sampled_from(made))
        if kind == "module":
            return data.draw(st.sampled_from(modules))
        made.append(Parameter(0.0) if kind == "parameter" else Value(0.0))
        return made[-1]

    for _ in range(data.draw(st.integers(1, 14))):
        target = data.draw(st.sampled_from(modules))
        name = data.draw(st.sampled_from(["a", "b", "c"]))
        size = data.draw(st.integers(-1, 3))  # -1: a lone item, else a list of that many
        value = item() if size < 0 else [item() for _ in range(size)]
        if data.draw(st.integers(0, 5)) == 0 and name in vars(target):
            delattr(target, name)
            continue
        setattr(target, name, value)
        inside = _parameters_inside(value, target)
        for dotted, p in target.named_parameters():
            if id(p) in inside:
                assert p.label == dotted


def test_a_list_that_contains_itself_is_refused_and_the_module_stays_usable():
    module = Box()
    module.v = Value(1.0)
    loop = [Value(2.0)]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"Box\.loop: the list contains itself"):
        module.loop = loop
    assert "loop" not in vars(module)
    assert module.parameters() == [module.v]
    module.more = [Value(3.0)]
    assert [p.label for p in module.parameters()] == ["v", "more.0"]
    module.more.append(module.more)  # made circular after assignment: the walk still ends
    assert len(module.parameters()) == 2


def test_a_list_nested_too_deeply_is_refused_and_the_module_stays_usable():
    module = Box()
    deep: list = [Value(1.0)]
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match=r"Box\.deep: lists nested .* deep"):
        module.deep = deep
    assert module.parameters() == []
