"""The derivative table: every primitive operation, its forward rule and its local derivatives.

Each entry pairs how to compute an output from its inputs (``forward``) with the partial
derivative of that output with respect to each input (``derivatives``), and states the rule in
maths (``rule``). A forward rule that has a domain checks it right above its entry.

The derivative rules use plain arithmetic on their arguments, so one rule serves twice: called
with floats it gives the numbers ``backward()`` multiplies by; called with ``Value`` nodes it
builds a graph of its own, which is how higher-order derivatives (``create_graph=True``) work.
Adding an operation is one entry here, its code in ``compiler.py``, a method on ``Value``, a test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import add, mul
from typing import Any


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive operation.

    ``forward(*inputs)`` takes the inputs' data (floats) and returns the output's data; it raises
    ``ValueError``, ``ZeroDivisionError`` or ``OverflowError`` outside its domain, and the caller
    names the operation and its operands in the message. ``derivatives(*inputs, out)`` returns
    ∂out/∂input for each input, in input order. ``rule`` says the same in maths. ``symbol`` is how
    drawings write it (the name, if not given); ``settings`` are the positions of inputs that set
    how the operation behaves (leaky_relu's slope) rather than data flowing through it.
    """

    name: str
    rule: str
    forward: Callable[..., float]
    derivatives: Callable[..., tuple[Any, ...]]
    symbol: str = ""
    settings: tuple[int, ...] = ()


def _data(x: Any) -> float:
    """The float inside ``x``: ``x`` itself for a float, ``x.data`` for a Value (in derivative rules)."""
    return x if isinstance(x, float) else x.data


# --- arithmetic ------------------------------------------------------------------------------------

ADD = Op(
    "add",
    rule="∂(a + b)/∂a = 1,  ∂(a + b)/∂b = 1",
    forward=lambda a, b: a + b,
    derivatives=lambda a, b, out: (1.0, 1.0),
    symbol="+",
)

MUL = Op(
    "mul",
    rule="∂(a·b)/∂a = b,  ∂(a·b)/∂b = a",
    forward=lambda a, b: a * b,
    derivatives=lambda a, b, out: (b, a),
    symbol="*",
)


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


DIV = Op(
    "div",
    rule="∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²",
    forward=_divide,
    derivatives=lambda a, b, out: (1.0 / b, -out / b),  # −a/b² = −out/b
    symbol="/",
)


# --- powers: x^p with a constant p, and a^b with both differentiable -------------------------------


def _power(x: float, p: float) -> float:
    if x == 0 and p < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if x < 0 and not p.is_integer():
        raise ValueError("a negative number to a non-integer power has no real value")
    try:
        return x**p
    except OverflowError:
        raise OverflowError("the result is too large for a float") from None


def _slope_of_power(x: Any, p: Any) -> Any:
    """p·x^(p−1). For floats a slope too steep for a float is ±inf, not an error: the forward
    value was representable, so the operation itself was fine."""
    if _data(p) == 0:
        return 0.0
    if _data(x) == 0 and _data(p) < 1:
        return math.inf  # the curve is vertical at 0 (e.g. sqrt)
    if not isinstance(x, float):
        return p * x ** (p - 1)
    if x < 0 and not p.is_integer():
        raise ValueError(f"the slope p·x^(p−1) at x = {x!r}, p = {p!r} is not a real number")
    try:
        return p * x ** (p - 1)
    except OverflowError:
        return math.copysign(math.inf, p) * (-1.0 if x < 0 and p % 2 == 0 else 1.0)


POW = Op(
    "pow",
    rule="∂xᵖ/∂x = p·xᵖ⁻¹  (p is a constant)",
    forward=_power,
    derivatives=lambda x, p, out: (_slope_of_power(x, p), 0.0),
    symbol="**",
)


def _general_power(a: float, b: float) -> float:
    if a <= 0:
        raise ValueError("with a differentiable exponent the base must be positive (∂/∂b uses log a)")
    return _power(a, b)


def _ln(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


GENERAL_POW = Op(
    "general_pow",
    rule="∂aᵇ/∂a = b·aᵇ⁻¹,  ∂aᵇ/∂b = aᵇ·ln a",
    forward=_general_power,
    derivatives=lambda a, b, out: (_slope_of_power(a, b), out * _ln(a)),
    symbol="**",
)


# --- functions of one input ------------------------------------------------------------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError("the result is too large for a float (exp overflows above x ≈ 709.78)") from None


EXP = Op("exp", rule="∂eˣ/∂x = eˣ", forward=_exp, derivatives=lambda x, out: (out,))


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError("log is defined only for positive numbers")
    return math.log(x)


LOG = Op("log", rule="∂ln x/∂x = 1/x", forward=_log, derivatives=lambda x, out: (1.0 / x,))


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError("sqrt is defined only for numbers ≥ 0")
    return math.sqrt(x)


SQRT = Op(
    "sqrt",
    rule="∂√x/∂x = 1/(2√x)",
    forward=_sqrt,
    derivatives=lambda x, out: (0.5 / out if _data(out) else math.inf,),
)

TANH = Op(
    "tanh",
    rule="∂tanh(x)/∂x = 1 − tanh²(x)",
    forward=math.tanh,
    derivatives=lambda x, out: (1.0 - out * out,),
)


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), written so that e^(something) never overflows: e^x is tiny when x < 0.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


SIGMOID = Op(
    "sigmoid",
    rule="∂σ(x)/∂x = σ(x)·(1 − σ(x))",
    forward=_sigmoid,
    derivatives=lambda x, out: (out * (1.0 - out),),
    symbol="σ",
)

# relu and leaky_relu pass NaN on (a NaN input is not ≤ 0), as PyTorch does.
RELU = Op(
    "relu",
    rule="∂relu(x)/∂x = 1 if x > 0, else 0",
    forward=lambda x: 0.0 if x <= 0 else x,
    derivatives=lambda x, out: (1.0 if _data(x) > 0 else 0.0,),
)

LEAKY_RELU = Op(
    "leaky_relu",
    rule="∂leaky_relu(x, s)/∂x = 1 if x > 0, else s;  ∂/∂s = 0 if x > 0, else x",
    forward=lambda x, s: s * x if x <= 0 else x,
    derivatives=lambda x, s, out: (1.0, 0.0) if _data(x) > 0 else (s, x),
    settings=(1,),
)


def _sign(x: Any) -> float:
    value = _data(x)
    return 1.0 if value > 0 else -1.0 if value < 0 else value * 0.0  # 0 at 0, NaN at NaN, as PyTorch


ABS = Op("abs", rule="∂|x|/∂x = sign(x)  (0 at x = 0)", forward=abs, derivatives=lambda x, out: (_sign(x),))


def _sin(x: float) -> float:
    if math.isinf(x):
        raise ValueError("sin is undefined at ±infinity")
    return math.sin(x)


SIN = Op(
    "sin",
    rule="∂sin x/∂x = cos x",
    forward=_sin,
    derivatives=lambda x, out: (math.cos(x) if isinstance(x, float) else x.cos(),),
)


def _cos(x: float) -> float:
    if math.isinf(x):
        raise ValueError("cos is undefined at ±infinity")
    return math.cos(x)


COS = Op(
    "cos",
    rule="∂cos x/∂x = −sin x",
    forward=_cos,
    derivatives=lambda x, out: (-(math.sin(x) if isinstance(x, float) else x.sin()),),
)


# --- sums of many terms in one node ----------------------------------------------------------------


def _sum(*xs: float) -> float:
    # ((0 + x₁) + x₂) + …, as compiled code adds (Python 3.12's sum() rounds differently)
    return reduce(add, xs, 0.0)


SUM = Op(
    "sum",
    rule="∂(x₁ + … + xₙ)/∂xᵢ = 1",
    forward=_sum,
    derivatives=lambda *xs_out: (1.0,) * (len(xs_out) - 1),
    symbol="Σ",
)


def _dot(*ab: float) -> float:
    n = len(ab) // 2
    return reduce(add, map(mul, ab[:n], ab[n:]), 0.0)


# inputs a₁…aₙ, b₁…bₙ: the a's get the b's and the b's get the a's
DOT = Op(
    "dot",
    rule="∂(a₁b₁ + … + aₙbₙ)/∂aᵢ = bᵢ,  ∂/∂bᵢ = aᵢ",
    forward=_dot,
    derivatives=lambda *ab_out: ab_out[(len(ab_out) - 1) // 2 : -1] + ab_out[: (len(ab_out) - 1) // 2],
)

# inputs x₁…xₙ, w₁…wₙ, b: a neuron's z. The bias passes the gradient on unchanged: ∂C/∂b = ∂C/∂z = δ
LINEAR = Op(
    "linear",
    rule="∂(x·w + b)/∂xᵢ = wᵢ,  ∂/∂wᵢ = xᵢ,  ∂/∂b = 1",
    forward=lambda *xwb: _dot(*xwb[:-1]) + xwb[-1],
    derivatives=lambda *xwb: (*xwb[(len(xwb) - 2) // 2 : -2], *xwb[: (len(xwb) - 2) // 2], 1.0),
)

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        *(ADD, MUL, DIV, POW, GENERAL_POW, EXP, LOG, SQRT, TANH, SIGMOID, RELU, LEAKY_RELU, ABS),
        *(SIN, COS, SUM, DOT, LINEAR),
    )
}
"""Every primitive by name: the whole derivative table."""
