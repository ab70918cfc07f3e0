"""Benchmarks 2–4: a fine-grained expression graph, built from one scalar operation at a time.

The graph is many neuron-like units over a shared pool of leaves: each unit is a 4-term weighted
sum written with ``*`` and ``+``, scaled by a plain number, then ``relu`` and squared; the units
are added up pairwise (a balanced tree, so the graph stays shallow and micrograd's recursive sort
copes). Every library runs the same operations, so each builds the same number of operation nodes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import autograd

from .libraries import CHAINRULE, Library, count_operations
from .report import CLOSED_GOAL, Result
from .timing import Work, bytes_allocated, time_interleaved

POOL = 64
"""Number of leaves the units draw their operands from (so nearly every node is an operation)."""
FAN_IN = 4
OPERATIONS_PER_UNIT = 2 * FAN_IN - 1 + 3  # FAN_IN products, FAN_IN − 1 sums, then *0.5, relu, **2
COMPILED = "chainrule compiled"


@dataclass(frozen=True)
class Shape:
    """Which leaves each unit multiplies: FAN_IN (a, b) index pairs into the pool per unit, a₁ b₁ a₂ b₂ …

    Kept as bytes, not as tuples: the garbage collector does not look inside bytes, so the recipe
    of a million-node graph adds nothing to the collections that the libraries' nodes pay for.
    """

    indices: bytes

    @property
    def units(self) -> int:
        return len(self.indices) // (2 * FAN_IN)

    @property
    def operations(self) -> int:
        """Operation nodes in the graph: the units plus the sums that add them up."""
        return self.units * OPERATIONS_PER_UNIT + self.units - 1


def shape_with(operations: int, seed: int = 0) -> Shape:
    """The graph with about ``operations`` operation nodes (exactly ``Shape.operations``)."""
    units = max(1, (operations + 1) // (OPERATIONS_PER_UNIT + 1))
    rng = random.Random(seed)
    return Shape(bytes(rng.randrange(POOL) for _ in range(2 * FAN_IN * units)))


def make_pool(library: Library, seed: int = 1) -> list[Any]:
    """The shared leaves, with the same numbers in every library."""
    rng = random.Random(seed)
    return [library.leaf(rng.uniform(-1.0, 1.0)) for _ in range(POOL)]


def build(shape: Shape, pool: Sequence[Any]) -> Any:
    """Build the graph over ``pool`` with the library's own operators; returns the root."""
    units = []
    for start in range(0, len(shape.indices), 2 * FAN_IN):
        a0, b0, a1, b1, a2, b2, a3, b3 = shape.indices[start : start + 2 * FAN_IN]
        weighted = pool[a0] * pool[b0] + pool[a1] * pool[b1] + pool[a2] * pool[b2] + pool[a3] * pool[b3]
        units.append(((weighted * 0.5).relu()) ** 2)
    while len(units) > 1:
        paired = [units[i] + units[i + 1] for i in range(0, len(units) - 1, 2)]
        if len(units) % 2:
            paired.append(units[-1])
        units = paired
    return units[0]


def number(value: Any) -> float:
    """The float inside a chainrule or micrograd Value, or a 0-d torch tensor."""
    return float(value.data) if not hasattr(value, "detach") else value.item()


def gradient(value: Any) -> float:
    """The gradient stored on a leaf, in any of the libraries."""
    grad = value.grad
    return float(grad) if not hasattr(grad, "detach") else grad.item()


def build_chain(operations: int, pool: Sequence[Any]) -> Any:
    """A chain ``x = x·w + b`` about ``operations`` nodes deep (two per link), over the pool's leaves."""
    x = pool[0]
    for link in range(operations // 2):
        x = x * pool[1 + link % (POOL - 1)] + pool[1 + (link + 1) % (POOL - 1)]
    return x


def check_same_work(shape: Shape, libraries: Sequence[Library]) -> None:
    """Fail loudly unless every library builds the same graph: same value, node count and gradients."""
    expected: list[float] | None = None
    for library in libraries:
        pool = make_pool(library)
        root = build(shape, pool)
        if library.name != "torch" and count_operations(root) != shape.operations:
            raise AssertionError(
                f"expression graph: {library.name} built {count_operations(root)} operation nodes, "
                f"expected {shape.operations}"
            )
        root.backward()
        found = [number(root), *(gradient(leaf) for leaf in pool)]
        if expected is None:
            expected = found
        else:
            _check_agreement(found, expected, f"{library.name} disagrees with the first library")


def _check_agreement(found: Sequence[float], expected: Sequence[float], what: str) -> None:
    """Fail unless the output and gradients ``found`` match ``expected`` to 1e-9 of their scale."""
    scale = max(1.0, *map(abs, expected))
    worst = max(abs(a - b) for a, b in zip(found, expected))
    if worst > 1e-9 * scale:
        raise AssertionError(f"expression graph: {what} by {worst}")


def run(libraries: Sequence[Library], operations: int, repeats: int) -> list[Result]:
    """Benchmarks 2–4 on a graph of about ``operations`` operation nodes: time and bytes per node."""
    shape = shape_with(operations)
    check_same_work(shape, libraries)
    n = shape.operations
    both = Result(f"expression build+backward ({n:,} nodes)", "µs/node", target=8, target_of=CLOSED_GOAL)
    build_only = Result("expression build alone", "µs/node")
    backward_only = Result("backward alone, prebuilt graph", "µs/node")
    memory = Result("bytes per node (graph build)", "B/node", target=0.25, target_of="#6's goal")
    timed = {result.benchmark: result for result in (both, build_only, backward_only)}
    works: dict[tuple[str, str], Work] = {}
    for library in libraries:

        def fresh_pool(library: Library = library) -> list[Any]:
            return make_pool(library)

        def fresh_graph(library: Library = library) -> Any:
            return build(shape, make_pool(library))

        works[both.benchmark, library.name] = (lambda pool: build(shape, pool).backward(), fresh_pool)
        works[build_only.benchmark, library.name] = (lambda pool: build(shape, pool), fresh_pool)
        # One backward per fresh graph: a second micrograd backward would count intermediate grads twice.
        works[backward_only.benchmark, library.name] = (lambda root: root.backward(), fresh_graph)
        if library.name != "torch":  # torch allocates its tensors in C++, out of tracemalloc's sight
            memory.values[library.name] = bytes_allocated(fresh_graph) / n
    if CHAINRULE in libraries:
        compiled, seconds = compiled_expression(shape)
        works[both.benchmark, COMPILED] = (compiled, None)
        both.note = f"autograd.compile took {seconds:.2g} s once"
    for (benchmark, name), timing in time_interleaved(works, repeats).items():
        timed[benchmark].add(name, tuple(t / n * 1e6 for t in timing.runs), variant=name == COMPILED)
    if COMPILED in both.variants:
        both.variants["compiled"] = both.variants.pop(COMPILED)
        both.samples["compiled"] = both.samples.pop(COMPILED)
    return [both, build_only, backward_only, memory]


def compiled_expression(shape: Shape) -> tuple[autograd.CompiledFunction, float]:
    """The graph's forward and backward passes as straight-line Python, traced once by ``autograd.compile``.

    Each call computes the same value and adds the same gradients to the pool's leaves as building
    the graph and calling ``backward()``; that is checked here. Returns it and the seconds it took.
    """
    pool = make_pool(CHAINRULE)
    started = time.perf_counter()
    compiled = autograd.compile(lambda: build(shape, pool))
    value = compiled()  # the first call traces and compiles
    seconds = time.perf_counter() - started
    reference_pool = make_pool(CHAINRULE)
    reference = build(shape, reference_pool)
    reference.backward()
    _check_agreement(
        [value, *(leaf.grad for leaf in pool)],
        [reference.data, *(leaf.grad for leaf in reference_pool)],
        "the compiled function disagrees with backward()",
    )
    return compiled, seconds
