"""Differentiation as functions: ``grad``, ``gradcheck``, and the ``no_grad`` / ``detect_anomaly`` modes."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from .ops import Op
from .value import (
    Grad,
    Value,
    as_value,
    backpropagate,
    call_repr,
    checking_anomalies,
    data_of,
    is_number,
    recording,
    seed,
)


def grad(
    output: Value, inputs: Sequence[Value] | Value, *, create_graph: bool = False
) -> list[float | Value]:
    """∂output/∂x for each ``x`` in ``inputs``, without touching anyone's ``.grad``.

    With ``create_graph=True`` the results are Values with graphs of their own, so they can be
    differentiated again: ``grad(grad(y, [x], create_graph=True)[0], [x])`` is d²y/dx².
    An input that ``output`` does not depend on gets 0.0. ``inputs`` may also be a single Value.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad(): the output must be a Value, got {type(output).__name__}: {output!r}")
    if isinstance(inputs, Value):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)) or not all(isinstance(x, Value) for x in inputs):
        raise TypeError(f"grad(): inputs must be a Value or a list of Values, got {inputs!r}")
    grads = backpropagate(output, seed(output, 1.0, "grad()"), create_graph=create_graph)
    if create_graph:  # a slope that came out as a plain number is a constant Value
        return [as_value(grads.get(x, 0.0), "grad") for x in inputs]
    return [grads.get(x, 0.0) for x in inputs]


class GradcheckError(RuntimeError):
    """Analytic and numeric gradients disagree; the message holds a table of both."""


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the gradients of ``fn`` against central finite differences.

    For each input x the numeric slope is (f(x + ε) − f(x − ε)) / 2ε, which is accurate to
    O(ε²). It must match the gradient from the backward pass within ``atol + rtol·|numeric|``.
    A NaN or infinite gradient, analytic or numeric, fails the check: it cannot be confirmed.
    Returns True, or raises ``GradcheckError`` with a per-input table of both values.
    """
    if not (is_number(eps) and 0 < eps < math.inf):
        raise ValueError(f"gradcheck: eps must be a positive finite step, got {eps!r}")
    for i, x in enumerate(inputs):
        if not (isinstance(x, Value) or is_number(x)):
            raise TypeError(
                f"gradcheck: input {i} must be a number or a Value, got {type(x).__name__}: {x!r}"
            )
    values = [Value(float(data_of(x)), label=f"x{i}") for i, x in enumerate(inputs)]
    analytic = [float(data_of(g)) for g in grad(fn(*values), values)]
    numeric = []
    for i in range(len(values)):
        numeric.append((_evaluate(fn, values, i, eps) - _evaluate(fn, values, i, -eps)) / (2 * eps))
    marks = [_verdict(a, n, atol, rtol) for a, n in zip(analytic, numeric)]
    if any(marks):
        rows = [f"{'input':>7} {'value':>14} {'analytic':>16} {'numeric':>16} {'difference':>12}"]
        for i, (v, a, n, mark) in enumerate(zip(values, analytic, numeric, marks)):
            rows.append(f"{i:>7} {v.data:>14.6g} {a:>16.8g} {n:>16.8g} {a - n:>12.3g}{mark}")
        heading = "gradcheck failed: backward() disagrees with finite differences"
        raise GradcheckError(heading + "\n" + "\n".join(rows))
    return True


def _verdict(analytic: float, numeric: float, atol: float, rtol: float) -> str:
    """ "" when the two slopes agree within ``atol + rtol·|numeric|``, else what is wrong."""
    if not (math.isfinite(analytic) and math.isfinite(numeric)):
        return "  <- not finite"
    return "  <- mismatch" if abs(analytic - numeric) > atol + rtol * abs(numeric) else ""


def _evaluate(fn: Callable[..., Value], values: list[Value], index: int, shift: float) -> float:
    shifted = [Value(v.data + shift if i == index else v.data) for i, v in enumerate(values)]
    with no_grad():
        return float(data_of(fn(*shifted)))


@contextlib.contextmanager
def _switched(switch: ContextVar[Any], value: object) -> Iterator[None]:
    """``switch`` set to ``value`` inside the block, and back to what it was after it.

    The setting is a cell, a list that is true while it holds an item, so that a block ended in
    another thread (a generator that entered it here and was run to its end there) still turns
    back the switch it turned: it refills the cell this thread holds, where a reset would fail.
    """
    before = switch.get()
    cell = [value] if value else []
    token = switch.set(cell)
    try:
        yield
    finally:
        try:
            switch.reset(token)
        except ValueError:  # ended in another context, which never saw this block's setting
            cell[:] = before if isinstance(before, list) else [True] if before else []


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Inside this block nothing is recorded: results are plain constants (this thread only)."""
    return _switched(recording, False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record the graph again inside a ``no_grad()`` block."""
    return _switched(recording, True)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded on this thread."""
    return bool(recording.get())


def detect_anomaly() -> contextlib.AbstractContextManager[None]:
    """Raise ``FloatingPointError`` at the first operation, forward or backward, that makes NaN or inf.

    The message names the operation and its inputs. Slower: use it to find a bug, then remove it.
    """
    return _switched(checking_anomalies, _Anomalies)


class _Anomalies:
    """What ``detect_anomaly()`` checks: the engine calls these at every operation and backward step."""

    @staticmethod
    def forward(op: Op, inputs: tuple[Value, ...], out: Value) -> None:
        local = op.derivatives(*[x.data for x in inputs], out.data)
        if not all(math.isfinite(data_of(x)) for x in (out.data, *local)):
            raise FloatingPointError(
                f"detect_anomaly: {call_repr(op.name, inputs)} produced a non-finite value "
                f"(output {out.data!r}, local derivatives {local!r})"
            )

    @staticmethod
    def backward(node: Value, grads: dict[Value, Grad]) -> None:
        for x in node.inputs:
            if x.requires_grad and not math.isfinite(data_of(grads[x])):
                raise FloatingPointError(
                    f"detect_anomaly: backward through {call_repr(node.op, node.inputs)} gave a "
                    f"non-finite gradient {grads[x]!r} (upstream gradient {grads[node]!r})"
                )
