"""Classification helpers: class probabilities, the predicted class, and accuracy.

``softmax`` and ``log_softmax`` turn one sample's raw class scores (logits) into probabilities
and their logs, as ``torch.softmax(z, dim=-1)`` and ``torch.log_softmax(z, dim=-1)``: given a
list of rows (a batch) they work row by row. ``argmax`` and ``accuracy`` read predictions off
outputs; they build no graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import autograd
from autograd import Value, data_of, is_scalar

Scalar = Value | int | float


def _listed(values: Any, function: str) -> list[Any]:
    """``values`` (a list, a tuple or a NumPy array) as a list; refuses a string, a lone number, nothing."""
    if isinstance(values, (str, bytes)) or is_scalar(values) or not isinstance(values, Iterable):
        raise ValueError(f"{function}: expected a non-empty list of scores, got {values!r}")
    items = list(values)
    if not items:
        raise ValueError(f"{function}: expected a non-empty list of scores, got {values!r}")
    return items


def _is_batch(items: list[Any], function: str) -> bool:
    """True for a list of rows, False for one row of numbers or Values; refuses anything else."""
    if all(is_scalar(v) for v in items):
        return False
    if all(
        isinstance(row, Iterable) and not isinstance(row, (str, bytes)) and not is_scalar(row)
        for row in items
    ):
        return True
    raise ValueError(f"{function}: expected a list of scores or a list of rows of scores, got {items!r}")


def _row(values: Sequence[Scalar], function: str) -> list[Value]:
    return [autograd.as_value(v, function) for v in values]


def softmax(values: Sequence[Scalar] | Sequence[Sequence[Scalar]]) -> Any:
    """Probabilities from scores: softmax(z)ᵢ = e^(zᵢ) / Σⱼ e^(zⱼ), as ``torch.softmax(z, dim=-1)``.

    Computed as e^(zᵢ − m) / Σⱼ e^(zⱼ − m) with m = max z (a constant: the shift cancels), so no
    e^(...) overflows: scores of ±1000 give [1.0, 0.0]. Returns a list of Values; for a list of
    rows, a list of such lists. ∂softmaxᵢ/∂zⱼ = softmaxᵢ·([i = j] − softmaxⱼ).
    """
    items = _listed(values, "softmax")
    if _is_batch(items, "softmax"):
        return [softmax(row) for row in items]
    row = _row(items, "softmax")
    m = max(v.data for v in row)
    exps = [(v - m).exp() for v in row]
    total = autograd.sum(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Scalar] | Sequence[Sequence[Scalar]]) -> Any:
    """Log-probabilities from scores: log softmax(z)ᵢ = zᵢ − log Σⱼ e^(zⱼ), as ``torch.log_softmax``.

    Computed as (zᵢ − m) − log Σⱼ e^(zⱼ − m) with m = max z, as PyTorch does: exact where softmax
    underflows (scores 1000 and −1000 give 0 and −2000, where log(softmax) would take log 0).
    ∂/∂zⱼ of the i-th output is [i = j] − softmax(z)ⱼ.
    """
    items = _listed(values, "log_softmax")
    if _is_batch(items, "log_softmax"):
        return [log_softmax(row) for row in items]
    row = _row(items, "log_softmax")
    m = max(v.data for v in row)  # zᵢ − m first: exact, and the largest becomes 0
    shifted = [v - m for v in row]
    log_total = autograd.sum(s.exp() for s in shifted).log()
    return [s - log_total for s in shifted]


def _number(v: object, function: str) -> float:
    if not is_scalar(v):
        raise ValueError(f"{function}: expected a Value or a real number, got {type(v).__name__}: {v!r}")
    return float(data_of(v))  # type: ignore[arg-type]


def argmax(values: Sequence[Scalar] | Sequence[Sequence[Scalar]]) -> Any:
    """The index of the largest score, as ``torch.argmax(z, dim=-1)``: the predicted class.

    Ties go to the first; a NaN counts as the largest, as in PyTorch. For a list of rows, one
    index per row.
    """
    items = _listed(values, "argmax")
    if _is_batch(items, "argmax"):
        return [argmax(row) for row in items]
    scores = [_number(v, "argmax") for v in items]
    best = 0
    for i, x in enumerate(scores):
        if math.isnan(x):
            return i
        if x > scores[best]:
            best = i
    return best


def accuracy(outputs: Sequence[Any], targets: Sequence[Any], *, threshold: float = 0.0) -> float:
    """The fraction of samples classified correctly, between 0 and 1.

    With one output per sample (a Value or a number), the prediction is the positive class when
    the output is above ``threshold``: 0 reads a score's sign (as micrograd's demo does, for
    hinge or logit outputs); pass ``threshold=0.5`` for a sigmoid's probability. Targets are then
    labels 1 (positive) and 0 or −1 (negative). With several outputs per sample (a list of class
    scores), the prediction is their ``argmax`` and each target is a class index: a whole number
    from 0 to the number of scores − 1. A target outside those, or a NaN threshold, is refused.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or math.isnan(threshold):
        raise (ValueError if isinstance(threshold, numbers.Real) else TypeError)(
            f"accuracy: threshold must be a number (not NaN), got {threshold!r}"
        )
    outputs, targets = list(outputs), list(targets)
    if len(outputs) != len(targets):
        raise ValueError(f"accuracy: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("accuracy: no outputs given")
    correct = 0
    for output, target in zip(outputs, targets):
        label = _number(target, "accuracy")
        if is_scalar(output):
            if label not in (-1.0, 0.0, 1.0):
                raise ValueError(
                    f"accuracy: with one output per sample, targets must be 1, 0 or -1, got {target!r}"
                )
            correct += (_number(output, "accuracy") > threshold) == (label == 1.0)
        else:
            classes = len(_listed(output, "accuracy"))
            if not (label.is_integer() and 0 <= label < classes):
                raise ValueError(
                    f"accuracy: target {target!r} is not a class index in [0, {classes}): with several "
                    "outputs per sample, a target is a class index"
                )
            correct += argmax(output) == label
    return correct / len(outputs)
