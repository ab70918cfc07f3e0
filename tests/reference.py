"""Independent references for the tests: central finite differences and closeness checks.

The engine is checked against numbers computed without it: ``numeric_gradient`` differentiates a
plain float function numerically, and PyTorch (float64) is used where it is installed.

    >>> numeric_gradient(lambda x, y: x * y, [3.0, 2.0])  # doctest: +SKIP
    [2.0000000000..., 3.0000000000...]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Function = Callable[..., float]


def central_difference(f: Function, point: Sequence[float], index: int, eps: float = 1e-6) -> float:
    """∂f/∂x_index at ``point`` by (f(x + h) − f(x − h)) / 2h, accurate to O(h²).

    The step is relative, h = eps·max(1, |x|), so large inputs are not drowned in rounding.
    """
    h = eps * max(1.0, abs(point[index]))
    up, down = list(point), list(point)
    up[index] += h
    down[index] -= h
    return (f(*up) - f(*down)) / (up[index] - down[index])


def numeric_gradient(f: Function, point: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Every partial derivative of ``f`` at ``point`` by central differences."""
    return [central_difference(f, point, i, eps) for i in range(len(point))]


def close(actual: float, expected: float, *, rtol: float, atol: float) -> bool:
    """|actual − expected| ≤ atol + rtol·|expected|, with equal infinities counted as close."""
    if math.isinf(expected) or math.isinf(actual):
        return actual == expected
    return abs(actual - expected) <= atol + rtol * abs(expected)


def assert_all_close(
    actual: Sequence[float], expected: Sequence[float], *, rtol: float, atol: float, what: str = ""
) -> None:
    """Fail with a readable table when any pair is not ``close``."""
    assert len(actual) == len(expected), f"{what}: {len(actual)} values, expected {len(expected)}"
    bad = [
        f"  [{i}] got {a!r}, expected {e!r}"
        for i, (a, e) in enumerate(zip(actual, expected))
        if not close(float(a), float(e), rtol=rtol, atol=atol)
    ]
    assert not bad, f"{what} differs (rtol={rtol}, atol={atol}):\n" + "\n".join(bad)


def sigmoid(x: float) -> float:
    """σ(x) = 1/(1 + e^−x) for plain floats, as ½(1 + tanh(x/2)): no overflow for any finite x."""
    return 0.5 * (1.0 + math.tanh(0.5 * x))
