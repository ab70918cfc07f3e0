"""``Value``: what it accepts, how it prints, and how ``backward()`` fills in gradients."""

from __future__ import annotations

import copy
import fractions
import math
import pickle
import sys
import threading

import numpy as np
import pytest

import autograd
from autograd import Parameter, Value, detect_anomaly, grad

try:
    import torch
except ImportError:
    torch = None


def test_micrograd_readme_example() -> None:
    # The example from micrograd's README, with the numbers it prints.
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


# --- what a Value accepts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [3, 2.5, -0.0, np.float64(1.25), np.float32(1.5), np.int64(7), np.int8(-3), fractions.Fraction(1, 4)],
    ids=repr,
)
def test_real_numbers_become_a_float(data: object) -> None:
    v = Value(data)
    assert type(v.data) is float and v.data == float(data)  # type: ignore[arg-type]
    assert v.grad == 0.0 and v.label == "" and v.requires_grad and v.is_leaf


@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        ("1.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        (True, "bool"),
        (np.bool_(False), "bool"),
        ([1.0], "list"),
    ],
    ids=repr,
)
def test_other_data_is_refused_naming_its_type(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"^Value: expected a real number, got {type_name}"):
        Value(data)  # type: ignore[arg-type]


def test_an_int_too_large_for_a_float_is_an_overflow_error() -> None:
    with pytest.raises(
        OverflowError, match=r"^Value: an integer of about 401 digits is too large for a float"
    ):
        Value(10**400)


@pytest.mark.parametrize("bad", ["2", None, 1j, True, [1.0]], ids=repr)
@pytest.mark.parametrize(
    ("op", "compute"),
    [
        ("add", lambda x, y: x + y),
        ("add", lambda x, y: y + x),
        ("sub", lambda x, y: x - y),
        ("sub", lambda x, y: y - x),
        ("mul", lambda x, y: x * y),
        ("mul", lambda x, y: y * x),
        ("div", lambda x, y: x / y),
        ("div", lambda x, y: y / x),
        ("pow", lambda x, y: x**y),
        ("pow", lambda x, y: y**x),
        ("leaky_relu", lambda x, y: x.leaky_relu(y)),
        ("sum", lambda x, y: autograd.sum([x, y])),
        ("dot", lambda x, y: autograd.dot([x], [y])),
        ("linear", lambda x, y: autograd.linear([x], [y], x)),
        ("linear", lambda x, y: autograd.linear([y], [x], x)),
    ],
)
def test_a_bad_operand_is_a_type_error_naming_the_op(bad: object, op: str, compute) -> None:
    with pytest.raises(
        TypeError, match=rf"^{op}: expected a Value or a real number, got {type(bad).__name__}"
    ):
        compute(Value(2.0), bad)


def test_numpy_scalars_mix_in_on_either_side_and_gradients_flow() -> None:
    x = Value(2.0)
    y = np.float64(3.0) * x + x * np.float32(0.5) - np.int64(1) + np.float64(2.0) ** x
    assert isinstance(y, Value)
    y.backward()
    assert y.data == pytest.approx(3 * 2 + 1 - 1 + 4)
    assert x.grad == pytest.approx(3 + 0.5 + 4 * math.log(2))


# --- how it looks and compares --------------------------------------------------------------------


def test_repr_shows_data_grad_and_label() -> None:
    x = Value(2.0, label="x")
    (x * x).backward()
    assert repr(x) == "Value(data=2.0, grad=4.0, label='x')"
    assert repr(Value(-1.5)) == "Value(data=-1.5, grad=0.0)"


def test_comparisons_look_at_data_and_equality_is_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b and not a < b and not a > b
    assert a < 2 and a > 0.5 and a <= 1 and a >= 1
    assert a != b and a == a
    assert len({a, b}) == 2
    assert sorted([Value(3.0), Value(1.0), Value(2.0)])[0].data == 1.0


def test_item_and_float_give_the_number() -> None:
    v = Value(2.5)
    assert v.item() == 2.5 and float(v) == 2.5


def test_composites_are_built_from_primitives() -> None:
    a, b = Value(5.0), Value(3.0)
    difference = a - b
    assert difference.op == "add" and difference.data == 2.0
    negated = -a
    assert negated.op == "mul" and negated.data == -5.0
    quotient = a / b
    assert quotient.op == "div"


# --- backward ------------------------------------------------------------------------------------


def test_a_value_used_twice_gets_both_contributions() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # d(a²)/da = 2a: a*a keeps both inputs, never a set of one
    b = Value(3.0)
    (b + b).backward()
    assert b.grad == 2.0


def test_backward_seeds_the_given_gradient() -> None:
    x = Value(3.0)
    y = x * x
    y.backward(0.5)
    assert y.grad == 0.5 and x.grad == 3.0


def test_backward_on_a_leaf_accumulates_the_seed() -> None:
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


@pytest.mark.parametrize("gradient", ["1", None, True], ids=repr)
def test_backward_refuses_a_gradient_that_is_not_a_number(gradient: object) -> None:
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"^backward\(\): gradient: expected a real number"):
        y.backward(gradient)  # type: ignore[arg-type]


def test_backward_on_a_constant_is_an_error() -> None:
    c = Value(2.0, requires_grad=False) * 3
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.backward()


def _shared_graph() -> tuple[list[Value], list[Value], Value]:
    """Leaves x, y; intermediates h (used three times) and k; output out."""
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    h = (x * y).tanh()
    k = h * h + x
    out = k * h + h.exp()
    return [x, y], [h, k], out


def test_a_second_backward_doubles_leaves_exactly_and_intermediates_show_this_pass() -> None:
    leaves, intermediates, out = _shared_graph()
    out.backward()
    first_leaves = [v.grad for v in leaves]
    first_intermediates = [v.grad for v in intermediates]
    out.backward()
    assert [v.grad for v in leaves] == [2 * g for g in first_leaves]  # exactly twice, never three times
    assert [v.grad for v in intermediates] == first_intermediates
    assert out.grad == 1.0
    out.backward()
    assert [v.grad for v in leaves] == [3 * g for g in first_leaves]


def test_a_second_backward_doubles_bit_for_bit_when_a_leaf_is_used_many_times() -> None:
    # x feeds three slots; summing its three shares straight into x.grad on top of the old value
    # would round differently from adding this pass's total once (103.51541903780124 vs …22).
    x = Value(1.875)
    y = (x * x + 1) ** x
    y.backward()
    first = x.grad
    y.backward()
    assert x.grad == 2 * first


def test_zeroing_the_leaves_between_passes_gives_the_same_gradients() -> None:
    leaves, _, out = _shared_graph()
    out.backward()
    first = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    out.backward()
    assert [v.grad for v in leaves] == first


def test_backward_from_an_intermediate_leaves_unrelated_nodes_alone() -> None:
    leaves, (h, _), out = _shared_graph()
    out.backward()
    out_grad_before = out.grad
    x, y = leaves
    x.grad = y.grad = 0.0
    h.backward()
    assert out.grad == out_grad_before  # out is downstream of h, not part of h's graph
    assert x.grad == pytest.approx(y.data * (1 - h.data**2))


# --- requires_grad -------------------------------------------------------------------------------


def test_a_leaf_without_requires_grad_gets_no_gradient() -> None:
    x = Value(2.0)
    c = Value(3.0, requires_grad=False)
    y = x * c + c
    y.backward()
    assert x.grad == 3.0
    assert c.grad == 0.0


def test_backward_leaves_the_grad_of_a_constant_alone() -> None:
    x, c = Value(2.0), Value(3.0, requires_grad=False)
    c.grad = 7.0  # whatever a user put there, a pass neither resets nor adds to it
    (x * c).backward()
    assert c.grad == 7.0 and x.grad == 3.0


def test_a_result_of_constants_only_is_not_recorded() -> None:
    a, b = Value(2.0, requires_grad=False), Value(3.0, requires_grad=False)
    c = (a * b).tanh() + 1
    assert c.is_leaf and c.inputs == () and c.local_derivatives == () and not c.requires_grad
    x = Value(1.0)
    y = x + c
    assert y.inputs == (x, c)  # the constant part joins as one constant leaf


def test_plain_numbers_mixed_in_are_constants() -> None:
    x = Value(2.0)
    y = 2 * x + 1
    constants = [v for v in autograd.topological_order(y) if not v.requires_grad]
    assert sorted(v.data for v in constants) == [1.0, 2.0]
    y.backward()
    assert all(v.grad == 0.0 for v in constants)


def test_a_parameter_is_a_value_with_a_role():
    w = Parameter(0.5, label="w", role="weight")
    x = Value(2.0)
    assert isinstance(w, Value)
    assert (w.role, x.role) == ("weight", None)
    y = w * x
    assert type(y) is Value and y.role is None
    y.backward()
    assert w.grad == 2.0
    with pytest.raises(AttributeError):
        x.role = "bias"  # plain values have no role to set


# --- numbers that no float holds, and truth ----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [10**400, -(10**400), np.longdouble("1e4000"), np.longdouble("-1e4000"), fractions.Fraction(10**400, 3)],
    ids=["int", "-int", "longdouble", "-longdouble", "Fraction"],
)
def test_a_finite_number_too_large_for_a_float_is_refused_whatever_its_type(data: object) -> None:
    with pytest.raises(OverflowError, match=r"^Value: .* is too large for a float \(> 1\.8e308\)$"):
        Value(data)  # type: ignore[arg-type]
    with pytest.raises(OverflowError, match=r"^add: .* is too large for a float"):
        Value(1.0) + data  # type: ignore[operator]


@pytest.mark.parametrize("data", [np.longdouble("inf"), np.float32("-inf"), math.inf], ids=repr)
def test_an_infinity_stays_an_infinity(data: object) -> None:
    assert Value(data).data == float(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "truth"), [(0.0, False), (-0.0, False), (2.5, True), (-1e-300, True), (math.nan, True)]
)
def test_a_value_is_true_unless_it_is_zero_as_a_pytorch_scalar_is(data: float, truth: bool) -> None:
    assert bool(Value(data)) is truth
    assert bool(Value(data) * 1.0) is truth  # made by an operation too
    if torch is not None:
        assert bool(torch.tensor(data, dtype=torch.float64)) is truth  # float64, as a Value holds


# --- coming from micrograd -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "pointer"),
    [("_prev", r"v\.inputs"), ("_backward", r"autograd\.OPS\[v\.op\]\.derivatives.*chain_rule")],
)
def test_micrograds_names_point_to_chainrules(name: str, pointer: str) -> None:
    y = Value(2.0) * 3
    with pytest.raises(
        AttributeError, match=rf"^Value has no attribute '{name}' \(micrograd's name\): .*{pointer}"
    ):
        getattr(y, name)
    assert not hasattr(y, name)


def test_a_misspelt_attribute_is_still_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'Value' object has no attribute 'gard'"):
        Value(1.0).gard  # type: ignore[attr-defined]  # noqa: B018


# --- copies and pickles ----------------------------------------------------------------------------


def small_graph() -> tuple[Value, Parameter, Value]:
    """x, a weight w and y = tanh(x·w + 1) after backward(), with labels and a parameter's owners."""
    x, w = Value(0.5, label="x"), Parameter(-1.5, label="w", role="weight")
    w.owners = ("layers.0", "layers.0.neurons.0")
    y = (x * w + 1).tanh()
    y.label = "y"
    y.backward()
    return x, w, y


def same_graph(a: Value, b: Value) -> None:
    """``b`` is a copy of the graph behind ``a``: new nodes, the same slots, the same shape."""
    order_a, order_b = autograd.topological_order(a), autograd.topological_order(b)
    assert len(order_a) == len(order_b) and not set(map(id, order_a)) & set(map(id, order_b))
    for u, v in zip(order_a, order_b):
        assert type(u) is type(v) and (u.data, u.grad, u.label, u.op, u.role) == (
            v.data,
            v.grad,
            v.label,
            v.op,
            v.role,
        )
        assert u.requires_grad == v.requires_grad and getattr(u, "owners", None) == getattr(v, "owners", None)
        assert [order_a.index(x) for x in u.inputs] == [order_b.index(x) for x in v.inputs]


def copy_by_pickle(x: object) -> object:
    return pickle.loads(pickle.dumps(x))


@pytest.mark.parametrize("copier", [copy_by_pickle, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_graph_copies_with_its_grads_labels_and_ops_and_backward_runs_on_the_copy(copier) -> None:
    x, w, y = small_graph()
    y2 = copier(y)
    same_graph(y, y2)
    x2, w2 = autograd.topological_order(y2)[:2]
    x2.grad = w2.grad = 0.0
    y2.backward()
    assert (x2.grad, w2.grad) == (x.grad, w.grad) and x2.grad != 0
    assert x.grad == w.data * (1 - y.data**2)  # the original is untouched


@pytest.mark.parametrize("copier", [copy_by_pickle, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_values_copied_together_still_share_their_nodes(copier) -> None:
    _, w, y = small_graph()
    h = y.inputs[0]
    y2, h2, w2 = copier([y, h, w])
    assert y2.inputs[0] is h2 and h2.inputs[0].inputs[1] is w2
    y2.backward()
    assert h2.grad == 1 - y.data**2


@pytest.mark.parametrize("copier", [copy_by_pickle, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_graph_100_000_operations_deep_copies(copier) -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y2 = copier(y)
    assert y2.data == 1.0 and y2.op == "mul"
    y2.backward()
    leaf = autograd.topological_order(y2)[0]
    assert leaf.label == "x" and leaf.grad == 1.0 and x.grad == 0.0


@pytest.mark.parametrize("copier", [copy_by_pickle, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_gradient_that_is_a_value_copies_with_its_own_graph(copier) -> None:
    x = Value(3.0, label="x")
    y = x * x * x
    y.backward(create_graph=True)  # x.grad = 3x², a Value whose graph holds x itself
    x2 = copier(x)
    assert isinstance(x2.grad, Value) and x2.grad.data == 27.0
    assert x2 in autograd.topological_order(x2.grad)  # the copy's gradient is made from the copy


def test_a_shallow_copy_is_a_new_node_on_the_same_inputs() -> None:
    _, w, y = small_graph()
    y2 = copy.copy(y)
    assert (
        y2 is not y
        and y2.inputs is y.inputs
        and (y2.data, y2.grad, y2.label, y2.op) == (y.data, y.grad, "y", "tanh")
    )
    w2 = copy.copy(w)
    assert type(w2) is Parameter and w2.role == "weight" and w2.owners == w.owners


# --- threads, passes stopped part-way, numbers from elsewhere, data changed before backward() ------


def data_parallel(passes: int, use_compile: bool) -> tuple[Value, Value, float, float]:
    """``passes`` threads, each building and backpropagating its own graph over shared w and b."""
    w, b = Value(0.5, label="w"), Value(-0.25, label="b")

    def loss(x: float) -> Value:  # 600 nodes: long enough for threads to switch inside a pass
        return autograd.sum([(w * (x + k) + b).tanh() * w for k in range(150)])

    compiled = autograd.compile(lambda x: loss(x), 1.0)  # traced once, before the threads start
    expected_w = expected_b = 0.0
    for i in range(passes):
        dw, db = grad(loss(float(i)), [w, b])
        expected_w, expected_b = expected_w + dw, expected_b + db
    start = threading.Barrier(passes)

    def work(i: int) -> None:
        start.wait()
        for _ in range(40):
            compiled(float(i)) if use_compile else loss(float(i)).backward()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(passes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(old)
    return w, b, 40 * expected_w, 40 * expected_b


@pytest.mark.parametrize("use_compile", [False, True], ids=["backward", "compiled"])
def test_passes_in_several_threads_over_shared_leaves_add_up_exactly(use_compile: bool) -> None:
    w, b, expected_w, expected_b = data_parallel(8, use_compile)
    assert w.grad == pytest.approx(expected_w, rel=1e-12)
    assert b.grad == pytest.approx(expected_b, rel=1e-12)


def test_an_error_inside_backward_leaves_every_grad_as_it_was() -> None:
    a, b = Value(1e-200, label="a"), Value(2.0, label="b")
    a.grad, b.grad = 5.0, 7.0
    out = (a * 1e200 + b) * 1e200 * 1e200  # the chain rule gives inf for a: detect_anomaly raises
    with detect_anomaly(), pytest.raises(FloatingPointError):
        out.backward()
    assert (a.grad, b.grad, out.grad) == (5.0, 7.0, 0.0)


def test_an_overflow_under_create_graph_leaves_every_grad_as_it_was() -> None:
    x = Value(1e-200, label="x")
    x.grad = 3.0
    y = x**-1.5  # 1e300, but its slope −1.5·x^−2.5 is 1e500: as a Value it overflows
    assert grad(y, [x]) == [-math.inf]  # as a float the slope is −inf
    with pytest.raises(OverflowError, match=r"backward through pow|pow\("):
        y.backward(create_graph=True)
    assert x.grad == 3.0


def test_a_numpy_seed_gives_python_float_gradients() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(np.float32(1.0))
    assert type(x.grad) is float and type(y.grad) is float and x.grad == 4.0


def test_a_seed_too_large_for_a_float_is_named() -> None:
    with pytest.raises(OverflowError, match=r"backward\(\): gradient: an integer of about 401 digits"):
        (Value(2.0) * 2).backward(10**400)


def test_numpy_scalars_of_every_kind_are_numbers() -> None:
    for number in (np.int8(3), np.int64(3), np.uint16(3), np.float16(3), np.float32(3), np.float64(3)):
        assert (Value(number) + number).data == 6.0
        assert type(Value(number).data) is float
    assert autograd.dot([np.int64(2)], [Value(3.0)]).data == 6.0


def test_a_numpy_array_does_not_broadcast_over_a_value_in_either_order() -> None:
    array = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="add: expected a Value or a real number, got ndarray"):
        Value(2.0) + array
    with pytest.raises(TypeError, match="add: expected a Value or a real number, got ndarray"):
        array + Value(2.0)
    with pytest.raises(TypeError):
        array * Value(2.0)


@pytest.mark.parametrize(
    ("make", "change", "error"),
    [
        (lambda x: x.log(), 0.0, ZeroDivisionError),
        (lambda x: x**0.5, -4.0, ValueError),
        (lambda x: 1.0 / x, 0.0, ZeroDivisionError),
    ],
    ids=["log", "pow", "div"],
)
def test_data_changed_before_backward_gets_an_error_naming_the_op(make, change, error) -> None:
    x = Value(4.0, label="x")
    y = make(x)
    x.data = change
    with pytest.raises(error, match=r"backward through \w+\(.*data changed"):
        y.backward()
    assert x.grad == 0.0


def test_a_label_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="Value: label must be a string, got int: 123"):
        Value(1.0, label=123)  # type: ignore[arg-type]
