"""show(): the text view of a graph for terminals and logs."""

import pytest

import autograd
from autograd import Parameter, Value, show
from autograd.views import text


def test_tree_with_names_operations_data_and_grad():
    x = Value(2.0, label="x")
    w = Parameter(-0.5, label="w.0", role="weight")
    y = (w * x).tanh()
    y.backward()
    lines = show(y).splitlines()
    assert lines[0] == f"#3 tanh  data={y.data:.4f}  grad=1.0000"
    assert lines[1] == f"└─ #2 mul (*)  data=-1.0000  grad={1 - y.data**2:.4f}"
    assert lines[2] == f"   ├─ #0 w.0 weight  data=-0.5000  grad={w.grad:.4f}"
    assert lines[3] == f"   └─ #1 x input  data=2.0000  grad={x.grad:.4f}"
    assert len(lines) == 4


def test_shared_values_are_written_once_and_referred_to_after():
    a = Value(3.0, label="a")
    b = a * a
    c = b + b
    text = show(c, format_spec=".1f")
    assert text.count("#0 a input") == 1 and text.count("↑ #0 a") == 1
    assert text.count("#1 mul (*)") == 1 and text.count("↑ #1") == 1
    assert "data=9.0" in text and "constant" not in text


def test_constants_and_names_override():
    x = Value(1.0)
    text = show(x + 2, names={x: "input x"})
    assert "#0 input x input  data=1.0000" in text and "#1 constant  data=2.0000" in text


def test_a_deep_chain_does_not_recurse():
    y = Value(0.1, label="x")
    for _ in range(3000):
        y = y.sin()
    lines = show(y).splitlines()
    described = [line for line in lines if "  data=" in line]
    assert len(described) == len(autograd.topological_order(y)) == 3001
    assert lines[-1].endswith("#0 x input  data=0.1000  grad=0.0000")
    # a branch deeper than the indent limit goes on from the margin: no line grows with the depth
    assert max(map(len, lines)) < 3 * text.INDENT_LIMIT + 60
    continued = [line.strip("│├└─ ") for line in lines if "↓" in line]
    assert len(continued) == (3000 - 1) // text.INDENT_LIMIT  # one cut per 24 levels
    assert all(f"#{line.split('#')[1]}" in "\n".join(lines) for line in continued)


def test_show_is_linear_in_a_deep_chain_of_a_hundred_thousand():
    y = Value(0.5, label="x")
    for _ in range(100_000):
        y = y * 1.0
    text = show(y)
    assert len(text) < 100 * 2 * 100_001  # a bounded number of characters per node, however deep
    assert text.count("  data=") == 200_001  # every value once: the muls and their constants


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="show"):
        show(1.0)
    with pytest.raises(ValueError, match="format_spec"):
        show(Value(1.0), format_spec="q")


def test_show_writes_a_chain_of_40_000_operations_in_one_line_each() -> None:
    y = Value(0.5, label="x")
    for _ in range(20_000):
        y = (y * 1.0).tanh()
    assert show(y).count("data=") == 60_001
