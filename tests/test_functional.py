"""``grad`` (with higher order), ``gradcheck``, ``no_grad`` / ``enable_grad`` and ``detect_anomaly``."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import GradcheckError, Op, Value, detect_anomaly, enable_grad, grad, gradcheck, no_grad
from autograd import ops as ops_module

# --- grad() --------------------------------------------------------------------------------------


def test_grad_returns_gradients_and_leaves_every_grad_untouched() -> None:
    x, y = Value(2.0), Value(5.0)
    h = x * y
    out = h * x + y
    x.grad, y.grad, h.grad, out.grad = 0.25, -1.0, 7.0, 3.0
    dx, dy = grad(out, [x, y])
    assert (dx, dy) == (2 * x.data * y.data, x.data**2 + 1)  # ∂(x²y + y) = (2xy, x² + 1)
    assert (x.grad, y.grad, h.grad, out.grad) == (0.25, -1.0, 7.0, 3.0)


def test_grad_of_an_unused_input_is_zero_and_of_an_intermediate_is_its_gradient() -> None:
    x, unused = Value(3.0), Value(1.0)
    h = x * x
    out = h.sin()
    dx, dunused, dh = grad(out, [x, unused, h])
    assert dunused == 0.0
    assert dh == pytest.approx(math.cos(9.0))
    assert dx == pytest.approx(math.cos(9.0) * 6.0)


def test_grad_accepts_a_single_input() -> None:
    x = Value(3.0)
    assert grad(x * x, x) == [6.0]


def test_grad_refuses_an_output_that_is_not_a_value_or_does_not_require_grad() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"^grad\(\): the output must be a Value, got float"):
        grad(2.0, [x])  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad(Value(1.0, requires_grad=False) * 2, [x])


# --- higher order ------------------------------------------------------------------------------


def test_second_and_third_derivative_of_a_cube_via_grad() -> None:
    x = Value(2.0)
    y = x**3
    (first,) = grad(y, [x], create_graph=True)
    (second,) = grad(first, [x], create_graph=True)
    (third,) = grad(second, [x], create_graph=True)
    assert isinstance(first, Value) and first.data == 12.0  # 3x²
    assert isinstance(second, Value) and second.data == 12.0  # 6x
    assert isinstance(third, Value) and third.data == 6.0  # 6
    assert grad(third, [x]) == [0.0]  # the fourth derivative
    assert x.grad == 0.0


def test_second_derivative_via_backward_with_create_graph() -> None:
    x = Value(2.0)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 12.0
    x.grad = 0.0
    first.backward()
    assert x.grad == 12.0


def test_create_graph_gives_values_even_where_a_slope_is_a_constant() -> None:
    x = Value(2.0)
    (slope,) = grad(x + x, [x], create_graph=True)
    assert isinstance(slope, Value) and slope.data == 2.0 and not slope.requires_grad


SECOND_DERIVATIVES: list[
    tuple[str, Callable[[Value], Value], Callable[[float], float], st.SearchStrategy]
] = [
    ("tanh", Value.tanh, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), st.floats(-5, 5)),
    (
        "sigmoid",
        Value.sigmoid,
        lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s),
        st.floats(-10, 10),
    ),
    ("exp", Value.exp, math.exp, st.floats(-10, 10)),
    ("sin", Value.sin, lambda x: -math.sin(x), st.floats(-10, 10)),
    ("cos", Value.cos, lambda x: -math.cos(x), st.floats(-10, 10)),
    ("log", Value.log, lambda x: -1 / x**2, st.floats(0.1, 10)),
    ("sqrt", Value.sqrt, lambda x: -0.25 * x**-1.5, st.floats(0.1, 10)),
    ("x ** 2.5", lambda v: v**2.5, lambda x: 2.5 * 1.5 * x**0.5, st.floats(0.1, 10)),
    ("1 / x", lambda v: 1 / v, lambda x: 2 / x**3, st.floats(0.1, 10)),
    ("2 ** x", lambda v: 2**v, lambda x: math.log(2) ** 2 * 2**x, st.floats(-5, 5)),
    ("x ** x", lambda v: v**v, lambda x: x**x * ((math.log(x) + 1) ** 2 + 1 / x), st.floats(0.1, 3)),
    (
        "relu(x)·x",
        lambda v: v.relu() * v,
        lambda x: 2.0 if x > 0 else 0.0,
        st.floats(0.01, 5) | st.floats(-5, -0.01),
    ),
]


@pytest.mark.parametrize(
    ("name", "function", "second_derivative", "inputs"),
    SECOND_DERIVATIVES,
    ids=[c[0] for c in SECOND_DERIVATIVES],
)
@given(data=st.data())
def test_second_derivatives_match_the_formulas(
    name: str,
    function: Callable[[Value], Value],
    second_derivative: Callable[[float], float],
    inputs: st.SearchStrategy,
    data: st.DataObject,
) -> None:
    x0 = data.draw(inputs)
    x = Value(x0)
    (first,) = grad(function(x), [x], create_graph=True)
    (second,) = grad(first, [x])
    assert second == pytest.approx(second_derivative(x0), rel=1e-9, abs=1e-12)


def test_third_derivatives_of_exp_and_sin() -> None:
    for function, expected in ((Value.exp, math.exp(0.7)), (Value.sin, -math.cos(0.7))):
        x = Value(0.7)
        first = grad(function(x), [x], create_graph=True)[0]
        second = grad(first, [x], create_graph=True)[0]
        assert grad(second, [x])[0] == pytest.approx(expected, rel=1e-12)


def test_mixed_partials_of_a_dot_and_a_power() -> None:
    a, b = Value(1.5), Value(-2.0)
    (da,) = grad(autograd.dot([a], [b]) * a, [a], create_graph=True)  # ∂(a²b)/∂a = 2ab
    assert grad(da, [b]) == [pytest.approx(2 * a.data)]
    (da,) = grad(a**b, [a], create_graph=True)  # ∂²(a^b)/∂a∂b = a^(b−1)(1 + b ln a)
    expected = a.data ** (b.data - 1) * (1 + b.data * math.log(a.data))
    assert grad(da, [b])[0] == pytest.approx(expected, rel=1e-12)


# --- gradcheck -----------------------------------------------------------------------------------


def test_gradcheck_passes_on_correct_functions() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, 1.7])
    assert gradcheck(lambda x: x.sigmoid() * x.log(), [Value(2.0)])
    assert gradcheck(lambda a, b, c: autograd.dot([a, b], [c, a]).sin(), [0.1, -0.4, 0.9])


def test_gradcheck_raises_with_a_table_when_a_derivative_rule_is_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A deliberately broken table entry: d sin(x)/dx written as sin x instead of cos x.
    broken = Op(
        "sin",
        "∂sin x/∂x = cos x",
        math.sin,
        lambda x, out: (math.sin(x) if isinstance(x, float) else x.sin(),),
    )
    monkeypatch.setattr(ops_module, "SIN", broken)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: x.sin() + y * y, [0.5, 2.0])
    message = str(caught.value)
    header, first_row, second_row = message.splitlines()[1:]
    assert header.split() == ["input", "value", "analytic", "numeric", "difference"]
    row = first_row.split()
    assert (
        row[0] == "0"
        and float(row[2]) == pytest.approx(math.sin(0.5))
        and float(row[3]) == pytest.approx(math.cos(0.5))
    )
    assert row[-2:] == ["<-", "mismatch"]
    assert "mismatch" not in second_row  # y's gradient is right
    assert isinstance(caught.value, RuntimeError)


def test_gradcheck_accepts_its_tolerances() -> None:
    # with ε = 0.5 the central difference of x³ is 3x² + ε² = 3.25 at x = 1: outside rtol 1e-3
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x**3, [1.0], eps=0.5)
    assert gradcheck(lambda x: x**3, [1.0], eps=0.5, rtol=0.1)


# --- no_grad and enable_grad ---------------------------------------------------------------------


def test_nothing_is_recorded_inside_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        assert not autograd.is_grad_enabled()
        y = x * x + 1
    assert autograd.is_grad_enabled()
    assert y.data == 5.0 and y.is_leaf and not y.requires_grad and y.inputs == ()


def test_enable_grad_records_again_and_modes_nest_and_restore_after_errors() -> None:
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            assert (x * x).op == "mul"
        assert not autograd.is_grad_enabled()
        with pytest.raises(ZeroDivisionError), no_grad():
            x / 0
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()


def test_no_grad_in_another_thread_does_not_affect_this_one() -> None:
    inside, checked = threading.Event(), threading.Event()
    seen_in_thread: list[bool] = []

    def other_thread() -> None:
        with no_grad():
            inside.set()
            checked.wait(timeout=10)
            seen_in_thread.append((Value(1.0) * 2).requires_grad)

    worker = threading.Thread(target=other_thread)
    worker.start()
    try:
        assert inside.wait(timeout=10)
        assert autograd.is_grad_enabled()
        assert (Value(3.0) * 2).op == "mul"  # recorded here while the other thread is in no_grad
    finally:
        checked.set()
        worker.join(timeout=10)
    assert seen_in_thread == [False]


def test_a_new_thread_starts_with_grad_enabled() -> None:
    seen: list[bool] = []
    with no_grad():
        worker = threading.Thread(target=lambda: seen.append(autograd.is_grad_enabled()))
        worker.start()
        worker.join(timeout=10)
    assert seen == [True]


def test_no_grad_in_one_asyncio_task_does_not_affect_another() -> None:
    async def recording_after_the_other_task_switched(other_inside: asyncio.Event) -> bool:
        await other_inside.wait()
        return (Value(3.0) * 2).requires_grad

    async def inside_no_grad(inside: asyncio.Event) -> bool:
        with no_grad():
            inside.set()
            await asyncio.sleep(0)  # the other task runs while this one is inside no_grad
            return (Value(1.0) * 2).requires_grad

    async def both() -> list[bool]:
        inside = asyncio.Event()
        return list(
            await asyncio.gather(recording_after_the_other_task_switched(inside), inside_no_grad(inside))
        )

    assert asyncio.run(both()) == [True, False]
    assert autograd.is_grad_enabled()


def anomaly_checks_are_on() -> bool:
    return bool(autograd.value.checking_anomalies.get())


@pytest.mark.parametrize(
    ("mode", "is_on", "outside"),
    [
        (no_grad, autograd.is_grad_enabled, contextlib.nullcontext),
        (enable_grad, autograd.is_grad_enabled, no_grad),
        (detect_anomaly, anomaly_checks_are_on, contextlib.nullcontext),
    ],
    ids=["no_grad", "enable_grad", "detect_anomaly"],
)
def test_a_mode_entered_in_a_generator_and_ended_on_another_thread_switches_back_here(
    mode: Callable[[], contextlib.AbstractContextManager[None]],
    is_on: Callable[[], bool],
    outside: Callable[[], contextlib.AbstractContextManager[None]],
) -> None:
    def numbers() -> Iterator[int]:
        with mode():
            yield 1
            yield 2

    with outside():
        before = is_on()
        started = numbers()
        next(started)  # the mode is switched in this thread while the generator waits inside it
        assert is_on() is not before
        ended: list[object] = []

        def finish() -> None:  # run the generator to its end, leaving the block, in another thread
            try:
                ended.extend([list(started), is_on()])
            except Exception as error:  # once: "<Token> was created in a different Context"
                ended.append(error)

        worker = threading.Thread(target=finish)
        worker.start()
        worker.join(timeout=10)
        other_threads_own = mode is not detect_anomaly  # a new thread's: recording on, no checks
        assert ended == [[2], other_threads_own]  # the other thread's switch is left alone
        assert is_on() is before  # switched back here, where the block switched it
    assert autograd.is_grad_enabled() and not anomaly_checks_are_on()
    assert (Value(1.0) * 2).requires_grad


def test_no_grad_works_as_a_decorator() -> None:
    @no_grad()
    def doubled(x: Value) -> Value:
        return x * 2

    assert not doubled(Value(1.0)).requires_grad
    assert autograd.is_grad_enabled()


# --- detect_anomaly ------------------------------------------------------------------------------


def test_detect_anomaly_raises_at_the_forward_op_that_made_inf() -> None:
    a, b = Value(1e200), Value(1e200)
    assert (a * b).data == math.inf  # without the mode, inf flows on silently
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"detect_anomaly: mul\(Value\(data=1e\+200"),
    ):
        a * b


def test_detect_anomaly_catches_an_infinite_local_derivative() -> None:
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"sqrt\(Value\(data=0\.0"):
        Value(0.0).sqrt()


def test_detect_anomaly_raises_at_the_backward_step_that_made_inf() -> None:
    x = Value(1e-200, label="x")
    scaled = x * 1e200  # 1.0, slope 1e200
    out = scaled * 1e200  # 1e200, slope 1e200: the chain rule gives 1e400 = inf for x
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"backward through mul\(Value\(data=1e-200.*label='x'"):
            out.backward()
        assert math.isfinite(out.data)


def test_detect_anomaly_catches_nan_and_switches_off_afterwards() -> None:
    inf = Value(math.inf)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"^detect_anomaly: mul.*output nan"):
        inf * 0.0
    assert math.isnan((inf * 0.0).data)


# --- gradcheck and grad on bad arguments ------------------------------------------------------------


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


def test_grad_names_inputs_that_are_not_values() -> None:
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"grad\(\): inputs must be a Value or a list of Values"):
        grad(y, [3.0])
    with pytest.raises(TypeError, match=r"grad\(\): inputs must be a Value or a list of Values"):
        grad(y, None)  # type: ignore[arg-type]
