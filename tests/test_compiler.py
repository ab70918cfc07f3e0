"""autograd.compile: the written-out forward and backward passes agree with the engine, bit for bit.

Random programs (the generator of test_properties) are traced with some leaves as inputs (data)
and the rest as parameters; the compiled code must give the same output and the same gradients as
``backward()``, on the traced numbers and on new ones. The engine's backward loop and the written
code add the same products in the same order, so the comparison is exact (``==``).
"""

from __future__ import annotations

import ast
import math
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference import numeric_gradient
from test_properties import BOUND, EngineMath, Program, programs

import autograd
import nn
from autograd import TraceMismatchError, Value
from autograd.compiler import JAVASCRIPT, PYTHON, Code, code_for, node_code
from autograd.value import backpropagate


def _engine(program: Program, inputs: list[float], parameters: list[Value]) -> float:
    """The program on the engine, data as constants; fills in the parameters' .grad."""
    for p in parameters:
        p.grad = 0.0
    constants = [Value(x, requires_grad=False) for x in inputs]
    output = program.run(constants + parameters, EngineMath)[-1]
    if output.requires_grad:
        output.backward()
    return output.data


def _compiled(step: autograd.CompiledFunction, inputs: list[float], parameters: list[Value]) -> float:
    for p in parameters:
        p.grad = 0.0
    return step(inputs)


def _tame(program: Program, inputs: list[float], parameters: list[Value]) -> None:
    """Skip numbers where the program leaves the domain of the tests (overflow, huge values)."""
    try:
        nodes = program.run([Value(x) for x in inputs] + parameters, EngineMath)
    except (ArithmeticError, ValueError):
        assume(False)
    assume(all(abs(v.data) <= BOUND for v in nodes))


@given(programs(), st.integers(0, 4), st.floats(-0.5, 0.5))
def test_compiled_program_equals_the_engine_bit_for_bit(program: Program, inputs: int, shift: float) -> None:
    data, weights = list(program.leaves[:inputs]), program.leaves[inputs:]
    parameters = [Value(w, label=f"w{i}") for i, w in enumerate(weights)]
    _tame(program, data, parameters)
    step = autograd.compile(lambda xs: program.run(list(xs) + parameters, EngineMath)[-1], data)
    for numbers in (data, [x + shift for x in data]):  # the traced numbers, then new ones
        _tame(program, numbers, parameters)
        expected = _engine(program, numbers, parameters)
        expected_grads = [p.grad for p in parameters]
        assert _compiled(step, numbers, parameters) == expected
        assert [p.grad for p in parameters] == expected_grads


def test_compiled_gradient_agrees_with_finite_differences() -> None:
    a, b = Value(0.7, label="a"), Value(-1.3, label="b")

    def f(x: list[Value]) -> Value:
        return (a * x[0] + b).tanh() * (b * x[1]).sigmoid() + (a * a + 1).log() + x[0] * b.exp()

    step = autograd.compile(f, [0.4, 2.0])
    step([0.9, -0.5])

    def plain(av: float, bv: float) -> float:
        s = 1 / (1 + math.exp(-bv * -0.5))
        return math.tanh(av * 0.9 + bv) * s + math.log(av * av + 1) + 0.9 * math.exp(bv)

    expected = numeric_gradient(plain, [0.7, -1.3])
    assert a.grad == pytest.approx(expected[0], rel=1e-6)
    assert b.grad == pytest.approx(expected[1], rel=1e-6)


def _moons(n: int, seed: int) -> tuple[list[list[float]], list[int]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-1.5, 2.5), rng.uniform(-1, 1.5)] for _ in range(n)]
    return X, [1 if x[1] > 0.5 - 0.5 * math.cos(x[0]) else -1 for x in X]


def test_training_with_the_compiled_step_gives_the_same_parameters() -> None:
    X, y = _moons(20, seed=3)
    plain, compiled = (nn.MLP(2, [8, 8, 1], output_activation="linear", seed=5) for _ in range(2))
    plain_optimizer = nn.optim.SGD(plain.parameters(), lr=0.05, momentum=0.9)
    compiled_optimizer = nn.optim.SGD(compiled.parameters(), lr=0.05, momentum=0.9)

    def loss_fn(X: list[list[Value]], y: list[Value]) -> Value:
        return nn.hinge_loss([compiled(x) for x in X], y) + nn.l2_penalty(compiled.parameters())

    step = autograd.compile(loss_fn, X, y)
    for _ in range(5):
        loss = nn.hinge_loss([plain(x) for x in X], y) + nn.l2_penalty(plain.parameters())
        plain_optimizer.zero_grad()
        loss.backward()
        plain_optimizer.step()
        compiled_optimizer.zero_grad()
        assert step(X, y) == loss.data
        compiled_optimizer.step()
    assert [p.data for p in compiled.parameters()] == [p.data for p in plain.parameters()]
    assert [p.grad for p in compiled.parameters()] == [p.grad for p in plain.parameters()]


def test_every_op_of_the_table_has_code_to_compute_it_and_its_local_derivatives() -> None:
    assert all(op.code and op.derivative_code for op in autograd.OPS.values())


def test_source_is_the_chain_rule_written_out() -> None:
    w, b = Value(0.5, label="w"), Value(-1.0, label="b")

    def neuron(x: Value) -> Value:
        return (w * x + b).tanh()

    step = autograd.compile(neuron, 2.0)
    expected = '''\
def neuron(inputs, parameters):
    """neuron, traced: returns the output and adds ∂output/∂parameter to each parameter's .grad."""
    # forward pass: each node once, inputs before the values made from them
    v0 = parameters[0].data  # w
    v1 = inputs[0]  # x
    v2 = v0 * v1
    v3 = parameters[1].data  # b
    v4 = v2 + v3
    v5 = tanh(v4)
    # backward pass: the chain rule, last node first:  g_input += ∂node/∂input · g_node
    g5 = 1.0
    g4 = (1.0 - v5 * v5) * g5
    g2 = g4
    g3 = g4
    g0 = v1 * g2
    # each parameter adds its gradient to .grad, as backward() does (one thread at a time)
    with storing:
        parameters[0].grad += g0  # w
        parameters[1].grad += g3  # b
    return v5
'''
    assert step.source == expected
    assert step.parameters == (w, b)
    assert step(2.0) == math.tanh(0.0)
    assert (w.grad, b.grad) == (2.0, 1.0)


def test_source_of_a_network_is_valid_python_with_parameter_names() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    step = autograd.compile(lambda x: model(x), [0.5, -0.5])
    ast.parse(step.source)
    assert re.search(r"\n    v\d+ = parameters\[\d+\]\.data  # layers\.0\.neurons\.0\.w\.0\n", step.source)
    assert "# layers.1.neurons.0.b" in step.source
    assert " = inputs[1]  # x[1]" in step.source
    assert len(step.parameters) == len(model.parameters())


def test_a_long_sum_is_written_over_several_lines_in_the_same_order() -> None:
    weights = [Value(1.0 / (i + 1)) for i in range(1000)]
    step = autograd.compile(lambda xs: autograd.dot(weights, xs) + autograd.sum(weights), [0.1] * 1000)
    xs = [math.sin(i) for i in range(1000)]
    expected = autograd.dot(weights, [Value(x, requires_grad=False) for x in xs]) + autograd.sum(weights)
    expected.backward()
    grads = [w.grad for w in weights]
    for w in weights:
        w.grad = 0.0
    assert step(xs) == expected.data
    assert [w.grad for w in weights] == grads


def test_calls_accumulate_into_grad_like_backward() -> None:
    w = Value(3.0)
    step = autograd.compile(lambda x: w * w * x, 2.0)
    step(2.0)
    step(2.0)
    assert w.grad == 24.0  # 2 · (2wx)


def test_as_a_decorator_it_traces_on_the_first_call() -> None:
    w = Value(2.0)

    @autograd.compile
    def square(x: float) -> Value:
        return (w * x) ** 2

    assert "not traced" in repr(square)
    assert square(3.0) == 36.0
    assert w.grad == 36.0  # 2·(wx)·x
    assert "pow(" in square.source


def test_inputs_of_another_shape_are_refused() -> None:
    w = Value(1.0)
    data = [[1, 2]] * 3, [1, 2, 3]
    step = autograd.compile(lambda X, y: autograd.sum(w * a * b * t for (a, b), t in zip(X, y)), *data)
    with pytest.raises(ValueError, match=r"X was a 3×2 nested list when traced, now a 4×2 nested list"):
        step([[1, 2]] * 4, [1, 2, 3])
    with pytest.raises(ValueError, match="traced with 2 arguments, called with 1"):
        step([[1, 2]] * 3)
    with pytest.raises(ValueError, match=r"y was a list of 3 when traced, now a list of 2"):
        step.check([[1, 2]] * 3, [1, 2])


def test_check_finds_structure_that_depends_on_the_data() -> None:
    w = Value(0.5)

    def branchy(x: Value) -> Value:
        return w * x if x.data > 0 else w * x * x  # a Python `if` on the data: recorded one way only

    step = autograd.compile(branchy, 1.0)
    step.check(2.0)  # the same path: fine
    with pytest.raises(TraceMismatchError, match="line 7 differs"):
        step.check(-1.0)

    frozen = autograd.compile(lambda x: w * x.data, 1.0)  # a number taken from the data
    with pytest.raises(TraceMismatchError, match="depends on the data"):
        frozen.check(2.0)


def test_errors_name_the_line_of_the_compiled_code() -> None:
    w = Value(1.0)
    step = autograd.compile(lambda x: (w * x).log(), 1.0)
    with pytest.raises(
        ValueError, match=r"fn \(compiled\), line 7: v3 = log\(v2\): log is defined only for positive numbers"
    ):
        step(-1.0)


def test_what_cannot_be_compiled_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="must return one Value"):
        autograd.compile(lambda x: 1.0, 2.0)
    with pytest.raises(TypeError, match="x must be a number"):
        autograd.compile(lambda x: Value(1.0) * x, "two")
    with pytest.raises(TypeError, match="expected a function"):
        autograd.compile(3)  # type: ignore[arg-type]


# --- the same code as JavaScript -------------------------------------------------------------------


@pytest.fixture(scope="module")
def blank_page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    yield page
    page.close()


def _run_javascript(page: Any, code: Code) -> dict[str, Any]:
    numbers = [p.data for p in code.parameters]
    return page.evaluate(
        "([source, numbers]) => new Function(source + '\\nreturn backward_pass;')()([], numbers)",
        [code.source, numbers],
    )


@settings(max_examples=30)
@given(programs())
def test_javascript_code_gives_the_engines_values_and_gradients(blank_page: Any, program: Program) -> None:
    parameters = [Value(w, label=f"w{i}") for i, w in enumerate(program.leaves)]
    _tame(program, [], parameters)
    nodes = program.run(parameters, EngineMath)
    output = nodes[-1]
    assume(output.requires_grad)
    code = code_for(output, language="javascript")
    result = _run_javascript(blank_page, code)
    grads = backpropagate(output)
    assert result["output"] == pytest.approx(output.data, rel=1e-12, abs=1e-300)
    for value, name in code.names.items():
        assert result["data"][name] == pytest.approx(value.data, rel=1e-12, abs=1e-300)
        if name in result["grad"]:
            assert result["grad"][name] == pytest.approx(grads[value], rel=1e-12, abs=1e-12), name
    assert {name for value, name in code.names.items() if grads[value] != 0.0} <= set(result["grad"])


def test_javascript_code_throws_the_engines_message_on_the_node_that_leaves_its_domain(
    blank_page: Any,
) -> None:
    x = Value(4.0, label="x")
    y = (x - 3.0).log() * x
    code = code_for(y, language="javascript")
    x.data = 1.0  # log(1 − 3): out of the domain
    thrown = blank_page.evaluate(
        """([source, numbers]) => {
            try { new Function(source + '\\nreturn backward_pass;')()([], numbers); return null; }
            catch (error) { return [error.message, error.node, error.op, error.operands, error.reason]; }
        }""",
        [code.source, [1.0]],
    )
    log_node = y.inputs[0]
    assert thrown == [
        "log(-2): log is defined only for positive numbers",
        code.names[log_node],
        "log",
        [-2],
        "log is defined only for positive numbers",
    ]
    with pytest.raises(ValueError, match="log is defined only for positive numbers"):
        (x - 3.0).log()


def test_node_code_writes_one_nodes_expressions_in_each_language() -> None:
    x, w = Value(2.0), Value(0.5)
    names: dict[Value, str] = {x: "v0", w: "v1"}
    log, relu, z = x.log(), x.relu(), autograd.linear([x], [w], 1.0)
    names.update({log: "v2", relu: "v3", z: "v4", z.inputs[-1]: "1.0"})  # a constant: its number
    python, javascript = node_code(log, names, PYTHON), node_code(log, names, JAVASCRIPT)
    assert python.forward == "log(v0)"  # the engine's own rule, which refuses with its message
    assert javascript.forward == "Math.log(v0)"
    assert python.domain == javascript.domain == (("v0 <= 0.0", "log is defined only for positive numbers"),)
    assert python.derivatives == javascript.derivatives == ("1.0 / v0",)
    assert node_code(relu, names, PYTHON).derivatives == ("(1.0 if v0 > 0.0 else 0.0)",)
    assert node_code(relu, names, JAVASCRIPT).derivatives == ("(v0 > 0.0 ? 1.0 : 0.0)",)
    linear = node_code(z, names, JAVASCRIPT)
    assert linear.terms == ("v0 * v1", "1.0") and linear.forward == "v0 * v1 + 1.0"
    assert linear.derivatives == ("v1", "v0", "1.0") and linear.domain == ()
    code = code_for(log, language="javascript")  # code_for writes from it
    line = code.source.splitlines()[code.lines[log][0] - 1].strip()
    assert line == f"var v1 = {node_code(log, code.names, JAVASCRIPT).forward};" == "var v1 = Math.log(v0);"


def test_code_for_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match=r"language must be one of \['javascript', 'python'\], got 'rust'"):
        code_for(Value(1.0) * 2.0, language="rust")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "log", "math", "storing", "class", "inputs"])
def test_compile_works_whatever_the_function_is_called(name: str) -> None:
    w = Value(0.5)

    def fn(x: Value) -> Value:
        return (w * x).sigmoid().log() + (w * x).tanh()

    fn.__name__ = name
    step = autograd.compile(fn, 2.0)
    expected = fn(Value(2.0))
    assert step(2.0) == expected.data


# --- labels reach the code only as comments --------------------------------------------------------

HOSTILE_LABELS = ["a\nraise SystemExit", "b\rraise SystemExit", "c\x00d", "e\u2028raise SystemExit", "f\x0bg"]


@pytest.mark.parametrize("label", HOSTILE_LABELS, ids=["newline", "return", "NUL", "U+2028", "vertical tab"])
def test_a_label_that_ends_a_line_stays_an_escaped_comment(label: str) -> None:
    w = Value(0.5, label=label)

    def f(x: Value) -> Value:
        y = w * x
        y.label = label
        return y.tanh()

    step = autograd.compile(f, 2.0)
    lines = step.source.splitlines()
    assert len(lines) == step.source.count("\n")  # no line break but the code's own
    assert all(not line.strip() or line.startswith("    ") or line.startswith("def ") for line in lines)
    escaped = label.encode("unicode_escape").decode("ascii")
    assert f"# {escaped}" in step.source
    plain = Value(0.5)
    expected = (plain * 3.0).tanh()
    expected.backward()
    assert step(3.0) == expected.data and w.grad == plain.grad
    javascript = code_for(f(Value(3.0, requires_grad=False)), language="javascript").source
    assert f"// {escaped}" in javascript and "\u2028" not in javascript and "\r" not in javascript
