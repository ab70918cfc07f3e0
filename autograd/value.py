"""``Value``: one number in a computation graph, and reverse-mode differentiation over it.

Read top to bottom, in the order of the lesson: a ``Value`` and its operators, each handing an
operation of the derivative table (``ops.py``) to ``apply``; the walk that orders a graph
(``topological_order``); the chain rule at one node (``chain_rule``) and the backward pass that
applies it to every node (``backpropagate``, then ``store``). After the lesson come what keeps
it fast and safe in threads (each with a line saying why), then the checks on numbers and the
messages. Copies and pickles of a whole graph are in ``copying.py``.
"""

from __future__ import annotations

import math
import numbers
import threading
from contextvars import ContextVar
from typing import Any, TypeAlias, cast

from . import ops
from .ops import Op

Operand: TypeAlias = "Value | int | float"
Grad: TypeAlias = "float | Value"


class Value:
    """A scalar that remembers how it was computed.

    ``data`` is the number; ``grad`` is ∂(output)/∂(this value), filled in by ``backward()``. A
    value made by an operation keeps the operation and its ``inputs``: all the chain rule needs.
    ``label`` is a free name shown in drawings. A value with ``requires_grad=False`` is a constant:
    it receives no gradient, and results made only from constants are not recorded.
    """

    __slots__ = ("data", "grad", "label", "requires_grad", "_op", "_inputs")
    data: float
    grad: Grad
    label: str
    requires_grad: bool
    _op: Op | None
    _inputs: tuple[Value, ...]

    def __init__(self, data: float, label: str = "", *, requires_grad: bool = True) -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a string, got {type(label).__name__}: {label!r}")
        self.data = to_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self.requires_grad = requires_grad
        self._op = None
        self._inputs = ()

    @property
    def op(self) -> str:
        """Name of the operation that made this value (see ``autograd.ops.OPS``); "" for a leaf."""
        return self._op.name if self._op is not None else ""

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The values this one was computed from, in the order the operation took them."""
        return self._inputs

    @property
    def is_leaf(self) -> bool:
        """True for values made directly (inputs, parameters, constants), not by an operation."""
        return self._op is None

    @property
    def role(self) -> str | None:
        """What a parameter is for: ``"weight"`` or ``"bias"`` on a ``Parameter``, ``None`` here."""
        return None

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂self/∂input for each input: the op's derivative rule at the inputs' current data."""
        return cast("tuple[float, ...]", local_derivatives(self)) if self._op is not None else ()

    def __add__(self, other: Operand) -> Value:
        return apply2(ops.ADD, self, as_value(other, "add"))

    def __mul__(self, other: Operand) -> Value:
        return apply2(ops.MUL, self, as_value(other, "mul"))

    def __truediv__(self, other: Operand) -> Value:
        return apply2(ops.DIV, self, as_value(other, "div"))

    def __pow__(self, exponent: Operand) -> Value:
        exponent = as_value(exponent, "pow")
        return apply2(ops.GENERAL_POW if exponent.requires_grad else ops.POW, self, exponent)

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Operand) -> Value:
        return self + -as_value(other, "sub")

    def __radd__(self, other: float) -> Value:
        return as_value(other, "add") + self

    def __rsub__(self, other: float) -> Value:
        return as_value(other, "sub") - self

    def __rmul__(self, other: float) -> Value:
        return as_value(other, "mul") * self

    def __rtruediv__(self, other: float) -> Value:
        return as_value(other, "div") / self

    def __rpow__(self, base: float) -> Value:
        return as_value(base, "pow") ** self

    def exp(self) -> Value:
        return apply(ops.EXP, (self,))

    def log(self) -> Value:
        return apply(ops.LOG, (self,))

    def sqrt(self) -> Value:
        return apply(ops.SQRT, (self,))

    def tanh(self) -> Value:
        return apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        return apply(ops.SIGMOID, (self,))

    def relu(self) -> Value:
        return apply(ops.RELU, (self,))

    def leaky_relu(self, slope: Operand = 0.01) -> Value:
        return apply2(ops.LEAKY_RELU, self, as_value(slope, "leaky_relu"))

    def abs(self) -> Value:
        return apply(ops.ABS, (self,))

    __abs__ = abs

    def sin(self) -> Value:
        return apply(ops.SIN, (self,))

    def cos(self) -> Value:
        return apply(ops.COS, (self,))

    # --- comparisons look at the data (equality stays identity, so values can key dicts) -----------

    def __lt__(self, other: Operand) -> bool:
        return self.data < data_of(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= data_of(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > data_of(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= data_of(other)

    __hash__ = object.__hash__

    def item(self) -> float:
        """The number inside, as in ``torch.Tensor.item()``."""
        return self.data

    __float__ = item

    def __bool__(self) -> bool:
        """``v.data != 0``, as for a PyTorch scalar: ``if loss:`` is False at 0.0 (and True for NaN)."""
        return self.data != 0.0

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def backward(self, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every value this one depends on, by the chain rule.

        Leaves accumulate, as in PyTorch (``zero_grad()`` between steps); values made by operations
        show this pass's gradient. ``create_graph=True`` makes gradients Values, to differentiate
        again. Local derivatives use the data as it is now. A pass that fails changes no ``.grad``;
        passes in several threads over shared leaves add up exactly."""
        store(backpropagate(self, seed(self, gradient, "backward()"), create_graph=create_graph))


# --- operations make values --------------------------------------------------------------------


def apply(op: Op, inputs: tuple[Value, ...]) -> Value:
    """A new value: ``op`` run forward on ``inputs`` and, while recording, how to go back."""
    try:
        result = op.forward(*[x.data for x in inputs])
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{call_repr(op.name, inputs)}: {error}") from None
    recorded = recording.get() and any(x.requires_grad for x in inputs)
    out = _node(result, op, inputs) if recorded else _node(result, None, ())
    if anomalies := checking_anomalies.get():  # detect_anomaly() is on: its checks, in functional.py
        anomalies[0].forward(op, inputs, out)
    return out


def as_value(x: Operand, caller: str = "Value") -> Value:
    """``x`` itself if it is a Value, otherwise a constant Value holding it (``caller`` for messages)."""
    if isinstance(x, Value):
        return x
    if type(x) is float:  # the common case, quickly
        return _node(x, None, ())
    if not is_number(x):
        raise TypeError(
            f"{caller}: expected a Value or a real number, got {type(x).__name__}: {short_repr(x)}"
        )
    return _node(to_float(x, caller), None, ())


def _node(data: float, op: Op | None, inputs: tuple[Value, ...]) -> Value:
    """A new Value, every slot filled in directly; recorded results (``op`` given) require grad."""
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.requires_grad = op is not None
    out._op = op
    out._inputs = inputs
    return out


# --- the walk: every value before the values made from it ----------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on, itself included, inputs before the values made from them.

    Depth-first with an explicit stack, not recursion, so a chain of a million nodes is fine; in
    the order of each node's ``inputs``, the same on every run; a value used twice appears once."""
    order: list[Value] = []
    seen = {root}
    # The path being explored, and an iterator over each path node's inputs (two lists: pairs would
    # be one more object per node for the garbage collector to walk)
    path, inputs_left = [root], [iter(root._inputs)]
    while path:
        for x in inputs_left[-1]:
            if x not in seen:
                seen.add(x)
                if x._inputs:  # go deeper: x's inputs come first
                    path.append(x)
                    inputs_left.append(iter(x._inputs))
                    break
                order.append(x)  # a leaf has nothing before it
        else:  # every input of the last node on the path is in order already
            inputs_left.pop()
            order.append(path.pop())
    return order


# --- the chain rule, and the backward pass ---------------------------------------------------------


def chain_rule(node: Value, grads: dict[Value, Grad], create_graph: bool = False) -> tuple[Grad, ...]:
    """One step of the backward pass: ``node`` hands its gradient on to each input, ∂root/∂x +=
    ∂node/∂x · ∂root/∂node (for scalars, a vector–Jacobian product is this one multiplication)."""
    upstream = grads[node]
    local = local_derivatives(node, create_graph)
    for x, derivative in zip(node._inputs, local):
        if x.requires_grad:
            grads[x] += derivative * upstream  # the chain rule
    if anomalies := checking_anomalies.get():
        anomalies[0].backward(node, grads)
    return local


def local_derivatives(node: Value, create_graph: bool = False) -> tuple[Grad, ...]:
    """∂node/∂input for each input of ``node``: its op's rule, run on the inputs' data (or, with
    ``create_graph``, on the inputs themselves, giving Values with graphs of their own)."""
    op: Op = node._op  # type: ignore[assignment]  # a node made by an operation
    inputs = node._inputs
    try:
        if create_graph:
            return op.derivatives(*inputs, node)
        return op.derivatives(*[x.data for x in inputs], node.data)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(
            f"backward through {call_repr(op.name, inputs)}: {error} "
            "(was an input's .data changed between the forward pass and backward()?)"
        ) from None


def backpropagate(root: Value, gradient: Grad = 1.0, *, create_graph: bool = False) -> dict[Value, Grad]:
    """∂root/∂v for every value v that ``root`` depends on, ``root``'s own seeded with ``gradient``.

    The chain rule at every node made by an operation, in reverse topological order: every path
    from the output has added its share to a node's gradient before the node hands it on. The
    gradients are kept in a dict of this pass, from 0, not in ``.grad``."""
    order = topological_order(root)
    grads: dict[Value, Grad] = dict.fromkeys(order, 0.0)
    grads[root] = gradient
    if not create_graph and not checking_anomalies.get():
        return _backpropagate_quickly(order, grads)  # the same loop, written out: see below
    for node in reversed(order):
        if node._op is not None:
            chain_rule(node, grads, create_graph)
    return grads


def store(grads: dict[Value, Grad]) -> None:
    """End a backward pass: each leaf adds its gradient to ``.grad``, each value made by an operation
    shows this pass's; under a lock, so that passes ending in several threads at once all add up."""
    with storing:
        for node, gradient in grads.items():
            if not node.requires_grad:  # a constant receives nothing
                continue
            before = node.grad
            if node._op is None and (type(before) is not float or before != 0.0):
                node.grad = before + gradient
            else:
                node.grad = gradient


def seed(root: Value, gradient: Operand, caller: str) -> Grad:
    """``gradient`` as the seed of a backward pass from ``root`` (a float, or a Value); refuses a
    pass that cannot run: from a constant, or with a seed that is no number."""
    if not root.requires_grad:
        raise RuntimeError(
            f"{caller} on {root!r}: this value does not require grad "
            "(it was made from constants only, or inside no_grad())"
        )
    return gradient if isinstance(gradient, Value) else to_float(gradient, f"{caller}: gradient")


# === After the lesson: what keeps it fast, safe in threads and kind in its messages ===============


def apply2(op: Op, a: Value, b: Value) -> Value:
    """``apply`` for two inputs, which make most nodes: the same steps without a list (for speed)."""
    try:
        result = op.forward(a.data, b.data)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{call_repr(op.name, (a, b))}: {error}") from None
    recorded = (a.requires_grad or b.requires_grad) and recording.get()
    out = _node(result, op, (a, b)) if recorded else _node(result, None, ())
    if anomalies := checking_anomalies.get():
        anomalies[0].forward(op, (a, b), out)
    return out


def _backpropagate_quickly(order: list[Value], grads: dict[Value, Grad]) -> dict[Value, Grad]:
    """``backpropagate``'s loop with ``chain_rule`` and ``local_derivatives`` written in, for speed:
    the same products added in the same order (the same bits), without two calls and a list a node."""
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        upstream, inputs = grads[node], node._inputs
        try:
            if len(inputs) == 2:
                a, b = inputs
                da, db = op.derivatives(a.data, b.data, node.data)
                if a.requires_grad:
                    grads[a] += da * upstream
                if b.requires_grad:
                    grads[b] += db * upstream
                continue
            local = op.derivatives(*[x.data for x in inputs], node.data)
        except (ArithmeticError, ValueError):
            local_derivatives(node)  # raises it again, with the message that names the operation
            raise
        for x, derivative in zip(inputs, local):
            if x.requires_grad:
                grads[x] += derivative * upstream
    return grads


recording: ContextVar[bool | list[bool]] = ContextVar("recording", default=True)
"""Whether operations record; ``no_grad()`` turns it off. A context variable: a switch per thread."""

checking_anomalies: ContextVar[Any] = ContextVar("checking_anomalies", default=False)
"""While ``detect_anomaly()`` is on, a cell holding its checks, which every operation calls."""

storing = threading.Lock()  # held while a pass stores its gradients: passes in threads all add up

# NumPy arrays do not broadcast over a Value: array * value and value * array both raise, as for torch
Value.__array_ufunc__ = None  # type: ignore[attr-defined]


# --- numbers and messages --------------------------------------------------------------------------


def is_number(x: object) -> bool:
    """Whether ``x`` is a real number a Value can hold (int, float, NumPy scalar, Fraction); bools are not."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def to_float(x: object, what: str) -> float:
    """``x`` as a float, or a ``TypeError``/``OverflowError`` that says ``what`` it was for."""
    if not is_number(x):
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__}: {short_repr(x)}")
    try:
        number = float(cast(float, x))
    except OverflowError:
        number = math.inf
    if math.isinf(number) and x != number:  # finite, but no float holds it: numpy.longdouble("1e4000")
        raise OverflowError(f"{what}: {short_repr(x)} is too large for a float (> 1.8e308)")
    return number


def data_of(x: Operand) -> float:
    """The number in an operand or a gradient: ``x.data`` for a Value, ``x`` itself for a number."""
    return x.data if isinstance(x, Value) else x


def short_repr(x: object, limit: int = 80) -> str:
    """``repr(x)``, cut to ``limit`` characters: a message must stay readable whatever it quotes."""
    if isinstance(x, int) and x.bit_length() > 256:  # repr of a huge integer is slow, or refused
        return f"an integer of about {int(x.bit_length() * math.log10(2)) + 1} digits"
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_repr(name: str, inputs: tuple[Value, ...]) -> str:
    """An operation applied to its operands, as messages write it: ``log(Value(data=-1.0, grad=0.0))``."""
    return f"{name}({', '.join(short_repr(x) for x in inputs)})"
