"""Differentiation as functions: ``grad``, ``gradcheck``, and the ``no_grad`` / ``detect_anomaly`` modes."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar

from .graph import topological_order
from .value import Value, _data, as_value, backpropagate, checking_anomalies, recording


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
    if not output.requires_grad:
        raise RuntimeError(f"grad() of {output!r}: the output does not require grad")
    if isinstance(inputs, Value):
        inputs = [inputs]
    order = topological_order(output)
    saved = [(node, node.grad) for node in order]
    saved += [(x, x.grad) for x in inputs]
    try:
        for node, _ in saved:
            node.grad = 0.0
        output.grad = 1.0
        backpropagate(order, create_graph=create_graph)
        if create_graph:  # a slope that came out as a plain number is a constant Value
            return [as_value(x.grad, "grad") for x in inputs]
        return [x.grad for x in inputs]
    finally:
        for node, old in saved:
            node.grad = old


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
    Returns True, or raises ``GradcheckError`` with a per-input table of both values.
    """
    values = [Value(float(_data(x)), label=f"x{i}") for i, x in enumerate(inputs)]
    analytic = [float(_data(g)) for g in grad(fn(*values), values)]
    numeric = []
    for i in range(len(values)):
        numeric.append((_evaluate(fn, values, i, eps) - _evaluate(fn, values, i, -eps)) / (2 * eps))
    bad = [abs(a - n) > atol + rtol * abs(n) for a, n in zip(analytic, numeric)]
    if any(bad):
        rows = [f"{'input':>7} {'value':>14} {'analytic':>16} {'numeric':>16} {'difference':>12}"]
        for i, (v, a, n, wrong) in enumerate(zip(values, analytic, numeric, bad)):
            mark = "  <- mismatch" if wrong else ""
            rows.append(f"{i:>7} {v.data:>14.6g} {a:>16.8g} {n:>16.8g} {a - n:>12.3g}{mark}")
        heading = "gradcheck failed: backward() disagrees with finite differences"
        raise GradcheckError(heading + "\n" + "\n".join(rows))
    return True


def _evaluate(fn: Callable[..., Value], values: list[Value], index: int, shift: float) -> float:
    shifted = [Value(v.data + shift if i == index else v.data) for i, v in enumerate(values)]
    with no_grad():
        return float(_data(fn(*shifted)))


@contextlib.contextmanager
def _switched(switch: ContextVar[bool], value: bool) -> Iterator[None]:
    """``switch`` set to ``value`` inside the block, and back to what it was after it."""
    token = switch.set(value)
    try:
        yield
    finally:
        switch.reset(token)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Inside this block nothing is recorded: results are plain constants (this thread only)."""
    return _switched(recording, False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record the graph again inside a ``no_grad()`` block."""
    return _switched(recording, True)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded on this thread."""
    return recording.get()


def detect_anomaly() -> contextlib.AbstractContextManager[None]:
    """Raise ``FloatingPointError`` at the first operation, forward or backward, that makes NaN or inf.

    The message names the operation and its inputs. Slower: use it to find a bug, then remove it.
    """
    return _switched(checking_anomalies, True)
