"""The engine under hostile input: threads, interrupted passes, NaN, odd numbers and odd names.

Each test is a case that once gave a wrong number, a crash, a hang or an unclear error.
"""

from __future__ import annotations

import math
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, backward_steps, detect_anomaly, draw_dot, grad, gradcheck, show

np = pytest.importorskip("numpy")


# --- threads ----------------------------------------------------------------------------------------


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


# --- a pass that stops part-way changes nothing --------------------------------------------------------


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


def test_breaking_out_of_backward_steps_leaves_every_grad_as_it_was() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    a.grad, b.grad = 5.0, 7.0
    y = (a * b + a).tanh()
    for step in backward_steps(y):
        assert (a.grad, b.grad) == (5.0, 7.0)  # while stepping the pass keeps its gradients to itself
        if step.index == 1:
            break
    assert (a.grad, b.grad) == (5.0, 7.0)
    for _ in backward_steps(y):
        pass
    expected = grad(y, [a, b])
    assert (a.grad, b.grad) == (5.0 + expected[0], 7.0 + expected[1])


# --- leaky_relu's slope, NaN ----------------------------------------------------------------------------


def test_a_value_slope_of_leaky_relu_receives_its_gradient() -> None:
    x, s = Value(-2.0), Value(0.1)
    y = x.leaky_relu(s)
    y.backward()
    assert (y.data, x.grad, s.grad) == (-0.2, 0.1, -2.0)
    s2 = Value(0.1)
    step = autograd.compile(lambda x: x.leaky_relu(s2), -2.0)
    assert step(-2.0) == -0.2 and s2.grad == -2.0
    assert gradcheck(lambda x, s: x.leaky_relu(s), [-2.0, 0.1])
    assert gradcheck(lambda x, s: x.leaky_relu(s), [3.0, 0.1])


UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sin", "cos"]


@pytest.mark.parametrize("name", UNARY)
def test_nan_passes_through_every_operation(name: str) -> None:
    out = getattr(Value(math.nan), name)()
    assert math.isnan(out.data)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=name):
        getattr(Value(math.nan), name)()


def test_nan_passes_through_every_operation_of_several_inputs() -> None:
    nan = Value(math.nan)
    for out in (nan + 1, nan * 2, nan / 3, 2 / nan, nan**2, nan.leaky_relu(0.1), autograd.dot([nan], [1.0])):
        assert math.isnan(out.data)
    assert math.isnan(autograd.linear([nan], [1.0], 0.0).data)
    assert math.isnan(autograd.sum([1.0, nan]).data)
    assert set(OPS) <= {
        *UNARY,
        "add",
        "mul",
        "div",
        "pow",
        "general_pow",
        "leaky_relu",
        "sum",
        "dot",
        "linear",
    }


def test_relu_of_nan_is_nan_as_in_pytorch_so_a_nan_sample_does_not_train_silently() -> None:
    torch = pytest.importorskip("torch")
    assert math.isnan(Value(math.nan).relu().data)
    assert math.isnan(torch.relu(torch.tensor(math.nan, dtype=torch.float64)).item())


@given(st.sampled_from(UNARY), st.sampled_from([math.inf, -math.inf, math.nan]))
def test_non_finite_inputs_give_a_number_or_a_named_error(name: str, x: float) -> None:
    try:
        out = getattr(Value(x), name)()
    except (ValueError, ArithmeticError) as error:
        assert str(error).startswith(f"{name}(")
        return
    assert isinstance(out.data, float)


# --- gradcheck ----------------------------------------------------------------------------------------


def test_gradcheck_fails_on_a_nan_analytic_gradient() -> None:
    with pytest.raises(autograd.GradcheckError, match="not finite"):
        gradcheck(lambda x: (x * x).sqrt(), [0.0])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_gradcheck_fails_on_non_finite_inputs(bad: float) -> None:
    with pytest.raises(autograd.GradcheckError, match="not finite"):
        gradcheck(lambda x: x * 2, [bad])


def test_gradcheck_names_its_bad_arguments() -> None:
    with pytest.raises(ValueError, match="gradcheck: eps must be a positive"):
        gradcheck(lambda x: x, [1.0], eps=0)
    with pytest.raises(TypeError, match="gradcheck: input 0 must be a number or a Value, got str"):
        gradcheck(lambda x: x, ["a"])


# --- numbers from elsewhere -----------------------------------------------------------------------------


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


def test_grad_names_inputs_that_are_not_values() -> None:
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"grad\(\): inputs must be a Value or a list of Values"):
        grad(y, [3.0])
    with pytest.raises(TypeError, match=r"grad\(\): inputs must be a Value or a list of Values"):
        grad(y, None)  # type: ignore[arg-type]


# --- data changed between the forward pass and backward() ------------------------------------------------


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


# --- names in drawings, text and compiled code -------------------------------------------------------------


def test_a_label_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="Value: label must be a string, got int: 123"):
        Value(1.0, label=123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "label", ["a\x00b", "esc\x1b[31m", "lone \udc80", "two\nlines", "tab\there", "back\\slash"]
)
def test_every_label_is_drawn_and_rendered_faithfully(label: str) -> None:
    x = Value(1.0, label=label)
    svg = draw_dot(x * 2).pipe(format="svg", encoding="utf-8")
    if "\n" in label:
        assert "two" in svg and "lines" in svg
    elif "\t" in label:
        assert "tab" in svg and "here" in svg
    else:
        shown = label.encode("unicode_escape").decode("ascii") if not label.isprintable() else label
        assert shown.replace("\\\\", "\\") in svg.replace("&#160;", " ")


def test_an_infinite_gradient_colours_its_node_instead_of_failing() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()  # the slope at 0 is inf
    y.backward()
    assert x.grad == math.inf
    source = draw_dot(y, color_by_grad=True).source
    assert "#d62728" in source  # the deepest red


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "log", "math", "storing", "class", "inputs"])
def test_compile_works_whatever_the_function_is_called(name: str) -> None:
    w = Value(0.5)

    def fn(x: Value) -> Value:
        return (w * x).sigmoid().log() + (w * x).tanh()

    fn.__name__ = name
    step = autograd.compile(fn, 2.0)
    expected = fn(Value(2.0))
    assert step(2.0) == expected.data


def test_show_and_step_through_scale_with_the_graph() -> None:
    y = Value(0.5, label="x")
    for _ in range(20_000):
        y = (y * 1.0).tanh()
    assert show(y).count("data=") == 60_001
    assert sum(1 for _ in backward_steps(y)) == 40_000
