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

Size matters: Python compiles tens of thousands of lines a second, and the code of a loss over a
whole data set is one line per use of a value. When the loss is a sum over samples, compiling one
sample's term and calling it in a loop is about as fast per step, and far quicker to compile;
gradients add up over the calls. (``make bench`` measures both.)
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import json
import keyword
import linecache
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .checks import data_of, is_scalar
from .functional import enable_grad
from .ops import OPS, Op
from .value import Value, storing, topological_order

TERMS_PER_LINE = 100
"""A sum of more terms is written over several lines: Python cannot compile a 1000-term expression."""

Shape = Any
"""The nesting of an argument: ``None`` for a number, a tuple of shapes for a list or tuple."""

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
        self._run = load(self.source, self.name, self._filename, dict(_NAMESPACE))


def compile(fn: Callable[..., Value], *example_inputs: Any) -> CompiledFunction:
    """Trace ``fn(*example_inputs)`` once and return it as straight-line Python (see the module's notes).

    The inputs are numbers, Values (only their data is used) or nested lists of them; they are
    data, so no gradient is computed for them. Parameters are the Values the function reaches that
    require grad. Without example inputs, ``fn`` is traced at its first call (``@autograd.compile``).
    """
    if not callable(fn):
        raise TypeError(f"compile: expected a function, got {type(fn).__name__}: {fn!r}")
    return CompiledFunction(fn, example_inputs if example_inputs else None)


def load(source: str, name: str, filename: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """The function ``name`` that ``source`` defines, run in ``namespace``.

    The source is registered with ``linecache`` under ``filename`` first, so that a traceback, and
    ``_failing_line``, quote the written line that failed."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(builtins.compile(source, filename, "exec"), namespace)
    return cast("Callable[..., Any]", namespace[name])


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
    if not is_scalar(x):
        raise TypeError(
            f"compile: {where} must be a number, a Value or a list of them, got {type(x).__name__}"
        )
    return float(data_of(x))  # type: ignore[arg-type]


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
class Language:
    """How a language writes what the code needs beyond the op templates: statements and comments.

    ``expression`` turns a template (``autograd.ops``' shared part of both languages) into this
    language's expression.
    """

    name: str
    comment: str
    end: str
    declare: str
    expression: Callable[[str], str]


def _where(expression: str, choice: Callable[[str, str, str], str]) -> str:
    """``expression`` with each ``where(condition, a, b)`` in it written as ``choice(condition, a, b)``."""
    start = expression.find("where(")
    if start < 0:
        return expression
    depth, parts, begin, end = 0, [], start + len("where("), len(expression)
    for end in range(begin, len(expression)):
        character = expression[end]
        if character == ")" and depth == 0:
            break
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "," and depth == 0:
            parts.append(expression[begin:end])
            begin = end + 1
    parts.append(expression[begin:end])
    condition, if_true, if_false = (_where(part.strip(), choice) for part in parts)
    return expression[:start] + choice(condition, if_true, if_false) + _where(expression[end + 1 :], choice)


def python_expression(template: str) -> str:
    """A filled-in template as Python: ``where(c, a, b)`` becomes ``(a if c else b)``."""
    return _where(template, lambda c, a, b: f"({a} if {c} else {b})")


_JAVASCRIPT_NAMES = {"inf": "Infinity", "nan": "NaN", "fabs": "Math.abs"}


def javascript_expression(template: str) -> str:
    """A filled-in template as JavaScript: ``where(c, a, b)`` becomes ``(c ? a : b)``, Python's
    ``math.f`` is ``Math.f`` (``math.inf`` is ``Infinity``), ``and``/``or`` are ``&&``/``||``."""
    text = _where(template, lambda c, a, b: f"({c} ? {a} : {b})")
    text = re.sub(r"\bmath\.(\w+)", lambda m: _JAVASCRIPT_NAMES.get(m[1], f"Math.{m[1]}"), text)
    return text.replace(" and ", " && ").replace(" or ", " || ")


PYTHON = Language("python", "#", "", "", python_expression)
JAVASCRIPT = Language("javascript", "//", ";", "var ", javascript_expression)
LANGUAGES = {"python": PYTHON, "javascript": JAVASCRIPT}


@dataclass(frozen=True)
class Code:
    """The code ``compile`` writes for one graph.

    ``source`` is ``def name(inputs, parameters): ...`` (or the JavaScript function); ``parameters``
    are the Values it reads, in the order the code indexes them; ``names`` gives each value's
    variable (``v7``; its gradient is ``g7``), constants aside, which are written as numbers;
    ``lines`` maps each value made by an operation to the numbers (from 1, as in
    ``source.splitlines()``) of the lines that compute it and pass its gradient back, and each
    parameter to the line that reads it and (in Python) the line that adds to its ``.grad``.
    """

    source: str
    parameters: tuple[Value, ...]
    lines: dict[Value, list[int]]
    names: dict[Value, str] = field(default_factory=dict)


def code_for(root: Value, name: str = "backward_pass", language: str = "python") -> Code:
    """The straight-line code of ``root``'s graph, forward and backward, with every leaf a parameter.

    What ``compile`` writes for a function, written for a graph already built: ``lines`` links each
    chain-rule step of ``backward_steps(root)`` to the lines of code that run it.

    ``language="javascript"`` writes the same passes, line for line from the same op templates, as
    ``function name(inputs, parameters)`` taking the parameters' numbers (``parameters[i]`` is
    ``code.parameters[i].data``) and returning ``{output, data, grad}``: the output's number, and
    each value's data and gradient keyed by its variable in ``names`` (``grad`` holds the values the
    backward pass reaches). Where an op leaves its domain (log of a negative number) it throws an
    ``Error`` whose message is the one Python gives (``log(-1): log is defined only …``), with
    ``node`` (the variable), ``op``, ``operands`` and ``reason`` (the message after the operands).
    """
    if language not in LANGUAGES:
        raise ValueError(f"code_for: language must be one of {sorted(LANGUAGES)}, got {language!r}")
    return _write(_identifier(name), root, [], LANGUAGES[language])


def _write(name: str, output: Value, input_leaves: list[Value], language: Language = PYTHON) -> Code:
    """The source of ``def name(inputs, parameters)`` computing ``output`` and its backward pass.

    Nodes are numbered in topological order: ``v7`` is node 7's value and ``g7`` is ∂output/∂v7.
    """
    order = topological_order(output)
    input_index = {leaf: i for i, leaf in enumerate(input_leaves)}
    parameters: list[Value] = []
    names: dict[Value, str] = {}
    on_path: set[Value] = set()  # nodes that depend on a parameter: only they need a gradient
    body = [
        *_header(name, language),
        _note(language, "forward pass: each node once, inputs before the values made from them"),
    ]
    lines: dict[Value, list[int]] = {}
    number = itertools.count()
    read = ".data" if language is PYTHON else ""
    for node in order:
        if node.is_leaf and node in input_index:
            names[node] = f"v{next(number)}"
            body.append(
                _assign(language, names[node], f"inputs[{input_index[node]}]") + _comment(node, language)
            )
        elif node.is_leaf and node.requires_grad:
            names[node] = f"v{next(number)}"
            lines[node] = [len(body) + 2]
            body.append(
                _assign(language, names[node], f"parameters[{len(parameters)}]{read}")
                + _comment(node, language)
            )
            parameters.append(node)
            on_path.add(node)
        elif node.is_leaf:
            names[node] = _literal(node.data)  # a constant is written into the code
        else:
            names[node] = f"v{next(number)}"
            written = _forward_lines(node, names, language)
            lines[node] = list(range(len(body) + 2, len(body) + 2 + len(written)))  # 1: the def line
            body += written
            if any(x in on_path for x in node.inputs):
                on_path.add(node)
    reached = dict.fromkeys([output] if output in on_path else [])
    for step_node, written in _backward_lines(order, names, on_path, language):
        if step_node is not None:
            lines[step_node] += range(len(body) + 2, len(body) + 2 + len(written))
            reached.update(dict.fromkeys(x for x in step_node.inputs if x in on_path))
        body += written
    variables = {node: v for node, v in names.items() if not node.is_leaf or node.requires_grad}
    footer = _footer(language, names[output], parameters, names, [variables[x] for x in reached], variables)
    if language is PYTHON and parameters:  # the footer: a comment, "with storing:", a line per parameter
        for i, parameter in enumerate(parameters):
            lines[parameter].append(len(body) + 4 + i)
    body += footer
    if language is PYTHON:
        source = f"def {name}(inputs, parameters):\n" + "".join(f"    {line}\n" for line in body)
    else:
        source = f"function {name}(inputs, parameters) {{\n" + "".join(f"  {line}\n" for line in body) + "}\n"
    return Code(source, tuple(parameters), lines, variables)


def _header(name: str, language: Language) -> list[str]:
    if language is PYTHON:
        return [
            f'"""{name}, traced: returns the output and adds ∂output/∂parameter to each '
            'parameter\'s .grad."""'
        ]
    return [
        f"// {name}: the output, and every value's data and gradient (parameters: their numbers)",
        "function fail(node, op, operands, reason) {",
        '  var error = new Error(op + "(" + operands.join(", ") + "): " + reason);',
        "  error.node = node; error.op = op; error.operands = operands; error.reason = reason;",
        "  throw error;",
        "}",
    ]


def _footer(
    language: Language,
    out: str,
    parameters: list[Value],
    names: dict[Value, str],
    reached: list[str],
    variables: dict[Value, str],
) -> list[str]:
    if language is PYTHON:
        lines = []
        if parameters:
            lines.append(
                "# each parameter adds its gradient to .grad, as backward() does (one thread at a time)"
            )
            lines.append("with storing:")
            lines += [
                f"    parameters[{i}].grad += {_gradient(names[p])}" + _comment(p, language)
                for i, p in enumerate(parameters)
            ]
        return [*lines, f"return {out}"]
    data = ", ".join(f"{v}: {v}" for v in variables.values())
    grad = ", ".join(f"{v}: {_gradient(v)}" for v in reached)
    return [f"return {{output: {out}, data: {{{data}}}, grad: {{{grad}}}}};"]


def _assign(language: Language, target: str, expression: str, operator: str = "=") -> str:
    declare = language.declare if operator == "=" else ""
    return f"{declare}{target} {operator} {expression}{language.end}"


def _inline(op: Op) -> bool:
    """Whether Python writes ``op`` from its template (an operator, or a sum of terms) rather than
    calling the op's own forward rule by name (``log(v3)``), which raises the engine's messages."""
    return not isinstance(op.code, str) or not re.search(r"\w\(", op.code)


@dataclass(frozen=True)
class NodeCode:
    """One node's code in one language, from its op's templates (see ``node_code``).

    ``terms`` are the forward expression's terms, added in order: one term, except for the sums of
    many (``sum``, ``dot``, ``linear``), which a writer may spread over lines. ``domain`` holds, for
    each condition under which the op refuses, its test and the reason Python gives.
    ``derivatives`` holds ∂node/∂input for each input, in order.
    """

    terms: tuple[str, ...]
    domain: tuple[tuple[str, str], ...]
    derivatives: tuple[str, ...]

    @property
    def forward(self) -> str:
        """The forward expression: the terms added in order."""
        return " + ".join(self.terms)


def node_code(node: Value, names: Mapping[Value, str], language: Language = PYTHON) -> NodeCode:
    """``node``'s forward expression, domain tests and local derivatives in ``language``: its op's
    templates filled in with the variable ``names`` of the values and written in that language.

    Every writer of a graph's code writes its expressions from here: ``compile`` (Python),
    ``code_for(language="javascript")``, the batched replay (NumPy) and the explorer's page. In
    Python, an op whose template calls a function (``math.log({0})``) is written as a call of the
    op's own forward rule (``log(v3)``), which refuses outside the domain with the engine's words.

    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> y = x.tanh()
    >>> code = node_code(y, {x: "v0", y: "v1"}, JAVASCRIPT)
    >>> code.forward, code.derivatives
    ('Math.tanh(v0)', ('1.0 - v1 * v1',))
    """
    op = _op(node)
    arguments = [names[x] for x in node.inputs]
    out = names[node]
    if not isinstance(op.code, str):  # a sum of terms
        terms = tuple(language.expression(term) for term in op.code(*arguments))
    elif language is PYTHON and not _inline(op):
        terms = (f"{op.name}({', '.join(arguments)})",)
    else:
        terms = (language.expression(op.code.format(*arguments, out=out)),)
    if isinstance(op.derivative_code, tuple):
        local = [t.format(*arguments, out=out) for t in op.derivative_code]
    else:
        local = list(op.derivative_code(*arguments, out))
    domain = tuple(
        (language.expression(condition.format(*arguments, out=out)), reason)
        for condition, reason, _ in op.domain
    )
    return NodeCode(terms, domain, tuple(language.expression(d) for d in local))


def _forward_lines(node: Value, names: dict[Value, str], language: Language) -> list[str]:
    """``node``'s forward line (a long sum: continued line by line, in the same order) and, in
    JavaScript, a line for each test of its op's domain."""
    code, out = node_code(node, names, language), names[node]
    terms = code.terms
    lines = [_assign(language, out, " + ".join(terms[:TERMS_PER_LINE])) + _comment(node, language)]
    for start in range(TERMS_PER_LINE, len(terms), TERMS_PER_LINE):
        lines.append(_assign(language, out, f"{out} + {' + '.join(terms[start : start + TERMS_PER_LINE])}"))
    if language is JAVASCRIPT:  # Python's own rules and operators raise; JavaScript gives NaN or Infinity
        operands = language.expression(", ".join(names[x] for x in node.inputs))
        for test, reason in code.domain:
            details = f"{json.dumps(out)}, {json.dumps(node.op)}, [{operands}], {json.dumps(reason)}"
            lines.append(f"if ({test}) fail({details});")
    return lines


def _backward_lines(
    order: list[Value], names: dict[Value, str], on_path: set[Value], language: Language = PYTHON
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
    heading = _note(
        language, "backward pass: the chain rule, last node first:  g_input += ∂node/∂input · g_node"
    )
    yield None, [heading, _assign(language, _gradient(names[root]), "1.0")]
    has_gradient = {root}
    for node in reversed(order):
        if node.is_leaf or node not in on_path:
            continue
        local = node_code(node, names, language).derivatives
        upstream = _gradient(names[node])
        lines = []
        for x, derivative in zip(node.inputs, local):
            if x not in on_path:
                continue
            term = upstream if derivative == "1.0" else f"{_parenthesised(derivative)} * {upstream}"
            lines.append(_assign(language, _gradient(names[x]), term, "+=" if x in has_gradient else "="))
            has_gradient.add(x)
        yield node, lines


def _note(language: Language, text: str) -> str:
    return f"{language.comment} {text}"


def _gradient(name: str) -> str:
    """The name of ∂output/∂v in the code: ``g7`` for the value ``v7``."""
    return "g" + name[1:]


def _op(node: Value) -> Op:
    """The op that made ``node``, checked to have code in the table."""
    op = OPS.get(node.op)
    if op is None or not op.code or not op.derivative_code:
        raise NotImplementedError(f"compile: the operation {node.op!r} has no code in autograd.ops.OPS")
    return op


def _literal(x: float) -> str:
    """A float as Python source that reads back the same float, safe as any operand."""
    if math.isnan(x):
        return "math.nan"
    if math.isinf(x):
        return "math.inf" if x > 0 else "(-math.inf)"
    return repr(x) if math.copysign(1.0, x) > 0 else f"({x!r})"


def _parenthesised(expression: str) -> str:
    """``expression`` in brackets unless it is one name or number, or bracketed already (so
    ``(1.0 - v3 * v3) * g4``)."""
    if re.fullmatch(r"[\w.]+|\(-[\w.]+\)", expression) or _bracketed(expression):
        return expression
    return f"({expression})"


def _bracketed(expression: str) -> bool:
    """Whether ``expression`` is one pair of brackets around the rest: ``(a if c else b)``."""
    depth = 0
    for i, character in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return i == len(expression) - 1 and i > 0
    return False


def _comment(node: Value, language: Language = PYTHON) -> str:
    """``node``'s label as a comment, with every character that could end a line escaped, so that
    a label (which can come from data) stays a comment: ``# a\\nb`` for the label "a", newline, "b"."""
    if not node.label:
        return ""
    label = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in node.label)
    return f"  {language.comment} {label}"


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
