"""``nn.inspect(model)``: look inside every neuron, its z, its a and its error δ = ∂C/∂z.

A neuron computes z = w·a_prev + b and a = activation(z). While a probe is open, every forward
pass through the model records each neuron's z and a (one of each per sample), under the
neuron's dotted name. The z's are nodes of the graph, so after ``loss.backward()`` each one's
``grad`` is that neuron's δ for that sample, and the lesson can be checked number by number:

    ∂C/∂b = Σₙ δₙ        ∂C/∂wⱼ = Σₙ δₙ · a_prev,ⱼ,ₙ        (sums over the samples n)

>>> import nn
>>> model = nn.MLP(2, [2, 1], activation="tanh", seed=0)
>>> with nn.inspect(model) as probe:
...     loss = nn.mse_loss(model([1.0, -1.0]), 0.5)
>>> loss.backward()
>>> delta = probe["layers.1.neurons.0"].z[0].grad
>>> delta == model.layers[1].neurons[0].b.grad  # ∂C/∂b = δ
True

The probe wraps each neuron's activation function on the instance while it is open and puts the
same function back when closed: a model that is not being inspected runs exactly the code it ran
before, with nothing checked on each call. A copy or a pickle of a model made while it is inspected
is a plain model, and an instrument's own forward passes (the Recorder's) go unrecorded.

What a neuron's z is lives here too, for the probe and ``check_gradients`` alike: the ``linear``
node z = linear(a_prev, w, b), whose inputs are a_prev, then the neuron's weights, then its bias
(``pre_activations`` finds them in a graph, ``inputs_of`` reads a_prev back).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import autograd
from autograd import Value

from ..layers import Neuron
from ..module import Module


class Text(str):
    """A string that shows itself as text (not as a quoted repr) at a prompt or in a notebook."""

    def __repr__(self) -> str:
        return str(self)


@dataclass
class NeuronRecord:
    """What one neuron computed while the probe was open: one z and one a per forward pass."""

    name: str
    neuron: Neuron
    z: list[Value] = field(default_factory=list)
    a: list[Value] = field(default_factory=list)

    @property
    def delta(self) -> list[float]:
        """δ = ∂C/∂z for each sample: ``z[i].grad``, filled in by ``backward()``."""
        return [float(z.grad) for z in self.z]

    @property
    def a_prev(self) -> list[tuple[float, ...]]:
        """The inputs each sample fed this neuron (the previous layer's activations), as numbers.

        They are the first ``nin`` inputs of the ``linear`` node z = linear(a_prev, w, b); a z
        made under ``no_grad()`` remembers no inputs and gives an empty tuple.
        """
        return [inputs_of(z, self.neuron) for z in self.z]


def inputs_of(z: Value, neuron: Neuron) -> tuple[float, ...]:
    """a_prev of one of ``neuron``'s z nodes, as numbers: the first ``nin`` inputs of linear(a_prev, w, b)."""
    return tuple(x.data for x in z.inputs[: neuron.nin])


def pre_activations(loss: Value, among: Iterable[Neuron]) -> dict[int, list[Value]]:
    """The z nodes of each neuron ``among`` those given in the graph of ``loss`` (one per sample), by
    ``id`` of the neuron.

    A neuron's z is the ``linear`` node (``dot`` without a bias) whose inputs after a_prev are the
    neuron's own weights: z = linear(a_prev, w, b).
    """
    by_first_weight = {id(neuron.w[0]): neuron for neuron in among if neuron.w}
    found: dict[int, list[Value]] = {}
    for node in autograd.topological_order(loss):
        if node.op not in ("linear", "dot") or not node.inputs:
            continue
        nin = len(node.inputs) // 2
        neuron = by_first_weight.get(id(node.inputs[nin]))
        if neuron is not None and node.inputs[nin : 2 * nin] == tuple(neuron.w):
            found.setdefault(id(neuron), []).append(node)
    return found


_UNRECORDED: ContextVar[bool] = ContextVar("unrecorded", default=False)


@contextmanager
def unrecorded() -> Iterator[None]:
    """Forward passes made inside are recorded by no probe: an instrument's own passes (the
    Recorder's maps and losses) are not the learner's."""
    token = _UNRECORDED.set(True)
    try:
        yield
    finally:
        _UNRECORDED.reset(token)


class _Recording:
    """A neuron's activation, wrapped: calls it, and records the z it was given and the a it made."""

    def __init__(self, activation: Callable[[Value], Value], record: NeuronRecord) -> None:
        self.activation = activation
        self.record = record

    def __call__(self, z: Value) -> Value:
        a = self.activation(z)
        if not _UNRECORDED.get():
            self.record.z.append(z)
            self.record.a.append(a)
        return a

    def __reduce__(self) -> tuple[Any, ...]:
        """A copy (``copy.deepcopy``) or a pickle of the wrapped neuron gets the activation itself."""
        return _itself, (self.activation,)


def _itself(activation: Callable[[Value], Value]) -> Callable[[Value], Value]:
    return activation


def own_activation(neuron: Neuron) -> Callable[[Value], Value]:
    """The neuron's activation function itself, unwrapped if a probe is recording it."""
    activation = neuron._activation
    return activation.activation if isinstance(activation, _Recording) else activation


def neurons(model: Module) -> list[tuple[str, Neuron]]:
    """Every neuron inside ``model`` (itself included) with its dotted name, in definition order,
    each once: a neuron reached by two names goes by its first."""
    found, seen = [], set()
    for name, neuron in _neurons(model):
        if id(neuron) not in seen:
            seen.add(id(neuron))
            found.append((name, neuron))
    return found


def _neurons(module: Module, prefix: str = "") -> Iterator[tuple[str, Neuron]]:
    """The walk ``neurons`` makes: a neuron reached twice is yielded twice."""
    if isinstance(module, Neuron):
        yield prefix, module
    for name, child in module.named_children():
        yield from _neurons(child, f"{prefix}.{name}" if prefix else name)


class Probe:
    """The records of an open (or closed) inspection, by neuron name: ``probe["layers.0.neurons.1"]``.

    Made by ``nn.inspect(model)``; recording starts at once and stops at ``close()`` or at the end
    of a ``with`` block. The records stay readable after closing. ``clear()`` forgets them (for
    example at the start of each training step).
    """

    def __init__(self, model: Module) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"nn.inspect: model must be an nn.Module, got {type(model).__name__}")
        self.records: dict[str, NeuronRecord] = {}
        found = neurons(model)
        if not found:
            raise ValueError(f"nn.inspect: {type(model).__name__} has no neurons to inspect")
        for name, neuron in found:
            if isinstance(neuron._activation, _Recording):
                raise ValueError(
                    f"nn.inspect: neuron {name!r} is already being inspected; close that probe first"
                )
        for name, neuron in found:
            record = NeuronRecord(name or "neuron", neuron)
            self.records[record.name] = record
            neuron._activation = _Recording(neuron._activation, record)
        self.open = True

    def close(self) -> None:
        """Stop recording: give every neuron its own activation back. Closing twice does nothing."""
        for record in self.records.values():
            wrapped = record.neuron._activation
            if isinstance(wrapped, _Recording) and wrapped.record is record:
                record.neuron._activation = wrapped.activation
        self.open = False

    def clear(self) -> None:
        """Forget what was recorded so far (recording goes on if the probe is open)."""
        for record in self.records.values():
            record.z.clear()
            record.a.clear()

    def __enter__(self) -> Probe:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def __getitem__(self, name: str) -> NeuronRecord:
        if name not in self.records:
            names = list(self.records)
            shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
            raise KeyError(f"nn.inspect: no neuron named {name!r}; the neurons are {shown}")
        return self.records[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        samples = max((len(r.z) for r in self.records.values()), default=0)
        state = "open" if self.open else "closed"
        return f"<nn.inspect probe, {state}: {len(self.records)} neurons, {samples} forward passes recorded>"

    def table(self, *, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> Text:
        """Every neuron's z, a and δ per sample, and the two rules checked against ``.grad``.

        Under each neuron: ∂C/∂b (the bias's ``grad``) beside Σ δ, and for each weight whether its
        ``grad`` equals Σ δ·a_prev,j, each marked ✓ or ✗ (equal within ``rel_tol``/``abs_tol``).
        Call it after ``loss.backward()``; it shows in a notebook, and ``print`` prints it.
        """
        rel_tol, abs_tol = tolerance("table", "rel_tol", rel_tol), tolerance("table", "abs_tol", abs_tol)
        lines = [f"{'neuron':<22} {'sample':>6} {'z':>12} {'a':>12} {'δ = ∂C/∂z':>12}"]
        for record in self.records.values():
            if not record.z:
                lines.append(f"{record.name:<22} {'(no forward pass recorded)':>6}")
                continue
            for i, (z, a) in enumerate(zip(record.z, record.a)):
                name = record.name if i == 0 else ""
                lines.append(f"{name:<22} {i:>6} {z.data:>+12.6f} {a.data:>+12.6f} {float(z.grad):>+12.6f}")
            lines.append(" " * 23 + self._checks(record, rel_tol, abs_tol))
        return Text("\n".join(lines))

    @staticmethod
    def _checks(record: NeuronRecord, rel_tol: float, abs_tol: float) -> str:
        def mark(ours: float | Value, expected: float) -> str:
            return "✓" if math.isclose(float(ours), expected, rel_tol=rel_tol, abs_tol=abs_tol) else "✗"

        deltas, inputs = record.delta, record.a_prev
        neuron = record.neuron
        parts = []
        total = math.fsum(deltas)
        if neuron.b is not None:
            parts.append(
                f"∂C/∂b = {float(neuron.b.grad):+.6f}, Σ δ = {total:+.6f} {mark(neuron.b.grad, total)}"
            )
        if all(len(x) == neuron.nin for x in inputs):
            marks = "".join(
                mark(w.grad, math.fsum(d * x[j] for d, x in zip(deltas, inputs)))
                for j, w in enumerate(neuron.w)
            )
            parts.append(f"∂C/∂w = Σ δ·a_prev: {marks}")
        else:
            parts.append("∂C/∂w: no inputs recorded (made under no_grad)")
        return "   ".join(parts)


def tolerance(owner: str, name: str, value: object) -> float:
    """A tolerance of the instruments (``rtol``, ``abs_tol``, ...) as a float, or an error naming it
    unless it is a finite number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a finite number ≥ 0, got {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{owner}: {name} must be a finite number ≥ 0, got {value!r}")
    return number


def inspect(model: Module) -> Probe:
    """Record every neuron's z and a during the forward passes that follow, until the probe is closed.

    ``with nn.inspect(model) as probe: loss = ...``, then ``loss.backward()``: ``probe[name].z[i].grad``
    is δ = ∂C/∂z of neuron ``name`` (``"layers.0.neurons.1"``) for sample ``i``, and
    ``probe.table()`` checks ∂C/∂b = Σ δ and ∂C/∂w = Σ δ·a_prev for every neuron.
    """
    return Probe(model)
