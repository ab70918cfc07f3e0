"""``topological_order``: every node once, inputs first, the same order every time, no recursion."""

from __future__ import annotations

import math

from autograd import Value, topological_order


def build() -> tuple[list[Value], Value]:
    """A small graph with a diamond (h is used twice) and a repeated input (a*a)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    h = a * b
    h.label = "h"
    left = (h + a * a).tanh()
    right = h.exp()
    out = left * right
    return [a, b, h, left, right, out], out


def test_each_node_appears_once_with_inputs_before_outputs() -> None:
    nodes, out = build()
    order = topological_order(out)
    assert len(order) == len({id(v) for v in order})
    assert {id(v) for v in nodes} <= {id(v) for v in order}
    position = {id(v): i for i, v in enumerate(order)}
    for node in order:
        for x in node.inputs:
            assert position[id(x)] < position[id(node)]
    assert order[-1] is out


def test_the_order_follows_input_order_and_is_the_same_for_two_builds() -> None:
    _, first = build()
    _, second = build()
    labels = [(v.label, v.op, v.data) for v in topological_order(first)]
    assert labels == [(v.label, v.op, v.data) for v in topological_order(second)]
    assert labels[:2] == [("a", "", 2.0), ("b", "", -3.0)]  # depth first, first input first


def test_two_builds_give_identical_gradients() -> None:
    grads = []
    for _ in range(2):
        nodes, out = build()
        out.backward()
        grads.append([v.grad for v in nodes])
    assert grads[0] == grads[1]


def test_a_leaf_is_its_own_order() -> None:
    x = Value(1.0)
    assert topological_order(x) == [x]


def test_a_million_node_chain_needs_no_recursion() -> None:
    n = 1_000_000
    x = Value(1.0)
    factor = Value(1.0 + 1e-6, requires_grad=False)
    y = x
    for _ in range(n):
        y = y * factor
    y.backward()  # topological order and the chain rule, both without recursion
    assert math.isclose(x.grad, factor.data**n, rel_tol=1e-9)  # d/dx (x·c^n) = c^n ≈ e
    assert math.isclose(y.data, factor.data**n, rel_tol=1e-9)
