"""Naming the slip behind a wrong gradient: the one diagnosis ``nn.check_gradients`` and the explorer use.

A gradient worked out by hand goes wrong in a few usual ways, and each leaves a trace in the wrong
number: a clean factor of the right one (×2 or ×½ from a square's 2 or a ½ dropped, ×−1 a sign
flipped, ×n a sum over n samples taken as their mean), or exactly what a known slip gives. ``diagnose``
names the first that fits. Callers say which slips their numbers can show as ``candidates``: each a
message and the number that slip would give.

The chain-rule step slips, ``STEP_SLIPS``, are written as templates over a step's numbers (the
language of the op table's templates, see ``autograd.ops``), so that the explorer's page checks a
learner's amounts with them as Python does: ``step_candidates`` fills them in here, the page from
the same templates written as JavaScript.

>>> diagnose(1.0, 0.5)
'×2: a factor 2 of a square, or a ½, dropped?'
>>> diagnose(0.3, 0.15, step_candidates(local=0.25, upstream=0.6, out=0.7, input=2.0))
'×2: a factor 2 of a square, or a ½, dropped?'
>>> diagnose(0.25, 0.1, step_candidates(local=0.25, upstream=0.4, out=0.7, input=2.0))
'the upstream gradient left out: that is the local derivative ∂node/∂input alone'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

STEP_SLIPS: tuple[tuple[str, str], ...] = (
    ("the upstream gradient left out: that is the local derivative ∂node/∂input alone", "{local}"),
    ("the local derivative left out: that is the upstream gradient ∂L/∂node alone", "{upstream}"),
    (
        "the forward value used for the derivative: the output times the upstream gradient "
        "(tanh's derivative is 1 − tanh², not tanh)",
        "{out} * {upstream}",
    ),
    (
        "the input's own value instead of the other factor: a product hands each input the other one",
        "{input} * {upstream}",
    ),
    (
        "only one path's share of ∂L/∂node: this value is used more than once, and its gradient adds "
        "every path's share (+=, not =)",
        "{local} * {share}",
    ),
)
"""Slips in one chain-rule step, ∂L/∂input += local · upstream: each message, and the amount it gives
from the step's ``local`` derivative, ``upstream`` gradient, the node's output ``out``, the receiving
``input``'s data and ``share``, the last share of the node's own gradient where several paths add up."""

BIAS_SLIP = "a bias's gradient is δ = ∂L/∂z itself: ∂z/∂b = 1"
"""What a wrong amount for a bias says when no other slip fits."""

MESSAGES = {
    "not_finite": "not a finite number",
    "sign": "sign flipped?",
    "two": "a factor 2 of a square, or a ½, dropped?",
    "samples": "a sum over {n} samples where the loss takes their mean, or the reverse?",
    "and_sign": " And sign flipped?",
    "bias": BIAS_SLIP,
}
"""The words of ``diagnose`` and ``factor_slip``, by what they say (the explorer's page uses them too)."""


def diagnose(
    mine: float,
    right: float,
    candidates: Iterable[tuple[str, float]] = (),
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    bias: bool = False,
) -> str | None:
    """The usual slip that turns the ``right`` gradient into ``mine``, or ``None`` if none fits.

    In order: not a finite number; the first of ``candidates`` (message, the number that slip gives)
    that ``mine`` matches within ``rtol`` (or ``atol`` near 0), a slip read from the numbers; a clean
    factor (±n or ±1/n, n up to 1000) other than 1; for a ``bias``, ``BIAS_SLIP``.
    """
    if not math.isfinite(mine):
        return MESSAGES["not_finite"]
    for message, number in candidates:
        if math.isfinite(number) and math.isclose(mine, number, rel_tol=max(rtol, 1e-9), abs_tol=atol):
            return message
    if right != 0 and not math.isclose(mine, right, rel_tol=max(rtol, 1e-9), abs_tol=atol):
        factor = clean_factor(mine / right, rtol)
        if factor is not None and factor != 1:
            return factor_slip(factor)
    return MESSAGES["bias"] if bias else None


def clean_factor(ratio: float, rtol: float) -> Fraction | None:
    """``ratio`` as ±n or ±1/n for a whole n up to 1000, if it is one within ``rtol``."""
    if not math.isfinite(ratio) or ratio == 0:
        return None
    whole = Fraction(round(ratio)) if abs(ratio) >= 1 else 1 / Fraction(round(1 / ratio))
    if abs(whole) <= 1000 and 1 / abs(whole) <= 1000 and math.isclose(ratio, whole, rel_tol=max(rtol, 1e-9)):
        return whole
    return None


def factor_slip(factor: Fraction) -> str:
    """What a clean factor between a gradient and the right one says: ``×2: a factor 2 … dropped?``."""
    size = abs(factor)
    sign = "−" if factor < 0 else ""
    written = (
        f"×{sign}{size.numerator}"
        if size.denominator == 1
        else f"×{sign}" + ("½" if size.denominator == 2 else f"1/{size.denominator}")
    )
    if size == 1:
        return f"{written}: {MESSAGES['sign']}"
    if size in (2, Fraction(1, 2)):
        cause = MESSAGES["two"]
    else:
        cause = MESSAGES["samples"].format(n=size.numerator if size.denominator == 1 else size.denominator)
    return f"{written}: {cause}{MESSAGES['and_sign'] if factor < 0 else ''}"


def step_candidates(
    *, local: float, upstream: float, out: float, input: float, share: float | None = None
) -> list[tuple[str, float]]:
    """``STEP_SLIPS`` filled in with one step's numbers (``share``: see there; None where one path
    alone makes the node's gradient)."""
    numbers = {"local": local, "upstream": upstream, "out": out, "input": input, "share": share}
    filled = []
    for message, template in STEP_SLIPS:
        if "{share}" in template and share is None:
            continue
        expression = template.format(**{k: f"({v!r})" for k, v in numbers.items()})
        filled.append((message, float(eval(expression, {"__builtins__": {}}))))  # arithmetic on numbers
    return filled
