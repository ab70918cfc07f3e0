"""The derivative table: every primitive operation, its forward rule and its local derivatives.

Each entry pairs how to compute an output from its inputs (``forward``) with the partial
derivative of that output with respect to each input (``derivatives``), and states the rule in
maths (``rule``) and in words (``words``). A forward rule that has a domain checks it right above
its entry.

The derivative rules use plain arithmetic on their arguments, so one rule serves twice: called
with floats it gives the numbers ``backward()`` multiplies by; called with ``Value`` nodes it
builds a graph of its own, which is how higher-order derivatives (``create_graph=True``) work
(where a rule compares, ``x > 0`` and ``float(x)`` read the number in either).

Each entry also holds its rules as code templates (``code``, ``derivative_code``, ``domain``), from
which ``compile`` writes a graph's passes in Python and in JavaScript. A template is an expression
over the inputs ``{0}``, ``{1}``, … and the output ``{out}`` in the part both languages share:
arithmetic, comparisons, ``and``/``or``, ``math.`` functions (``Math.`` in JavaScript) and
``where(condition, a, b)`` for a choice (``a if condition else b``; ``condition ? a : b``).
Adding an operation is one entry here, a method on ``Value``, a test.
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
    ∂out/∂input for each input, in input order; ``rule`` and ``words`` say it in maths and words.
    ``symbol`` is how drawings write it (else its name), ``infix`` how formulas write it between
    two operands (``a · b``); ``settings`` are the positions of inputs that set how it behaves
    (leaky_relu's slope) rather than data flowing through it. ``code``, ``derivative_code`` and
    ``domain`` (each: a condition where ``forward`` refuses, and its message) are the templates.
    """

    name: str
    rule: str
    forward: Callable[..., float]
    derivatives: Callable[..., tuple[Any, ...]]
    symbol: str = ""
    settings: tuple[int, ...] = ()
    words: str = ""
    code: str | Callable[..., tuple[str, ...]] = ""
    derivative_code: tuple[str, ...] | Callable[..., tuple[str, ...]] = ()
    infix: str = ""
    domain: tuple[tuple[str, str], ...] = ()


# --- arithmetic ------------------------------------------------------------------------------------

ADD = Op(
    "add",
    rule="∂(a + b)/∂a = 1,  ∂(a + b)/∂b = 1",
    forward=lambda a, b: a + b,
    derivatives=lambda a, b, out: (1.0, 1.0),
    symbol="+",
    words="a sum passes its gradient on unchanged",
    code="{0} + {1}",
    derivative_code=("1.0", "1.0"),
    infix="+",
)

MUL = Op(
    "mul",
    rule="∂(a·b)/∂a = b,  ∂(a·b)/∂b = a",
    forward=lambda a, b: a * b,
    derivatives=lambda a, b, out: (b, a),
    symbol="*",
    words="a product hands each input the other factor",
    code="{0} * {1}",
    derivative_code=("{1}", "{0}"),
    infix="·",
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
    words="one over the denominator for the numerator, −a/b² for the denominator",
    code="{0} / {1}",
    derivative_code=("1.0 / {1}", "-{out} / {1}"),
    infix="/",
    domain=(("{1} == 0.0", "division by zero"),),
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
    if float(p) == 0:
        return 0.0
    if float(x) == 0 and p < 1:
        return math.inf  # the curve is vertical at 0 (e.g. sqrt)
    if not isinstance(x, float):
        return p * x ** (p - 1)
    if x < 0 and not p.is_integer():
        raise ValueError(f"the slope p·x^(p−1) at x = {x!r}, p = {p!r} is not a real number")
    try:
        return p * x ** (p - 1)
    except OverflowError:
        return math.copysign(math.inf, p) * (-1.0 if x < 0 and p % 2 == 0 else 1.0)


_SLOPE = "where({1} == 0.0, 0.0, where({0} == 0.0 and {1} < 1.0, math.inf, {1} * math.pow({0}, {1} - 1.0)))"
_OVERFLOW = (  # a finite base and exponent with an infinite result
    "math.fabs({out}) == math.inf and math.fabs({0}) < math.inf and math.fabs({1}) < math.inf",
    "the result is too large for a float",
)

POW = Op(
    "pow",
    rule="∂xᵖ/∂x = p·xᵖ⁻¹  (p is a constant)",
    forward=_power,
    derivatives=lambda x, p, out: (_slope_of_power(x, p), 0.0),
    symbol="**",
    words="bring the power down and take one off it",
    code="math.pow({0}, {1})",
    derivative_code=(_SLOPE, "0.0"),
    infix="**",
    domain=(
        ("{0} == 0.0 and {1} < 0.0", "0 cannot be raised to a negative power"),
        ("{0} < 0.0 and {1} % 1.0 != 0.0", "a negative number to a non-integer power has no real value"),
        _OVERFLOW,
    ),
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
    words="the base as for a constant power; for the exponent, the output times ln a",
    code="math.pow({0}, {1})",
    derivative_code=(_SLOPE, "{out} * math.log({0})"),
    infix="**",
    domain=(
        ("{0} <= 0.0", "with a differentiable exponent the base must be positive (∂/∂b uses log a)"),
        _OVERFLOW,
    ),
)


# --- functions of one input ------------------------------------------------------------------------


_EXP_OVERFLOWS = "the result is too large for a float (exp overflows above x ≈ 709.78)"


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(_EXP_OVERFLOWS) from None


EXP = Op(
    "exp",
    rule="∂eˣ/∂x = eˣ",
    forward=_exp,
    derivatives=lambda x, out: (out,),
    words="the local derivative is the output itself",
    code="math.exp({0})",
    derivative_code=("{out}",),
    domain=(("{out} == math.inf and {0} < math.inf", _EXP_OVERFLOWS),),
)


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError("log is defined only for positive numbers")
    return math.log(x)


LOG = Op(
    "log",
    rule="∂ln x/∂x = 1/x",
    forward=_log,
    derivatives=lambda x, out: (1.0 / x,),
    words="one over the input",
    code="math.log({0})",
    derivative_code=("1.0 / {0}",),
    domain=(("{0} <= 0.0", "log is defined only for positive numbers"),),
)


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError("sqrt is defined only for numbers ≥ 0")
    return math.sqrt(x)


SQRT = Op(
    "sqrt",
    rule="∂√x/∂x = 1/(2√x)",
    forward=_sqrt,
    derivatives=lambda x, out: (0.5 / out if float(out) else math.inf,),
    words="one over twice the output",
    code="math.sqrt({0})",
    derivative_code=("where({out} != 0.0, 0.5 / {out}, math.inf)",),
    domain=(("{0} < 0.0", "sqrt is defined only for numbers ≥ 0"),),
)

TANH = Op(
    "tanh",
    rule="∂tanh(x)/∂x = 1 − tanh²(x)",
    forward=math.tanh,
    derivatives=lambda x, out: (1.0 - out * out,),
    words="one minus the output squared",
    code="math.tanh({0})",
    derivative_code=("1.0 - {out} * {out}",),
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
    words="the output times one minus the output",
    code="where({0} >= 0.0, 1.0 / (1.0 + math.exp(-{0})), math.exp({0}) / (1.0 + math.exp({0})))",
    derivative_code=("{out} * (1.0 - {out})",),
)

# relu and leaky_relu pass NaN on (a NaN input is not ≤ 0), as PyTorch does.
RELU = Op(
    "relu",
    rule="∂relu(x)/∂x = 1 if x > 0, else 0",
    forward=lambda x: 0.0 if x <= 0 else x,
    derivatives=lambda x, out: (1.0 if x > 0 else 0.0,),
    words="the gradient passes where the input was positive, and stops where it was not",
    code="where({0} <= 0.0, 0.0, {0})",
    derivative_code=("where({0} > 0.0, 1.0, 0.0)",),
)

LEAKY_RELU = Op(
    "leaky_relu",
    rule="∂leaky_relu(x, s)/∂x = 1 if x > 0, else s;  ∂/∂s = 0 if x > 0, else x",
    forward=lambda x, s: s * x if x <= 0 else x,
    derivatives=lambda x, s, out: (1.0, 0.0) if x > 0 else (s, x),
    settings=(1,),
    words="the gradient passes where the input was positive, scaled by the slope where not",
    code="where({0} <= 0.0, {1} * {0}, {0})",
    derivative_code=("where({0} > 0.0, 1.0, {1})", "where({0} > 0.0, 0.0, {0})"),
)


def _sign(x: Any) -> float:
    value = float(x)
    return 1.0 if value > 0 else -1.0 if value < 0 else value * 0.0  # 0 at 0, NaN at NaN, as PyTorch


ABS = Op(
    "abs",
    rule="∂|x|/∂x = sign(x)  (0 at x = 0)",
    forward=abs,
    derivatives=lambda x, out: (_sign(x),),
    words="the sign of the input",
    code="math.fabs({0})",
    derivative_code=("where({0} > 0.0, 1.0, where({0} < 0.0, -1.0, {0} * 0.0))",),
)


def _periodic(f: Callable[[float], float]) -> Callable[[float], float]:
    """``f`` (sin or cos) refusing ±infinity, where it has no value."""

    def forward(x: float) -> float:
        if math.isinf(x):
            raise ValueError(f"{f.__name__} is undefined at ±infinity")
        return f(x)

    return forward


SIN = Op(
    "sin",
    rule="∂sin x/∂x = cos x",
    forward=_periodic(math.sin),
    derivatives=lambda x, out: (math.cos(x) if isinstance(x, float) else x.cos(),),
    words="the cosine of the input",
    code="math.sin({0})",
    derivative_code=("math.cos({0})",),
    domain=(("math.fabs({0}) == math.inf", "sin is undefined at ±infinity"),),
)


COS = Op(
    "cos",
    rule="∂cos x/∂x = −sin x",
    forward=_periodic(math.cos),
    derivatives=lambda x, out: (-(math.sin(x) if isinstance(x, float) else x.sin()),),
    words="minus the sine of the input",
    code="math.cos({0})",
    derivative_code=("-math.sin({0})",),
    domain=(("math.fabs({0}) == math.inf", "cos is undefined at ±infinity"),),
)


# --- sums of many terms in one node ----------------------------------------------------------------
# Their code is a function from the inputs' names to the terms to add; their derivative rules only
# rearrange their inputs, so the same rules, given names, write the derivatives' code.


def _sum(*xs: float) -> float:
    # ((0 + x₁) + x₂) + …, as compiled code adds (Python 3.12's sum() rounds differently)
    return reduce(add, xs, 0.0)


SUM = Op(
    "sum",
    rule="∂(x₁ + … + xₙ)/∂xᵢ = 1",
    forward=_sum,
    derivatives=lambda *xs_out: (1.0,) * (len(xs_out) - 1),
    symbol="Σ",
    words="every term receives the gradient unchanged",
    code=lambda *xs: xs,
    derivative_code=lambda *xs_out: ("1.0",) * (len(xs_out) - 1),
)


def _dot(*ab: float) -> float:
    n = len(ab) // 2
    return reduce(add, map(mul, ab[:n], ab[n:]), 0.0)


def _dot_terms(*ab: str) -> tuple[str, ...]:
    n = len(ab) // 2
    return tuple(f"{a} * {b}" for a, b in zip(ab[:n], ab[n:]))


def _dot_derivatives(*ab_out: Any) -> tuple[Any, ...]:
    n = (len(ab_out) - 1) // 2
    return ab_out[n:-1] + ab_out[:n]


# inputs a₁…aₙ, b₁…bₙ: the a's get the b's and the b's get the a's
DOT = Op(
    "dot",
    rule="∂(a₁b₁ + … + aₙbₙ)/∂aᵢ = bᵢ,  ∂/∂bᵢ = aᵢ",
    forward=_dot,
    derivatives=_dot_derivatives,
    words="each factor's local derivative is its partner",
    code=_dot_terms,
    derivative_code=_dot_derivatives,
)

# inputs x₁…xₙ, w₁…wₙ, b: a neuron's z. The bias passes the gradient on unchanged: ∂C/∂b = ∂C/∂z = δ
LINEAR = Op(
    "linear",
    rule="∂(x·w + b)/∂xᵢ = wᵢ,  ∂/∂wᵢ = xᵢ,  ∂/∂b = 1",
    forward=lambda *xwb: _dot(*xwb[:-1]) + xwb[-1],
    derivatives=lambda *xwb_out: (*_dot_derivatives(*xwb_out[:-2], None), 1.0),
    words="1 for the bias (it receives δ = ∂L/∂z itself), each weight's input, each input's weight",
    code=lambda *xwb: (*_dot_terms(*xwb[:-1]), xwb[-1]),
    derivative_code=lambda *xwb_out: (*_dot_derivatives(*xwb_out[:-2], None), "1.0"),
)

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        *(ADD, MUL, DIV, POW, GENERAL_POW, EXP, LOG, SQRT, TANH, SIGMOID, RELU, LEAKY_RELU, ABS),
        *(SIN, COS, SUM, DOT, LINEAR),
    )
}
"""Every primitive by name: the whole derivative table."""
