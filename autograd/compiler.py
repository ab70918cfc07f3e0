"""``compile``: trace a function once, then run its forward and backward passes as plain Python.

``step = autograd.compile(loss_fn, X, y)`` calls ``loss_fn`` once on Values to record its graph,
then writes the graph out as straight-line code: one line per node for the forward pass, then the
backward pass as one line per use of a value, last node first. ``g3 += v5 * g7`` reads
"∂L/∂v3 += ∂v7/∂v3 · ∂L/∂v7": the chain rule, written out. ``step.source`` is that code, to read.

``step(X, y)`` runs the code on new numbers with the parameters' current ``.data``, adds
∂output/∂parameter to each parameter's ``.grad`` (as ``loss.backward()`` does) and returns the
output as a float. A training loop becomes ``optimizer.zero_grad(); loss = step(X, y);
optimizer.step()``.

The code is a recording of one run, so the *structure* of the computation must not depend on the
numbers: the same operations on the same operands, whatever the data. A branch inside an operation
(relu, abs) is fine, it is in the code. A Python ``if`` on ``.data`` in ``loss_fn`` is not, nor is a
number read from the data and then used as a constant: both are frozen at their traced values.
``step.check(X, y)`` traces again on other data and raises ``TraceMismatchError`` where the code
would differ; inputs of another shape raise ``ValueError`` at every call.

Size matters: Python compiles about 50 000 lines a second. micrograd's demo step over 100 samples
is 80 000 lines (1.6 s to compile once, then about 6 ms a step, against about 65 ms for the
engine). When the loss is a sum over samples, compiling one sample's term (1 500 lines, 60 ms) and
calling it in a loop is about as fast per step; gradients add up over the calls.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import keyword
import linecache
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .functional import enable_grad
from .ops import OPS
from .value import Value, is_number, storing, topological_order

TERMS_PER_LINE = 100
"""A sum of more terms is written over several lines: Python cannot compile a 1000-term expression."""

Shape = Any
"""The nesting of an argument: ``None`` for a number, a tuple of shapes for a list or tuple."""

# --- each op of the derivative table as code --------------------------------------------------------
# The rules of ``ops.py`` again, as Python source to write into the code: format templates over the
# inputs' names ``{0}``, ``{1}``, … and the output's ``{out}``. A forward template may call the op's
# own ``forward`` by the op's name (a guard that raises outside the op's domain). A sum of any number
# of terms (sum, dot, linear) gives functions of the names instead: one returning the terms to add,
# one returning each input's local derivative. ``tests/test_compiler.py`` checks every op has both.


def _dot_terms(*ab: str) -> tuple[str, ...]:
    n = len(ab) // 2
    return tuple(f"{a} * {b}" for a, b in zip(ab[:n], ab[n:]))


FORWARD_CODE: dict[str, str | Callable[..., tuple[str, ...]]] = {
    "add": "{0} + {1}",
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
    "pow": "pow({0}, {1})",
    "general_pow": "general_pow({0}, {1})",
    "exp": "exp({0})",
    "log": "log({0})",
    "sqrt": "sqrt({0})",
    "tanh": "tanh({0})",
    "sigmoid": "sigmoid({0})",
    "relu": "0.0 if {0} <= 0 else {0}",
    "leaky_relu": "{1} * {0} if {0} <= 0 else {0}",
    "abs": "abs({0})",
    "sin": "sin({0})",
    "cos": "cos({0})",
    "sum": lambda *xs: xs,
    "dot": _dot_terms,
    "linear": lambda *xwb: (*_dot_terms(*xwb[:-1]), xwb[-1]),
}
"""How each op computes its output, as code. (As code, x = 0 with p < 1 in ``pow``, and a slope
too steep for a float, raise instead of giving ±inf.)"""

DERIVATIVE_CODE: dict[str, tuple[str, ...] | Callable[..., tuple[str, ...]]] = {
    "add": ("1.0", "1.0"),
    "mul": ("{1}", "{0}"),
    "div": ("1.0 / {1}", "-{out} / {1}"),
    "pow": ("{1} * {0} ** ({1} - 1)", "0.0"),
    "general_pow": ("{1} * {0} ** ({1} - 1)", "{out} * math.log({0})"),
    "exp": ("{out}",),
    "log": ("1.0 / {0}",),
    "sqrt": ("0.5 / {out} if {out} else math.inf",),
    "tanh": ("1.0 - {out} * {out}",),
    "sigmoid": ("{out} * (1.0 - {out})",),
    "relu": ("1.0 if {0} > 0 else 0.0",),
    "leaky_relu": ("1.0 if {0} > 0 else {1}", "0.0 if {0} > 0 else {0}"),
    "abs": ("1.0 if {0} > 0 else -1.0 if {0} < 0 else {0} * 0.0",),
    "sin": ("math.cos({0})",),
    "cos": ("-math.sin({0})",),
    "sum": lambda *xs_out: ("1.0",) * (len(xs_out) - 1),
    "dot": lambda *ab_out: OPS["dot"].derivatives(*ab_out),
    "linear": lambda *xwb_out: (*OPS["linear"].derivatives(*xwb_out)[:-1], "1.0"),
}
"""Each op's local derivatives ∂out/∂input, as code."""

_NAMESPACE: dict[str, Any] = {
    "math": math,
    "storing": storing,
    **{op.name: op.forward for op in OPS.values()},
}
"""What the written code can call: ``math``, every op's forward rule by the op's name, and the lock
under which gradients are stored."""

_count = itertools.count()


class TraceMismatchError(RuntimeError):
    """The function, traced again, records a different computation than the compiled code."""


class CompiledFunction:
    """A function traced once and written out as Python; call it like the function.

    ``source`` is the code, ``parameters`` the Values it reads (and whose ``.grad`` it adds to),
    in the order the code numbers them.
    """

    def __init__(self, fn: Callable[..., Value], example_inputs: tuple[Any, ...] | None = None) -> None:
        self.fn = fn
        self.name = _identifier(getattr(fn, "__name__", ""))
        self.source = ""
        self.parameters: tuple[Value, ...] = ()
        self._shape: Shape = None
        self._run: Callable[[list[float], tuple[Value, ...]], float] | None = None
        self._filename = ""
        if example_inputs is not None:
            self._compile(example_inputs)

    def __call__(self, *inputs: Any) -> float:
        """The output for ``inputs``; each parameter's ``.grad`` grows by ∂output/∂parameter."""
        if self._run is None:  # used as a decorator: trace on the first call
            self._compile(inputs)
        data = self._numbers(inputs)
        assert self._run is not None
        try:
            return self._run(data, self.parameters)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(
                f"{self.name} (compiled), {_failing_line(error, self._filename)}: {error}"
            ) from error

    def check(self, *inputs: Any) -> None:
        """Trace the function again on ``inputs`` and raise ``TraceMismatchError`` if the code differs.

        Use it on a few batches to confirm that the computation's structure does not depend on the data.
        """
        if self._run is None:
            self._compile(inputs)
            return
        self._numbers(inputs)  # the traced shapes, or a ValueError saying what changed
        code = _write(self.name, *_trace(self.fn, inputs, self._names()))
        source, parameters = code.source, code.parameters
        if parameters != self.parameters:
            raise TraceMismatchError(
                f"{self.name}: traced again, the function uses other parameters "
                f"({len(parameters)} instead of {len(self.parameters)}, or new Values made inside it)"
            )
        for number, (old, new) in enumerate(zip(self.source.splitlines(), source.splitlines()), 1):
            if old != new:
                raise TraceMismatchError(
                    f"{self.name}: traced again, line {number} differs:\n  compiled: {old.strip()}\n"
                    f"  now:      {new.strip()}\nthe computation depends on the data (an `if` on a "
                    "value, or a number taken from the data); compile() records only one path"
                )
        if source != self.source:
            raise TraceMismatchError(f"{self.name}: traced again, the code has a different length")

    def __repr__(self) -> str:
        if self._run is None:
            return f"<compiled {self.name}: not traced yet>"
        lines = self.source.count("\n")
        return f"<compiled {self.name}: {lines} lines, {len(self.parameters)} parameters>"

    def _numbers(self, inputs: tuple[Any, ...]) -> list[float]:
        """The numbers in ``inputs``, in order; ``ValueError`` if their shapes are not the traced ones."""
        data: list[float] = []
        shape = tuple(_flatten(x, data) for x in inputs)
        if shape != self._shape:
            raise ValueError(f"{self.name} (compiled): {_shape_change(self._names(), self._shape, shape)}")
        return data

    def _names(self) -> list[str]:
        return _argument_names(self.fn, len(self._shape) if self._run is not None else 0)

    def _compile(self, inputs: tuple[Any, ...]) -> None:
        names = _argument_names(self.fn, len(inputs))
        output, leaves = _trace(self.fn, inputs, names)
        code = _write(self.name, output, leaves)
        self.source, self.parameters = code.source, code.parameters
        self._shape = tuple(_flatten(x, []) for x in inputs)
        self._filename = f"<compiled {self.name} {next(_count)}>"
        linecache.cache[self._filename] = (
            len(self.source),
            None,
            self.source.splitlines(True),
            self._filename,
        )
        namespace = dict(_NAMESPACE)
        exec(builtins.compile(self.source, self._filename, "exec"), namespace)
        self._run = namespace[self.name]


def compile(fn: Callable[..., Value], *example_inputs: Any) -> CompiledFunction:
    """Trace ``fn(*example_inputs)`` once and return it as straight-line Python (see the module's notes).

    The inputs are numbers, Values (only their data is used) or nested lists of them; they are
    data, so no gradient is computed for them. Parameters are the Values the function reaches that
    require grad. Without example inputs, ``fn`` is traced at its first call (``@autograd.compile``).
    """
    if not callable(fn):
        raise TypeError(f"compile: expected a function, got {type(fn).__name__}: {fn!r}")
    return CompiledFunction(fn, example_inputs if example_inputs else None)


# --- tracing ---------------------------------------------------------------------------------------


def _trace(
    fn: Callable[..., Value], inputs: Sequence[Any], names: Sequence[str]
) -> tuple[Value, list[Value]]:
    """Call ``fn`` once with every number of ``inputs`` as a leaf Value; return the output and the leaves.

    The leaves require grad while tracing, so that every operation on the data is recorded, even
    between two numbers of the data: otherwise its result would be frozen as a constant.
    """
    leaves: list[Value] = []

    def as_leaves(x: Any, path: str) -> Any:
        if isinstance(x, (list, tuple)):
            return type(x)(as_leaves(item, f"{path}[{i}]") for i, item in enumerate(x))
        leaf = Value(_number(x, path), label=path)
        leaves.append(leaf)
        return leaf

    arguments = [as_leaves(x, name) for x, name in zip(inputs, names)]
    with enable_grad():
        output = fn(*arguments)
    if not isinstance(output, Value):
        raise TypeError(
            f"compile: the function must return one Value, got {type(output).__name__}: {output!r}"
        )
    return output, leaves


def _number(x: Any, where: str) -> float:
    if type(x) is float:
        return x
    if isinstance(x, Value):
        return x.data
    if not is_number(x):
        raise TypeError(
            f"compile: {where} must be a number, a Value or a list of them, got {type(x).__name__}"
        )
    return float(x)


def _flatten(x: Any, out: list[float]) -> Shape:
    """Append the numbers in ``x`` to ``out``, in order; return the shape of ``x``."""
    if isinstance(x, (list, tuple)):
        return tuple([_flatten(item, out) for item in x])
    out.append(x if type(x) is float else _number(x, "every input"))
    return None


def _argument_names(fn: Callable[..., Any], count: int) -> list[str]:
    """Names for the labels of the inputs: the function's own parameter names where it has them."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f"input{i}" for i in range(count)]


# --- writing the code ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """The code ``compile`` writes for one graph.

    ``source`` is ``def name(inputs, parameters): ...``; ``parameters`` are the Values it reads, in
    the order the code indexes them; ``lines`` maps each value made by an operation to the numbers
    (from 1, as in ``source.splitlines()``) of the lines that compute it and pass its gradient back.
    """

    source: str
    parameters: tuple[Value, ...]
    lines: dict[Value, list[int]]


def code_for(root: Value, name: str = "backward_pass") -> Code:
    """The straight-line code of ``root``'s graph, forward and backward, with every leaf a parameter.

    What ``compile`` writes for a function, written for a graph already built: ``lines`` links each
    chain-rule step of ``backward_steps(root)`` to the lines of code that run it.
    """
    return _write(_identifier(name), root, [])


def _write(name: str, output: Value, input_leaves: list[Value]) -> Code:
    """The source of ``def name(inputs, parameters)`` computing ``output`` and its backward pass.

    Nodes are numbered in topological order: ``v7`` is node 7's value and ``g7`` is ∂output/∂v7.
    """
    order = topological_order(output)
    input_index = {leaf: i for i, leaf in enumerate(input_leaves)}
    parameters: list[Value] = []
    names: dict[Value, str] = {}
    on_path: set[Value] = set()  # nodes that depend on a parameter: only they need a gradient
    docstring = (
        f'"""{name}, traced: returns the output and adds ∂output/∂parameter to each parameter\'s .grad."""'
    )
    body = [docstring, "# forward pass: each node once, inputs before the values made from them"]
    lines: dict[Value, list[int]] = {}
    number = itertools.count()
    for node in order:
        if node.is_leaf and node in input_index:
            names[node] = f"v{next(number)}"
            body.append(f"{names[node]} = inputs[{input_index[node]}]  # {node.label}")
        elif node.is_leaf and node.requires_grad:
            names[node] = f"v{next(number)}"
            body.append(f"{names[node]} = parameters[{len(parameters)}].data" + _comment(node))
            parameters.append(node)
            on_path.add(node)
        elif node.is_leaf:
            names[node] = _literal(node.data)  # a constant is written into the code
        else:
            names[node] = f"v{next(number)}"
            written = _forward_lines(node, names)
            lines[node] = list(range(len(body) + 2, len(body) + 2 + len(written)))  # 1: the def line
            body += written
            if any(x in on_path for x in node.inputs):
                on_path.add(node)
    for step_node, written in _backward_lines(order, names, on_path):
        if step_node is not None:
            lines[step_node] += range(len(body) + 2, len(body) + 2 + len(written))
        body += written
    if parameters:
        body.append("# each parameter adds its gradient to .grad, as backward() does (one thread at a time)")
        body.append("with storing:")
        body += [
            f"    parameters[{i}].grad += {_gradient(names[p])}" + _comment(p)
            for i, p in enumerate(parameters)
        ]
    body.append(f"return {names[output]}")
    source = f"def {name}(inputs, parameters):\n" + "".join(f"    {line}\n" for line in body)
    return Code(source, tuple(parameters), lines)


def _forward_lines(node: Value, names: dict[Value, str]) -> list[str]:
    template = FORWARD_CODE[_op(node)]
    arguments = [names[x] for x in node.inputs]
    out = names[node]
    if isinstance(template, str):
        return [f"{out} = {template.format(*arguments)}" + _comment(node)]
    terms = template(*arguments)  # a long sum: continue it line by line, in the same order
    lines = [f"{out} = {' + '.join(terms[:TERMS_PER_LINE])}" + _comment(node)]
    for start in range(TERMS_PER_LINE, len(terms), TERMS_PER_LINE):
        lines.append(f"{out} = {out} + {' + '.join(terms[start : start + TERMS_PER_LINE])}")
    return lines


def _backward_lines(
    order: list[Value], names: dict[Value, str], on_path: set[Value]
) -> Iterator[tuple[Value | None, list[str]]]:
    """The chain rule, last node first: g_x += ∂node/∂x · g_node for each input x of each node.

    Each node's lines are ``value.chain_rule`` written out, and the nodes come in the order
    ``backpropagate`` visits them, so every gradient is the same sum in the same order and the
    numbers agree with ``backward()`` to the last bit. Yields each node with its lines (``None``
    with the heading).
    """
    root = order[-1]
    if root not in on_path:
        return
    heading = "# backward pass: the chain rule, last node first:  g_input += ∂node/∂input · g_node"
    yield None, [heading, f"{_gradient(names[root])} = 1.0"]
    has_gradient = {root}
    for node in reversed(order):
        if node.is_leaf or node not in on_path:
            continue
        templates = DERIVATIVE_CODE[_op(node)]
        arguments = [names[x] for x in node.inputs]
        out = names[node]
        if isinstance(templates, tuple):
            local = [template.format(*arguments, out=out) for template in templates]
        else:
            local = list(templates(*arguments, out))
        upstream = _gradient(out)
        lines = []
        for x, derivative in zip(node.inputs, local):
            if x not in on_path:
                continue
            term = upstream if derivative == "1.0" else f"{_parenthesised(derivative)} * {upstream}"
            lines.append(f"{_gradient(names[x])} {'+=' if x in has_gradient else '='} {term}")
            has_gradient.add(x)
        yield node, lines


def _gradient(name: str) -> str:
    """The name of ∂output/∂v in the code: ``g7`` for the value ``v7``."""
    return "g" + name[1:]


def _op(node: Value) -> str:
    """The name of the op that made ``node``, checked to have code here."""
    if node.op not in FORWARD_CODE or node.op not in DERIVATIVE_CODE:
        raise NotImplementedError(
            f"compile: the operation {node.op!r} has no FORWARD_CODE/DERIVATIVE_CODE in autograd.compile"
        )
    return node.op


def _literal(x: float) -> str:
    """A float as Python source that reads back the same float, safe as any operand."""
    if math.isnan(x):
        return "math.nan"
    if math.isinf(x):
        return "math.inf" if x > 0 else "(-math.inf)"
    return repr(x) if math.copysign(1.0, x) > 0 else f"({x!r})"


def _parenthesised(expression: str) -> str:
    """``expression`` in brackets unless it is one name or number (so ``(1.0 - v3 * v3) * g4``)."""
    return expression if re.fullmatch(r"[\w.]+|\(-[\w.]+\)", expression) else f"({expression})"


def _comment(node: Value) -> str:
    return f"  # {node.label}" if node.label else ""


def _identifier(name: str) -> str:
    """``name`` as the name of the written function, where it is one and calls nothing the code calls."""
    if not name.isidentifier() or keyword.iskeyword(name):
        return "fn"
    return f"{name}_" if name in _NAMESPACE else name


# --- messages --------------------------------------------------------------------------------------


def _dimensions(shape: Shape) -> str:
    """``a number``, ``a 100×2 list`` or ``a ragged list of 3``."""
    sizes: list[str] = []
    while shape:
        if any(item != shape[0] for item in shape):
            return f"a ragged list of {len(shape)}" + (f" (inside a {'×'.join(sizes)} list)" if sizes else "")
        sizes.append(str(len(shape)))
        shape = shape[0]
    if shape == ():
        sizes.append("0")
    if not sizes:
        return "a number"
    return f"a list of {sizes[0]}" if len(sizes) == 1 else f"a {'×'.join(sizes)} nested list"


def _shape_change(names: Sequence[str], traced: Shape, given: Shape) -> str:
    if len(traced) != len(given):
        return f"traced with {len(traced)} arguments, called with {len(given)}"
    for name, old, new in zip(names, traced, given):
        if old != new:
            return (
                f"{name} was {_dimensions(old)} when traced, now {_dimensions(new)}; the code is written "
                "for the traced shapes (compile again for another shape)"
            )
    return "the inputs' shapes changed"


def _failing_line(error: BaseException, filename: str) -> str:
    """``line 12: v7 = log(v6)``: where in the compiled code ``error`` was raised."""
    traceback = error.__traceback__
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    if line is None:
        return "while running"
    return f"line {line}: {linecache.getline(filename, line).strip()}"
