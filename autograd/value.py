"""``Value``: one number in a computation graph, and reverse-mode differentiation over it.

Read top to bottom, in the order of the lesson: a ``Value`` and its operators, each handing an
operation of the derivative table (``ops.py``) to ``apply``, which makes the new value; the walk
that orders a graph (``topological_order``); the chain rule at one node (``chain_rule``) and the
backward pass that applies it to every node (``backpropagate``, then ``store``). Last come the
checks on numbers and the messages.
"""

from __future__ import annotations

import copy
import copyreg
import math
import numbers
import threading
import weakref
from contextvars import ContextVar
from typing import Any, NoReturn, SupportsIndex, TypeAlias, cast

from . import ops
from .ops import Op

Operand: TypeAlias = "Value | int | float"
Grad: TypeAlias = "float | Value"

recording: ContextVar[bool | list[bool]] = ContextVar("recording", default=True)
"""Whether operations record the graph; ``no_grad()`` switches it off. A context variable, so each
thread (and each asyncio task) has its own switch, and reading it costs little on every node."""

checking_anomalies: ContextVar[bool | list[bool]] = ContextVar("checking_anomalies", default=False)
"""Whether every operation checks its results for NaN and inf; ``detect_anomaly()`` switches it on."""


class Value:
    """A scalar that remembers how it was computed.

    ``data`` is the number; ``grad`` is ∂(output)/∂(this value), filled in by ``backward()``. A
    value made by an operation keeps the operation and its ``inputs``: all the chain rule needs.
    ``label`` is a free name shown in drawings. A value with ``requires_grad=False`` is a constant:
    it receives no gradient, and results made only from constants are not recorded.
    """

    __slots__ = ("data", "grad", "label", "requires_grad", "_op", "_inputs")
    __array_ufunc__ = None  # NumPy arrays do not broadcast over a Value: both orders raise, as for torch
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

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def backward(self, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every value this one depends on, by the chain rule.

        Leaves (inputs, parameters) accumulate, as in PyTorch: call ``zero_grad()`` between steps.
        Values made by operations show this pass's gradient. ``create_graph=True`` makes gradients
        Values with graphs of their own, to differentiate again. Local derivatives use the data as
        it is now: change ``.data`` after ``backward()``, not before. A pass that fails part-way
        changes no ``.grad``; passes in several threads over shared leaves (data-parallel
        training) add up exactly: each leaf receives the sum of every pass's contribution.
        """
        store(backpropagate(self, seed(self, gradient, "backward()"), create_graph=create_graph))

    # --- after the lesson: truth, copies and pickles (helpers at the end of this module) -------------

    def __bool__(self) -> bool:
        """``v.data != 0``, as for a PyTorch scalar: ``if loss:`` is False at 0.0 (and True for NaN)."""
        return self.data != 0.0

    def __copy__(self) -> Value:
        """A new node with the same slots: the same data, grad, label, operation and inputs."""
        return _shell(self, {name: getattr(self, name) for name in _filled_slots(self)})

    def __deepcopy__(self, memo: dict[int, object]) -> Value:
        """A copy of the whole graph behind this value, node by node without recursion, so a graph
        of any depth copies. Nodes already copied (``memo``) are shared, as ``copy.deepcopy`` does."""
        return _deep_copied(self, memo)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Pickle the graph behind this value as a list of its nodes, inputs first (see ``_Saved``)."""
        return _last, (_saved_graph(self),)


# --- operations make values --------------------------------------------------------------------


def apply(op: Op, inputs: tuple[Value, ...]) -> Value:
    """A new value: ``op`` run forward on ``inputs`` and, while recording, how to go back."""
    try:
        result = op.forward(*[x.data for x in inputs])
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{_call(op.name, inputs)}: {error}") from None
    recorded = recording.get() and any(x.requires_grad for x in inputs)
    out = _node(result, op, inputs) if recorded else _node(result, None, ())
    if checking_anomalies.get():
        _check_forward(op, inputs, out)
    return out


def apply2(op: Op, a: Value, b: Value) -> Value:
    """``apply`` for two inputs, which make most nodes: the same steps without building lists
    (kept for speed: a quarter of the time of a small graph's forward pass)."""
    try:
        result = op.forward(a.data, b.data)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{_call(op.name, (a, b))}: {error}") from None
    recorded = (a.requires_grad or b.requires_grad) and recording.get()
    out = _node(result, op, (a, b)) if recorded else _node(result, None, ())
    if checking_anomalies.get():
        _check_forward(op, (a, b), out)
    return out


def as_value(x: Operand, caller: str = "Value") -> Value:
    """``x`` itself if it is a Value, otherwise a constant Value holding it (``caller`` for messages)."""
    if isinstance(x, Value):
        return x
    if type(x) is float:  # the common case, quickly
        return _node(x, None, ())
    if not is_number(x):
        raise TypeError(f"{caller}: expected a Value or a real number, got {type(x).__name__}: {_short(x)}")
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

    Depth-first, with an explicit stack instead of recursion, so a chain of a million nodes is
    fine. Nodes are visited in the order of each node's ``inputs``, so the order is the same on
    every run, and a value used twice (``a * a``) appears once. Nodes are told apart by identity.
    """
    order: list[Value] = []
    seen = {root}
    # The path from root being explored, and for each node on it an iterator over its inputs (two
    # lists, not one of pairs: on a deep graph every pair would be one more object for the garbage
    # collector to walk).
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
    """One step of the backward pass: ``node`` hands its gradient on to each of its inputs,
    ∂root/∂x += ∂node/∂x · ∂root/∂node. For scalars every vector–Jacobian product is this one
    multiplication. ``grads`` holds the gradients found so far; returns the local derivatives."""
    upstream = grads[node]
    local = local_derivatives(node, create_graph)
    for x, derivative in zip(node._inputs, local):
        if x.requires_grad:
            grads[x] += derivative * upstream  # the chain rule
    if checking_anomalies.get():
        _check_backward(node, grads)
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
            f"backward through {_call(op.name, inputs)}: {error} "
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
    for node in reversed(order):
        if node._op is not None:
            chain_rule(node, grads, create_graph)
    return grads


storing = threading.Lock()  # held while a pass stores its gradients: passes in threads all add up


def store(grads: dict[Value, Grad]) -> None:
    """End a backward pass: each leaf adds its gradient to ``.grad`` (gradients accumulate, as in
    PyTorch); each value made by an operation shows this pass's gradient. Under a lock, so that
    passes finishing in several threads at once all add up."""
    with storing:
        for node, gradient in grads.items():
            before = node.grad
            if not node.requires_grad:  # a constant receives nothing
                continue
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


# --- numbers, messages and detect_anomaly() --------------------------------------------------------


def is_number(x: object) -> bool:
    """Whether ``x`` is a real number a Value can hold (int, float, NumPy scalar, Fraction); bools are not."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def to_float(x: object, what: str) -> float:
    """``x`` as a float, or a ``TypeError``/``OverflowError`` that says ``what`` it was for."""
    if not is_number(x):
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__}: {_short(x)}")
    try:
        number = float(cast(float, x))
    except OverflowError:
        number = math.inf
    if math.isinf(number) and x != number:  # finite, but no float holds it: numpy.longdouble("1e4000")
        raise OverflowError(f"{what}: {_short(x)} is too large for a float (> 1.8e308)")
    return number


def data_of(x: Operand) -> float:
    """The number in an operand or a gradient: ``x.data`` for a Value, ``x`` itself for a number."""
    return x.data if isinstance(x, Value) else x


def _short(x: object, limit: int = 80) -> str:
    """``repr(x)``, cut to ``limit`` characters: a message must stay readable whatever it quotes."""
    if isinstance(x, int) and x.bit_length() > 256:  # repr of a huge integer is slow, or refused
        return f"an integer of about {int(x.bit_length() * math.log10(2)) + 1} digits"
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _call(name: str, inputs: tuple[Value, ...]) -> str:
    """An operation applied to its operands, as messages write it: ``log(Value(data=-1.0, grad=0.0))``."""
    return f"{name}({', '.join(_short(x) for x in inputs)})"


def _check_forward(op: Op, inputs: tuple[Value, ...], out: Value) -> None:
    local = op.derivatives(*[x.data for x in inputs], out.data)
    if not all(math.isfinite(data_of(x)) for x in (out.data, *local)):
        raise FloatingPointError(
            f"detect_anomaly: {_call(op.name, inputs)} produced a non-finite value "
            f"(output {out.data!r}, local derivatives {local!r})"
        )


def _check_backward(node: Value, grads: dict[Value, Grad]) -> None:
    for x in node._inputs:
        if x.requires_grad and not math.isfinite(data_of(grads[x])):
            raise FloatingPointError(
                f"detect_anomaly: backward through {_call(node.op, node._inputs)} gave a non-finite "
                f"gradient {grads[x]!r} (upstream gradient {grads[node]!r})"
            )


# --- copies and pickles: a graph node by node, without recursion ------------------------------------


def _filled_slots(value: Value) -> list[str]:
    """The slots of ``value``'s class and its bases that hold something (a Parameter adds two)."""
    names = _slot_names.get(type(value))
    if names is None:
        every = (name for cls in type(value).__mro__ for name in getattr(cls, "__slots__", ()))
        names = _slot_names[type(value)] = tuple(name for name in every if name != "__weakref__")
    return [name for name in names if hasattr(value, name)]


_slot_names: dict[type, tuple[str, ...]] = {}


def _shell(like: Value, slots: dict[str, Any]) -> Value:
    """A new node of ``like``'s class with ``slots`` filled in."""
    out = _empty(type(like))
    for name, content in slots.items():
        setattr(out, name, content)
    return out


def _empty(cls: type[Value]) -> Value:
    """A node of class ``cls`` with no slot filled in yet (a pickle fills them in next)."""
    return cls.__new__(cls)


def _deep_copied(root: Value, memo: dict[int, Any]) -> Value:
    """``copy.deepcopy(root)``: each node copied once its inputs are (topological order, no recursion).
    A copy is in ``memo`` before its slots are copied, so a gradient made from the node itself
    (``create_graph=True``) refers to the copy. Operations are the table's, shared, not copied."""
    for node in topological_order(root):
        if id(node) in memo:
            continue
        out = memo[id(node)] = _empty(type(node))
        memo.setdefault(id(memo), []).append(node)  # keeps the original alive, as deepcopy does
        for name in _filled_slots(node):
            content = getattr(node, name)
            if name == "_inputs":
                content = tuple(memo[id(x)] for x in content)
            elif name != "_op":
                content = copy.deepcopy(content, memo)
            setattr(out, name, content)
    return cast(Value, memo[id(root)])


class _Saved:
    """One node in a pickle: it loads as a new node of the same class (``_shell``), then its slots
    are set, its inputs among them. A graph is pickled as the list of its nodes, inputs first, so
    every input is in the pickle already when a node is written: a reference, not a recursion.
    One node has one ``_Saved`` while a pickling holds it (``_saving``), so values pickled
    together that share nodes share them again when loaded."""

    __slots__ = ("value", "inputs", "__weakref__")

    def __init__(self, value: Value, inputs: tuple[_Saved, ...]) -> None:
        self.value, self.inputs = value, inputs

    def __reduce__(self) -> tuple[Any, ...]:
        node = self.value
        slots = {name: getattr(node, name) for name in _filled_slots(node)}
        slots["_inputs"] = self.inputs
        return _empty, (type(node),), (None, slots)


_saving: weakref.WeakValueDictionary[int, _Saved] = weakref.WeakValueDictionary()


def _saved_graph(root: Value) -> list[_Saved]:
    """The ``_Saved`` of every node behind ``root``, inputs first: those a pickling in progress
    holds already, and new ones for the rest."""
    saved: dict[Value, _Saved] = {}
    for node in topological_order(root):
        held = _saving.get(id(node))
        if held is None or held.value is not node:
            held = _saving[id(node)] = _Saved(node, tuple(saved[x] for x in node._inputs))
        saved[node] = held
    return list(saved.values())


def _last(nodes: list[Value]) -> Value:
    """The value a pickled graph stands for: the last of its nodes."""
    return nodes[-1]


def _op_named(name: str) -> Op:
    """The derivative table's entry ``name``: operations pickle and copy by name."""
    return ops.OPS[name]


copyreg.pickle(Op, lambda op: (_op_named, (op.name,)))


# --- micrograd's names, pointing to chainrule's -------------------------------------------------------

MICROGRAD_NAMES = {
    "_prev": "v.inputs, the values v was computed from (a tuple, in the operation's order)",
    "_op": "v.op, the name of the operation that made v (its rules: autograd.OPS[v.op])",
    "_backward": (
        "nothing per value: the derivative rule of v's operation, autograd.OPS[v.op].derivatives, "
        "which autograd.value.chain_rule applies in v.backward()"
    ),
}
"""What a micrograd reader looks for on a Value, and where chainrule keeps it."""


def _moved(name: str, ours: str) -> property:
    def attribute(self: Value) -> NoReturn:
        raise AttributeError(f"Value has no attribute {name!r} (micrograd's name): in chainrule it is {ours}")

    return property(attribute, doc=f"micrograd's ``{name}``; in chainrule: {ours}")


for _name, _ours in MICROGRAD_NAMES.items():
    if not hasattr(Value, _name):  # a name chainrule uses itself keeps its meaning here
        setattr(Value, _name, _moved(_name, _ours))
