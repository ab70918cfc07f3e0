"""Property tests over random expression graphs with shared sub-expressions.

Hypothesis writes a small *program*: a few leaf numbers, then steps, each an operation applied to
earlier nodes (any earlier node, so sub-expressions are shared: ``h`` feeding three later steps,
``a * a``). The output adds every node nothing else used. The same program is replayed three
ways: with chainrule Values, with plain floats (for central finite differences) and with PyTorch
float64 tensors, and the gradients must agree.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, event, given, note, reject
from hypothesis import strategies as st
from reference import assert_all_close, numeric_gradient, sigmoid

import autograd
from autograd import Value, grad

BOUND = 1e3  # programs whose values leave [-BOUND, BOUND] are rejected: finite differences need tame numbers
KINK_MARGIN = 1e-3  # relu, abs and leaky_relu only at |x| > KINK_MARGIN, where the slope is defined


class EngineMath:
    """The functions a program calls, for chainrule Values."""

    tanh, sigmoid, sin, cos = Value.tanh, Value.sigmoid, Value.sin, Value.cos
    exp, log, sqrt, relu, abs, leaky_relu = (
        Value.exp,
        Value.log,
        Value.sqrt,
        Value.relu,
        Value.abs,
        Value.leaky_relu,
    )

    @staticmethod
    def sum(xs: Sequence[Value]) -> Value:
        return autograd.sum(xs)

    @staticmethod
    def dot(a: Sequence[Value], b: Sequence[Value]) -> Value:
        return autograd.dot(a, b)

    @staticmethod
    def linear(x: Sequence[Value], w: Sequence[Value], b: Value) -> Value:
        return autograd.linear(x, w, b)


class FloatMath:
    """The same functions for plain floats: what the finite differences evaluate."""

    tanh, sin, cos, exp, log, sqrt = math.tanh, math.sin, math.cos, math.exp, math.log, math.sqrt
    sigmoid = staticmethod(sigmoid)
    abs = staticmethod(abs)

    @staticmethod
    def relu(x: float) -> float:
        return max(x, 0.0)

    @staticmethod
    def leaky_relu(x: float, slope: float = 0.01) -> float:
        return x if x > 0 else slope * x

    @staticmethod
    def sum(xs: Sequence[float]) -> float:
        return math.fsum(xs)

    @staticmethod
    def dot(a: Sequence[float], b: Sequence[float]) -> float:
        return math.fsum(x * y for x, y in zip(a, b))

    @staticmethod
    def linear(x: Sequence[float], w: Sequence[float], b: float) -> float:
        return math.fsum([*(xi * wi for xi, wi in zip(x, w)), b])


class TorchMath:
    """The same functions for 0-d PyTorch tensors."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        for name in ("tanh", "sigmoid", "sin", "cos", "exp", "log", "sqrt", "relu", "abs"):
            setattr(self, name, getattr(torch, name))
        self.leaky_relu = torch.nn.functional.leaky_relu

    def sum(self, xs: Sequence[Any]) -> Any:
        return self.torch.stack(list(xs)).sum()

    def dot(self, a: Sequence[Any], b: Sequence[Any]) -> Any:
        return self.torch.dot(self.torch.stack(list(a)), self.torch.stack(list(b)))

    def linear(self, x: Sequence[Any], w: Sequence[Any], b: Any) -> Any:
        weight = self.torch.stack(list(w)).unsqueeze(0)  # one output: a 1 × n weight matrix
        return self.torch.nn.functional.linear(self.torch.stack(list(x)), weight, b.unsqueeze(0)).squeeze()


# name -> (number of operands, how to compute it with a math namespace m). Every primitive is
# reached; wrappers such as a·a + 1 keep arguments inside the domain for any input.
STEPS: dict[str, tuple[st.SearchStrategy[int], Callable[..., Any]]] = {
    "add": (st.just(2), lambda m, a, b: a + b),
    "sub": (st.just(2), lambda m, a, b: a - b),
    "mul": (st.just(2), lambda m, a, b: a * b),
    "div": (st.just(2), lambda m, a, b: a / (b * b + 1)),
    "Value ** Value": (st.just(2), lambda m, a, b: (a * a + 1) ** b),
    "number ** Value": (st.just(1), lambda m, a: 1.5**a),
    "square": (st.just(1), lambda m, a: a**2),
    "cube": (st.just(1), lambda m, a: a**3),
    "reciprocal root": (st.just(1), lambda m, a: (a * a + 0.5) ** -0.5),
    "neg": (st.just(1), lambda m, a: -a),
    "exp": (st.just(1), lambda m, a: m.exp(a)),
    "log": (st.just(1), lambda m, a: m.log(a * a + 1)),
    "sqrt": (st.just(1), lambda m, a: m.sqrt(a * a + 0.5)),
    "tanh": (st.just(1), lambda m, a: m.tanh(a)),
    "sigmoid": (st.just(1), lambda m, a: m.sigmoid(a)),
    "sin": (st.just(1), lambda m, a: m.sin(a)),
    "cos": (st.just(1), lambda m, a: m.cos(a)),
    "relu": (st.just(1), lambda m, a: m.relu(a)),
    "abs": (st.just(1), lambda m, a: m.abs(a)),
    "leaky_relu": (st.just(1), lambda m, a: m.leaky_relu(a, 0.01)),
    "sum": (st.integers(2, 4), lambda m, *xs: m.sum(xs)),
    "dot": (st.sampled_from([2, 4]), lambda m, *ab: m.dot(ab[: len(ab) // 2], ab[len(ab) // 2 :])),
    "linear": (
        st.sampled_from([3, 5]),
        lambda m, *xwb: m.linear(xwb[: len(xwb) // 2], xwb[len(xwb) // 2 : -1], xwb[-1]),
    ),
}
KINKED = {"relu", "abs", "leaky_relu"}


@dataclass(frozen=True)
class Program:
    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def sinks(self) -> list[int]:
        """Nodes no step uses: the output adds them, so every node reaches it."""
        used = {i for _, operands in self.steps for i in operands}
        return [i for i in range(len(self.leaves) + len(self.steps)) if i not in used]

    def has_shared_node(self) -> bool:
        """Whether some node feeds more than one operand slot (``h`` used twice, ``a * a``)."""
        uses = [i for _, operands in self.steps for i in operands]
        return len(uses) != len(set(uses))

    def run(
        self, leaves: Sequence[Any], m: Any, check: Callable[[str, list[Any]], None] | None = None
    ) -> list[Any]:
        """Replay the steps on ``leaves`` with math namespace ``m``; return every node, output last."""
        nodes = list(leaves)
        for name, operands in self.steps:
            arguments = [nodes[i] for i in operands]
            if check is not None:
                check(name, arguments)
            nodes.append(STEPS[name][1](m, *arguments))
        sinks = [nodes[i] for i in self.sinks()]
        nodes.append(m.sum(sinks) if len(sinks) > 1 else sinks[0])
        return nodes


@st.composite
def programs(draw: st.DrawFn) -> Program:
    leaves = draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(sorted(STEPS)))
        arity = draw(STEPS[name][0])
        operands = tuple(draw(st.integers(0, len(leaves) + k - 1)) for _ in range(arity))
        steps.append((name, operands))
    return Program(tuple(leaves), tuple(steps))


def _keep_tame(name: str, arguments: list[Value]) -> None:
    if name in KINKED:
        assume(abs(arguments[0].data) > KINK_MARGIN)
    if name == "exp":
        assume(arguments[0].data < math.log(BOUND))


def build(program: Program) -> tuple[list[Value], list[Value]]:
    """The program in chainrule: (leaves, every node with the output last); rejects wild programs."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(program.leaves)]
    try:
        nodes = program.run(leaves, EngineMath, _keep_tame)
    except OverflowError:
        reject()
    assume(all(abs(v.data) <= BOUND for v in nodes))
    note(f"program: {program}")
    low = len(program.steps) // 4 * 4
    event(f"{low}-{low + 3} steps")
    event("a node is shared" if program.has_shared_node() else "no node is shared")
    return leaves, nodes


def plain_function(program: Program) -> Callable[..., float]:
    return lambda *xs: program.run(xs, FloatMath)[-1]


def torch_run(program: Program) -> tuple[Any, list[Any], list[Any]]:
    torch = pytest.importorskip("torch")
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.leaves]
    return torch, leaves, program.run(leaves, TorchMath(torch))


# --- first order ---------------------------------------------------------------------------------


@given(programs())
def test_gradients_agree_with_finite_differences(program: Program) -> None:
    leaves, nodes = build(program)
    nodes[-1].backward()
    expected = numeric_gradient(plain_function(program), program.leaves)
    assert_all_close([x.grad for x in leaves], expected, rtol=1e-4, atol=1e-5, what="leaf gradients")


@given(programs())
def test_values_and_gradients_agree_with_torch(program: Program) -> None:
    leaves, nodes = build(program)
    _, torch_leaves, torch_nodes = torch_run(program)
    for t in torch_nodes:
        if t.requires_grad:
            t.retain_grad()
    nodes[-1].backward()
    torch_nodes[-1].backward()
    assert_all_close(
        [v.data for v in nodes], [t.item() for t in torch_nodes], rtol=1e-9, atol=1e-12, what="data"
    )
    assert_all_close(
        [x.grad for x in leaves],
        [t.grad.item() for t in torch_leaves],
        rtol=1e-9,
        atol=1e-12,
        what="leaf grads",
    )
    intermediate = [(v.grad, t.grad.item()) for v, t in zip(nodes, torch_nodes) if t.grad is not None]
    assert_all_close(*zip(*intermediate), rtol=1e-9, atol=1e-12, what="every node's grad")


# --- second order --------------------------------------------------------------------------------


def hessian_times_ones(out: Value, leaves: list[Value]) -> list[float]:
    """∂/∂xⱼ Σᵢ ∂out/∂xᵢ: second order through grad(create_graph=True), zero where the slopes are constant."""
    total = autograd.sum(grad(out, leaves, create_graph=True))
    return grad(total, leaves) if total.requires_grad else [0.0] * len(leaves)  # type: ignore[return-value]


def _slope_sum(program: Program, *xs: float) -> float:
    """Σᵢ ∂out/∂xᵢ computed by chainrule: finite differences of this give the second order."""
    leaves = [Value(x) for x in xs]
    return math.fsum(grad(program.run(leaves, EngineMath)[-1], leaves))


@given(programs())
def test_second_order_agrees_with_finite_differences_of_the_gradient(program: Program) -> None:
    leaves, nodes = build(program)
    second = hessian_times_ones(nodes[-1], leaves)
    expected = numeric_gradient(lambda *xs: _slope_sum(program, *xs), program.leaves)
    assert_all_close(second, expected, rtol=1e-4, atol=1e-4, what="Hessian·1")


@given(programs())
def test_second_order_agrees_with_torch(program: Program) -> None:
    leaves, nodes = build(program)
    # PyTorch's pow backward is where(exponent == 0, 0, exponent·base^(exponent−1)): at an exponent
    # of exactly 0 it drops the mixed second derivative ∂²/∂base∂exponent = base^(−1) (it is 0.5
    # near 2**0, but PyTorch gives 0 at exactly 0). The finite-difference test covers that point.
    nodes_in_graph = autograd.topological_order(nodes[-1])
    assume(not any(n.op == "general_pow" and n.inputs[1].data == 0.0 for n in nodes_in_graph))
    torch, torch_leaves, torch_nodes = torch_run(program)
    second = hessian_times_ones(nodes[-1], leaves)
    torch_slopes = torch.autograd.grad(torch_nodes[-1], torch_leaves, create_graph=True)
    total = torch.stack(list(torch_slopes)).sum()
    expected = torch.autograd.grad(total, torch_leaves, allow_unused=True) if total.requires_grad else ()
    expected = [0.0 if g is None else g.item() for g in expected] or [0.0] * len(leaves)
    assert_all_close(second, expected, rtol=1e-9, atol=1e-10, what="Hessian·1")


# --- semantics that must hold on any graph -------------------------------------------------------


@given(programs())
def test_a_second_backward_doubles_leaves_exactly_and_keeps_intermediates(program: Program) -> None:
    leaves, nodes = build(program)
    out = nodes[-1]
    out.backward()
    first_leaves = [x.grad for x in leaves]
    first_nodes = [v.grad for v in nodes if not v.is_leaf]
    out.backward()
    assert [x.grad for x in leaves] == [2 * g for g in first_leaves]
    assert [v.grad for v in nodes if not v.is_leaf] == first_nodes


@given(programs())
def test_two_builds_give_the_same_order_and_the_same_gradients(program: Program) -> None:
    results = []
    for _ in range(2):
        leaves, nodes = build(program)
        nodes[-1].backward()
        order = [(v.op, v.data, v.label) for v in autograd.topological_order(nodes[-1])]
        results.append((order, [x.grad for x in leaves]))
    assert results[0] == results[1]


@given(programs())
def test_grad_equals_backward_and_touches_no_grad(program: Program) -> None:
    leaves, nodes = build(program)
    from_grad = grad(nodes[-1], leaves)
    assert all(v.grad == 0.0 for v in nodes)
    nodes[-1].backward()
    assert from_grad == [x.grad for x in leaves]


@given(programs(), st.integers(2, 4))
def test_passes_in_threads_over_the_same_leaves_add_up_to_the_sum_of_each(
    program: Program, threads: int
) -> None:
    leaves, nodes = build(program)
    one = grad(nodes[-1], leaves)
    rebuilt = [program.run(leaves, EngineMath)[-1] for _ in range(threads)]  # a graph per thread
    workers = [threading.Thread(target=out.backward) for out in rebuilt]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert_all_close([x.grad for x in leaves], [threads * g for g in one], rtol=1e-12, atol=0, what="sum")


NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])


@given(programs(), st.data())
def test_a_non_finite_leaf_gives_non_finite_numbers_or_a_named_error_never_a_crash(
    program: Program, data: st.DataObject
) -> None:
    """NaN and ±inf flow through any graph as PyTorch lets them: as numbers, or as an error that names
    the operation (an op whose domain excludes them), and backward() never fails on what forward gave."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(program.leaves)]
    leaves[data.draw(st.integers(0, len(leaves) - 1))].data = data.draw(NON_FINITE)
    try:
        nodes = program.run(leaves, EngineMath)
    except (ValueError, ArithmeticError) as error:
        assert re.match(r"^\w+\(", str(error)), str(error)  # the op and its operands
        return
    try:
        nodes[-1].backward()
    except (ValueError, ArithmeticError) as error:
        assert str(error).startswith("backward through "), str(error)
        return
    assert all(isinstance(x.grad, float) for x in leaves)
    made = nodes[len(leaves) :]  # the values operations made: detect_anomaly() watches these
    try:
        with autograd.detect_anomaly():
            program.run([Value(x.data) for x in leaves], EngineMath)
    except FloatingPointError as error:
        assert str(error).startswith("detect_anomaly: ")
    else:  # nothing raised: then no operation made a NaN or an infinity
        assert all(math.isfinite(v.data) for v in made)
