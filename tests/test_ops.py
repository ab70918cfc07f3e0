"""Every primitive in the derivative table: forward value and gradients, against plain maths,
central finite differences and (where installed) PyTorch in float64; then each op's domain errors."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import assert_all_close, numeric_gradient, sigmoid

import autograd
from autograd import OPS, Value, detect_anomaly, gradcheck
from autograd.compiler import javascript_expression, python_expression
from autograd.ops import Op


def uniform(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers with low ≤ |x| ≤ high, of either sign: keeps clear of kinks and poles at 0."""
    return st.tuples(st.booleans(), uniform(low, high)).map(lambda t: -t[1] if t[0] else t[1])


def several(element: st.SearchStrategy[float], arity: int) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(*[element] * arity)


@st.composite
def pairs_for_dot(draw: st.DrawFn) -> tuple[float, ...]:
    n = draw(st.integers(1, 6))
    return tuple(draw(st.lists(uniform(-10, 10), min_size=2 * n, max_size=2 * n)))


@dataclass(frozen=True)
class Case:
    """One operation to test: the same computation written three times, and where to test it.

    ``engine`` gets Values, ``plain`` floats, ``torch`` the torch module then tensors. Positions in
    ``constants`` are passed to all three as plain numbers (an exponent, a slope) and have no gradient.
    ``op`` is the primitive that makes the output node.
    """

    name: str
    op: str
    inputs: st.SearchStrategy[tuple[float, ...]]
    engine: Callable[..., Value]
    plain: Callable[..., float]
    torch: Callable[..., Any]
    constants: tuple[int, ...] = ()


def _leaky(x: float, slope: float) -> float:
    return x if x > 0 else slope * x


def operator_case(
    name: str,
    op: str,
    inputs: st.SearchStrategy[tuple[float, ...]],
    function: Callable[..., Any],
    constants: tuple[int, ...] = (),
) -> Case:
    """A Case for a Python operator, which reads the same on Values, floats and tensors."""
    return Case(name, op, inputs, function, function, lambda t, *xs: function(*xs), constants)


WIDE = uniform(-100, 100)
POSITIVE_BASE_ANY_EXPONENT = st.tuples(uniform(0.1, 10), uniform(-3, 3))
DIVISION = st.tuples(WIDE, away_from_zero(0.1, 100))

CASES = [
    operator_case("add", "add", several(WIDE, 2), operator.add),
    operator_case("sub", "add", several(WIDE, 2), operator.sub),
    operator_case("mul", "mul", several(WIDE, 2), operator.mul),
    operator_case("neg", "mul", several(WIDE, 1), operator.neg),
    operator_case("div", "div", DIVISION, operator.truediv),
    operator_case("number / Value", "div", DIVISION, operator.truediv, constants=(0,)),
    operator_case(
        "pow with a constant exponent", "pow", POSITIVE_BASE_ANY_EXPONENT, operator.pow, constants=(1,)
    ),
    operator_case(
        "negative base to an integer power",
        "pow",
        st.tuples(uniform(-10, -0.1), st.integers(-3, 4).map(float)),
        operator.pow,
        constants=(1,),
    ),
    operator_case("Value ** Value", "general_pow", POSITIVE_BASE_ANY_EXPONENT, operator.pow),
    operator_case("number ** Value", "general_pow", POSITIVE_BASE_ANY_EXPONENT, operator.pow, constants=(0,)),
    Case("exp", "exp", several(uniform(-30, 30), 1), Value.exp, math.exp, lambda t, x: t.exp(x)),
    Case("log", "log", several(uniform(1e-3, 1e3), 1), Value.log, math.log, lambda t, x: t.log(x)),
    Case("sqrt", "sqrt", several(uniform(1e-3, 1e3), 1), Value.sqrt, math.sqrt, lambda t, x: t.sqrt(x)),
    Case("tanh", "tanh", several(uniform(-20, 20), 1), Value.tanh, math.tanh, lambda t, x: t.tanh(x)),
    Case(
        "sigmoid", "sigmoid", several(uniform(-40, 40), 1), Value.sigmoid, sigmoid, lambda t, x: t.sigmoid(x)
    ),
    Case(
        "relu",
        "relu",
        several(away_from_zero(1e-3, 100), 1),
        Value.relu,
        lambda x: max(x, 0.0),
        lambda t, x: t.relu(x),
    ),
    Case(
        "leaky_relu",
        "leaky_relu",
        st.tuples(away_from_zero(1e-3, 100), uniform(0, 1)),
        Value.leaky_relu,
        _leaky,
        lambda t, x, slope: t.nn.functional.leaky_relu(x, slope),
        constants=(1,),
    ),
    Case("abs", "abs", several(away_from_zero(1e-3, 100), 1), abs, abs, lambda t, x: t.abs(x)),
    Case("sin", "sin", several(uniform(-20, 20), 1), Value.sin, math.sin, lambda t, x: t.sin(x)),
    Case("cos", "cos", several(uniform(-20, 20), 1), Value.cos, math.cos, lambda t, x: t.cos(x)),
    Case(
        "sum",
        "sum",
        st.lists(uniform(-100, 100), min_size=1, max_size=8).map(tuple),
        lambda *xs: autograd.sum(xs),
        lambda *xs: math.fsum(xs),
        lambda t, *xs: t.stack(xs).sum(),
    ),
    Case(
        "dot",
        "dot",
        pairs_for_dot(),
        lambda *ab: autograd.dot(ab[: len(ab) // 2], ab[len(ab) // 2 :]),
        lambda *ab: math.fsum(a * b for a, b in zip(ab[: len(ab) // 2], ab[len(ab) // 2 :])),
        lambda t, *ab: t.dot(t.stack(ab[: len(ab) // 2]), t.stack(ab[len(ab) // 2 :])),
    ),
    Case(
        "linear",
        "linear",
        pairs_for_dot().flatmap(lambda xw: uniform(-10, 10).map(lambda b: (*xw, b))),
        lambda *xwb: autograd.linear(xwb[: len(xwb) // 2], xwb[len(xwb) // 2 : -1], xwb[-1]),
        lambda *xwb: math.fsum(
            [*(x * w for x, w in zip(xwb[: len(xwb) // 2], xwb[len(xwb) // 2 : -1])), xwb[-1]]
        ),
        lambda t, *xwb: t.nn.functional.linear(
            t.stack(xwb[: len(xwb) // 2]), t.stack(xwb[len(xwb) // 2 : -1]).unsqueeze(0), xwb[-1].unsqueeze(0)
        ).squeeze(),
    ),
]


def run_engine(case: Case, point: tuple[float, ...]) -> tuple[Value, list[float]]:
    """Evaluate ``case`` on ``point`` with chainrule; return the output and ∂out/∂input per input."""
    arguments = [x if i in case.constants else Value(x) for i, x in enumerate(point)]
    out = case.engine(*arguments)
    out.backward()
    grads = [0.0 if i in case.constants else arguments[i].grad for i in range(len(point))]
    return out, grads


def numeric(case: Case, point: tuple[float, ...]) -> list[float]:
    grads = numeric_gradient(case.plain, point)
    return [0.0 if i in case.constants else g for i, g in enumerate(grads)]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@given(data=st.data())
def test_forward_agrees_with_plain_maths(case: Case, data: st.DataObject) -> None:
    point = data.draw(case.inputs)
    out = case.engine(*[x if i in case.constants else Value(x) for i, x in enumerate(point)])
    assert isinstance(out, Value)
    assert out.op == case.op
    assert_all_close([out.data], [case.plain(*point)], rtol=1e-12, atol=1e-12, what=f"{case.name}{point}")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@given(data=st.data())
def test_gradient_agrees_with_finite_differences(case: Case, data: st.DataObject) -> None:
    point = data.draw(case.inputs)
    _, grads = run_engine(case, point)
    assert_all_close(grads, numeric(case, point), rtol=1e-5, atol=1e-6, what=f"∂{case.name}{point}")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@given(data=st.data())
def test_value_and_gradient_agree_with_torch(case: Case, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    point = data.draw(case.inputs)
    out, grads = run_engine(case, point)
    tensors = [
        x if i in case.constants else torch.tensor(x, dtype=torch.float64, requires_grad=True)
        for i, x in enumerate(point)
    ]
    expected = case.torch(torch, *tensors)
    expected.backward()
    expected_grads = [0.0 if i in case.constants else t.grad.item() for i, t in enumerate(tensors)]
    assert_all_close([out.data], [expected.item()], rtol=1e-9, atol=1e-12, what=f"{case.name}{point}")
    assert_all_close(grads, expected_grads, rtol=1e-9, atol=1e-12, what=f"∂{case.name}{point}")


def test_every_primitive_in_the_table_is_tested() -> None:
    assert {case.op for case in CASES} == set(OPS)


def test_every_op_has_a_name_and_a_rule_and_is_drawn_with_a_symbol() -> None:
    for name, op in OPS.items():
        assert op.name == name
        assert op.rule.startswith("∂") and "=" in op.rule
        assert all(0 < position < 2 for position in op.settings)
    assert [OPS[name].symbol for name in ("mul", "sigmoid", "sum")] == ["*", "σ", "Σ"]
    assert OPS["tanh"].symbol == ""  # drawn by its name


# --- what the derivative table holds on a node ---------------------------------------------------


def test_a_node_keeps_its_op_inputs_in_order_and_local_derivatives() -> None:
    a, b = Value(3.0), Value(-2.0)
    c = a * b
    assert c.op == "mul" and OPS[c.op].symbol == "*"
    assert c.inputs == (a, b)
    assert c.local_derivatives == (-2.0, 3.0)  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    assert not c.is_leaf and a.is_leaf and a.op == ""


def test_plain_numbers_become_constant_inputs() -> None:
    x = Value(2.0)
    y = 3 * x
    assert y.op == "mul"
    three, same = y.inputs
    assert same is x
    assert three.data == 3.0 and not three.requires_grad and three.is_leaf


def test_dot_takes_all_as_then_all_bs() -> None:
    a = [Value(1.0), Value(2.0)]
    b = [Value(10.0), Value(20.0)]
    out = autograd.dot(a, b)
    assert out.inputs == (*a, *b)
    assert out.local_derivatives == (10.0, 20.0, 1.0, 2.0)
    assert out.data == 50.0


def test_dot_of_different_lengths_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"dot.*\(2 and 1\)"):
        autograd.dot([Value(1.0), Value(2.0)], [Value(1.0)])


def test_linear_takes_the_xs_then_the_ws_then_the_bias() -> None:
    x, w, b = [Value(1.0), Value(2.0)], [Value(10.0), Value(20.0)], Value(0.5)
    out = autograd.linear(x, w, b)
    assert out.op == "linear" and out.inputs == (*x, *w, b)
    assert out.local_derivatives == (10.0, 20.0, 1.0, 2.0, 1.0)  # ∂z/∂xᵢ = wᵢ, ∂z/∂wᵢ = xᵢ, ∂z/∂b = 1
    assert out.data == 50.5
    assert autograd.linear(x, w).op == "dot"  # no bias: the dot product
    assert autograd.linear([], [], b).data == 0.5


def test_linear_of_different_lengths_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^linear: .*\(1 and 2\)"):
        autograd.linear([Value(1.0)], [Value(1.0), Value(2.0)], 0.0)


def test_empty_sum_and_dot_are_constant_zero() -> None:
    for out in (autograd.sum([]), autograd.dot([], [])):
        assert out.data == 0.0 and not out.requires_grad


def test_sum_accepts_plain_numbers_and_a_generator() -> None:
    x = Value(1.5)
    out = autograd.sum(v for v in (x, 2, x))
    out.backward()
    assert out.data == 5.0 and x.grad == 2.0


def test_kinks_follow_pytorch_at_zero() -> None:
    # relu'(0) = 0, leaky_relu'(0) = slope, |x|'(0) = 0, as torch defines them
    for method, expected in ((Value.relu, 0.0), (lambda v: v.leaky_relu(0.2), 0.2), (abs, 0.0)):
        x = Value(0.0)
        method(x).backward()
        assert x.grad == expected


def test_sqrt_and_fractional_power_at_zero_have_an_infinite_slope() -> None:
    for make in (Value.sqrt, lambda v: v**0.5):
        x = Value(0.0)
        y = make(x)
        y.backward()
        assert y.data == 0.0 and x.grad == math.inf


def test_power_zero_and_one() -> None:
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0
    y = Value(0.0)
    (y**1).backward()
    assert y.grad == 1.0


# --- stability at the extremes -------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1000.0, -745.0, -710.0, 710.0, 1000.0, -1e308, 1e308])
def test_sigmoid_and_tanh_are_finite_and_correct_far_out(x: float) -> None:
    a, b = Value(x), Value(x)
    s, t = a.sigmoid(), b.tanh()
    s.backward()
    t.backward()
    assert s.data == (1.0 if x > 0 else 0.0) or 0 < s.data < 1e-300
    assert t.data == math.copysign(1.0, x)
    assert math.isfinite(a.grad) and 0.0 <= a.grad < 1e-300
    assert b.grad == 0.0


def test_sigmoid_keeps_relative_precision_for_negative_inputs() -> None:
    # σ(−700) = e^−700 / (1 + e^−700) ≈ 9.86e−305: a naive 1 − σ(700) would give 0
    assert Value(-700.0).sigmoid().data == pytest.approx(math.exp(-700.0), rel=1e-12)


def test_a_derivative_too_large_for_a_float_is_infinite_not_an_error() -> None:
    x = Value(1e-200)
    y = x**-1  # 1e200 is a float, but d/dx = −x⁻² = −1e400 is not
    y.backward()
    assert y.data == pytest.approx(1e200) and x.grad == -math.inf
    a, b = Value(1e-10), Value(-30.8)
    (a**b).backward()
    assert a.grad == -math.inf and b.grad == -math.inf  # a^b·ln a ≈ −2.3e309 too


# --- domain errors name the operation and the operand --------------------------------------------


DOMAIN_ERRORS = [
    ("log(0)", lambda: Value(0.0).log(), ValueError, "log"),
    ("log(-1)", lambda: Value(-1.0).log(), ValueError, "log"),
    ("sqrt(-1)", lambda: Value(-1.0).sqrt(), ValueError, "sqrt"),
    ("(-8) ** (1/3)", lambda: Value(-8.0) ** (1 / 3), ValueError, "pow"),
    ("(-2) ** Value", lambda: Value(-2.0) ** Value(2.0), ValueError, "general_pow"),
    ("number ** Value, base 0", lambda: 0 ** Value(2.0), ValueError, "general_pow"),
    ("x / 0", lambda: Value(1.0) / 0, ZeroDivisionError, "div"),
    ("x / Value(0)", lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "div"),
    ("1 / Value(0)", lambda: 1 / Value(0.0), ZeroDivisionError, "div"),
    ("0 ** -1", lambda: Value(0.0) ** -1, ZeroDivisionError, "pow"),
    ("0 ** -0.5", lambda: Value(0.0) ** -0.5, ZeroDivisionError, "pow"),
    ("exp(1000)", lambda: Value(1000.0).exp(), OverflowError, "exp"),
    ("10 ** 400", lambda: Value(10.0) ** 400, OverflowError, "pow"),
    ("(-10) ** 401", lambda: Value(-10.0) ** 401, OverflowError, "pow"),
    ("Value ** Value overflow", lambda: Value(10.0) ** Value(400.0), OverflowError, "general_pow"),
    ("sin(inf)", lambda: Value(math.inf).sin(), ValueError, "sin"),
    ("cos(-inf)", lambda: Value(-math.inf).cos(), ValueError, "cos"),
]


@pytest.mark.parametrize(("what", "compute", "error", "op"), DOMAIN_ERRORS, ids=[e[0] for e in DOMAIN_ERRORS])
def test_domain_errors_name_the_op_and_the_operand(
    what: str, compute: Callable[[], Value], error: type, op: str
) -> None:
    with pytest.raises(error) as caught:
        compute()
    message = str(caught.value)
    assert type(caught.value) is error
    assert message.startswith(f"{op}(Value(data=")  # the op, then its operands
    assert "math domain error" not in message
    assert "Numerical result out of range" not in message


def test_domain_errors_are_raised_inside_no_grad_too() -> None:
    with autograd.no_grad(), pytest.raises(ValueError, match=r"^log\(Value\(data=-3\.0"):
        Value(-3.0).log()


# --- each op's code templates: Python and JavaScript from the same template ---------------------


def arity(op: Op) -> int | None:
    """How many inputs ``op``'s templates name; ``None`` for a sum of any number of terms."""
    if not isinstance(op.code, str) or not isinstance(op.derivative_code, tuple):
        return None
    return len(set(re.findall(r"\{(\d+)\}", op.code + "".join(op.derivative_code))))


def filled_in(op: Op, count: int) -> list[str]:
    """``op``'s forward template, then each local derivative's, over the names a0, a1, … and out."""
    names = [f"a{i}" for i in range(count)]
    if isinstance(op.code, str) and isinstance(op.derivative_code, tuple):
        return [t.format(*names, out="out") for t in (op.code, *op.derivative_code)]
    assert not isinstance(op.code, str) and not isinstance(op.derivative_code, tuple)
    return [" + ".join(op.code(*names)) or "0.0", *op.derivative_code(*names, "out")]


def in_python(op: Op, point: tuple[float, ...]) -> list[float]:
    """The templates run as Python: the forward value, then the local derivatives at that value."""
    templates = filled_in(op, len(point))
    names = ", ".join([*(f"a{i}" for i in range(len(point))), "out"])
    forward = eval(f"lambda {names}: {python_expression(templates[0])}", {"math": math})
    local = eval(f"lambda {names}: [{', '.join(map(python_expression, templates[1:]))}]", {"math": math})
    out = forward(*point, 0.0)
    return [out, *local(*point, out)]


def in_javascript(page: Any, op: Op, points: list[tuple[float, ...]], outs: list[float]) -> list[list[float]]:
    """The templates run as JavaScript in the page, all points in one call; the local derivatives
    are taken at Python's forward value, so that each template is compared on the same numbers."""
    templates = [[javascript_expression(t) for t in filled_in(op, len(p))] for p in points]
    return page.evaluate(
        """([templates, points, outs]) => points.map((point, k) => {
            const names = point.map((_, i) => "a" + i).concat(["out"]);
            const forward = new Function(...names, "return " + templates[k][0]);
            const local = new Function(...names, "return [" + templates[k].slice(1).join(", ") + "]");
            return [forward(...point, 0), ...local(...point, outs[k])];
        })""",
        [templates, [list(p) for p in points], outs],
    )


@pytest.fixture(scope="module")
def blank_page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    yield page
    page.close()


def in_domain(name: str) -> st.SearchStrategy[tuple[float, ...]]:
    """Points where ``name`` is defined: the inputs of the cases above that feed the op directly."""
    op = OPS[name]
    return st.one_of(
        *[
            case.inputs
            for case in CASES
            if case.op == name and case.name != "neg"  # neg is a mul with a constant: one input
        ]
    ).filter(lambda point: arity(op) in (None, len(point)))


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=10)
@given(data=st.data())
def test_each_op_template_agrees_with_the_engine_in_python_and_in_javascript(
    blank_page: Any, name: str, data: st.DataObject
) -> None:
    op = OPS[name]
    points = data.draw(st.lists(in_domain(name), min_size=1, max_size=30))
    python = [in_python(op, point) for point in points]
    for point, (out, *local) in zip(points, python):  # Python's code is the engine's rule, exactly
        assert out == op.forward(*point), f"{name}{point}"
        assert tuple(local) == op.derivatives(*point, out), f"∂{name}{point}"
    javascript = in_javascript(blank_page, op, points, [p[0] for p in python])
    for point, js, py in zip(points, javascript, python):
        assert len(js) == len(py)
        assert all(math.isclose(j, p, rel_tol=1e-14, abs_tol=1e-300) for j, p in zip(js, py)), (
            f"{name}{point}: JavaScript {js}, Python {py}"
        )


ANY_NUMBER = st.floats() | st.sampled_from([0.0, -0.0, -1.0, 0.5, 2.0, -3.0, 400.0, 710.0, math.inf])


@pytest.mark.parametrize("name", sorted(name for name, op in OPS.items() if op.domain))
@settings(max_examples=10)
@given(data=st.data())
def test_javascript_refuses_where_the_engine_does_with_the_same_message(
    blank_page: Any, name: str, data: st.DataObject
) -> None:
    op = OPS[name]
    count = arity(op)
    assert count is not None
    points = data.draw(st.lists(st.tuples(*[ANY_NUMBER] * count), min_size=1, max_size=30))
    python: list[str | None] = []
    for point in points:
        try:
            op.forward(*point)
            python.append(None)
        except (ArithmeticError, ValueError) as error:
            python.append(str(error))
    names = [f"a{i}" for i in range(count)]
    forward = javascript_expression(filled_in(op, count)[0])
    checks = [
        [javascript_expression(condition.format(*names, out="out")), reason]
        for condition, reason, _ in op.domain
    ]
    javascript = blank_page.evaluate(
        """([names, forward, checks, points]) => points.map((point) => {
            const out = new Function(...names, "return " + forward)(...point);
            const failed = checks.find(([condition]) =>
                new Function(...names, "out", "return " + condition)(...point, out));
            return failed ? failed[1] : null;
        })""",
        [names, forward, checks, [list(p) for p in points]],
    )
    assert javascript == python, f"{name}: {list(zip(points, javascript, python))}"


# --- leaky_relu's slope, NaN and infinities through every operation ---------------------------------


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
