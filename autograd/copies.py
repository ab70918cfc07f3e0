"""Copies and pickles of a graph: what ``copy.copy``, ``copy.deepcopy`` and ``pickle`` do with a ``Value``.

A value stands for the graph behind it, so its deep copy and its pickle hold that whole graph, every
node with its data, grad, label and operation, and ``backward()`` runs on what comes back. Both take
the graph's nodes in topological order (inputs first, as ``Value`` hands them over) instead of
recursing into inputs, so a chain of any depth copies; nodes shared by values copied together stay
shared. Operations travel by name: a copy uses the same entries of the derivative table.
"""

from __future__ import annotations

import copy
import copyreg
import weakref
from typing import Any

from . import ops
from .ops import Op

Node = Any
"""A node of a graph: a ``Value`` or a subclass of it (this module needs only its slots)."""


def shallow_copy(node: Node) -> Node:
    """``copy.copy(node)``: a new node with the same slots (data, grad, label, operation, inputs)."""
    return _shell(node, {name: getattr(node, name) for name in _filled_slots(node)})


def deep_copy(order: list[Node], memo: dict[int, Any]) -> Node:
    """``copy.deepcopy`` of the last node of ``order`` (its graph, inputs first): each node copied
    once its inputs are. A copy is in ``memo`` before its slots are copied, so a gradient made from
    the node itself (``create_graph=True``) refers to the copy. Operations are shared, not copied."""
    for node in order:
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
    return memo[id(order[-1])]


def pickled(order: list[Node]) -> tuple[Any, ...]:
    """What ``__reduce_ex__`` gives for the last node of ``order`` (its graph, inputs first): the
    list of its nodes' ``_Saved``, which loads as the list of new nodes, and ``_last`` to pick its own."""
    return _last, (_saved_graph(order),)


def _filled_slots(node: Node) -> list[str]:
    """The slots of ``node``'s class and its bases that hold something (a Parameter adds two)."""
    names = _slot_names.get(type(node))
    if names is None:
        every = (name for cls in type(node).__mro__ for name in getattr(cls, "__slots__", ()))
        names = _slot_names[type(node)] = tuple(name for name in every if name != "__weakref__")
    return [name for name in names if hasattr(node, name)]


_slot_names: dict[type, tuple[str, ...]] = {}


def _shell(like: Node, slots: dict[str, Any]) -> Node:
    """A new node of ``like``'s class with ``slots`` filled in."""
    out = _empty(type(like))
    for name, content in slots.items():
        setattr(out, name, content)
    return out


def _empty(cls: type[Any]) -> Node:
    """A node of class ``cls`` with no slot filled in yet (a pickle fills them in next)."""
    return object.__new__(cls)


class _Saved:
    """One node in a pickle: it loads as a new node of the same class (``_empty``), then its slots
    are set, its inputs among them. A graph is pickled as the list of its nodes, inputs first, so
    every input is in the pickle already when a node is written: a reference, not a recursion.
    One node has one ``_Saved`` while a pickling holds it (``_saving``), so values pickled
    together that share nodes share them again when loaded."""

    __slots__ = ("__weakref__", "inputs", "node")

    def __init__(self, node: Node, inputs: tuple[_Saved, ...]) -> None:
        self.node, self.inputs = node, inputs

    def __reduce__(self) -> tuple[Any, ...]:
        slots = {name: getattr(self.node, name) for name in _filled_slots(self.node)}
        slots["_inputs"] = self.inputs
        return _empty, (type(self.node),), (None, slots)


_saving: weakref.WeakValueDictionary[int, _Saved] = weakref.WeakValueDictionary()


def _saved_graph(order: list[Node]) -> list[_Saved]:
    """The ``_Saved`` of every node of ``order``: those a pickling in progress holds already, and
    new ones for the rest."""
    saved: dict[int, _Saved] = {}
    for node in order:
        held = _saving.get(id(node))
        if held is None or held.node is not node:
            held = _saving[id(node)] = _Saved(node, tuple(saved[id(x)] for x in node._inputs))
        saved[id(node)] = held
    return list(saved.values())


def _last(nodes: list[Node]) -> Node:
    """The value a pickled graph stands for: the last of its nodes."""
    return nodes[-1]


def _op_named(name: str) -> Op:
    """The derivative table's entry ``name``: operations pickle and copy by name."""
    return ops.OPS[name]


copyreg.pickle(Op, lambda op: (_op_named, (op.name,)))
