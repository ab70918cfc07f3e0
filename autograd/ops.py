"""The derivative table: every primitive operation, its forward rule and its local derivatives.

Each entry pairs how to compute an output from its inputs with the partial derivative of that
output with respect to each input, written side by side with the maths in a comment.

The derivative rules use plain arithmetic on their arguments, so one rule serves two purposes:
called with floats it gives the numbers ``backward()`` multiplies by; called with ``Value`` nodes
it builds a graph of its own, which is how higher-order derivatives (``create_graph=True``) work.

Adding an operation is one entry here, one one-line method on ``Value`` and one test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, reduce
from operator import add, mul
from typing import Any


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive operation.

    ``forward(*inputs)`` takes the inputs' data (floats) and returns the output's data.
    ``derivatives(*inputs, out)`` returns ∂out/∂input for each input, in input order.
    ``forward_code`` and ``derivative_code`` are the same two rules as Python source, for
    ``autograd.compile``: format templates over the inputs' names ``{0}``, ``{1}``, … and the
    output's ``{out}`` (a forward template may call the op's own ``forward`` by the op's name).
    A sum of any number of terms (``sum``, ``dot``) gives functions of the names instead: one
    returning the terms to add, one returning each input's local derivative.
    Forward rules raise ``ValueError``, ``ZeroDivisionError`` or ``OverflowError`` for operands
    outside their domain; the caller adds the operation's name and the operands to the message.
    """

    name: str
    symbol: str
    forward: Callable[..., float]
    derivatives: Callable[..., tuple[Any, ...]]
    forward_code: str | Callable[..., tuple[str, ...]] = ""
    derivative_code: tuple[str, ...] | Callable[..., tuple[str, ...]] = ()


# --- helpers that let one rule work on floats and on Values ------------------------------------


def _data(x: Any) -> float:
    """The float inside ``x``: ``x`` itself for a float, ``x.data`` for a Value."""
    return x if isinstance(x, float) else x.data


def _cos(x: Any) -> Any:
    return math.cos(x) if isinstance(x, float) else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if isinstance(x, float) else x.sin()


def _log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def _raise(x: Any, p: Any) -> Any:
    """x^p inside a derivative. For floats an overflow gives ±inf (the slope is that steep) rather
    than an error: the forward value was representable, so the operation itself was fine."""
    if not isinstance(x, float):
        return x**p
    try:
        return x**p
    except OverflowError:
        odd_power_of_negative = x < 0 and p % 2 == 1  # forward rules allow x < 0 only for integer p
        return -math.inf if odd_power_of_negative else math.inf


def _sign(x: Any) -> float:
    value = _data(x)
    return 1.0 if value > 0 else -1.0 if value < 0 else 0.0


# --- forward rules that need a guard -------------------------------------------------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError("the result is too large for a float (exp overflows above x ≈ 709.78)") from None


def _logarithm(x: float) -> float:
    if x <= 0:
        raise ValueError("log is defined only for positive numbers")
    return math.log(x)


def _square_root(x: float) -> float:
    if x < 0:
        raise ValueError("sqrt is defined only for numbers ≥ 0")
    return math.sqrt(x)


def _sine(x: float) -> float:
    if math.isinf(x):
        raise ValueError("sin is undefined at ±infinity")
    return math.sin(x)


def _cosine(x: float) -> float:
    if math.isinf(x):
        raise ValueError("cos is undefined at ±infinity")
    return math.cos(x)


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _power(x: float, p: float) -> float:
    if x == 0 and p < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if x < 0 and not p.is_integer():
        raise ValueError("a negative number to a non-integer power has no real value")
    try:
        return x**p
    except OverflowError:
        raise OverflowError("the result is too large for a float") from None


def _general_power(a: float, b: float) -> float:
    if a <= 0:
        raise ValueError("with a differentiable exponent the base must be positive (∂/∂b uses log a)")
    return _power(a, b)


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), written so that e^(something) never overflows: e^x is tiny when x < 0.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _power_derivative(x: Any, p: Any, out: Any) -> tuple[Any, float]:
    # d x^p / dx = p·x^(p−1);  the exponent is a constant, so ∂/∂p is not needed (0).
    if _data(p) == 0:
        return 0.0, 0.0
    if _data(x) == 0 and _data(p) < 1:
        return math.inf, 0.0  # the curve is vertical at 0 (e.g. sqrt)
    return p * _raise(x, p - 1), 0.0


def _sum(*xs: float) -> float:
    # ((0 + x₁) + x₂) + …: left to right, as compiled code adds (the built-in sum compensates
    # rounding from Python 3.12 on, so it would differ in the last bit).
    return reduce(add, xs, 0.0)


def _dot(*ab: float) -> float:
    n = len(ab) // 2
    return reduce(add, map(mul, ab[:n], ab[n:]), 0.0)


def _dot_terms(*ab: str) -> tuple[str, ...]:
    n = len(ab) // 2
    return tuple(f"{a} * {b}" for a, b in zip(ab[:n], ab[n:]))


def _dot_derivatives(*ab_out: Any) -> tuple[Any, ...]:
    # ∂(Σ aᵢbᵢ)/∂aᵢ = bᵢ  and  ∂/∂bᵢ = aᵢ: the a's get the b's and the b's get the a's.
    n = (len(ab_out) - 1) // 2
    return ab_out[n : 2 * n] + ab_out[:n]


def _linear(*xwb: float) -> float:
    return _dot(*xwb[:-1]) + xwb[-1]


def _linear_terms(*xwb: str) -> tuple[str, ...]:
    return (*_dot_terms(*xwb[:-1]), xwb[-1])


def _linear_derivatives(*xwb_out: Any, one: Any = 1.0) -> tuple[Any, ...]:
    # ∂(x·w + b)/∂xᵢ = wᵢ,  ∂/∂wᵢ = xᵢ,  ∂/∂b = 1: the bias passes the gradient on unchanged.
    n = (len(xwb_out) - 2) // 2
    return (*xwb_out[n : 2 * n], *xwb_out[:n], one)


# --- the table -----------------------------------------------------------------------------------

# a + b:  ∂/∂a = 1,  ∂/∂b = 1
ADD = Op(
    "add",
    symbol="+",
    forward=lambda a, b: a + b,
    derivatives=lambda a, b, out: (1.0, 1.0),
    forward_code="{0} + {1}",
    derivative_code=("1.0", "1.0"),
)
# a · b:  ∂/∂a = b,  ∂/∂b = a
MUL = Op(
    "mul",
    symbol="*",
    forward=lambda a, b: a * b,
    derivatives=lambda a, b, out: (b, a),
    forward_code="{0} * {1}",
    derivative_code=("{1}", "{0}"),
)
# a / b:  ∂/∂a = 1/b,  ∂/∂b = −a/b²  (= −out/b)
DIV = Op(
    "div",
    symbol="/",
    forward=_divide,
    derivatives=lambda a, b, out: (1.0 / b, -out / b),
    forward_code="{0} / {1}",
    derivative_code=("1.0 / {1}", "-{out} / {1}"),
)
# x^p with a constant p:  ∂/∂x = p·x^(p−1)
# (as code, x = 0 with p < 1 and an overflowing slope raise instead of giving ±inf)
POW = Op(
    "pow",
    symbol="**",
    forward=_power,
    derivatives=_power_derivative,
    forward_code="pow({0}, {1})",
    derivative_code=("{1} * {0} ** ({1} - 1)", "0.0"),
)
# a^b with both differentiable:  ∂/∂a = b·a^(b−1),  ∂/∂b = a^b·ln a
GENERAL_POW = Op(
    "general_pow",
    symbol="**",
    forward=_general_power,
    derivatives=lambda a, b, out: (b * _raise(a, b - 1), out * _log(a)),
    forward_code="general_pow({0}, {1})",
    derivative_code=("{1} * {0} ** ({1} - 1)", "{out} * math.log({0})"),
)
# e^x:  d/dx = e^x
EXP = Op(
    "exp",
    symbol="exp",
    forward=_exp,
    derivatives=lambda x, out: (out,),
    forward_code="exp({0})",
    derivative_code=("{out}",),
)
# ln x:  d/dx = 1/x
LOG = Op(
    "log",
    symbol="log",
    forward=_logarithm,
    derivatives=lambda x, out: (1.0 / x,),
    forward_code="log({0})",
    derivative_code=("1.0 / {0}",),
)
# √x:  d/dx = 1/(2√x)
SQRT = Op(
    "sqrt",
    symbol="sqrt",
    forward=_square_root,
    derivatives=lambda x, out: (0.5 / out if _data(out) else math.inf,),
    forward_code="sqrt({0})",
    derivative_code=("0.5 / {out} if {out} else math.inf",),
)
# tanh x:  d/dx = 1 − tanh²x
TANH = Op(
    "tanh",
    symbol="tanh",
    forward=math.tanh,
    derivatives=lambda x, out: (1.0 - out * out,),
    forward_code="tanh({0})",
    derivative_code=("1.0 - {out} * {out}",),
)
# σ(x) = 1/(1+e^−x):  d/dx = σ(x)·(1 − σ(x))
SIGMOID = Op(
    "sigmoid",
    symbol="σ",
    forward=_sigmoid,
    derivatives=lambda x, out: (out * (1.0 - out),),
    forward_code="sigmoid({0})",
    derivative_code=("{out} * (1.0 - {out})",),
)
# relu x = max(0, x):  d/dx = 1 if x > 0 else 0
RELU = Op(
    "relu",
    symbol="relu",
    forward=lambda x: x if x > 0 else 0.0,
    derivatives=lambda x, out: (1.0 if _data(x) > 0 else 0.0,),
    forward_code="{0} if {0} > 0 else 0.0",
    derivative_code=("1.0 if {0} > 0 else 0.0",),
)
# leaky_relu(x, s) = x if x > 0 else s·x:  d/dx = 1 if x > 0 else s  (the slope s is a constant)
LEAKY_RELU = Op(
    "leaky_relu",
    symbol="leaky_relu",
    forward=lambda x, s: x if x > 0 else s * x,
    derivatives=lambda x, s, out: (1.0 if _data(x) > 0 else s, 0.0),
    forward_code="{0} if {0} > 0 else {1} * {0}",
    derivative_code=("1.0 if {0} > 0 else {1}", "0.0"),
)
# |x|:  d/dx = sign(x)  (0 at x = 0, as in PyTorch)
ABS = Op(
    "abs",
    symbol="abs",
    forward=abs,
    derivatives=lambda x, out: (_sign(x),),
    forward_code="abs({0})",
    derivative_code=("1.0 if {0} > 0 else -1.0 if {0} < 0 else 0.0",),
)
# sin x:  d/dx = cos x
SIN = Op(
    "sin",
    symbol="sin",
    forward=_sine,
    derivatives=lambda x, out: (_cos(x),),
    forward_code="sin({0})",
    derivative_code=("math.cos({0})",),
)
# cos x:  d/dx = −sin x
COS = Op(
    "cos",
    symbol="cos",
    forward=_cosine,
    derivatives=lambda x, out: (-_sin(x),),
    forward_code="cos({0})",
    derivative_code=("-math.sin({0})",),
)
# x₁ + x₂ + … + xₙ in one node:  ∂/∂xᵢ = 1
SUM = Op(
    "sum",
    symbol="Σ",
    forward=_sum,
    derivatives=lambda *xs_out: (1.0,) * (len(xs_out) - 1),
    forward_code=lambda *xs: xs,
    derivative_code=lambda *xs_out: ("1.0",) * (len(xs_out) - 1),
)
# a₁b₁ + … + aₙbₙ in one node (a neuron's weighted input), inputs a₁…aₙ, b₁…bₙ:
# ∂/∂aᵢ = bᵢ,  ∂/∂bᵢ = aᵢ
DOT = Op(
    "dot",
    symbol="dot",
    forward=_dot,
    derivatives=_dot_derivatives,
    forward_code=_dot_terms,
    derivative_code=_dot_derivatives,
)
# x₁w₁ + … + xₙwₙ + b in one node (a neuron's pre-activation z, as torch.nn.functional.linear),
# inputs x₁…xₙ, w₁…wₙ, b:  ∂/∂xᵢ = wᵢ,  ∂/∂wᵢ = xᵢ,  ∂/∂b = 1
LINEAR = Op(
    "linear",
    symbol="linear",
    forward=_linear,
    derivatives=_linear_derivatives,
    forward_code=_linear_terms,
    derivative_code=partial(_linear_derivatives, one="1.0"),
)

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        ADD,
        MUL,
        DIV,
        POW,
        GENERAL_POW,
        EXP,
        LOG,
        SQRT,
        TANH,
        SIGMOID,
        RELU,
        LEAKY_RELU,
        ABS,
        SIN,
        COS,
        SUM,
        DOT,
        LINEAR,
    )
}
"""Every primitive by name: the whole derivative table."""
