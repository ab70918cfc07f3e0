"""Copies and pickles of a Value: the whole graph behind it, node by node, without recursion.

Not part of the lesson, so not in ``value.py``: importing ``autograd`` gives ``Value`` its
``__copy__``, ``__deepcopy__`` and ``__reduce_ex__`` from here, and micrograd's attribute names
(``_prev``, ``_backward``) messages that point to chainrule's.
"""

from __future__ import annotations

import copy
import copyreg
import weakref
from typing import Any, NoReturn, SupportsIndex, cast

from . import ops
from .ops import Op
from .value import Value, topological_order


def _copy(value: Value) -> Value:
    """A new node with the same slots: the same data, grad, label, operation and inputs."""
    return _shell(value, {name: getattr(value, name) for name in _filled_slots(value)})


def _deepcopy(value: Value, memo: dict[int, object]) -> Value:
    """A copy of the whole graph behind ``value``, node by node without recursion, so a graph
    of any depth copies. Nodes already copied (``memo``) are shared, as ``copy.deepcopy`` does."""
    return _deep_copied(value, memo)


def _reduce_ex(value: Value, protocol: SupportsIndex) -> tuple[Any, ...]:
    """Pickle the graph behind ``value`` as a list of its nodes, inputs first (see ``_Saved``)."""
    return _last, (_saved_graph(value),)


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


# --- installed on Value --------------------------------------------------------------------------

for _name, _method in (("__copy__", _copy), ("__deepcopy__", _deepcopy), ("__reduce_ex__", _reduce_ex)):
    setattr(Value, _name, _method)

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
