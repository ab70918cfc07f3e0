"""The derivative table: every primitive operation, its forward rule and its local derivatives.

Each entry pairs how to compute an output from its inputs (``forward``, refusing outside its
``domain``) with the derivative of the output by each input (``derivatives``), in maths (``rule``)
and words (``words``). The derivative rules use plain arithmetic, so one rule serves twice: on
floats it gives the numbers ``backward()`` multiplies by; on ``Value`` nodes it builds a graph of
its own, for higher-order derivatives (``x > 0`` and ``float(x)`` read either).

The templates (``code``, ``derivative_code``, ``domain``) are the rules as expressions over the
inputs ``{0}``, ``{1}``, … and the output ``{out}``, in what Python and JavaScript share:
arithmetic, comparisons, ``and``/``or``, ``math.`` functions and ``where(condition, a, b)``.
``compile`` writes code from them. Adding an operation is one entry, a method on ``Value``, a test.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import add, mul
from typing import Any, cast

Domain = tuple[tuple[str, str, type[Exception]], ...]
"""Where an op refuses: (a condition over the inputs ``{0}``, … and ``{out}``, its message, its error)."""


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive operation: ``forward(*inputs)`` maps the inputs' data to the output's (raising
    the ``domain``'s error outside it; the caller names the operands), ``derivatives(*inputs, out)``
    gives ∂out/∂input for each input in order. ``symbol`` is how drawings write it (else its name),
    ``infix`` how formulas put it between two operands (``a · b``); ``settings`` are the positions
    of inputs that set how it behaves (leaky_relu's slope) rather than data flowing through it.
    ``activation``: a neuron may apply it to its z, and ``nn`` knows it by its name."""

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
    domain: Domain = ()
    activation: bool = False

    def __post_init__(self) -> None:
        if self.domain:  # the forward rule refuses where the domain says, in the domain's words
            object.__setattr__(self, "forward", _refusing(self.name, self.forward, self.domain))


def _refusing(name: str, forward: Callable[..., float], domain: Domain) -> Callable[..., float]:
    """``forward`` refusing outside ``domain``, written as code: ``error(message)`` where a condition
    on the inputs holds (before ``forward``), or where it overflows (a condition on ``{out}``)."""
    arity = 1 + max(int(i) for condition, _, _ in domain for i in re.findall(r"\{(\d)\}", condition))
    names = [f"x{i}" for i in range(arity)]
    lines = [f"def {name}({', '.join(names)}):"]
    for condition, message, error in domain:
        if "{out}" not in condition:
            lines.append(f"    if {condition.format(*names)}: raise {error.__name__}({message!r})")
    call = f"forward({', '.join(names)})"
    overflow = [message for condition, message, _ in domain if "{out}" in condition]
    if overflow:  # Python raises OverflowError where JavaScript gives Infinity: say it in our words
        lines += [
            f"    try: return {call}",
            f"    except OverflowError: raise OverflowError({overflow[0]!r}) from None",
        ]
    else:
        lines.append(f"    return {call}")
    namespace = {"math": math, "forward": forward}
    exec("\n".join(lines), namespace)
    return cast("Callable[..., float]", namespace[name])


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

DIV = Op(
    "div",
    rule="∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²",
    forward=lambda a, b: a / b,
    derivatives=lambda a, b, out: (1.0 / b, -out / b),  # −a/b² = −out/b
    symbol="/",
    words="one over the denominator for the numerator, −a/b² for the denominator",
    code="{0} / {1}",
    derivative_code=("1.0 / {1}", "-{out} / {1}"),
    infix="/",
    domain=(("{1} == 0.0", "division by zero", ZeroDivisionError),),
)


# --- powers: x^p with a constant p, and a^b with both differentiable -------------------------------


def _slope_of_power(x: Any, p: Any) -> Any:
    """p·x^(p−1); on floats ±inf where too steep for a float (the forward value was fine)."""
    if float(p) == 0:
        return 0.0
    if float(x) == 0 and p < 1:
        return math.inf  # the curve is vertical at 0 (e.g. sqrt)
    if not isinstance(x, float):
        return p * x ** (p - 1)
    try:  # math.pow refuses a negative x with a non-integer p (a complex slope)
        return p * math.pow(x, p - 1)
    except OverflowError:
        return math.copysign(math.inf, p) * (-1.0 if x < 0 and p % 2 == 0 else 1.0)


_SLOPE = "where({1} == 0.0, 0.0, where({0} == 0.0 and {1} < 1.0, math.inf, {1} * math.pow({0}, {1} - 1.0)))"
_OVERFLOW = (  # a finite base and exponent with an infinite result
    "math.fabs({out}) == math.inf and math.fabs({0}) < math.inf and math.fabs({1}) < math.inf",
    "the result is too large for a float",
    OverflowError,
)
_POWER = (
    ("{0} == 0.0 and {1} < 0.0", "0 cannot be raised to a negative power", ZeroDivisionError),
    (
        "{0} < 0.0 and {1} % 1.0 != 0.0",
        "a negative number to a non-integer power has no real value",
        ValueError,
    ),
    _OVERFLOW,
)

POW = Op(
    "pow",
    rule="∂xᵖ/∂x = p·xᵖ⁻¹  (p is a constant)",
    forward=lambda x, p: x**p,
    derivatives=lambda x, p, out: (_slope_of_power(x, p), 0.0),
    symbol="**",
    words="bring the power down and take one off it",
    code="math.pow({0}, {1})",
    derivative_code=(_SLOPE, "0.0"),
    infix="**",
    domain=_POWER,
)

GENERAL_POW = Op(
    "general_pow",
    rule="∂aᵇ/∂a = b·aᵇ⁻¹,  ∂aᵇ/∂b = aᵇ·ln a",
    forward=lambda a, b: a**b,
    derivatives=lambda a, b, out: (
        _slope_of_power(a, b),
        out * (math.log(a) if isinstance(a, float) else a.log()),
    ),
    symbol="**",
    words="the base as for a constant power; for the exponent, the output times ln a",
    code="math.pow({0}, {1})",
    derivative_code=(_SLOPE, "{out} * math.log({0})"),
    infix="**",
    domain=(
        (
            "{0} <= 0.0",
            "with a differentiable exponent the base must be positive (∂/∂b uses log a)",
            ValueError,
        ),
        _OVERFLOW,
    ),
)


# --- functions of one input ------------------------------------------------------------------------


EXP = Op(
    "exp",
    rule="∂eˣ/∂x = eˣ",
    forward=math.exp,
    derivatives=lambda x, out: (out,),
    words="the local derivative is the output itself",
    code="math.exp({0})",
    derivative_code=("{out}",),
    domain=(
        (
            "{out} == math.inf and {0} < math.inf",
            "the result is too large for a float (exp overflows above x ≈ 709.78)",
            OverflowError,
        ),
    ),
)

LOG = Op(
    "log",
    rule="∂ln x/∂x = 1/x",
    forward=math.log,
    derivatives=lambda x, out: (1.0 / x,),
    words="one over the input",
    code="math.log({0})",
    derivative_code=("1.0 / {0}",),
    domain=(("{0} <= 0.0", "log is defined only for positive numbers", ValueError),),
)

SQRT = Op(
    "sqrt",
    rule="∂√x/∂x = 1/(2√x)",
    forward=math.sqrt,
    derivatives=lambda x, out: (0.5 / out if float(out) else math.inf,),
    words="one over twice the output",
    code="math.sqrt({0})",
    derivative_code=("where({out} != 0.0, 0.5 / {out}, math.inf)",),
    domain=(("{0} < 0.0", "sqrt is defined only for numbers ≥ 0", ValueError),),
)

TANH = Op(
    "tanh",
    rule="∂tanh(x)/∂x = 1 − tanh²(x)",
    forward=math.tanh,
    derivatives=lambda x, out: (1.0 - out * out,),
    words="one minus the output squared",
    code="math.tanh({0})",
    derivative_code=("1.0 - {out} * {out}",),
    activation=True,
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
    activation=True,
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
    activation=True,
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
    activation=True,
)

ABS = Op(
    "abs",
    rule="∂|x|/∂x = sign(x)  (0 at x = 0)",
    forward=abs,
    derivatives=lambda x, out: (1.0 if x > 0 else -1.0 if x < 0 else float(x) * 0.0,),  # NaN at NaN
    words="the sign of the input",
    code="math.fabs({0})",
    derivative_code=("where({0} > 0.0, 1.0, where({0} < 0.0, -1.0, {0} * 0.0))",),
)

SIN = Op(
    "sin",
    rule="∂sin x/∂x = cos x",
    forward=math.sin,
    derivatives=lambda x, out: (math.cos(x) if isinstance(x, float) else x.cos(),),
    words="the cosine of the input",
    code="math.sin({0})",
    derivative_code=("math.cos({0})",),
    domain=(("math.fabs({0}) == math.inf", "sin is undefined at ±infinity", ValueError),),
)

COS = Op(
    "cos",
    rule="∂cos x/∂x = −sin x",
    forward=math.cos,
    derivatives=lambda x, out: (-(math.sin(x) if isinstance(x, float) else x.sin()),),
    words="minus the sine of the input",
    code="math.cos({0})",
    derivative_code=("-math.sin({0})",),
    domain=(("math.fabs({0}) == math.inf", "cos is undefined at ±infinity", ValueError),),
)


# --- sums of many terms in one node ----------------------------------------------------------------
# Their code is a function from the inputs' names to the terms to add; their derivative rules only
# rearrange their inputs, so the same rules, given names, write the derivatives' code.


SUM = Op(
    "sum",
    rule="∂(x₁ + … + xₙ)/∂xᵢ = 1",
    forward=lambda *xs: reduce(add, xs, 0.0),  # ((0 + x₁) + x₂) + …: 3.12's sum() rounds otherwise
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
