"""``nn.check_gradients``: compare gradients derived by hand with the engine's, and name the slip.

A hand derivation of backpropagation goes wrong in a few usual ways, and each leaves a trace in
the ratio mine / autograd or in the neuron's own numbers:

- a clean factor: ×2 or ×½ (a factor 2 of a square, or a ½, dropped), ×−1 (a sign flipped), ×n (a
  sum over n samples where the loss takes their mean, or the reverse);
- the weight's input missing: ∂C/∂w written as δ, the bias's gradient, instead of δ·a_prev;
- a missing activation derivative: δ written without σ'(z), or without one factor of it where its
  op writes it as a product (σ'(z) of a sigmoid is a(1 − a)). Finding it needs each neuron's z, so
  pass ``loss=``.

>>> import nn
>>> model = nn.MLP(1, [1], activation="tanh", output_activation="linear", seed=0)
>>> loss = nn.sse_loss(model(2.0), 1.0)
>>> loss.backward()
>>> b = model.layers[0].neurons[0].b
>>> nn.check_gradients(model, {"layers.0.neurons.0.b": 2 * b.grad}).ok
False
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import autograd
from autograd import Value, data_of, is_scalar

from ..activations import ACTIVATIONS, activation_op
from ..layers import Neuron
from ..module import Module
from .probe import inputs_of, neurons, own_activation, pre_activations, tolerance


class GradientRow(NamedTuple):
    """One parameter: the name, the gradient derived by hand, the engine's, and mine / autograd."""

    name: str
    mine: float
    autograd: float
    ratio: float


@dataclass
class GradientReport:
    """The result of ``check_gradients``: ``ok``, the ``rows``, and a diagnosis for each wrong one.

    ``str(report)`` (and its display in a notebook) is a table with one line per parameter.
    """

    rows: list[GradientRow]
    wrong: dict[str, str] = field(default_factory=dict)
    """Each wrong parameter's name, with the diagnosis of its slip."""

    @property
    def ok(self) -> bool:
        """True when every hand-derived gradient matches the engine's."""
        return not self.wrong

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        width = max([len("parameter"), *(len(row.name) for row in self.rows)])
        lines = [f"{'parameter':<{width}} {'mine':>13} {'autograd':>13} {'ratio':>9}"]
        for row in self.rows:
            verdict = f"✗ {self.wrong[row.name]}" if row.name in self.wrong else "✓"
            lines.append(
                f"{row.name:<{width}} {row.mine:>+13.6g} {row.autograd:>+13.6g} {row.ratio:>9.4g}  {verdict}"
            )
        right = len(self.rows) - len(self.wrong)
        lines.append(f"{len(self.rows)} gradients checked: {right} right, {len(self.wrong)} wrong")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def check_gradients(
    model: Module,
    mine: Mapping[str, float],
    rtol: float = 1e-6,
    *,
    atol: float = 1e-12,
    loss: Value | None = None,
) -> GradientReport:
    """Compare hand-derived gradients with the engine's, after ``loss.backward()``.

    ``mine`` maps dotted parameter names (``"layers.0.neurons.1.b"``, as ``model.named_parameters()``
    gives them) to the gradients you derived. A gradient is right when it is within ``rtol`` of the
    parameter's ``.grad`` (or within ``atol`` of it, near 0). The report names each wrong one with
    the usual slip it looks like; pass the ``loss`` you called ``backward()`` on to look for a
    missing activation derivative too. A mismatch never raises; an unknown name raises ``KeyError``,
    and an empty ``mine``, a tolerance that is not a finite number ≥ 0 or a ``loss`` that is not a
    Value raise ``ValueError`` or ``TypeError``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"check_gradients: model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(mine, Mapping):
        raise TypeError(
            f"check_gradients: mine must map parameter names to numbers, got {type(mine).__name__}"
        )
    if not mine:
        raise ValueError("check_gradients: mine is empty; give the gradients you derived, {name: number}")
    rtol, atol = tolerance("check_gradients", "rtol", rtol), tolerance("check_gradients", "atol", atol)
    if loss is not None and not isinstance(loss, Value):
        raise TypeError(
            "check_gradients: loss must be the Value you called backward() on, "
            f"got {type(loss).__name__}: {loss!r}"
        )
    parameters = dict(model.named_parameters())
    for name in mine:
        if name not in parameters:
            names = list(parameters)
            shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
            raise KeyError(
                f"check_gradients: {type(model).__name__} has no parameter {name!r}; its names are {shown}"
            )
    owners = _owners(model)
    zs = pre_activations(loss, [owner.neuron for owner in owners.values()]) if loss is not None else None
    rows, wrong = [], {}
    for name, parameter in parameters.items():
        if name not in mine:
            continue
        ours, theirs = _number(mine[name], name), float(parameter.grad)
        ratio = ours / theirs if theirs != 0 else math.nan if ours == 0 else math.copysign(math.inf, ours)
        rows.append(GradientRow(name, ours, theirs, ratio))
        if math.isclose(ours, theirs, rel_tol=rtol, abs_tol=atol):
            continue
        if not math.isfinite(theirs):  # nothing to compare with: the loss itself went wrong
            wrong[name] = f"autograd's gradient is {theirs}: the loss or its backward pass is not finite"
        else:
            wrong[name] = _diagnose(ours, theirs, owners.get(id(parameter)), zs, rtol, atol)
    return GradientReport(rows, wrong)


def _number(x: object, name: str) -> float:
    if not is_scalar(x):
        raise TypeError(f"check_gradients: the gradient given for {name!r} is not a number: {x!r}")
    return float(data_of(x))  # type: ignore[arg-type]


class _Owner(NamedTuple):
    """The neuron a parameter belongs to, and which input it weighs (None for the bias)."""

    neuron: Neuron
    input: int | None


def _owners(model: Module) -> dict[int, _Owner]:
    owners = {}
    for _, neuron in neurons(model):
        for j, w in enumerate(neuron.w):
            owners[id(w)] = _Owner(neuron, j)
        if neuron.b is not None:
            owners[id(neuron.b)] = _Owner(neuron, None)
    return owners


def _diagnose(
    ours: float,
    theirs: float,
    owner: _Owner | None,
    zs: dict[int, list[Value]] | None,
    rtol: float,
    atol: float,
) -> str:
    """The usual slip that turns the right gradient ``theirs`` into ``ours``, if one fits: the
    engine's ``autograd.diagnose``, given the slips a neuron's own numbers can show."""
    if theirs == 0 and math.isfinite(ours):
        return "autograd gives 0: does this parameter reach the loss?"
    candidates: list[tuple[str, float]] = []
    if owner is not None:
        samples = _samples(owner.neuron, zs)
        if owner.input is not None:
            delta_sum = math.fsum(s.delta for s in samples) if samples else _bias_gradient(owner.neuron)
            if delta_sum is not None:
                text = "the weight's input missing? This is Σ δ (the bias's gradient), not Σ δ·a_prev"
                candidates.append((text, delta_sum))
        candidates += _without_activation_factors(owner, samples)
    found = autograd.diagnose(ours, theirs, candidates, rtol=rtol, atol=atol)
    if found is not None:
        return found
    if zs is None:
        return "no usual slip recognised (pass loss= to look for a missing activation derivative)"
    return "no usual slip recognised"


def _bias_gradient(neuron: Neuron) -> float | None:
    return None if neuron.b is None else float(neuron.b.grad)


class _Sample(NamedTuple):
    delta: float  # δ = ∂C/∂z
    z: float  # the neuron's pre-activation
    a: float  # the neuron's activation
    slope: float  # σ'(z)
    inputs: tuple[float, ...]  # a_prev


def _samples(neuron: Neuron, zs: dict[int, list[Value]] | None) -> list[_Sample]:
    """δ, a, σ'(z) and a_prev for each sample, from the neuron's z nodes (none without ``loss=``)."""
    if zs is None:
        return []
    samples = []
    for z in zs.get(id(neuron), []):
        point = Value(z.data)
        with autograd.enable_grad():
            a = own_activation(neuron)(point)
            slope = autograd.grad(a, [point])[0] if a.requires_grad else 0.0
        samples.append(_Sample(float(z.grad), z.data, a.data, float(slope), inputs_of(z, neuron)))
    return samples


def _without_activation_factors(owner: _Owner, samples: list[_Sample]) -> Iterator[tuple[str, float]]:
    """The gradient as it would be with σ'(z) missing, or one factor of it where the activation's op
    writes it as a product (a sigmoid's a(1 − a))."""
    if not samples:
        return
    j = owner.input

    def total(divide_by: list[float]) -> float | None:
        if any(d == 0 for d in divide_by):
            return None
        return math.fsum(
            s.delta * (1.0 if j is None else s.inputs[j]) / d for s, d in zip(samples, divide_by)
        )

    candidates = [("a missing activation derivative: σ'(z)?", [s.slope for s in samples])]
    for words, factor in _slope_factors(owner.neuron):
        candidates.append((f"a missing activation derivative: {words}?", [factor(s.z, s.a) for s in samples]))
    for text, divide_by in candidates:
        value = total(divide_by)
        if value is not None:
            yield text, value


def _slope_factors(neuron: Neuron) -> list[tuple[str, Callable[[float, float], float]]]:
    """σ'(z) as the neuron's activation op writes it (``derivative_code``, over z and the output a),
    split into its factors when it is a product: each factor's words (``the factor 1 − a of σ'(z) =
    a(1 − a)``) and its value at (z, a); none for an activation of your own or one factor alone."""
    found = activation_op(neuron.config()["activation"])
    if found is None or ACTIVATIONS.get(found[0].name) is not own_activation(neuron):
        return []
    op, settings = found
    template = cast("tuple[str, ...]", op.derivative_code)[0]
    product = ast.parse(template.format("z", *map(repr, settings), out="a"), mode="eval").body
    factors = _factors(product)
    if len(factors) < 2:
        return []
    words = [_maths(ast.unparse(f)) for f in factors]
    whole = words[0] + "".join(w if w.startswith("(") else f"·{w}" for w in map(_grouped, words[1:]))
    namespace = {"math": math, "where": lambda condition, a, b: a if condition else b}
    return [
        (f"the factor {w} of σ'(z) = {whole}", _evaluator(ast.Expression(f), namespace))
        for w, f in zip(words, factors)
    ]


def _factors(node: ast.expr) -> list[ast.expr]:
    """The factors of a product ``a * (1.0 - a)``: [a, 1.0 - a]; anything else is one factor."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _factors(node.left) + _factors(node.right)
    return [node]


def _maths(code: str) -> str:
    """Code as a formula: ``1.0 - a`` → ``1 − a``."""
    return re.sub(r"\b(\d+)\.0\b", r"\1", code).replace(" - ", " − ").replace(" * ", "·")


def _grouped(words: str) -> str:
    return f"({words})" if " " in words else words


def _evaluator(expression: ast.Expression, namespace: dict[str, Any]) -> Callable[[float, float], float]:
    code = compile(ast.fix_missing_locations(expression), "<σ'(z)>", "eval")
    return lambda z, a: float(eval(code, namespace, {"z": z, "a": a}))
