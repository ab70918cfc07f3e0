"""backward_steps: the chain rule one node at a time, reproducing backward() bit for bit; drawing steps."""

import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Parameter, Value, backward_steps, draw_step, grad, step_through
from autograd.value import backpropagate
from autograd.views.draw import HIGHLIGHT

# Operations that never raise on finite operands, each taking some earlier values of the pool.
OPERATIONS = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (b * b + 1.0)),
    "square": (1, lambda a: a**2),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "sin": (1, lambda a: a.sin()),
    "relu": (1, lambda a: a.relu()),
    "abs": (1, lambda a: abs(a)),
    "sum": (3, lambda a, b, c: autograd.sum([a, b, c])),
    "dot": (4, lambda a, b, c, d: autograd.dot([a, b], [c, d])),
    "linear": (5, lambda x1, x2, w1, w2, b: autograd.linear([x1, x2], [w1, w2], b)),
}


@st.composite
def recipes(draw):
    """A random graph as data: leaves (value, requires_grad, starting grad) and operations on them."""
    leaves = draw(
        st.lists(
            st.tuples(st.floats(-3, 3), st.booleans(), st.sampled_from([0.0, 0.5, -2.0])),
            min_size=1,
            max_size=5,
        )
    )
    leaves[0] = (leaves[0][0], True, leaves[0][2])  # at least one value needs a gradient
    steps = []
    for size in range(len(leaves), len(leaves) + draw(st.integers(1, 12))):
        name = draw(st.sampled_from(sorted(OPERATIONS)))
        operands = draw(
            st.lists(st.integers(0, size - 1), min_size=OPERATIONS[name][0], max_size=OPERATIONS[name][0])
        )
        steps.append((name, operands))
    return leaves, steps


def build(recipe):
    """The graph the recipe describes; its last value is the output. Returns (output, every value)."""
    leaves, operations = recipe
    pool = [Value(data, requires_grad=needs) for data, needs, _ in leaves]
    for value, (_, _, start) in zip(pool, leaves):
        value.grad = start if value.requires_grad else 0.0  # leaves accumulate onto this
    for name, operands in operations:
        pool.append(OPERATIONS[name][1](*(pool[i] for i in operands)))
    for value in pool[len(leaves) :]:
        value.grad = 7.0  # stale gradients on intermediate values must be reset, as backward() does
    return pool[-1], pool


def bits(values):
    return [float.hex(float(v.grad)) for v in values]


def test_a_seed_that_is_no_number_is_refused_before_any_step():
    x = Value(2.0)
    y = x * x
    with pytest.raises(TypeError, match=r"backward_steps\(\): gradient: expected a real number"):
        backward_steps(y, gradient="one")
    assert x.grad == 0.0


@given(recipes())
def test_steps_leave_every_grad_exactly_as_backward_does(recipe):
    output, values = build(recipe)
    if not output.requires_grad:
        with pytest.raises(RuntimeError, match="does not require grad"):
            backward_steps(output)
        return
    steps = list(backward_steps(output))
    reference, reference_values = build(recipe)
    reference.backward()
    assert bits(values) == bits(reference_values)

    operations = [v for v in reversed(autograd.topological_order(output)) if not v.is_leaf]
    assert [s.node for s in steps] == operations
    assert [s.index for s in steps] == list(range(len(steps)))
    for s in steps:
        assert s.upstream == s.node.grad  # a node's gradient is complete when its step runs
        assert s.local_derivatives == s.node.local_derivatives
        receiving = [(x, d) for x, d in zip(s.node.inputs, s.local_derivatives) if x.requires_grad]
        assert [x for x, _ in s.contributions] == [x for x, _ in receiving]
        assert [amount for _, amount in s.contributions] == [d * s.upstream for _, d in receiving]


@given(recipes(), st.floats(-2, 2).filter(bool))
def test_every_step_kept_shows_the_gradients_as_they_stood_right_after_it(recipe, seed):
    output, _ = build(recipe)
    if not output.requires_grad:
        return
    seen_live = [(dict(step.grads), step) for step in backward_steps(output, seed)]
    kept = list(backward_steps(output, seed))
    assert len(kept) == len(seen_live)
    for step, (live, live_step) in zip(kept, seen_live):
        assert dict(step.grads) == live == dict(live_step.grads)  # bit for bit, keys in the same order
        assert len(step.grads) == len(autograd.topological_order(output))
    if kept:  # after the last step: the gradients of the whole pass
        assert dict(kept[-1].grads) == backpropagate(output, seed)


def test_step_0_of_a_list_of_steps_shows_only_what_step_0_did():
    x = Value(0.5, label="x")
    h = x * 3.0
    y = h.tanh()
    first, second = list(backward_steps(y))
    assert (first.grads[y], first.grads[h], first.grads[x]) == (1.0, 1 - y.data**2, 0.0)
    assert second.grads[x] == 3 * (1 - y.data**2)
    with pytest.raises(KeyError):
        first.grads[Value(1.0)]  # a value outside the graph


def test_a_value_used_twice_by_one_step_shows_both_contributions():
    a = Value(3.0, label="a")
    (step,) = list(backward_steps(a * a))
    assert step.grads[a] == 6.0


def test_a_step_reads_as_the_chain_rule():
    x = Value(2.0, label="x")
    w = Parameter(-1.0, label="w", role="weight")
    y = w * x
    y.label = "y"
    (step,) = backward_steps(y)
    assert step.contributions == ((w, 2.0), (x, -1.0))
    assert str(step) == "step 0: y → w += 1 × 2 = 2; x += 1 × -1 = -1"


def test_steps_run_lazily_one_node_at_a_time():
    x = Value(0.5, label="x")
    y = (x * 3).tanh()
    steps = backward_steps(y)
    first = next(steps)  # nothing runs before the first step is asked for
    assert first.node is y and first.grads[y] == 1.0 and first.grads[x] == 0.0
    second = next(steps)
    assert second.grads[x] == second.contributions[0][1] == 3 * (1 - y.data**2)
    assert x.grad == 0.0 and y.grad == 0.0  # the pass keeps its gradients to itself until it ends
    assert list(steps) == []
    assert x.grad == 3 * (1 - y.data**2) and y.grad == 1.0


def test_a_pass_stopped_part_way_changes_no_grad():
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    x.grad, w.grad = 5.0, 7.0
    y = (x * w).tanh()
    for step in backward_steps(y):
        if step.index == 1:
            break
    assert (x.grad, w.grad, y.grad) == (5.0, 7.0, 0.0)


def test_errors_are_named():
    with pytest.raises(TypeError, match="backward_steps"):
        backward_steps(1.0)
    with pytest.raises(IndexError, match="no step 5"):
        draw_step(Value(1.0) * 2, 5)
    with pytest.raises(IndexError, match=r"no step 0; .* has no steps"):
        draw_step(Value(1.0), 0)  # a leaf: nothing to pass on
    with pytest.raises(TypeError, match="draw_step"):
        draw_step(1.0, 0)
    with pytest.raises(TypeError, match="step_through"):
        step_through(1.0)


def small_graph():
    a = Value(2.0, label="a")
    b = Parameter(-3.0, label="b", role="weight")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return d, a, b, c


def test_draw_step_highlights_the_node_and_shows_its_contributions():
    d, *_, c = small_graph()
    reference = small_graph()[0]
    reference.backward()
    steps = list(backward_steps(reference))
    drawing = draw_step(d, 2)  # the third step: c = a · b passes its gradient to a and b
    order = autograd.topological_order(d)
    node = f"v{order.index(c)}"
    assert re.search(rf"\t{node} \[.*color=\"{HIGHLIGHT}\".*penwidth=3", drawing.source)
    assert re.search(rf"\t{node}op \[.*color=\"{HIGHLIGHT}\"", drawing.source)
    amounts = [f"+= {amount:.4f}" for _, amount in steps[2].contributions]
    assert re.findall(r"taillabel=<.*?<TD>(\+= [^<]+)</TD>", drawing.source) == amounts
    assert "red: step 2 of the backward pass" in drawing.source  # the legend says what red means
    assert "</svg>" in drawing.pipe("svg", encoding="utf-8")


def test_draw_step_leaves_every_grad_as_it_was():
    d, *_ = small_graph()
    d.backward()
    before = [(node, node.grad) for node in autograd.topological_order(d)]
    for k in range(3):
        draw_step(d, k)
    assert [(node, node.grad) for node, _ in before] == before


def test_step_through_is_a_slider_with_ipywidgets():
    ipywidgets = pytest.importorskip("ipywidgets")
    d, *_ = small_graph()
    stepper = step_through(d)
    assert isinstance(stepper, ipywidgets.VBox)
    slider, picture = stepper.children
    assert (slider.min, slider.max, slider.value) == (0, 2, 0)
    assert picture.value.startswith("<p>step 0: d →") and "</svg>" in picture.value
    slider.value = 2
    assert picture.value.startswith("<p>step 2: c →") and "</svg>" in picture.value


def test_step_through_gives_frames_without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` now fails
    display = pytest.importorskip("IPython.display")
    frames: list = []
    monkeypatch.setattr(display, "display", frames.append)
    d, _, b, _ = small_graph()
    assert step_through(d, rankdir="TB") is None  # it displays the frames one after another
    assert len(frames) == 3
    order = autograd.topological_order(d)
    highlighted = [i for i in reversed(range(len(order))) if not order[i].is_leaf]  # d, c + a, c
    for frame, i in zip(frames, highlighted):
        assert "rankdir=TB" in frame.source
        assert re.findall(rf"\t(v\d+) \[.*color=\"{HIGHLIGHT}\"", frame.source) == [f"v{i}"]
    # frame 0 was drawn before a and b got their gradients, the last one after
    assert f"<TD>grad {0.0:.4f}</TD>" in frames[0].source
    assert f"<TD>grad {b.grad:.4f}</TD>" in frames[2].source


def test_stepping_honours_create_graph_and_detect_anomaly_as_backward_does():
    x = Value(3.0, label="x")
    y = x * x * x
    for _ in backward_steps(y, create_graph=True):
        pass
    assert isinstance(x.grad, Value) and x.grad.data == 27.0  # dy/dx = 3x², a Value with a graph
    x.grad.backward()
    assert x.grad.data == 27.0 + 18.0  # d²y/dx² = 6x added to the leaf's grad
    tiny = Value(1e-200, label="tiny")
    out = tiny * 1e200 * 1e200 * 1e200
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="backward through mul"):
        list(backward_steps(out))
    assert tiny.grad == 0.0


def test_breaking_out_of_backward_steps_leaves_every_grad_as_it_was() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    a.grad, b.grad = 5.0, 7.0
    y = (a * b + a).tanh()
    for step in backward_steps(y):
        assert (a.grad, b.grad) == (5.0, 7.0)  # while stepping the pass keeps its gradients to itself
        if step.index == 1:
            break
    assert (a.grad, b.grad) == (5.0, 7.0)
    for _ in backward_steps(y):
        pass
    expected = grad(y, [a, b])
    assert (a.grad, b.grad) == (5.0 + expected[0], 7.0 + expected[1])


def test_a_chain_of_40_000_operations_steps_without_recursion():
    y = Value(0.5, label="x")
    for _ in range(20_000):
        y = (y * 1.0).tanh()
    assert sum(1 for _ in backward_steps(y)) == 40_000
