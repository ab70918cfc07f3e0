"""Loss functions: plain functions from predictions and targets to one ``Value`` to minimise.

Predictions are Values (one, or a list: one per sample); targets are numbers (or Values).
Names follow ``torch.nn.functional`` where PyTorch has the same loss, and so does the default
reduction, the mean over samples.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import autograd
from autograd import Value, data_of, is_scalar

Scalar = Value | int | float
Predictions = Scalar | Sequence[Scalar]

_LOG_FLOOR = -100.0
"""PyTorch's ``binary_cross_entropy`` clamps log(p) at −100 so that p = 0 gives a large, finite loss."""


def _target(t: object, loss: str) -> Scalar:
    """A target as a Value or a Python float: a NumPy scalar must not take over the arithmetic."""
    if isinstance(t, Value):
        return t
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise TypeError(f"{loss}: targets must be real numbers, got {type(t).__name__}: {t!r}")
    return float(t)


def _item(x: Any) -> Any:
    """A 0-dimensional NumPy array as the number it holds; anything else as it is."""
    return x.item() if getattr(x, "ndim", None) == 0 else x


def _pairs(predictions: Predictions, targets: Predictions, loss: str) -> list[tuple[Value, Scalar]]:
    """Match predictions with targets one to one; a lone prediction goes with a lone target."""
    predictions, targets = _item(predictions), _item(targets)
    if is_scalar(predictions) or isinstance(predictions, bool):  # a bool is refused below, by name
        predictions = [predictions]  # type: ignore[list-item]
    if is_scalar(targets) or isinstance(targets, bool):
        targets = [targets]  # type: ignore[list-item]
    predictions, targets = list(predictions), list(targets)  # type: ignore[arg-type]
    if len(predictions) != len(targets):
        raise ValueError(f"{loss}: {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{loss}: no predictions given")
    return [(autograd.as_value(p, loss), _target(t, loss)) for p, t in zip(predictions, targets)]


def _mean(terms: Iterable[Value]) -> Value:
    terms = list(terms)
    return autograd.sum(terms) / len(terms)


def mse_loss(predictions: Predictions, targets: Predictions) -> Value:
    """Mean squared error: (1/n) Σ (ŷᵢ − yᵢ)²."""
    return _mean((p - t) ** 2 for p, t in _pairs(predictions, targets, "mse_loss"))


def sse_loss(predictions: Predictions, targets: Predictions) -> Value:
    """Half the sum of squared errors: ½ Σ (ŷᵢ − yᵢ)², whose gradient is simply ŷᵢ − yᵢ.

    The loss of the classic backpropagation derivations (no PyTorch twin: ``0.5 * mse_loss(...,
    reduction="sum")``).
    """
    return 0.5 * autograd.sum((p - t) ** 2 for p, t in _pairs(predictions, targets, "sse_loss"))


def _clamped_log(x: Value) -> Value:
    """log x, but never below −100 (as in PyTorch); where clamped the gradient is 0."""
    if x.data <= 0 or math.log(x.data) < _LOG_FLOOR:
        return Value(_LOG_FLOOR, requires_grad=False)
    return x.log()


def binary_cross_entropy(probabilities: Predictions, targets: Predictions) -> Value:
    """Binary cross-entropy from probabilities p ∈ [0, 1]: −(1/n) Σ [y log p + (1 − y) log(1 − p)].

    Targets must lie in [0, 1] too, as PyTorch requires. Each log is clamped at −100, as in
    ``torch.nn.functional.binary_cross_entropy``. The gradient, ∂/∂p = (p − y) / (p(1 − p)), is
    PyTorch's wherever p(1 − p) ≥ 1e-12. Nearer to 0 or 1 the two differ: PyTorch caps the
    denominator at 1e-12 (a gradient of about ±1e12), chainrule gives the exact derivative of each
    log while it is not clamped and 0 from a clamped one (the slope of the constant −100; at p = 0
    or 1 exactly). From raw scores prefer ``binary_cross_entropy_with_logits``: it needs neither
    clamp nor cap, and is exact where σ(z) rounds to 0 or 1.
    """
    terms = []
    for p, y in _pairs(probabilities, targets, "binary_cross_entropy"):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"binary_cross_entropy: probabilities must lie in [0, 1], got {p.data!r}")
        target = data_of(y)
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"binary_cross_entropy: targets must lie in [0, 1], got {target!r}")
        terms.append(-(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p)))
    return _mean(terms)


def log1p(u: Value) -> Value:
    """log(1 + u), exact for a tiny u, where 1 + u rounds to 1 (1 + 4e-18 == 1.0 in floats).

    s = 1 + u rounds; e = (1 + u) − s is what the rounding lost, found exactly by Knuth's TwoSum
    (a few additions, no branch); then log(1 + u) = log(s + e) = log s + e/s to far below a float's
    precision. The graph is the same whatever u is, so it replays over a batch; its gradient is
    1/s − e/s², that is 1/(1 + u).
    """
    s = 1.0 + u
    back = s - 1.0  # the part of s that came from u
    lost = (1.0 - (s - back)) + (u - back)  # TwoSum: exactly (1 + u) − s
    return s.log() + lost / s


def binary_cross_entropy_with_logits(logits: Predictions, targets: Predictions) -> Value:
    """Binary cross-entropy from raw scores z (logits), with p = σ(z): (1/n) Σ [softplus(z) − y·z].

    softplus(z) = log(1 + eᶻ), and since −log σ(z) = softplus(−z) = softplus(z) − z, the loss
    needs no σ and no log of a tiny number. Each term is computed as
    (1 − y)·max(z, 0) + y·max(−z, 0) + log(1 + e^−|z|): two parts that are never both large and
    never cancel, and the last through ``log1p``, so it is exact for any z: at z = 40, y = 1 it is
    4.248e-18, as in PyTorch, not 0. Its gradient is σ(z) − y. No branch on z: the same graph for
    every sample, so it replays over a batch (``autograd.compile(..., batch=True)``).
    """
    return _mean(_bce_term(z, y) for z, y in _pairs(logits, targets, "binary_cross_entropy_with_logits"))


def _bce_term(z: Value, y: Scalar) -> Value:
    """softplus(z) − y·z = (1 − y)·max(z, 0) + y·max(−z, 0) + log(1 + e^−|z|), whose derivative is σ(z) − y.

    max(±z, 0) is written ½(|z| ± z): the same numbers as relu, but with slope ½ at z = 0, where
    their sum's slope (1 − y)·½ − y·½ = σ(0) − y is right.
    """
    size = z.abs()
    half, half_size = 0.5 * z, 0.5 * size
    return (1 - y) * (half_size + half) + y * (half_size - half) + log1p((-size).exp())


def logsumexp(values: Sequence[Value]) -> Value:
    """log Σ e^(zᵢ), computed as m + log Σ e^(zᵢ − m) with m ≈ max zᵢ, so no e^(...) overflows.

    As ``torch.logsumexp``. Any m gives the same sum; m is found in the graph, without a branch,
    as m ← m + relu(zᵢ − m) over the zᵢ, so the graph is the same for every sample (it replays
    over a batch). Its gradient, 1 − Σ softmax, is 0 up to rounding.
    """
    m = values[0]
    for v in values[1:]:
        m = m + (v - m).relu()
    return m + autograd.sum((v - m).exp() for v in values).log()


def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]],
    targets: int | Sequence[int] | Sequence[Scalar] | Sequence[Sequence[Scalar]],
) -> Value:
    """Softmax cross-entropy from raw class scores: −log softmax(z)[y] = log Σⱼ e^(zⱼ) − z_y.

    ``logits`` is one sample's list of scores with ``targets`` its class index, or a list of
    such lists with a list of indices (the loss is then the mean over samples), as in
    ``torch.nn.functional.cross_entropy``. The gradient with respect to zⱼ is softmax(z)ⱼ − [j = y].

    A target may also be a row of class probabilities, one per score, such as a one-hot row
    (``nn.data.one_hot``): the loss is then Σⱼ tⱼ·(log Σₖ e^(zₖ) − zⱼ), the same number for a
    one-hot row. That form picks no score by a number from the data, so it replays over a batch.
    """
    targets = _unwrapped(targets)
    # one sample: one target, or one flat row of scores (its target a row of class probabilities)
    one_sample = isinstance(targets, (numbers.Real, Value)) or (
        bool(len(logits)) and is_scalar(_unwrapped(logits[0]))
    )
    batch: Sequence[Any] = [logits] if one_sample else logits
    labels = [targets] if one_sample else [_unwrapped(t) for t in targets]  # type: ignore[union-attr]
    rows = [[autograd.as_value(z, "cross_entropy") for z in row] for row in batch]
    if len(rows) != len(labels):
        raise ValueError(f"cross_entropy: {len(rows)} rows of logits but {len(labels)} targets")
    if not rows:
        raise ValueError("cross_entropy: no predictions given")
    return _mean(_cross_entropy_term(row, label) for row, label in zip(rows, labels))


def _cross_entropy_term(row: list[Value], label: Any) -> Value:
    """One sample's −log softmax(z)[y] (a class index) or Σⱼ tⱼ·(logsumexp(z) − zⱼ) (probabilities)."""
    if not is_scalar(_item(label)) and not isinstance(label, (str, bytes, bool)):
        probabilities = [_target(t, "cross_entropy") for t in label]
        if len(probabilities) != len(row):
            raise ValueError(
                f"cross_entropy: a row of {len(row)} scores with {len(probabilities)} class probabilities"
            )
        total = logsumexp(row)
        return autograd.dot(probabilities, [total - z for z in row])
    index = _class_index(label)
    if index is None or not 0 <= index < len(row):
        hint = " (a Value cannot pick a score: give a one-hot row, nn.data.one_hot)" * isinstance(
            label, Value
        )
        raise ValueError(
            f"cross_entropy: target must be a class index in [0, {len(row)}), got {label!r} "
            f"(or a row of {len(row)} class probabilities){hint}"
        )
    return logsumexp(row) - row[index]


def _unwrapped(x: Any) -> Any:
    """The number inside a 0-d NumPy array (``np.array(1)``); anything else as it is."""
    is_array = not isinstance(x, numbers.Number) and getattr(x, "ndim", None) == 0 and hasattr(x, "item")
    return x.item() if is_array else x


def _class_index(label: object) -> int | None:
    """``label`` as a Python int if it is an integer (``np.int64`` included, a bool not), else None."""
    if isinstance(label, bool) or not isinstance(label, numbers.Integral):
        return None
    return operator.index(label)


def hinge_loss(scores: Predictions, targets: Predictions) -> Value:
    """Max-margin (hinge) loss for labels y ∈ {−1, +1}: (1/n) Σ max(0, 1 − y·s).

    A sample costs nothing once it is on the right side with margin 1 (y·s ≥ 1); this is the
    loss of micrograd's moons demo, as in a support vector machine.
    """
    terms = []
    for s, y in _pairs(scores, targets, "hinge_loss"):
        if float(y) not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: labels must be -1 or +1, got {y!r}")
        terms.append((s * -y + 1).relu())  # 1 − y·s, in three nodes
    return _mean(terms)


def l2_penalty(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """L2 regularisation: α Σ w², added to a loss to keep weights small (micrograd's α = 1e-4).

    The penalty is already multiplied by ``alpha``, 1e-4 unless you pass another: write
    ``loss + nn.l2_penalty(model.weights(), alpha=1e-3)``, not ``1e-3 * nn.l2_penalty(...)``
    (that would be 1e-3 · 1e-4 · Σ w²).

    Its gradient is 2αw, the same as an optimizer's ``weight_decay = 2α``. Σ w² is one node,
    the dot product w·w.
    """
    weights = list(parameters)
    return alpha * autograd.dot(weights, weights)
