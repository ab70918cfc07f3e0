"""``Value``: one number in a computation graph, and reverse-mode differentiation over it.

Read top to bottom: the ``Value`` class, whose operators each hand an op from ``ops.py`` to
``_apply`` (``_apply2`` for two inputs), and ``Parameter``, a Value with a role; then how nodes
are made (``as_value``, ``_node``, ``value_sum``, ``dot``, ``linear``); then the backward pass in
the order it runs: ``start_pass``, ``backpropagate`` (the chain rule) and ``finish_pass``.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from itertools import repeat
from typing import TypeAlias, cast

from . import ops
from .graph import topological_order
from .ops import Op

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


def _is_number(x: object) -> bool:
    """Whether ``x`` is a real number a Value can hold (int, float, NumPy scalar, Fraction); bools are not."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


recording: ContextVar[bool] = ContextVar("recording", default=True)
"""Whether operations record the graph; ``no_grad()`` switches it off. A context variable, so each
thread (and each asyncio task) has its own switch, and reading it costs little on every node."""

checking_anomalies: ContextVar[bool] = ContextVar("checking_anomalies", default=False)
"""Whether every operation checks its results for NaN and inf; ``detect_anomaly()`` switches it on."""


class Value:
    """A scalar that remembers how it was computed.

    ``data`` is the number; ``grad`` is ∂(output)/∂(this value), filled in by ``backward()``.
    A value made by an operation keeps the operation (``op``) and its ``inputs``: everything the
    chain rule needs, since the operation's derivative rule gives the local derivatives
    ∂self/∂input (``local_derivatives``) from the inputs' data.

    ``label`` is a free name shown in drawings. A value with ``requires_grad=False`` is a
    constant: it receives no gradient, and results that depend only on constants are not
    recorded. ``role`` is ``None`` here; a ``Parameter`` says whether it is a weight or a bias.
    """

    __slots__ = ("data", "grad", "label", "requires_grad", "_op", "_inputs")
    data: float
    grad: float | Value
    label: str
    requires_grad: bool
    _op: Op | None
    _inputs: tuple[Value, ...]

    def __init__(
        self,
        data: Number,
        label: str = "",
        *,
        requires_grad: bool = True,
    ) -> None:
        if not _is_number(data):
            raise TypeError(f"Value needs a real number, got {type(data).__name__}: {data!r}")
        try:
            self.data = float(data)
        except OverflowError:
            raise OverflowError(
                f"Value: this {type(data).__name__} is too large for a float (> 1.8e308)"
            ) from None
        self.grad = 0.0
        self.label = label
        self.requires_grad = requires_grad
        self._op = None
        self._inputs = ()

    @property
    def role(self) -> str | None:
        """What a parameter is for: ``"weight"`` or ``"bias"`` on a ``Parameter``, ``None`` here."""
        return None

    # --- what a node is made of (read-only) ------------------------------------------------------

    @property
    def op(self) -> str:
        """Name of the operation that made this value (see ``autograd.ops.OPS``); "" for a leaf."""
        return self._op.name if self._op is not None else ""

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The values this one was computed from, in the order the operation took them."""
        return self._inputs

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂self/∂input for each input: the op's derivative rule at the inputs' current data."""
        if self._op is None:
            return ()
        return self._op.derivatives(*[x.data for x in self._inputs], self.data)

    @property
    def is_leaf(self) -> bool:
        """True for values made directly (inputs, parameters, constants), not by an operation."""
        return self._op is None

    # --- making new values -----------------------------------------------------------------------

    @staticmethod
    def _apply(op: Op, inputs: tuple[Value, ...]) -> Value:
        """Run ``op`` forward on ``inputs`` and, while recording, remember how to go back."""
        data = [x.data for x in inputs]
        try:
            result = op.forward(*data)
        except (ArithmeticError, ValueError) as error:
            raise _naming(error, op, inputs) from None
        if recording.get() and any(x.requires_grad for x in inputs):
            out = _node(result, op, inputs)
        else:
            out = _node(result, None, ())
        if checking_anomalies.get():
            _check_finite_forward(op, inputs, out)
        return out

    @staticmethod
    def _apply2(op: Op, a: Value, b: Value) -> Value:
        """``_apply`` for the two-input operators, which make most nodes: the same steps, no lists."""
        try:
            result = op.forward(a.data, b.data)
        except (ArithmeticError, ValueError) as error:
            raise _naming(error, op, (a, b)) from None
        if (a.requires_grad or b.requires_grad) and recording.get():
            out = _node(result, op, (a, b))
        else:
            out = _node(result, None, ())
        if checking_anomalies.get():
            _check_finite_forward(op, (a, b), out)
        return out

    def __add__(self, other: Operand) -> Value:
        return Value._apply2(ops.ADD, self, as_value(other, "add"))

    def __mul__(self, other: Operand) -> Value:
        return Value._apply2(ops.MUL, self, as_value(other, "mul"))

    def __truediv__(self, other: Operand) -> Value:
        return Value._apply2(ops.DIV, self, as_value(other, "div"))

    def __pow__(self, exponent: Operand) -> Value:
        exponent = as_value(exponent, "pow")
        op = ops.GENERAL_POW if exponent.requires_grad else ops.POW
        return Value._apply2(op, self, exponent)

    def __rpow__(self, base: Number) -> Value:
        return as_value(base, "pow") ** self

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Operand) -> Value:
        return self + -as_value(other, "sub")

    def __radd__(self, other: Number) -> Value:
        return as_value(other, "add") + self

    def __rsub__(self, other: Number) -> Value:
        return as_value(other, "sub") - self

    def __rmul__(self, other: Number) -> Value:
        return as_value(other, "mul") * self

    def __rtruediv__(self, other: Number) -> Value:
        return as_value(other, "div") / self

    def exp(self) -> Value:
        return Value._apply(ops.EXP, (self,))

    def log(self) -> Value:
        return Value._apply(ops.LOG, (self,))

    def sqrt(self) -> Value:
        return Value._apply(ops.SQRT, (self,))

    def tanh(self) -> Value:
        return Value._apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        return Value._apply(ops.SIGMOID, (self,))

    def relu(self) -> Value:
        return Value._apply(ops.RELU, (self,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return Value._apply2(ops.LEAKY_RELU, self, as_value(slope, "leaky_relu"))

    def abs(self) -> Value:
        return Value._apply(ops.ABS, (self,))

    def __abs__(self) -> Value:
        return self.abs()

    def sin(self) -> Value:
        return Value._apply(ops.SIN, (self,))

    def cos(self) -> Value:
        return Value._apply(ops.COS, (self,))

    # --- comparisons look at the data (equality stays identity, so values can key dicts) ---------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """The number inside, as in ``torch.Tensor.item()``."""
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- the backward pass ----------------------------------------------------------------------

    def backward(self, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every value this one depends on, by the chain rule.

        Leaves (inputs and parameters) accumulate: a second call adds the same amount again, as
        in PyTorch; call ``zero_grad()`` (or set ``.grad = 0``) between steps. Values made by
        operations show the gradient of this pass. Local derivatives are evaluated from the data
        as it is now, so change ``.data`` after ``backward()`` (as an optimizer step does), not
        between the forward pass and it. With ``create_graph=True`` the gradients are Values with
        graphs of their own, so they can be differentiated again.
        """
        check_backward(self, gradient, "backward()")
        order, earlier = start_pass(self, gradient)
        backpropagate(order, create_graph=create_graph)
        finish_pass(earlier)


class Parameter(Value):
    """A Value a model learns, as ``torch.nn.Parameter``, marked with its ``role``.

    ``role`` is ``"weight"`` or ``"bias"``: ``Module.weights()`` and ``Module.biases()`` select
    by it, and drawings style the two apart. Only parameters carry the extra slot.
    """

    __slots__ = ("_role",)

    def __init__(
        self, data: Number, label: str = "", *, role: str | None = None, requires_grad: bool = True
    ) -> None:
        super().__init__(data, label, requires_grad=requires_grad)
        self._role = role

    @property
    def role(self) -> str | None:
        """What this parameter is for: ``"weight"``, ``"bias"`` or ``None``."""
        return self._role


# --- making nodes: operands as Values, the node itself, one node for a sum or a dot product -----


def as_value(x: Operand, op: str = "Value") -> Value:
    """``x`` itself if it is a Value, otherwise a constant Value holding it.

    ``op`` names the operation that asked, so that a bad operand gets a useful message.
    """
    if isinstance(x, Value):
        return x
    if type(x) is float or (type(x) is int and abs(x) <= sys.float_info.max):  # the common cases, quickly
        return _node(float(x), None, ())
    if not _is_number(x):
        raise TypeError(f"{op}: expected a Value or a real number, got {type(x).__name__}: {x!r}")
    return Value(x, requires_grad=False)


def _data(x: Operand) -> float:
    """The number in an operand: ``x.data`` for a Value, ``x`` itself for a plain number."""
    return x.data if isinstance(x, Value) else x


def _node(data: float, op: Op | None, inputs: tuple[Value, ...]) -> Value:
    """A new Value with every slot filled in directly (no checks: callers pass a float).

    Recorded results (``op`` given) require grad; unrecorded ones and constants do not.
    """
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.requires_grad = op is not None
    out._op = op
    out._inputs = inputs
    return out


def _naming(error: Exception, op: Op, inputs: tuple[Value, ...]) -> Exception:
    """The same kind of error, its message prefixed with the operation and its operands."""
    return type(error)(f"{_call(op.name, inputs)}: {error}")


def _call(name: str, inputs: tuple[Value, ...]) -> str:
    """An operation applied to its operands, as messages write it: ``log(Value(data=-1.0, grad=0.0))``."""
    return f"{name}({', '.join(map(repr, inputs))})"


def _operands(values: Iterable[Operand], op: str) -> tuple[Value, ...]:
    """``values`` as a tuple of Values, plain numbers made constants; ``op`` names the caller."""
    given = tuple(values)
    if all(map(isinstance, given, repeat(Value))):  # the common case: Values already
        return cast("tuple[Value, ...]", given)
    return tuple([x if isinstance(x, Value) else as_value(x, op) for x in given])


def value_sum(values: Iterable[Operand]) -> Value:
    """x₁ + … + xₙ as one node (faster and flatter than a chain of ``+``)."""
    inputs = _operands(values, "sum")
    if not inputs:
        return Value(0.0, requires_grad=False)
    return Value._apply(ops.SUM, inputs)


def dot(a: Iterable[Operand], b: Iterable[Operand]) -> Value:
    """a₁b₁ + … + aₙbₙ as one node: a weighted sum w·x."""
    left, right = _operands(a, "dot"), _operands(b, "dot")
    _check_same_length(left, right, "dot")
    if not left:
        return Value(0.0, requires_grad=False)
    return Value._apply(ops.DOT, left + right)


def linear(x: Iterable[Operand], w: Iterable[Operand], b: Operand | None = None) -> Value:
    """x₁w₁ + … + xₙwₙ + b as one node: a neuron's pre-activation z, as ``torch.nn.functional.linear``.

    Its local derivatives are a neuron's lesson: ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ and ∂z/∂b = 1, so the
    bias receives δ = ∂C/∂z itself. Without ``b`` it is ``dot(x, w)``.
    """
    if b is None:
        return dot(x, w)
    inputs, weights = _operands(x, "linear"), _operands(w, "linear")
    _check_same_length(inputs, weights, "linear")
    return Value._apply(ops.LINEAR, (*inputs, *weights, as_value(b, "linear")))


def _check_same_length(a: tuple[Value, ...], b: tuple[Value, ...], op: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{op}: the two sequences differ in length ({len(a)} and {len(b)})")


# --- the backward pass: start, the chain rule over every node, finish ----------------------------


Earlier: TypeAlias = "list[tuple[Value, float | Value]]"


def check_backward(root: Value, gradient: Operand, caller: str) -> None:
    """Refuse a backward pass that cannot run: from a constant, or with a seed that is no number."""
    if not root.requires_grad:
        raise RuntimeError(
            f"{caller} on {root!r}: this value does not require grad "
            "(it was made from constants only, or inside no_grad())"
        )
    if not (isinstance(gradient, Value) or _is_number(gradient)):
        raise TypeError(
            f"{caller}: gradient must be a number or a Value, got {type(gradient).__name__}: {gradient!r}"
        )


def start_pass(root: Value, gradient: Operand) -> tuple[list[Value], Earlier]:
    """Begin a backward pass from ``root``: its topological order, every gradient in it set to zero
    and ``root``'s to ``gradient``. Also returns each leaf's grad from before, for ``finish_pass``.

    The pass sums its gradients from zero; only at the end does each leaf add its total to what
    it had. So a second pass adds exactly the same amount again, as in PyTorch.
    """
    order = topological_order(root)
    earlier = [(node, node.grad) for node in order if node._op is None and node.requires_grad]
    for node in order:
        if node.requires_grad:  # constants are left alone: they receive nothing
            node.grad = 0.0
    root.grad = gradient
    return order, earlier


def backpropagate(order: Sequence[Value], *, create_graph: bool = False) -> None:
    """Apply the chain rule to each node of ``order``, last node first.

    ``order`` is topological (inputs before the values made from them), so when a node is reached
    every path from the output has already added its share to ``node.grad``. For scalars every
    vector–Jacobian product is one multiplication: upstream gradient times local derivative.
    """
    check = checking_anomalies.get()
    for node in reversed(order):
        if node._op is None:
            continue
        upstream, op, inputs = node.grad, node._op, node._inputs
        if create_graph:  # the rule applied to Values: local derivatives with graphs of their own
            local = op.derivatives(*inputs, node)
        else:
            local = op.derivatives(*[x.data for x in inputs], node.data)
        for x, derivative in zip(inputs, local):
            if x.requires_grad:
                x.grad += derivative * upstream  # the chain rule
        if check:
            _check_finite_backward(node)


def finish_pass(earlier: Earlier) -> None:
    """End a backward pass: each leaf adds this pass's gradient to the grad it had before."""
    for leaf, before in earlier:
        if isinstance(before, Value) or before != 0.0:
            leaf.grad = before + leaf.grad


# --- detect_anomaly() ----------------------------------------------------------------------------


def _check_finite_forward(op: Op, inputs: tuple[Value, ...], out: Value) -> None:
    local = out.local_derivatives
    values = (out.data, *local)
    if not all(math.isfinite(_data(v)) for v in values):
        raise FloatingPointError(
            f"detect_anomaly: {_call(op.name, inputs)} produced a non-finite value "
            f"(output {out.data!r}, local derivatives {local!r})"
        )


def _check_finite_backward(node: Value) -> None:
    for x in node._inputs:
        if x.requires_grad and not math.isfinite(_data(x.grad)):
            raise FloatingPointError(
                f"detect_anomaly: backward through {_call(node.op, node._inputs)} gave a non-finite "
                f"gradient {x.grad!r} (upstream gradient {node.grad!r})"
            )
