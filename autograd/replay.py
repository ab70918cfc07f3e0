"""Batched replay: a function traced on one example, run over a whole batch at once with NumPy.

``step = autograd.compile(loss, x0, y0, batch=True)`` traces ``loss`` once on one example, as
``compile`` does, and writes the same graph as NumPy code: every value of the trace becomes an
array with one entry per example (a value that depends only on parameters stays one number), and
the chain rule runs on whole arrays; a value the same for every example (a parameter) keeps its
gradient summed over the batch, each share summed as it arrives (``g7 += v3.dot(g9)``: Σ over
the examples of v3·g9). ``step(X, Y)`` returns the outputs of every example and adds
to each parameter's ``.grad`` the sum over the batch of ∂output/∂parameter, exactly what looping
``loss(x, y).backward()`` over the examples adds (``reduction="mean"``: the mean). The lines come
from the op templates ``compile`` writes from, read as NumPy (``math.`` → ``np.``, ``a if c else b``
→ ``np.where(c, a, b)``); ``step.source`` shows them.

``fuse=True`` goes one step further: the neurons that share their inputs (a layer) become one
matrix product, so the code reads as a tensor library's: ``z1 = x @ W1.T + b1``, ``a1 = tanh(z1)``,
then backwards ``dz1 = (1.0 - a1 * a1) * da1``, ``dW1 = dz1.T @ x``, ``db1 = dz1.sum(0)``. Column j
of ``dz1`` is δ of neuron j for every example; ``db1`` sums it over the batch, ∂C/∂b = Σ δ.

The trace is a recording of one example, so the operations must not depend on the data: a Python
``if`` on a value, or a number read from the data and used as a constant, would be replayed with
the traced example's choice for every example. The first call therefore traces a few examples of
its batch again and raises ``TraceMismatchError`` if a graph differs; ``step.check(X, Y)``
traces every example. (``nn``'s losses are written branch-free for this.)

An operation outside its domain (log of 0, overflow) raises ``FloatingPointError`` naming the line,
as the engine raises for that example. NumPy is an optional extra: ``pip install 'chainrule[tensor]'``.
"""

from __future__ import annotations

import ast
import builtins
import heapq
import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

try:
    import numpy as np
except ImportError as error:  # pragma: no cover - exercised where NumPy is missing
    raise ImportError(
        "autograd.compile(..., batch=True) replays the graph with NumPy, which is not installed: "
        "pip install 'chainrule[tensor]'"
    ) from error

from .compiler import (
    Language,
    TraceMismatchError,
    _argument_names,
    _comment,
    _failing_line,
    _forward_lines,
    _identifier,
    _literal,
    _parenthesised,
    _trace,
    load,
    node_code,
)
from .ops import OPS
from .value import Value, storing, topological_order

CHECKED_EXAMPLES = 8
"""How many examples of its first batch a replay traces again to confirm the graph is the same."""

REDUCTIONS = ("sum", "mean")


_NUMPY_NAMES = {"fabs": "abs"}
"""The functions of ``math`` the templates use whose NumPy names differ."""


class _ToNumPy(ast.NodeTransformer):
    """An expression for arrays: ``math.f`` → ``np.f``, ``where`` → ``np.where``, ``and`` →
    ``np.logical_and`` (Python's ``and`` asks an array for one truth value)."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "math":
            return ast.Attribute(
                ast.Name("np", ast.Load()), _NUMPY_NAMES.get(node.attr, node.attr), ast.Load()
            )
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "where":
            return ast.Attribute(ast.Name("np", ast.Load()), "where", ast.Load())
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        function = ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())
        result = node.values[0]
        for value in node.values[1:]:
            result = ast.Call(function, [result, value], [])
        return result


def numpy_expression(expression: str) -> str:
    """A filled-in op template (``autograd.ops``) as NumPy, to run on whole arrays."""
    if not re.search(r"math\.|where\(| and | or ", expression):
        return expression  # arithmetic and comparisons read the same
    return ast.unparse(_ToNumPy().visit(ast.parse(expression, mode="eval")))


NUMPY = Language("numpy", "#", "", "", numpy_expression)
"""The replay's language for ``compile``'s writers: Python statements, NumPy expressions."""


def refuse(condition: Any, op: str, reason: str) -> None:
    """Raise where an op's domain ``condition`` holds for an example, as the engine raises for it."""
    where = np.flatnonzero(condition)
    if len(where):
        example = f"example {where[0]}" if np.ndim(condition) else "every example"
        raise FloatingPointError(f"{op}, at {example} of the batch: {reason}")


# --- the replayed function ------------------------------------------------------------------------


class ReplayedFunction:
    """A function traced on one example and replayed over batches; call it with one array per input.

    ``source`` is the NumPy code, ``parameters`` the Values it reads (and whose ``.grad`` it adds
    to), in the order of the array ``gradients`` (the last call's sum or mean over the batch).
    """

    def __init__(self, fn: Callable[..., Value], example_inputs: tuple[Any, ...], reduction: str, fuse: bool):
        if reduction not in REDUCTIONS:
            raise ValueError(f"compile: reduction must be 'sum' or 'mean', got {reduction!r}")
        if not example_inputs:
            raise TypeError("compile(..., batch=True) needs one example's inputs to trace the function on")
        self.fn, self.reduction, self.fused = fn, reduction, fuse
        self.name = _identifier(getattr(fn, "__name__", ""))
        self._names = _argument_names(fn, len(example_inputs))
        self._shapes = [_example_shape(x, name) for x, name in zip(example_inputs, self._names)]
        example_inputs = tuple(x.tolist() if isinstance(x, np.ndarray) else x for x in example_inputs)
        output, leaves = _trace(fn, example_inputs, self._names)
        self._signature = _signature(output, leaves)
        code = _write(self.name, output, leaves, self._shapes, self._array_names(), fuse)
        self.source, self.parameters, self.layers = code.source, code.parameters, code.layers
        self.gradients = np.zeros(len(self.parameters))
        self._checked = False
        self._filename = f"<replayed {self.name} {next(_count)}>"
        self._run = load(self.source, self.name, self._filename, {"np": np, "refuse": refuse})

    def __call__(self, *batch: Any) -> Any:
        """Every example's output (an array); each parameter's ``.grad`` grows by the batch's gradient."""
        arrays, n = self._arrays(batch)
        if not self._checked:
            self._check(arrays, _spread(n, CHECKED_EXAMPLES))
            self._checked = True
        theta = list(map(_DATA, self.parameters))  # numbers: a line that reads one is quicker with a float
        try:
            with np.errstate(all="ignore"):  # where(...) computes both sides; the domains are checked
                output, gradients = self._run(arrays, theta, n)
        except FloatingPointError as error:
            raise FloatingPointError(
                f"{self.name} (replayed), {_failing_line(error, self._filename)}: {error}"
            ) from None
        if self.reduction == "mean":
            gradients /= n
        self.gradients = gradients
        with storing:
            for p, g in zip(self.parameters, gradients.tolist()):
                p.grad += g
        return output

    def check(self, *batch: Any) -> None:
        """Trace the function again on every example of ``batch``: ``TraceMismatchError`` if one differs."""
        arrays, n = self._arrays(batch)
        self._check(arrays, range(n))

    def __repr__(self) -> str:
        kind = "fused " if self.fused else ""
        lines, count = self.source.count("\n"), len(self.parameters)
        return f"<{kind}replayed {self.name}: {lines} lines, {count} parameters>"

    def _arrays(self, batch: tuple[Any, ...]) -> tuple[list[Any], int]:
        """Each input as a 2-D float array, one row per example; ``ValueError`` unless they fit the trace."""
        if len(batch) != len(self._shapes):
            raise ValueError(
                f"{self.name} (replayed): traced with {len(self._shapes)} inputs, called with {len(batch)}"
            )
        arrays, sizes = [], set()
        for x, shape, name in zip(batch, self._shapes, self._names):
            array = np.asarray(x, dtype=float)
            if array.shape[1:] != shape or array.ndim == 0:
                raise ValueError(
                    f"{self.name} (replayed): {name} must hold one example of shape {shape} per row "
                    f"(an array of shape (batch, {', '.join(map(str, shape))})), got shape {array.shape}"
                )
            sizes.add(len(array))
            arrays.append(array.reshape(len(array), -1))
        if len(sizes) != 1 or 0 in sizes:
            raise ValueError(
                f"{self.name} (replayed): the inputs must hold the same number (≥ 1) of examples"
            )
        return arrays, sizes.pop()

    def _array_names(self) -> list[str]:
        return [name if _free(name) else f"input{i}" for i, name in enumerate(self._names)]

    def _check(self, arrays: list[Any], examples: Any) -> None:
        for i in examples:
            example = [row[i].reshape(shape).tolist() for row, shape in zip(arrays, self._shapes)]
            output, leaves = _trace(self.fn, example, self._names)
            where = _first_difference(self._signature, _signature(output, leaves))
            if where:
                raise TraceMismatchError(
                    f"{self.name}: the graph depends on the data: traced on example {i} of the batch it "
                    f"differs from the traced example ({where}). A Python `if` on a value, or a number "
                    "read from the data and used as a constant, changes the operations from one example "
                    "to the next, and a batched replay runs one graph for all; write the function "
                    "without them (nn's losses are branch-free) or compile it per example"
                )


def replay(
    fn: Callable[..., Value], *example_inputs: Any, reduction: str = "sum", fuse: bool = False
) -> ReplayedFunction:
    """``fn`` traced on one example and replayed over batches with NumPy (see the module's notes)."""
    if not callable(fn):
        raise TypeError(f"compile: expected a function, got {type(fn).__name__}: {fn!r}")
    return ReplayedFunction(fn, example_inputs, reduction, fuse)


_count = itertools.count()
_DATA = operator.attrgetter("data")


def _example_shape(x: Any, name: str) -> tuple[int, ...]:
    """The shape of one example's input ``x``: () for a number, (2,) for a list of two."""
    try:
        return tuple(np.shape(np.asarray(x, dtype=float)))
    except (TypeError, ValueError):
        raise ValueError(
            f"compile(..., batch=True): {name} must be a number or a rectangular (nested) list of numbers"
        ) from None


def _free(name: str) -> bool:
    """Whether an input's name can name its array in the code without meeting a name the code makes."""
    made = r"([vgWbzaX]|d[zaWbX])\d+|theta|grads|n|np|refuse"
    return name.isidentifier() and not re.fullmatch(made, name)


def _spread(n: int, count: int) -> list[int]:
    """Up to ``count`` example numbers spread over 0 … n − 1, both ends included."""
    count = min(n, count)
    return sorted({round(i * (n - 1) / max(count - 1, 1)) for i in range(count)})


# --- the graph's structure, to compare traces ------------------------------------------------------


def _signature(output: Value, leaves: list[Value]) -> list[tuple[Any, ...]]:
    """What the code depends on, node by node: each op and where its inputs come from, each constant."""
    order = topological_order(output)
    position = {node: i for i, node in enumerate(order)}
    leaf_number = {leaf: i for i, leaf in enumerate(leaves)}
    rows: list[tuple[Any, ...]] = []
    for node in order:
        if node in leaf_number:
            rows.append(("input", leaf_number[node]))
        elif node.is_leaf:
            rows.append(("parameter", id(node)) if node.requires_grad else ("constant", node.data.hex()))
        else:
            rows.append((node.op, *[position[x] for x in node.inputs]))
    return rows


def _first_difference(traced: list[tuple[Any, ...]], again: list[tuple[Any, ...]]) -> str:
    """Where two signatures part: ``""`` if they do not."""
    for number, (old, new) in enumerate(zip(traced, again)):
        if old[0] == new[0] == "parameter" and old != new:
            return (
                f"node {number} is a new Value made inside the function: make it once, outside, or constant"
            )
        if old != new:
            return f"node {number} is {_describe(new)} there and {_describe(old)} in the trace"
    if len(traced) != len(again):
        return f"{len(again)} nodes there, {len(traced)} in the trace"
    return ""


def _describe(row: tuple[Any, ...]) -> str:
    if row[0] == "constant":
        return f"the constant {float.fromhex(row[1])!r}"
    return f"{row[0]}{row[1:]!r}" if row[0] not in ("input", "parameter") else f"an {row[0]}"


# --- writing the code -----------------------------------------------------------------------------


@dataclass
class Layer:
    """Neurons that share their inputs ``xs``, replayed as one matrix product: column j is neuron j."""

    number: int
    zs: list[Value]
    xs: tuple[Value, ...]
    weights: list[list[Value]]
    biases: list[Value] | None
    activations: list[Value] | None = None
    x_code: str = ""
    first: int = 0
    """The position in ``parameters`` of W's first entry: W is row-major, then b."""

    @property
    def members(self) -> list[Value]:
        return self.zs + (self.activations or [])


@dataclass
class Code:
    """The replay's code: ``source`` defines ``name(inputs, theta, n)`` returning (outputs, gradients);
    ``theta`` is the list of the parameters' values, in the order of ``parameters``."""

    source: str
    parameters: tuple[Value, ...]
    layers: list[Layer] = field(default_factory=list)


@dataclass
class _Writer:
    """The state of writing one replay: names of values and gradients, lines, what is defined."""

    order: list[Value]
    on_path: set[Value]
    batched: set[Value]
    layers: list[Layer]
    names: dict[Value, str] = field(default_factory=dict)
    grads: dict[Value, str] = field(default_factory=dict)
    block_of: dict[Value, tuple[str, int, int]] = field(default_factory=dict)
    block_names: dict[str, str] = field(default_factory=dict)
    """The scalar gradients each layer's block holds (``dz1``: ``g5, g10, …, g80``), for its comments."""
    started: set[str] = field(default_factory=set)
    body: list[str] = field(default_factory=list)
    arrays: set[str] = field(default_factory=set)
    """The names in the code that hold one number per example (the rest hold one for all)."""
    owned: set[str] = field(default_factory=set)
    """The gradients that hold an array no other name shares (not ``g5 = g7``): ``+=`` is safe on them."""

    def is_array(self, expression: str) -> bool:
        """Whether ``expression`` reads a name that holds one number per example."""
        return not self.arrays.isdisjoint(re.findall(r"[A-Za-z_]\w*", expression))

    def pass_gradient(self, node: Value, x: Value, derivative: str) -> None:
        """``∂output/∂x += ∂node/∂x · ∂output/∂node``. A value that is the same for every example
        (a parameter, the L2 penalty) keeps its gradient summed over the batch: its share from a
        node that differs per example is summed as it is passed (``x.dot(g)`` is Σ x·g)."""
        upstream = self.grads[node]
        if x in self.batched or node not in self.batched:
            term = upstream if derivative == "1.0" else f"{_parenthesised(derivative)} * {upstream}"
        elif self.is_array(derivative) and self.is_array(upstream):
            term = f"{_parenthesised(derivative)}.dot({upstream})"
        elif self.is_array(derivative) or self.is_array(upstream):
            array, factor = (derivative, upstream) if self.is_array(derivative) else (upstream, derivative)
            term = f"{_parenthesised(array)}.sum()" + ("" if factor == "1.0" else f" * {factor}")
        else:
            term = (
                f"n * {upstream}" if derivative == "1.0" else f"n * {_parenthesised(derivative)} * {upstream}"
            )
        self.add_gradient(x, term)

    def add_gradient(self, x: Value, term: str) -> None:
        """``∂output/∂x += term``: a column of a layer's gradient, or a value's own."""
        if x in self.block_of:
            block, column, width = self.block_of[x]
            if block not in self.started:
                self.body.append(f"{block} = np.zeros((n, {width}))  # {self.block_names[block]}")
                self.started.add(block)
            self.body.append(f"{block}[:, {column}] += {term}")
            return
        g = self.grads[x]
        if x in self.batched and self.is_array(term):
            self.arrays.add(g)
        if g in self.owned:
            self.body.append(f"{g} += {term}")
        elif g in self.started:
            self.body.append(f"{g} = {g} + {term}")
            self.owned.add(g)
        else:
            self.body.append(f"{g} = {term}")
            self.started.add(g)
            if not re.fullmatch(r"[\w.]+(\[.*\])?", term):  # not another's array (g5 = g7, dX1[:, 0])
                self.owned.add(g)

    def add_block_gradient(self, block: str, term: str) -> None:
        """``block += term``: a layer's gradients, all at once."""
        names = self.block_names[block]
        if block in self.started:
            self.body.append(f"{block} = {block} + {term}  # {names}")
        else:
            self.body.append(f"{block} = {term}  # {names}")
            self.started.add(block)


def _write(
    name: str,
    output: Value,
    leaves: list[Value],
    shapes: list[tuple[int, ...]],
    arrays: list[str],
    fuse: bool,
) -> Code:
    """The source of ``def name(inputs, theta, n)``: forward over the batch, then the chain rule on arrays."""
    order = topological_order(output)
    leaf_column = _leaf_columns(leaves, shapes)
    on_path = {node for node in order if node.is_leaf and node.requires_grad and node not in leaf_column}
    batched = set(leaf_column)
    for node in order:
        if any(x in on_path for x in node.inputs):
            on_path.add(node)
        if any(x in batched for x in node.inputs):
            batched.add(node)
    layers = _layers(order, on_path, batched, _consumers(order)) if fuse else []
    units = _units(order, layers)
    if units is None:  # layers that feed each other in a circle: replay without fusing
        layers, units = [], _units(order, [])
    assert units is not None
    w = _Writer(order, on_path, batched, layers)
    parameters = _number_values(w, leaf_column, arrays)
    w.body.append('"""The traced function over a batch: returns every output and the gradients\' sum."""')
    w.body += [f"{array} = inputs[{i}]" for i, array in enumerate(arrays)]
    w.body.append("# forward pass: each value for every example at once (a row per example)")
    scalar_units = [u for u in units if isinstance(u, Value)]
    used = {x for u in scalar_units for x in u.inputs} | {
        x for layer in layers if not layer.x_code for x in layer.xs
    }
    index = {p: i for i, p in enumerate(parameters)}
    for node in order:  # the leaves the scalar lines read: inputs' columns, parameters
        if node in leaf_column and node in used:
            array, column = leaf_column[node]
            w.body.append(f"{w.names[node]} = {arrays[array]}[:, {column}]" + _comment(node))
        elif node in index and node in used:
            w.body.append(f"{w.names[node]} = theta[{index[node]}]" + _comment(node))
    for unit in units:
        w.body += _layer_forward(unit, w) if isinstance(unit, Layer) else _node_forward(unit, w.names)
    w.body.append("grads = np.zeros(len(theta))")
    if output in on_path:
        _backward(w, units, output, parameters)
    result = w.names[output] if output in batched else f"np.full(n, {w.names[output]})"
    w.body.append(f"return {result}, grads")
    source = f"def {name}(inputs, theta, n):\n" + "".join(f"    {line}\n" for line in w.body)
    return Code(source, tuple(parameters), layers)


def _leaf_columns(leaves: list[Value], shapes: list[tuple[int, ...]]) -> dict[Value, tuple[int, int]]:
    """Each input leaf's argument and column: the arrays are flattened to one row per example."""
    columns: dict[Value, tuple[int, int]] = {}
    sizes = [int(np.prod(shape)) for shape in shapes]
    leaf = iter(leaves)
    for argument, size in enumerate(sizes):
        for column in range(size):
            columns[next(leaf)] = (argument, column)
    return columns


def _number_values(w: _Writer, leaf_column: dict[Value, tuple[int, int]], arrays: list[str]) -> list[Value]:
    """Name every value as ``compile`` does (``v7``; constants as literals) and each layer's blocks;
    return the parameters in the order of ``theta``: each layer's W (row by row) and b, then the rest."""
    number = itertools.count()
    for node in w.order:
        if node.is_leaf and not node.requires_grad and node not in leaf_column:
            w.names[node] = _literal(node.data)
        else:
            w.names[node] = f"v{next(number)}"
            w.grads[node] = f"g{w.names[node][1:]}"
    parameters: list[Value] = []
    for layer in w.layers:
        layer.first = len(parameters)
        parameters += [p for row in layer.weights for p in row] + (layer.biases or [])
        layer.x_code = _x_code(layer, w, leaf_column, arrays)
        for j, z in enumerate(layer.zs):
            w.names[z] = f"z{layer.number}[:, {j}]"
            w.block_of[z] = (f"dz{layer.number}", j, len(layer.zs))
        for j, a in enumerate(layer.activations or []):
            w.names[a] = f"a{layer.number}[:, {j}]"
            w.block_of[a] = (f"da{layer.number}", j, len(layer.zs))
        w.block_names[f"dz{layer.number}"] = _span(layer.zs, w, "g")
        if layer.activations:
            w.block_names[f"da{layer.number}"] = _span(layer.activations, w, "g")
    in_layers = set(parameters)
    parameters += [node for node in w.order if node.is_leaf and node in w.on_path and node not in in_layers]
    w.arrays.update(re.split(r"\W", w.names[node])[0] for node in w.order if node in w.batched)
    for layer in w.layers:
        w.arrays.update(name + str(layer.number) for name in ("X", "z", "a", "dX", "dz", "da"))
    return parameters


def _x_code(layer: Layer, w: _Writer, leaf_column: dict[Value, tuple[int, int]], arrays: list[str]) -> str:
    """The name of a layer's input matrix when it is a whole array already (an input, an earlier
    layer's output), else "" (its columns are stacked)."""
    xs = list(layer.xs)
    for argument, array in enumerate(arrays):
        columns = [leaf for leaf, (a, _) in leaf_column.items() if a == argument]
        if xs == columns:
            return array
    for earlier in w.layers[: layer.number - 1]:
        if xs == (earlier.activations or earlier.zs):
            return f"{'a' if earlier.activations else 'z'}{earlier.number}"
    return ""


def _consumers(order: list[Value]) -> dict[Value, list[Value]]:
    users: dict[Value, list[Value]] = {node: [] for node in order}
    for node in order:
        for x in node.inputs:
            users[x].append(node)
    return users


def _layers(
    order: list[Value], on_path: set[Value], batched: set[Value], users: dict[Value, list[Value]]
) -> list[Layer]:
    """The neurons (``linear`` or ``dot`` nodes with parameters as weights) grouped by shared inputs."""

    def is_parameter(v: Value) -> bool:
        return v.is_leaf and v in on_path

    groups: dict[tuple[Any, ...], list[Value]] = {}
    for node in order:
        if node.op not in ("linear", "dot"):
            continue
        count = (len(node.inputs) - (node.op == "linear")) // 2
        xs, rest = node.inputs[:count], node.inputs[count:]
        if all(x in batched and not is_parameter(x) for x in xs) and all(map(is_parameter, rest)):
            groups.setdefault((node.op, *map(id, xs)), []).append(node)
    layers: list[Layer] = []
    taken: set[Value] = set()
    for zs in groups.values():
        count = len(zs[0].inputs) // 2
        own = [p for z in zs for p in z.inputs[count:]]
        if len(set(own)) != len(own) or taken.intersection(own):
            continue  # a weight shared between neurons: replay those neurons one by one
        taken.update(own)
        biases = [z.inputs[-1] for z in zs] if zs[0].op == "linear" else None
        weights = [list(z.inputs[count : 2 * count]) for z in zs]
        layer = Layer(len(layers) + 1, zs, zs[0].inputs[:count], weights, biases)
        layer.activations = _activations(zs, users)
        layers.append(layer)
    return layers


def _activations(zs: list[Value], users: dict[Value, list[Value]]) -> list[Value] | None:
    """Each z's one user if they all apply the same op with the same constants (tanh, relu, ...)."""
    acts = [users[z][0] if len(users[z]) == 1 else None for z in zs]
    if any(a is None or a.inputs[0] is not z or a.op in ("sum", "dot", "linear") for a, z in zip(acts, zs)):
        return None
    first = acts[0]
    assert first is not None
    settings = [x.data for x in first.inputs[1:]]
    for a in acts:
        assert a is not None
        others = a.inputs[1:]
        if a.op != first.op or any(not x.is_leaf or x.requires_grad for x in others):
            return None
        if [x.data for x in others] != settings:
            return None
    return acts  # type: ignore[return-value]


def _units(order: list[Value], layers: list[Layer]) -> list[Any] | None:
    """What the code computes, in an order that has every input first: whole layers and single nodes.

    Kahn's algorithm, taking the unit whose first node comes first in ``order``; None if layers
    depend on each other in a circle."""
    position = {node: i for i, node in enumerate(order)}
    unit_of: dict[Value, Any] = {}
    units: list[Any] = []
    for layer in layers:
        unit_of.update(dict.fromkeys(layer.members, len(units)))
        units.append(layer)
    for node in order:
        if not node.is_leaf and node not in unit_of:
            unit_of[node] = len(units)
            units.append(node)
    needs: list[set[int]] = [set() for _ in units]
    for node, unit in unit_of.items():
        needs[unit].update(unit_of[x] for x in node.inputs if x in unit_of and unit_of[x] != unit)
    users: list[list[int]] = [[] for _ in units]
    for unit, needed in enumerate(needs):
        for other in needed:
            users[other].append(unit)
    first = [min(position[m] for m in (u.members if isinstance(u, Layer) else [u])) for u in units]
    ready = [(first[u], u) for u in range(len(units)) if not needs[u]]
    heapq.heapify(ready)
    written: list[Any] = []
    while ready:
        _, unit = heapq.heappop(ready)
        written.append(units[unit])
        for user in users[unit]:
            needs[user].discard(unit)
            if not needs[user]:
                heapq.heappush(ready, (first[user], user))
    return written if len(written) == len(units) else None


def _span(values: list[Value], w: _Writer, prefix: str = "v") -> str:
    """``v4, v7, …, v49`` or the labels ``layers.0.neurons.0.b … layers.0.neurons.15.b``; with
    ``prefix="g"`` their gradients' names, ``g4, g7, …, g49``."""
    labels = [v.label for v in values]
    if all(labels):
        return f"{labels[0]} … {labels[-1]}" if len(values) > 1 else labels[0]
    numbers = [f"{prefix}{w.grads[v][1:]}" for v in values]
    return ", ".join(numbers) if len(numbers) <= 3 else f"{numbers[0]}, {numbers[1]}, …, {numbers[-1]}"


def _layer_forward(layer: Layer, w: _Writer) -> list[str]:
    """A layer's lines: its weights as a matrix, z = X @ W.T + b, and its activation."""
    l, k, count = layer.number, len(layer.zs), len(layer.xs)
    start, end = layer.first, layer.first + k * count
    lines = [f"# layer {l}: {k} neuron{'s' * (k > 1)} on the same {count} inputs, one matrix product"]
    weights = _span([p for row in layer.weights for p in row], w)
    lines.append(f"W{l} = np.reshape(theta[{start}:{end}], ({k}, {count}))  # {weights}")
    if layer.biases:
        lines.append(f"b{l} = np.array(theta[{end}:{end + k}])  # {_span(layer.biases, w)}")
    if not layer.x_code:
        layer.x_code = f"X{l}"
        lines.append(f"X{l} = np.stack([{', '.join(w.names[x] for x in layer.xs)}], axis=1)")
    bias = f" + b{l}" if layer.biases else ""
    lines.append(f"z{l} = {layer.x_code} @ W{l}.T{bias}  # {_span(layer.zs, w)}: each neuron's z")
    if layer.activations:
        act = layer.activations[0]
        names = _activation_names(layer, w)
        code = OPS[act.op].code
        assert isinstance(code, str)
        forward = numpy_expression(code.format(*[names[x] for x in act.inputs], out=names[act]))
        lines.append(f"a{l} = {forward}  # {_span(layer.activations, w)}: {act.op}")
        lines += _domain_lines(act, names)
    return lines


def _activation_names(layer: Layer, w: _Writer) -> dict[Value, str]:
    """Names that write neuron 0's activation as the whole layer's: z1 → a1 (its settings as they are)."""
    assert layer.activations
    act = layer.activations[0]
    return {act.inputs[0]: f"z{layer.number}", act: f"a{layer.number}"} | {
        x: w.names[x] for x in act.inputs[1:]
    }


def _node_forward(node: Value, names: dict[Value, str]) -> list[str]:
    """``node``'s line (lines, for a long sum), then a check of its op's domain, as the engine checks."""
    return _forward_lines(node, names, NUMPY) + _domain_lines(node, names)


def _constant(test: str) -> bool:
    try:
        eval(builtins.compile(test, "<domain>", "eval"), {"np": np, "__builtins__": {}})
    except NameError:
        return False
    return True


def _domain_lines(node: Value, names: dict[Value, str]) -> list[str]:
    lines = []
    for test, reason in node_code(node, names, NUMPY).domain:
        if _constant(test):
            continue  # on constants only (a division by 2.0): the trace passed it, so does every example
        lines.append(f"if np.any({test}): refuse({test}, {node.op!r}, {reason!r})")
    return lines


def _backward(w: _Writer, units: list[Any], output: Value, parameters: list[Value]) -> None:
    """The chain rule, last unit first: a node hands ∂output/∂node on to its inputs, a layer as matrices."""
    w.body.append(
        "# backward pass: the chain rule on arrays, last value first:  g_input += ∂node/∂input · g_node"
    )
    if any(node not in w.batched for node in w.on_path):
        w.body.append(
            "# a value the same for every example (a parameter) sums its g over the batch as it arrives:"
        )
        w.body.append("# x.dot(g) is Σ x·g; n * g, a g the same for every example n times")
    if output in w.batched:
        w.add_gradient(output, "1.0")
    else:  # the same output for every example: ∂output/∂output summed over the batch
        w.add_gradient(output, "float(n)")
    for unit in reversed(units):
        if isinstance(unit, Layer):
            _layer_backward(unit, w)
        elif unit in w.on_path:
            local = node_code(unit, w.names, NUMPY).derivatives
            for x, derivative in zip(unit.inputs, local):
                if x in w.on_path:
                    w.pass_gradient(unit, x, derivative)
    w.body.append("# each parameter's gradient, summed over the batch")
    for layer in w.layers:
        l, k, start = layer.number, len(layer.zs), layer.first
        end = start + k * len(layer.xs)
        w.body.append(f"grads[{start}:{end}] = dW{l}.ravel()")
        if layer.biases:
            w.body.append(f"grads[{end}:{end + k}] = db{l}")
    index = [i for i, p in enumerate(parameters) if w.grads[p] in w.started]
    if index:
        into = f"{index[0]}:{index[-1] + 1}" if index == list(range(index[0], index[-1] + 1)) else index
        gradients = ", ".join(w.grads[parameters[i]] for i in index)
        w.body.append(f"grads[{into}] += [{gradients}]")


def _layer_backward(layer: Layer, w: _Writer) -> None:
    """δ of every neuron for every example, then ∂C/∂W, ∂C/∂b and the gradient passed back to X."""
    l = layer.number
    for block in (f"da{l}",) if layer.activations else ():
        if block not in w.started:
            w.body.append(f"{block} = np.zeros((n, {len(layer.zs)}))  # {w.block_names[block]}")
    if layer.activations:
        names = _activation_names(layer, w)
        derivative = node_code(layer.activations[0], names, NUMPY).derivatives[0]
        deltas = f"{w.block_names[f'dz{l}']}: δ of each neuron, each example"
        w.body.append(f"dz{l} = {_parenthesised(derivative)} * da{l}  # {deltas}")
    elif f"dz{l}" not in w.started:
        w.body.append(f"dz{l} = np.zeros((n, {len(layer.zs)}))  # {w.block_names[f'dz{l}']}")
    weights = _span([p for row in layer.weights for p in row], w, "g")
    w.body.append(f"dW{l} = dz{l}.T @ {layer.x_code}  # ∂C/∂w = Σ over the batch of δ·x: {weights}")
    if layer.biases:
        w.body.append(f"db{l} = dz{l}.sum(0)  # ∂C/∂b = Σ over the batch of δ: {_span(layer.biases, w, 'g')}")
    if not any(x in w.on_path for x in layer.xs):
        return
    if re.fullmatch(r"[az]\d+", layer.x_code):
        w.add_block_gradient(f"d{layer.x_code}", f"dz{l} @ W{l}")
        return
    w.body.append(f"dX{l} = dz{l} @ W{l}  # {_span(list(layer.xs), w, 'g')}")
    for i, x in enumerate(layer.xs):
        if x in w.on_path:
            w.add_gradient(x, f"dX{l}[:, {i}]")
