"""The explorer with other numbers: ``Explorer.set`` and ``randomize`` in Python agree with a graph built
again from those numbers, leave the original untouched and refuse what they cannot use; graphs too large
to draw whole are cut down instead of hanging; labels with line separators keep their code lines."""

import functools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_explorer import lecture_neuron, programs, run_program
from test_ops import ANY_NUMBER, arity, in_domain

import autograd
from autograd import Value, topological_order
from autograd.pages import read_data
from autograd.value import apply
from autograd.views.explorer import MAX_VALUES, draws, explore


def rebuilt_neuron(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432) -> Value:
    """The lecture neuron built again from other numbers, with backward() run."""
    o, _ = lecture_neuron()
    leaves = {v.label: v for v in topological_order(o) if v.is_leaf}
    for name, number in dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b).items():
        leaves[name].data = number
    x1v, x2v, w1v, w2v, bv = (Value(leaves[k].data, label=k) for k in ("x1", "x2", "w1", "w2", "b"))
    o = (x1v * w1v + x2v * w2v + bv).tanh()
    o.backward()
    return o


def numbers(explorer) -> list[tuple[float, float]]:
    return [(node["data"], node["grad"]) for node in explorer.data()["nodes"]]


def test_set_by_label_name_or_value_reruns_forward_and_backward():
    o, leaves = lecture_neuron()
    before = [(v.data, v.grad) for v in topological_order(o)]
    explorer = explore(o)
    changed = explorer.set({"w1": 0.5, leaves["x2"]: -1.25})
    rebuilt = rebuilt_neuron(w1=0.5, x2=-1.25)
    by_name = {node["name"]: node for node in changed.data()["nodes"]}
    for v in topological_order(rebuilt):
        if v.label:
            assert by_name[v.label]["data"] == v.data and by_name[v.label]["grad"] == v.grad
    assert by_name["o"]["data"] == rebuilt.data
    assert [(v.data, v.grad) for v in topological_order(o)] == before  # the graph is untouched
    assert numbers(explorer) == numbers(explore(o))  # and so is the explorer it came from
    again = changed.set({"b": 1.0})  # changes add up
    assert again.data()["nodes"][again.data()["root"]]["data"] == rebuilt_neuron(w1=0.5, x2=-1.25, b=1.0).data
    assert changed.data()["steps"] != explorer.data()["steps"]


def test_set_by_parameter_name_agrees_with_the_model_run_again():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    name, parameter = list(model.named_parameters())[4]
    changed = explore(loss, names=model.named_parameters()).set({name: 0.75})
    saved = parameter.data
    parameter.data = 0.75
    rebuilt = (model([0.5, -1.0]) - 0.25) ** 2
    rebuilt.backward()
    parameter.data = saved
    data = changed.data()
    assert data["nodes"][data["root"]]["data"] == rebuilt.data
    by_name = {node["name"]: node["grad"] for node in data["nodes"]}
    assert all(by_name[n] == p.grad for n, p in model.named_parameters())
    assert parameter.data == saved != 0.75


class Watching:
    """A slot of Value (``data`` or ``grad``) that records each write to one of the ``watched`` Values,
    then writes as the slot does: put on the class, it sees every write, however it is made."""

    def __init__(self, slot, name: str, watched: set, writes: list) -> None:
        self.slot, self.name, self.watched, self.writes = slot, name, watched, writes

    def __get__(self, value, owner=None):
        return self.slot if value is None else self.slot.__get__(value, owner)

    def __set__(self, value, number) -> None:
        if value in self.watched:
            self.writes.append((value.label, self.name, number))
        self.slot.__set__(value, number)


def test_the_explorer_never_writes_the_graphs_own_values(monkeypatch):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = ((model([0.5, -1.0]) - 0.25) ** 2).log()
    watched, writes = set(topological_order(loss)), []
    for name in ("data", "grad"):
        monkeypatch.setattr(Value, name, Watching(Value.__dict__[name], name, watched, writes))
    before = [(v.data, v.grad) for v in watched]
    explorer = explore(loss, names=model.named_parameters())
    name, parameter = list(model.named_parameters())[4]
    changed = explorer.set({name: 0.75, model.parameters()[0]: -0.5}).randomize(5)
    out = {f"layers.1.neurons.0.w.{i}": 0.0 for i in range(3)}  # the prediction is its bias, 0.25
    with pytest.raises(ValueError, match="log is defined only for positive numbers"):
        explorer.set({**out, "layers.1.neurons.0.b": 0.25})  # and the loss log(0)
    assert writes == [] and [(v.data, v.grad) for v in watched] == before
    assert explorer.data()["neurons"] and changed.data()["neurons"] == explorer.data()["neurons"]
    assert {n["name"] for n in changed.data()["nodes"]} >= {n for n, _ in model.named_parameters()}
    parameter.data = 0.5  # the watch sees a write
    assert writes == [(parameter.label, "data", 0.5)]


@given(programs, st.lists(st.floats(-2, 2, allow_nan=False), min_size=4, max_size=4))
def test_set_agrees_with_the_graph_built_from_the_new_numbers(program, new):
    root = run_program(program)
    if not root.requires_grad:
        return
    count = len(program[0])
    leaves = {f"x{i}": new[i] for i in range(count)}
    try:
        rebuilt = run_program((new[:count], program[1]))
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            explore(root).set(leaves)
        return
    changed = explore(root).set(
        {k: v for k, v in leaves.items() if any(x.label == k for x in topological_order(root))}
    )
    rebuilt.backward()
    order = topological_order(rebuilt)
    assert [n["data"] for n in changed.data()["nodes"]] == [v.data for v in order]
    assert [n["grad"] for n in changed.data()["nodes"]] == [float(v.grad) for v in order]


def test_set_refuses_what_is_not_a_leaf_or_not_a_finite_number():
    o, leaves = lecture_neuron()
    explorer = explore(o)
    with pytest.raises(ValueError, match=r"Explorer.set: 'n' is made by add, not a leaf"):
        explorer.set({"n": 1.0})
    with pytest.raises(ValueError, match=r"Explorer.set: 'nope' is not in this graph"):
        explorer.set({"nope": 1.0})
    with pytest.raises(ValueError, match=r"Explorer.set: Value\(data=5.0.*is not in this graph"):
        explorer.set({Value(5.0): 1.0})
    with pytest.raises(ValueError, match=r"Explorer.set: the number for 'w1' must be finite, got nan"):
        explorer.set({"w1": math.nan})
    with pytest.raises(ValueError, match=r"must be finite, got inf"):
        explorer.set({leaves["b"]: math.inf})
    with pytest.raises(TypeError, match=r"the number for 'w1' must be a real number, got str"):
        explorer.set({"w1": "2"})
    with pytest.raises(TypeError, match=r"got bool"):
        explorer.set({"w1": True})
    with pytest.raises(TypeError, match=r"a key must be a Value or a name, got int"):
        explorer.set({3: 1.0})
    twice = Value(1.0, label="a") * Value(2.0, label="a")
    with pytest.raises(ValueError, match=r"2 values are called 'a'"):
        explore(twice).set({"a": 1.0})


def test_a_number_outside_an_ops_domain_raises_what_the_op_raises():
    x = Value(2.0, label="x")
    y = (x * 1.0).log()
    with pytest.raises(ValueError) as raised:
        explore(y).set({"x": -1.0})
    with pytest.raises(ValueError) as built:
        (Value(-1.0, label="x") * 1.0).log()
    assert str(raised.value) == str(built.value).replace("grad=0.0", "grad=0.0")
    assert "log(" in str(raised.value) and "log is defined only for positive numbers" in str(raised.value)
    assert x.data == 2.0


def test_randomize_is_reproducible_from_the_seed_and_keeps_the_codes_literals():
    x = Value(1.5, label="x")
    w = Value(-0.5, label="w")
    y = (x * w + 3.0) ** 2  # 3.0 and the 2 are the code's own numbers: they stay
    explorer = explore(y)
    first, again, other = explorer.randomize(17), explorer.randomize(17), explorer.randomize(18)
    assert numbers(first) == numbers(again) and numbers(first) != numbers(other)
    stream = draws(17)
    assert [n["data"] for n in first.data()["nodes"] if n["name"] in ("x", "w")] == [
        next(stream),
        next(stream),
    ]
    literals = [n["data"] for n in first.data()["nodes"] if n["kind"] == "constant"]
    assert sorted(literals) == [2.0, 3.0]
    assert all(n % 1 == 0 for n in (10 * d for d in [next(draws(s)) for s in range(200)]))
    assert {next(draws(s)) for s in range(400)} == {k / 10 for k in range(-20, 21)}
    with pytest.raises(TypeError, match="seed must be a whole number"):
        explorer.randomize(1.5)


def test_randomize_skips_draws_outside_the_domain():
    x = Value(1.0, label="x")
    y = x.log()
    for seed in range(20):
        assert explore(y).randomize(seed).data()["nodes"][0]["data"] > 0


def test_a_huge_chain_with_no_neurons_is_cut_down_not_drawn_whole():
    x = Value(0.5, label="x")
    y = x
    for i in range(20_000):
        y = y * 1.0001 if i % 2 else y + 0.001
    explorer = explore(y)
    data = explorer.data()
    assert explorer.values == 40_001 and f"the {MAX_VALUES} nearest the output" in data["note"]
    drawn = explorer.svg.count("data-node=")
    assert MAX_VALUES - 5 <= drawn <= MAX_VALUES
    assert data["frames"] == 20_000 and data["nodes"][0]["grad"] == pytest.approx(1.0001**10_000)


def test_many_edges_group_by_neuron():
    nn = pytest.importorskip("nn")
    model = nn.MLP(35, [50, 1], seed=0)
    loss = (model([random.Random(0).uniform(-1, 1) for _ in range(35)]) - 1.0) ** 2
    count = len(topological_order(loss))
    assert count < MAX_VALUES  # few values, but thousands of edges
    data = explore(loss).data()
    assert data["grouped"] and "edges" in data["note"]


@pytest.mark.parametrize(
    "separator", ["\n", "\r", "\r\n", "\x0b", "\x0c", "\u2028", "\u2029", "\x1c", "\x85"]
)
def test_labels_with_line_separators_keep_their_code_lines(separator):
    x = Value(2.0, label=f"x{separator}one")
    w = Value(-3.0, label=f"w{separator}two")
    y = (x * w).tanh()
    y.label = f"y{separator}out"
    data = explore(y).data()
    lines = data["code"]
    for node in data["nodes"]:
        if node["op"]:
            assert lines[node["lines"][0] - 1].strip().startswith(f"{node['code']} = "), node
        for number in node["lines"]:
            assert 1 <= number <= len(lines)
    assert len({node["code"] for node in data["nodes"] if node["code"]}) == 4


# --- in a real browser: the page computes what Python computes ---------------------------------------


def close(a: float, b: float, rtol: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


def agrees(page, explorer) -> None:
    """Every data and grad in the page equals the explorer's (made by Explorer.set) to 1e-12 relative."""
    values = page.evaluate("chainrule.values()")
    page.evaluate("chainrule.go(chainrule.frames)")
    grads = page.evaluate("chainrule.grads()")
    for node in explorer.data()["nodes"]:
        assert close(values[str(node["id"])], node["data"]), (node, values[str(node["id"])])
        if node["requires_grad"]:
            assert close(grads[str(node["id"])], node["grad"]), (node, grads[str(node["id"])])


def leaf_numbers(page) -> dict:
    """The page's leaf numbers, by node id, as Explorer.set takes them (by the graph's Values)."""
    values = page.evaluate("chainrule.values()")
    return {int(i): x for i, x in values.items()}


def as_changes(explorer, numbers: dict) -> dict:
    order = topological_order(explorer.root)
    return {order[i]: x for i, x in numbers.items() if order[i].is_leaf}


def network():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    return explore(loss)


def test_typing_into_every_kind_of_leaf_agrees_with_set_and_backward(page):
    explorer = network()
    page.set_content(explorer.to_html())
    kinds = {}
    for node in explorer.data()["nodes"]:
        if node["op"] is None:
            kinds.setdefault(node["kind"], node["id"])
    assert set(kinds) == {"weight", "bias", "constant"}  # inputs and the target are constants in nn
    for number, (kind, node) in enumerate(sorted(kinds.items())):
        page.focus(f'[data-node="{node}"]')  # Tab to it, then Enter
        page.keyboard.press("Enter")
        editor = page.locator(".cr-editor")
        assert editor.is_visible()
        editor.fill(str(0.25 + number))
        editor.press("Enter")
        assert editor.is_hidden()
        assert page.evaluate(f"chainrule.values()[{node}]") == 0.25 + number, kind
    changed = explorer.set(as_changes(explorer, leaf_numbers(page)))
    agrees(page, changed)
    page.problems.check()


def test_scrubbing_and_arrow_keys_change_a_leaf(page):
    o, _ = lecture_neuron()
    explorer = explore(o)
    page.set_content(explorer.to_html())
    box = page.locator('[data-node="1"]').bounding_box()  # w1 = -3
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    view = page.evaluate("({...chainrule.view})")
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 50, start[1], steps=5)
    page.mouse.up()
    w1 = page.evaluate("chainrule.values()[1]")
    assert w1 == pytest.approx(-3.0 + 50 * 0.01, abs=0.011) and w1 > -3.0
    assert page.evaluate("({...chainrule.view})") == view  # a drag over a leaf does not pan
    agrees(page, explorer.set({"w1": w1}))
    page.keyboard.down("Shift")  # Shift: a finer drag
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 50, start[1], steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")
    finer = page.evaluate("chainrule.values()[1]")
    assert finer - w1 == pytest.approx(50 * 0.001, abs=0.0011)
    page.click('[data-node="0"]')  # x1: a click opens the editor
    page.locator(".cr-editor").fill("−0.5")
    page.locator(".cr-editor").press("Enter")
    assert page.evaluate("chainrule.values()[0]") == -0.5
    page.focus('[data-node="7"]')  # b, by keyboard
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+ArrowDown")
    b = page.evaluate("chainrule.values()[7]")
    assert b == 6.99  # up 0.1 to 7.0 (steps land on the step's grid), down 0.01
    page.keyboard.press("Enter")
    page.keyboard.type("1.5")
    flashes = "window.lit = new Set(); new MutationObserver((changes) => changes.forEach((c) => "
    flashes += "c.target.classList.contains('cr-flash') && lit.add(c.target))).observe(document.body, "
    flashes += "{subtree: true, attributeFilter: ['class']})"
    page.evaluate(flashes)  # what lights up, however briefly
    page.keyboard.press("Enter")
    agrees(page, explorer.set({"w1": finer, "b": 1.5, "x1": -0.5}))
    assert page.evaluate("lit.size") > 0  # what changed flashes
    page.click("#cr-reset")
    agrees(page, explorer)
    page.problems.check()


def test_set_in_the_page_names_and_refuses_as_python_does(page):
    o, _ = lecture_neuron()
    explorer = explore(o)
    page.set_content(explorer.to_html())
    assert page.evaluate("chainrule.set('x2', -1.5)") is True
    assert page.evaluate("chainrule.set(4, 2.5)") is True  # w2, by id
    agrees(page, explorer.set({"x2": -1.5, "w2": 2.5}))
    edges = explorer.set({"x2": -1.5, "w2": 2.5}).data()["edges"]  # and every local derivative now
    derivatives = page.evaluate("chainrule.derivatives()")
    assert [d[:2] for d in derivatives] == [[e["output"], e["position"]] for e in edges]
    assert all(close(d[2], e["derivative"]) for d, e in zip(derivatives, edges))
    for call, message in (
        ("chainrule.set('n', 1)", "made by add, not a leaf"),
        ("chainrule.set('nope', 1)", 'no value "nope"'),
        ("chainrule.set('b', NaN)", "must be finite"),
    ):
        with pytest.raises(Exception, match=message):
            page.evaluate(call)
    page.problems.check()


@pytest.mark.parametrize("sign", ["+", " ", "-", ""])
def test_a_changed_number_is_written_with_the_format_specs_sign(page, sign):
    o, _ = lecture_neuron()
    page.set_content(explore(o, format_spec=f"{sign}.2f").to_html())
    for number in (0.5, -0.5):
        page.evaluate(f"chainrule.set('x1', {number})")
        shown = page.locator('[data-node="0"] text').nth(1).text_content()
        assert shown == f"data {number:{sign}.2f}", (sign, shown)
    page.problems.check()


def test_an_op_out_of_its_domain_greys_what_depends_on_it_and_recovers(page):
    x = Value(2.0, label="x")
    w = Value(3.0, label="w")
    y = (x * 1.0).log() + w
    y.label = "y"
    explorer = explore(y)
    page.set_content(explorer.to_html())
    assert page.evaluate("chainrule.set('x', -1)") is False
    message = page.evaluate("chainrule.error()")
    with pytest.raises(ValueError) as python:
        explorer.set({"x": -1.0})
    assert (
        message
        == str(python.value)
        == ("log(Value(data=-1.0, grad=0.0)): log is defined only for positive numbers")
    )
    log = explorer.data()["nodes"][3]
    assert log["op"] == "log" and page.locator("#cr-error").text_content() == f"{log['code']}: {message}"
    values = page.evaluate("chainrule.values()")
    assert values["0"] == -1.0 and values["3"] is None and values["5"] is None  # log and y
    assert "cr-grey" in page.locator('[data-node="5"]').get_attribute("class")
    assert "cr-broken" in page.locator('[data-op="3"]').get_attribute("class")  # the log itself
    assert page.locator('[data-op="3"] > title').text_content() == f"{log['code']}: {message}"  # its tooltip
    assert "cr-grey" not in (page.locator('[data-node="4"]').get_attribute("class") or "")  # w
    assert "data —" in page.locator('[data-node="5"]').text_content()
    assert page.evaluate("chainrule.set('x', 0.5)") is True
    assert page.evaluate("chainrule.error()") is None and page.locator("#cr-error").text_content() == ""
    assert "cr-grey" not in page.locator('[data-node="5"]').get_attribute("class")
    assert page.locator(".cr-broken").count() == 0
    assert page.locator('[data-op="3"] > title').text_content() == "v3op"
    agrees(page, explorer.set({"x": 0.5}))
    page.problems.check()


def test_new_numbers_from_a_seed_in_the_address_are_python_randomize(page):
    explorer = network()
    page.set_content(explorer.to_html())
    page.evaluate("location.hash = 'seed=17'")
    page.wait_for_function("document.getElementById('cr-seed').textContent === 'seed 17'")
    agrees(page, explorer.randomize(17))
    page.click("#cr-new")
    seed = int(page.locator("#cr-seed").text_content().split()[1])
    agrees(page, explorer.randomize(seed))
    assert page.evaluate("chainrule.randomize(3)") is True
    agrees(page, explorer.randomize(3))
    page.problems.check()


def test_the_live_region_announces_each_step(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    region = page.locator("#cr-announce")
    assert region.get_attribute("aria-live") == "polite"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert region.text_content() == "Step 2 of 5: n = v6 + b; v6 receives 0.5000, b receives 0.5000."
    assert "frame 2 of 5" in page.locator('[data-cr="label"]').text_content()
    page.click('[data-node="3"]')  # x2, then a constant-free graph's output
    page.keyboard.press("Escape")
    page.problems.check()


def test_a_constant_reads_no_grad_and_the_output_its_own(page):
    x = Value(2.0, label="x")
    c = Value(3.0, label="c", requires_grad=False)
    y = x * c
    y.label = "y"
    page.set_content(explore(y).to_html())
    page.click('[data-op="2"]')  # the op: nothing opens
    page.evaluate(
        "document.querySelector('[data-node=\"2\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    assert "∂y/∂y = 1" in page.locator("#cr-node").text_content()
    page.click('[data-node="1"]')
    page.keyboard.press("Escape")
    assert "constant: no grad" in page.locator("#cr-node").text_content()
    page.problems.check()


# --- each op's code in the page's program agrees with the op's rules in Python --------------------------


@pytest.fixture(scope="module")
def blank(browser):
    """One page for a whole property test: hypothesis runs all its examples in one call of the test,
    so a page made for each call (the ``page`` fixture) would be shared by them, which its health
    check refuses."""
    context = browser.new_context()
    opened = context.new_page()
    opened.set_content("<!doctype html><title>programs</title>")
    yield opened
    context.close()


@functools.cache
def program_of(name: str, count: int) -> str:
    """The page's program of one node made by the op ``name`` from ``count`` leaves, as ``explore``
    writes it: the leaves are nodes 0 … count − 1, and the node is node ``count``."""
    leaves = tuple(Value(1.0, label=f"x{i}") for i in range(count))
    node = apply(autograd.OPS[name], leaves)
    assert topological_order(node) == [*leaves, node]
    return explore(node).data()["program"]


RUN = """([program, point]) => {
  const failed = [];
  const run = new Function("return " + program)();  // as explorer.js makes it
  const [v, d] = run(point.concat([0]), (id, reason) => failed.push([id, reason]));
  return [v[point.length], d[point.length], failed];
}"""
"""Runs a page program on the leaves' numbers: the node's value, its local derivatives, and each
``fail(id, reason)`` the program called."""


@pytest.mark.parametrize("name", sorted(autograd.OPS))
@given(data=st.data())
def test_each_ops_code_in_the_page_agrees_with_python_in_its_domain(blank, name, data):
    """In Chromium, the page's program (written by node_code from the op's templates) and the op's
    rules in Python agree to 1e-14 relative at random points of the op's domain: the forward value,
    and each local derivative at the same forward value, so each derivative's code is compared on
    the same numbers."""
    op = autograd.OPS[name]
    point = data.draw(in_domain(name))
    out, local, failed = blank.evaluate(RUN, [program_of(name, len(point)), list(point)])
    assert failed == [], (name, point)
    assert close(out, op.forward(*point), 1e-14), (name, point, out, op.forward(*point))
    python = op.derivatives(*point, out)
    assert len(local) == len(python)
    assert all(close(js, py, 1e-14) for js, py in zip(local, python)), (name, point, local, python)


@pytest.mark.parametrize("name", sorted(name for name, op in autograd.OPS.items() if op.domain))
@given(data=st.data())
def test_each_ops_code_in_the_page_refuses_where_python_does_with_its_reason(blank, name, data):
    op = autograd.OPS[name]
    count = arity(op)
    point = data.draw(st.tuples(*[ANY_NUMBER] * count))
    try:
        op.forward(*point)
        python = []
    except (ArithmeticError, ValueError) as error:
        python = [[count, str(error)]]  # the node, and the reason
    failed = blank.evaluate(RUN, [program_of(name, count), list(point)])[2]
    assert failed[:1] == python, (name, point)  # the page shows the first


def test_the_neuron_card_shows_delta_and_follows_the_bias(page):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([2.0, -1.0]) - 0.25) ** 2
    loss.label = "C"
    explorer = explore(loss)
    neuron = explorer.data()["neurons"][1]
    assert neuron["key"] == "layers.0.neurons.1" and len(neuron["w"]) == 2
    page.set_content(explorer.to_html())
    page.evaluate(f"chainrule.set({neuron['b']}, 0.5)")
    page.focus(f'[data-node="{neuron["b"]}"]')
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    moves = [f"chainrule.set({neuron['b']}, {bias})" for bias in (0.5, -0.25, 1.75)]
    for move in [*moves, "z", 60, -120]:  # as the bias moves, set or dragged with the mouse: ∂C/∂b stays δ
        if move == "z":  # the card of a value inside the neuron made by an operation, opened by a click
            page.evaluate(
                f"document.querySelector('[data-node=\"{neuron['z']}\"]')"
                ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
            )
            continue
        if isinstance(move, int):
            drag(page, neuron["b"], move)
        else:
            page.evaluate(move)
        bias = page.evaluate(f"chainrule.values()[{neuron['b']}]")
        nodes = explorer.set({topological_order(loss)[neuron["b"]]: bias}).data()["nodes"]
        delta = nodes[neuron["z"]]["grad"]
        card = page.locator(".cr-neuron").text_content()
        assert "neuron layers.0.neurons.1" in card
        assert f"δ = ∂C/∂z = {delta:.4f}" in card and f"∂C/∂b = δ = {delta:.4f}" in card, (move, card)
        x0 = nodes[neuron["x"][0]]["data"]
        assert f"∂C/∂w₀ = δ · x₀ = {delta:.4f} · {x0:.4f} = {nodes[neuron['w'][0]]['grad']:.4f}" in card
    page.problems.check()


# --- your turn: a wrong amount is told which slip it looks like ---------------------------------------


def slip_graph() -> Value:
    """L = 3·tanh(a·b) + tanh(a·b): tanh's output is used twice, so its gradient adds two shares."""
    a, b = Value(1.5, label="a"), Value(-0.4, label="b")
    p = a * b
    p.label = "p"
    t = p.tanh()
    t.label = "t"
    m = t * 3.0
    m.label = "m"
    loss = m + t
    loss.label = "L"
    return loss


def test_each_slip_in_a_step_is_named_as_autograd_diagnose_names_it(page):
    from autograd.slips import STEP_SLIPS, diagnose, step_candidates

    root = slip_graph()
    explorer = explore(root)
    data = explorer.data()
    page.set_content(explorer.to_html())
    nodes = {n["name"]: n for n in data["nodes"]}
    t, p = nodes["t"], nodes["p"]
    k = next(i for i, s in enumerate(data["steps"]) if s["node"] == t["id"])  # t = tanh(p)
    step = data["steps"][k]
    local = 1 - t["data"] ** 2
    amount = step["contributions"][0][1]
    shares = [c[1] for s in data["steps"][:k] for c in s["contributions"] if c[0] == t["id"]]
    numbers = {"local": local, "upstream": step["upstream"], "out": t["data"], "input": p["data"]}
    cases = {
        "×2: a factor 2": 2 * amount,
        "×−1: sign flipped?": -amount,
        STEP_SLIPS[0][0]: local,  # the upstream gradient left out
        STEP_SLIPS[1][0]: step["upstream"],  # the local derivative left out
        STEP_SLIPS[2][0]: t["data"] * step["upstream"],  # tanh instead of 1 − tanh²
        STEP_SLIPS[4][0]: local * shares[-1],  # = instead of +=
    }
    page.evaluate(f"chainrule.go({k})")
    for message, typed in cases.items():
        assert page.evaluate(f"chainrule.answer([{typed!r}])") is False
        said = page.evaluate("chainrule.feedback()")[0]
        assert said.startswith(message), (message, said)
        python = diagnose(typed, amount, step_candidates(**numbers, share=shares[-1]), rtol=1e-4, atol=5e-5)
        assert python == said
        assert message.split(":")[0] in page.locator("#cr-step").text_content()
    assert page.evaluate(f"chainrule.answer([{amount!r}])") is True and page.evaluate(
        "chainrule.feedback()"
    ) == [None]
    # the product's step: the input's own value instead of the other factor
    q = next(i for i, s in enumerate(data["steps"]) if s["node"] == p["id"])
    page.evaluate(f"chainrule.go({q})")
    a, b = nodes["a"], nodes["b"]
    upstream = data["steps"][q]["upstream"]
    assert page.evaluate(f"chainrule.answer([{a['data'] * upstream!r}, {a['data'] * upstream!r}])") is False
    assert page.evaluate("chainrule.feedback()")[0] == STEP_SLIPS[3][0]
    assert b["data"] != a["data"]
    page.problems.check()


def test_a_wrong_bias_amount_says_the_bias_receives_delta(page):
    nn = pytest.importorskip("nn")
    neuron = nn.Neuron(2, activation="tanh", seed=0)
    out = neuron([1.0, -2.0])
    explorer = explore(out)
    data = explorer.data()
    page.set_content(explorer.to_html())
    k = next(i for i, s in enumerate(data["steps"]) if data["nodes"][s["node"]]["op"] == "linear")
    contributions = data["steps"][k]["contributions"]
    typed = [c[1] for c in contributions]
    position = next(i for i, c in enumerate(contributions) if data["nodes"][c[0]]["kind"] == "bias")
    typed[position] = 0.123
    page.evaluate(f"chainrule.go({k})")
    assert page.evaluate(f"chainrule.answer({typed!r})") is False
    said = page.evaluate("chainrule.feedback()")
    assert said[position] == "a bias's gradient is δ = ∂L/∂z itself: ∂z/∂b = 1"
    page.problems.check()


def test_the_pages_diagnose_agrees_with_pythons(page):
    from autograd.slips import diagnose

    page.set_content(explore(slip_graph()).to_html())
    rng = random.Random(5)
    cases = []
    for _ in range(400):
        right = rng.choice([0.0, rng.uniform(-3, 3)])
        candidates = [("first", rng.uniform(-3, 3)), ("second", rng.uniform(-3, 3))]
        mine = rng.choice(
            [right * rng.choice([2, 0.5, -1, -2, 4, 0.25, 3, 1, 1.5]), candidates[0][1], candidates[1][1]]
        ) + rng.choice([0.0, 1e-9, 1e-3])
        cases.append(
            (mine, right, candidates, rng.choice([1e-6, 1e-4]), rng.choice([0.0, 1e-5]), rng.random() < 0.2)
        )
    said = page.evaluate(
        "cases => cases.map(c => chainrule.diagnose(c[0], c[1], c[2], c[3], c[4], c[5]))", cases
    )
    python = [diagnose(m, r, c, rtol=rt, atol=at, bias=b) for m, r, c, rt, at, b in cases]
    assert said == python
    assert {s.split(":")[0] for s in python if s} >= {"×2", "×½", "×−1", "×−2", "×4", "×1/4", "×3", "first"}
    page.problems.check()


# --- the worksheet: printed, the graph with every label, data filled in, grads left to fill -----------

CONTROLS = ("play", "speed", "Reset numbers", "New numbers", "Your turn", "autograd.compile", "fit")


def pdf_text(page) -> str:
    pypdf = pytest.importorskip("pypdf")
    import io

    reader = pypdf.PdfReader(io.BytesIO(page.pdf()))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_the_worksheet_prints_every_label_and_no_controls_then_the_answer_key(page):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    loss.label = "loss"
    explorer = explore(loss)
    sheet = explorer.worksheet()
    page.set_content(sheet.to_html())
    text = pdf_text(page)
    labels = {n["name"] for n in explorer.data()["nodes"] if n["name"]}
    assert labels and all(label in text for label in labels), labels - {x for x in labels if x in text}
    assert not [word for word in CONTROLS if word in text]
    graph, key = text.split("Answer key")
    assert "grad ____" in graph and "grad 0." not in graph and "grad -" not in graph  # grads left to fill
    for node in explorer.data()["nodes"]:
        if node["requires_grad"]:
            assert f"{node['grad']:.4f}" in key
    assert "constant: no grad" in key
    width = page.evaluate("document.querySelector('.cr-canvas svg').getBoundingClientRect().width")
    assert width == pytest.approx(page.evaluate("document.querySelector('main').clientWidth"), abs=2)
    page.problems.check()


def test_printing_the_live_page_gives_the_worksheet_of_the_numbers_shown(page):
    o, _ = lecture_neuron()
    explorer = explore(o)
    page.set_content(explorer.to_html())
    page.evaluate("chainrule.set('w1', 0.5)")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    text = pdf_text(page)
    assert all(label in text for label in ("x1", "x2", "w1", "w2", "b", "n", "o"))
    assert not [word for word in CONTROLS if word in text]
    graph, key = text.split("Answer key")
    assert "data 0.5000" in graph
    changed = explorer.set({"w1": 0.5}).data()["nodes"]
    assert f"{changed[0]['grad']:.4f}" in key  # x1's grad with w1 = 0.5
    page.problems.check()


def test_a_constant_changed_in_the_page_changes_in_its_lines_of_code(page):
    x = Value(2.0, label="x")
    y = (x * 3.0) * -1.5 + x * 13.0  # constants written into the code as numbers (3.0 inside 13.0)
    y.label = "y"
    explorer = explore(y)
    page.set_content(explorer.to_html())
    code = "\n".join(page.eval_on_selector_all(".cr-line", "lines => lines.map(l => l.textContent)"))
    assert "* 3.0" in code and "(-1.5)" in code
    constants = [n["id"] for n in explorer.data()["nodes"] if n["kind"] == "constant"]
    page.evaluate(f"chainrule.set({constants[0]}, 0.25); chainrule.set({constants[1]}, 4)")
    page.wait_for_function("!document.getElementById('cr-code').textContent.includes('* 3.0')")
    code = "\n".join(page.eval_on_selector_all(".cr-line", "lines => lines.map(l => l.textContent)"))
    assert "* 3.0" not in code and "1.5" not in code and "* 0.25" in code and "4.0" in code
    assert "13.0" in code
    changed = explorer.set(
        {topological_order(y)[constants[0]]: 0.25, topological_order(y)[constants[1]]: 4.0}
    )
    shown = page.eval_on_selector_all(".cr-line", "lines => lines.map(l => l.textContent.slice(6, -1))")
    assert shown == changed.data()["code"]  # the code compile writes for the new numbers
    page.problems.check()


def test_edits_in_the_page_agree_with_backward_on_the_neuron_built_again(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    numbers = {"x1": 1.25, "w1": -0.5, "x2": 0.75, "w2": 1.5, "b": -0.3}
    for name, number in numbers.items():
        page.evaluate(f"chainrule.set({name!r}, {number!r})")
    rebuilt = rebuilt_neuron(**numbers)
    page.evaluate("chainrule.go(chainrule.frames)")
    grads, values = page.evaluate("chainrule.grads()"), page.evaluate("chainrule.values()")
    data = read_data(page.content())
    ids = {node["name"]: node["id"] for node in data["nodes"]}
    for v in topological_order(rebuilt):
        if v.label:
            assert close(values[str(ids[v.label])], v.data) and close(grads[str(ids[v.label])], v.grad)
    assert close(values[str(data["root"])], rebuilt.data)
    page.problems.check()


def test_a_graph_drawn_one_box_per_neuron_computes_too(page):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    explorer = explore(loss, max_nodes=10)
    assert explorer.data()["grouped"]
    page.set_content(explorer.to_html())
    page.evaluate("chainrule.go(3)")
    name, parameter = list(model.named_parameters())[2]
    assert page.evaluate(f"chainrule.set({name!r}, 0.75)") is True
    agrees(page, explorer.set({parameter: 0.75}))
    key = explorer.data()["neurons"][0]["key"]
    page.click(f'[id="group-{key}"]')
    assert f"neuron {key}" in page.locator(".cr-neuron").text_content()
    key = explorer.data()["neurons"][1]["key"]
    page.focus(f'[id="group-{key}"]')  # by keyboard: Tab to a neuron's box, then Enter
    page.keyboard.press("Enter")
    assert f"neuron {key}" in page.locator(".cr-neuron").text_content()
    page.problems.check()


# --- what an edit changes, and what it leaves --------------------------------------------------------


LIT = """() => {
  window.lit = new Set();
  new MutationObserver(changes => changes.forEach(c => {
    if (c.target.classList.contains("cr-flash") && c.target.dataset.node) lit.add(c.target.dataset.node);
  })).observe(document.body, {subtree: true, attributeFilter: ["class"]});
}"""
"""Records each value that flashes, however briefly: ``window.lit``, their ids."""


def arrows(page) -> list:
    """What the arrows of the step shown say they add."""
    return page.eval_on_selector_all("text.cr-amount", "ts => ts.map(t => t.textContent)")


def test_an_edit_redoes_the_steps_amounts_and_maths_flashes_what_changed_and_keeps_the_layout(page):
    o, _ = lecture_neuron()
    explorer = explore(o)
    page.set_content(explorer.to_html())
    page.evaluate(LIT)
    page.evaluate("chainrule.set('b', 1.0)")  # at frame 0 only o's grad shows, and it stays 1
    assert set(page.evaluate("[...lit]")) == {"7", "8", "9"}  # b, n and o changed; nothing else flashes
    page.wait_for_function("!document.querySelector('.cr-flash')")  # briefly
    page.evaluate("chainrule.go(2)")  # step 2: n = v6 + b passes n's grad on
    changed = explorer.set({"b": 1.0}).data()
    amount = changed["steps"][1]["contributions"][0][1]
    assert amount != explorer.data()["steps"][1]["contributions"][0][1]
    boxes = [page.locator(f'[data-node="{i}"]').bounding_box() for i in range(10)]
    text = page.locator("#cr-step").text_content()
    assert f"1.0000 · {amount:.4f} = {amount:.4f}" in text
    assert arrows(page) == [f"+= {amount:.4f}"] * 2
    page.evaluate("chainrule.set('b', -0.5)")
    amount = explorer.set({"b": -0.5}).data()["steps"][1]["contributions"][0][1]
    assert f"1.0000 · {amount:.4f} = {amount:.4f}" in page.locator("#cr-step").text_content()
    assert arrows(page) == [f"+= {amount:.4f}"] * 2
    assert "cr-current" in page.locator('[data-op="8"]').get_attribute("class")  # the same step shown
    assert [page.locator(f'[data-node="{i}"]').bounding_box() for i in range(10)] == boxes
    page.problems.check()


def drag(page, node: int, dx: float) -> None:
    """A drag across value ``node``'s box, from its middle, brought into view first."""
    page.focus(f'[data-node="{node}"]')
    box = page.locator(f'[data-node="{node}"]').bounding_box()
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + dx, start[1], steps=5)
    page.mouse.up()


def test_every_kind_of_leaf_scrubs_and_steps_by_the_arrow_keys(page):
    explorer = network()
    kinds = {}
    for node in explorer.data()["nodes"]:
        if node["op"] is None:
            kinds.setdefault(node["kind"], node["id"])
    o, _ = lecture_neuron()
    for made, leaves in ((explorer, kinds), (explore(o), {"input": 0})):
        page.set_content(made.to_html())
        for kind, node in leaves.items():
            before = page.evaluate(f"chainrule.values()[{node}]")
            drag(page, node, 40)
            dragged = page.evaluate(f"chainrule.values()[{node}]")
            assert dragged == pytest.approx(before + 0.4, abs=0.011), kind
            page.focus(f'[data-node="{node}"]')
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
            stepped = page.evaluate(f"chainrule.values()[{node}]")
            assert stepped == pytest.approx(dragged - 0.2, abs=0.051), kind
        agrees(page, made.set(as_changes(made, leaf_numbers(page))))
    page.problems.check()


# --- readable at every size ---------------------------------------------------------------------------


def inside(inner: dict, outer: dict) -> bool:
    return (
        outer["x"] - 1 <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and outer["y"] - 1 <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )


def test_the_first_view_fits_the_graph_or_opens_readable_at_the_output_with_fit_one_click_away(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    canvas = page.locator(".cr-canvas").bounding_box()
    assert inside(page.locator(".cr-canvas svg").bounding_box(), canvas)  # small: all of it
    assert page.evaluate("chainrule.view.scale") * 11 >= 9
    page.set_content(network().to_html())  # wide: whole, its 11-point text would be under 9 px
    canvas = page.locator(".cr-canvas").bounding_box()
    assert page.evaluate("chainrule.view.scale") * 11 >= 9 - 1e-9
    root = page.evaluate("chainrule.data.root")
    assert inside(page.locator(f'[data-node="{root}"]').bounding_box(), canvas)
    assert not inside(page.locator(".cr-canvas svg").bounding_box(), canvas)
    page.click('[data-zoom="fit"]')
    assert inside(page.locator(".cr-canvas svg").bounding_box(), canvas)
    assert page.evaluate("chainrule.view.scale") * 11 < 9
    page.problems.check()


WATCH = """() => {
  window.touched = new Set();
  new MutationObserver(records => records.forEach(r => {
    const element = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    const owner = element.closest("[data-node], [data-op], [data-edge], [id^=group-]");
    const edge = owner && owner.dataset.edge && owner.dataset.edge.split(":")[0];
    window.touched.add(owner ? (owner.dataset.node ?? owner.dataset.op ?? edge ?? owner.id) : "?");
  })).observe(document.querySelector(".cr-canvas svg"),
              {subtree: true, attributes: true, characterData: true, childList: true});
}"""
"""Records, for every change to the drawing, the value it belongs to (its id, the id of the operation
an arrow goes into, the box of its neuron in a graph drawn one box per neuron, or ``?`` for anything
else)."""


@pytest.mark.parametrize("samples", [1, 5])  # 400 values; 700 values and 3,400 edges, grouped
def test_a_step_repaints_only_the_values_of_the_steps_it_leaves_and_enters(page, samples):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = sum((model([0.1 * i, -0.2 * i]) - 0.5) ** 2 for i in range(samples))
    explorer = explore(loss)
    data = explorer.data()
    page.set_content(explorer.to_html())
    page.evaluate(WATCH)
    steps = data["steps"]
    for k in range(1, min(len(steps), 40) + 1):
        page.evaluate("window.touched.clear()")
        page.evaluate(f"chainrule.go({k})")
        allowed = set()
        for step in steps[max(0, k - 2) : k]:
            ids = {step["node"]} | {c[0] for c in step["contributions"]}
            allowed |= {str(i) for i in ids} | {f"group-{data['nodes'][i]['group']}" for i in ids}
        touched = set(page.evaluate("[...window.touched]"))
        assert touched <= allowed, (k, touched - allowed)
    page.problems.check()


# --- accessible -----------------------------------------------------------------------------------------


def test_tab_reaches_every_control_and_value_with_a_visible_focus(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(e => e.dataset.node ?? e.dataset.cr ?? e.dataset.zoom ?? e.id ?? e.tagName)"
                "(document.activeElement)"
            )
        )
        if reached[-1] == "cr-turn":
            break
    assert {"first", "prev", "play", "next", "last", "slider", "speed", "in", "out", "fit"} <= set(reached)
    assert {"cr-reset", "cr-new", "cr-turn"} <= set(reached)
    assert sorted((r for r in reached if r.isdigit()), key=int) == [str(i) for i in range(10)]  # every value
    page.focus('[data-node="8"]')  # n: Enter shows it, as a click does
    page.keyboard.press("Enter")
    assert "n = v6 + b" in page.locator("#cr-node").text_content() and page.locator(".cr-editor").is_hidden()
    page.focus('[data-node="1"]')
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard: drawn
    stroke = page.evaluate(
        "getComputedStyle(document.querySelector('[data-node=\"1\"] > polygon')).strokeWidth"
    )
    assert stroke == "3px"
    page.focus("#cr-reset")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.problems.check()


def test_the_kinds_of_leaf_differ_by_shape_or_dash_as_well_as_colour():
    from autograd.views.draw import STYLES

    kinds = ("weight", "bias", "input", "constant")
    assert len({STYLES[kind]["style"] for kind in kinds}) == len(kinds)


# --- practice: the seed in the address, the worksheet's paper --------------------------------------------


def test_a_page_opened_with_a_seed_in_its_address_draws_those_numbers(page, tmp_path):
    from web import build

    explorer = network()
    explorer.save(tmp_path / "explorer.html")
    with build.serve(tmp_path) as url:
        page.goto(url + "explorer.html#seed=17")
        page.wait_for_function("document.getElementById('cr-seed').textContent === 'seed 17'")
        agrees(page, explorer.randomize(17))
        page.click("#cr-new")
        seed = int(page.locator("#cr-seed").text_content().split()[1])
        assert page.evaluate("location.hash") == f"#seed={seed}"  # the exercise to share
        page.reload()
        page.wait_for_function(f"document.getElementById('cr-seed').textContent === 'seed {seed}'")
        agrees(page, explorer.randomize(seed))
    page.problems.check()


def paper(page) -> list:
    pypdf = pytest.importorskip("pypdf")
    import io

    reader = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def test_a_wide_graph_prints_landscape_and_a_tall_one_portrait(page):
    o, _ = lecture_neuron()
    wide, tall = explore(o), explore(o, rankdir="TB")
    for explorer, landscape in ((wide, True), (tall, False)):
        for document in (explorer.worksheet().to_html(), explorer.to_html()):
            page.set_content(document)
            sizes = paper(page)
            assert all((w > h) == landscape for w, h in sizes), (landscape, sizes)
    key = pdf_text(page).split("Answer key")[1]
    for step in explore(o).data()["steps"]:  # each step's amounts
        for _, amount in step["contributions"]:
            assert f"+= {amount:.4f}" in key
    page.problems.check()


# --- the agreement, after any edits -----------------------------------------------------------------------


@settings(max_examples=30)
@given(programs, st.lists(st.tuples(st.integers(0, 3), st.floats(-2, 2, allow_nan=False)), max_size=5))
def test_any_edits_in_the_page_agree_with_set_to_1e_12(blank, program, edits):
    root = run_program(program)
    if not root.requires_grad:
        return
    explorer = explore(root)
    leaves = [v for v in topological_order(root) if v.is_leaf and v.label.startswith("x")]
    blank.set_content(explorer.to_html())
    changes: dict = {}
    for i, number in edits:
        leaf = leaves[i % len(leaves)]
        blank.evaluate(f"chainrule.set({leaf.label!r}, {number!r})")
        changes[leaf] = number
    try:
        changed = explorer.set(changes)
    except (ArithmeticError, ValueError) as error:
        assert blank.evaluate("chainrule.error()") == str(error)
        return
    assert blank.evaluate("chainrule.error()") is None
    agrees(blank, changed)
