"""The backward-pass explorer: its data agrees with backward(), it leaves every grad as found, and in a
real Chromium it steps, undoes, answers keys, checks the learner's amounts, and falls back without scripts."""

import base64
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_shell import sanitise

import autograd
from autograd import Value, backward_steps, topological_order
from autograd.pages import read_data
from autograd.views.explorer import Explorer, explore, rule

ROOT = Path(__file__).resolve().parent.parent


def lecture_neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's lecture neuron: o = tanh(x1·w1 + x2·w2 + b), with o ≈ 0.7071."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def network_loss():
    """A small nn network's loss on one example: parameters with names, constants, several ops."""
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    prediction = model([0.5, -1.0])
    return (prediction - 0.25) ** 2, model


def by_backward(root: Value) -> list[float]:
    """The grads ``backward()`` gives every node of ``root``'s graph, from zero, in topological order."""
    order = topological_order(root)
    saved = [v.grad for v in order]
    for v in order:
        v.grad = 0.0
    root.backward()
    grads = [float(v.grad) for v in order]
    for v, g in zip(order, saved):
        v.grad = g
    return grads


# --- the data -----------------------------------------------------------------------------------


def test_every_operation_has_a_rule_in_words_for_the_step_panel():
    assert all(op.words for op in autograd.OPS.values()), "an op has no words"
    assert rule("tanh") == "∂tanh(x)/∂x = 1 − tanh²(x): one minus the output squared"
    data = explore(lecture_neuron()[0]).data()
    assert data["rules"] == {
        op: f"{autograd.OPS[op].rule}: {autograd.OPS[op].words}" for op in ("add", "mul", "tanh")
    }


def test_the_json_agrees_with_backward_and_backward_steps():
    for root in (lecture_neuron()[0], network_loss()[0]):
        data = read_data(explore(root).to_html())
        order = topological_order(root)
        assert [node["id"] for node in data["nodes"]] == list(range(len(order)))
        assert [node["grad"] for node in data["nodes"]] == by_backward(root)
        assert [node["data"] for node in data["nodes"]] == [v.data for v in order]
        index = {v: i for i, v in enumerate(order)}
        for v in order:
            v.grad = 0.0
        steps = list(backward_steps(root))
        assert data["frames"] == len(steps) == len(data["steps"])
        for mine, step in zip(data["steps"], steps):
            assert mine["node"] == index[step.node] and mine["upstream"] == step.upstream
            assert mine["contributions"] == [[index[x], amount] for x, amount in step.contributions]
        edges = {(e["output"], e["position"]): (e["input"], e["derivative"]) for e in data["edges"]}
        for v in order:
            for position, (x, d) in enumerate(zip(v.inputs, v.local_derivatives)):
                assert edges[(index[v], position)] == (index[x], d)


def test_names_kinds_and_code_lines_come_from_the_graph():
    loss, model = network_loss()
    data = read_data(explore(loss).to_html())
    nodes = data["nodes"]
    names = {node["name"] for node in nodes}
    assert {name for name, _ in model.named_parameters()} <= names
    kinds = {node["name"]: node["kind"] for node in nodes}
    assert kinds["layers.0.neurons.0.w.0"] == "weight" and kinds["layers.1.neurons.0.b"] == "bias"
    source = data["code"]
    for node in nodes:
        if node["op"]:
            first = source[node["lines"][0] - 1]
            assert first.strip().startswith(f"{node['code']} = "), first
    assert nodes[data["root"]]["lines"]


def test_grads_are_left_exactly_as_found():
    o, leaves = lecture_neuron()
    leaves["w1"].grad = 7.25  # a gradient accumulated earlier
    before = [(v, v.grad) for v in topological_order(o)]
    data = explore(o).data()
    assert all(v.grad is grad for v, grad in before)
    assert data["nodes"][1]["grad"] == pytest.approx(1.0)  # the pass's own gradient, not 7.25 + 1


def test_grads_are_restored_even_when_drawing_fails(monkeypatch):
    import autograd.views.explorer as module

    o, leaves = lecture_neuron()
    leaves["b"].grad = 3.0

    def broken(*args, **kwargs):
        raise RuntimeError("no renderer")

    monkeypatch.setattr(module, "draw_dot", broken)
    with pytest.raises(RuntimeError, match="no renderer"):
        explore(o)
    assert [v.grad for v in topological_order(o)] == [0.0] * 7 + [3.0] + [0.0] * 2


def test_each_value_in_the_svg_is_marked_with_its_id():
    o, _ = lecture_neuron()
    page = explore(o)
    marked = sorted(int(i) for i in re.findall(r'data-node="(\d+)"', page.svg))
    assert marked == list(range(10))
    assert sorted(re.findall(r'data-edge="(\d+:\d+)"', page.svg)) == sorted(
        f"{e['output']}:{e['position']}" for e in page.data()["edges"]
    )
    assert not page.svg.startswith("<?xml") and "<!--" not in page.svg


def test_a_value_used_twice_gets_an_edge_per_use():
    a = Value(3.0, label="a")
    y = a * a
    page = explore(y)
    assert sorted(re.findall(r'data-edge="(\d+:\d+)"', page.svg)) == ["1:0", "1:1"]
    assert page.data()["nodes"][0]["grad"] == 6.0


def test_the_page_is_self_contained():
    document = explore(lecture_neuron()[0]).to_html()
    assert not re.search(r"\b(src|href)=", document)
    assert "http://" not in document.replace("http://www.w3.org", "")
    assert "https://" not in document


def test_a_large_graph_collapses_by_neuron_with_a_message():
    loss, _ = network_loss()
    count = len(topological_order(loss))
    page = explore(loss, max_nodes=10)
    assert page.data()["grouped"] and str(count) in page.data()["note"]
    assert "max_nodes=None" in page.data()["note"] and "max_nodes=None" in page.to_html()
    assert re.search(r"<title>g0</title>", page.svg)
    assert not explore(loss).data()["grouped"]  # under the explorer's own limit: every value


def test_bad_input_names_the_function_and_the_argument():
    with pytest.raises(TypeError, match="explore: root must be a Value"):
        explore(3.0)
    o, _ = lecture_neuron()
    with pytest.raises(ValueError, match="explore: format_spec"):
        explore(o, format_spec=",d")
    with pytest.raises(ValueError, match="explore: max_nodes"):
        explore(o, max_nodes=0)


def test_a_value_that_needs_no_gradient_is_refused():
    with autograd.no_grad():
        y = Value(2.0) * 3
    with pytest.raises(ValueError, match=r"explore: root .* does not require grad"):
        explore(y)


def test_the_lecture_neurons_grads_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    o, leaves = lecture_neuron()
    data = explore(o).data()
    by_name = {node["name"]: node["grad"] for node in data["nodes"]}
    t = {name: torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for name, v in leaves.items()}
    torch.tanh(t["x1"] * t["w1"] + t["x2"] * t["w2"] + t["b"]).backward()
    for name, tensor in t.items():
        assert by_name[name] == pytest.approx(tensor.grad.item(), abs=1e-12)


# Random graphs: each node an operation on two earlier nodes (so values are shared), as a program.
OPERATIONS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "tanh": lambda a, b: (a * b).tanh(),
    "sigmoid": lambda a, b: (a + b).sigmoid(),
    "square": lambda a, b: a**2 + b,
}
programs = st.tuples(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    st.lists(
        st.tuples(st.sampled_from(sorted(OPERATIONS)), st.integers(0, 10**6), st.integers(0, 10**6)),
        min_size=1,
        max_size=8,
    ),
)


def run_program(program) -> Value:
    numbers, steps = program
    nodes = [Value(x, label=f"x{i}") for i, x in enumerate(numbers)]
    nodes.append(Value(0.5, requires_grad=False, label="c"))  # a constant: it never receives a gradient
    for op, i, j in steps:
        nodes.append(OPERATIONS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return nodes[-1]


def replay(data) -> list[list]:
    """The grads the page shows at every frame, summed in step order as the page's script sums them."""
    grads = [None] * len(data["nodes"])
    grads[data["root"]] = 1.0
    frames = [list(grads)]
    for step in data["steps"]:
        for node, amount in step["contributions"]:
            grads[node] = (0.0 if grads[node] is None else grads[node]) + amount
        frames.append(list(grads))
    return frames


@given(programs)
def test_stepping_through_any_graph_ends_on_the_grads_of_backward(program):
    root = run_program(program)
    if not root.requires_grad:
        return
    order = topological_order(root)
    before = [v.grad for v in order]
    data = explore(root).data()
    assert [v.grad for v in order] == before
    assert data["frames"] == sum(not v.is_leaf for v in order)
    last = replay(data)[-1]
    expected = by_backward(root)
    for i, v in enumerate(order):
        if v.requires_grad:
            assert last[i] == expected[i] == data["nodes"][i]["grad"]
        else:
            assert last[i] is None  # a constant is never reached


def test_the_page_shows_the_replayed_grads_at_every_frame(page):
    import random

    rng = random.Random(7)
    for _ in range(3):
        program = (
            [rng.uniform(-2, 2) for _ in range(3)],
            [(rng.choice(sorted(OPERATIONS)), rng.randrange(99), rng.randrange(99)) for _ in range(8)],
        )
        root = run_program(program)
        document = explore(root).to_html()
        page.set_content(document)
        for k, grads in enumerate(replay(read_data(document))):
            page.evaluate(f"chainrule.go({k})")
            assert shown(page) == grads
    page.problems.check()


def test_a_leaf_has_no_steps():
    page = explore(Value(2.0, label="x"))
    assert page.data()["frames"] == 0 and page.data()["nodes"][0]["grad"] == 1.0
    assert repr(page) == "<Explorer: 1 values, 0 steps>"


def test_explore_is_a_lazy_view_of_autograd():
    assert autograd.explore is explore and autograd.Explorer is Explorer


def test_save_writes_the_page(tmp_path):
    page = explore(lecture_neuron()[0])
    page.save(tmp_path / "explorer.html")
    assert (tmp_path / "explorer.html").read_text(encoding="utf-8") == page.to_html()


# --- in a real browser ---------------------------------------------------------------------------


def fallback_svg(output: str) -> str:
    """The SVG inside a notebook output's fallback picture (an ``<img>`` with a ``data:`` URI)."""
    encoded = re.search(
        r'<div class="chainrule-fallback"><img src="data:image/svg\+xml;base64,([^"]+)"', output
    )
    assert encoded is not None
    return base64.b64decode(encoded.group(1)).decode("utf-8")


def shown(page_) -> list:
    grads = page_.evaluate("chainrule.grads()")
    return [grads[str(i)] for i in range(len(grads))]


def test_stepping_to_the_end_shows_the_grads_of_backward(page):
    loss, _ = network_loss()
    page.set_content(explore(loss).to_html())
    frames = page.evaluate("chainrule.frames")
    data = read_data(page.content())
    assert frames == len(data["steps"]) > 0
    start = shown(page)
    assert start[data["root"]] == 1 and sum(g is not None for g in start) == 1
    page.evaluate(f"chainrule.go({frames})")
    expected = by_backward(loss)
    final = shown(page)
    for node in data["nodes"]:
        if node["requires_grad"]:
            assert final[node["id"]] == expected[node["id"]]
    page.problems.check()


def test_prev_undoes_next_and_the_graph_shows_it(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    grad_of = "document.querySelector('[data-node=\"{}\"]').textContent"
    assert "grad —" in page.evaluate(grad_of.format(8))
    before = shown(page)
    page.evaluate("chainrule.next()")
    assert "grad 0.5000" in page.evaluate(grad_of.format(8))  # n after step 0
    assert page.locator('[data-node="9"]').get_attribute("class").split().count("cr-current") == 1
    page.evaluate("chainrule.prev()")
    assert shown(page) == before and "grad —" in page.evaluate(grad_of.format(8))
    for k in range(1, 5):
        page.evaluate(f"chainrule.go({k})")
        after = shown(page)
        page.evaluate("chainrule.next(); chainrule.prev()")
        assert shown(page) == after
    page.problems.check()


def test_keyboard_stepping(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("chainrule.frame") == 2
    assert "Step 2 of 5" in page.locator("#cr-step").text_content()  # the timeline says frame 2 of 5
    assert "∂(a + b)/∂a = 1" in page.locator("#cr-step").text_content()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("chainrule.frame") == 1
    page.keyboard.press("End")
    assert page.evaluate("chainrule.frame") == 5
    assert "every grad is what backward() gives" in page.locator("#cr-step").text_content()
    page.keyboard.press("Home")
    assert page.evaluate("chainrule.frame") == 0
    page.locator('[data-cr="speed"]').select_option("30")
    page.keyboard.press(" ")
    page.wait_for_function("chainrule.frame === chainrule.frames && !chainrule.playing()")
    page.problems.check()


def test_the_step_panel_says_the_step_in_maths_and_highlights_its_code(page):
    o, _ = lecture_neuron()
    explorer = explore(o)
    page.set_content(explorer.to_html())
    page.evaluate("chainrule.go(1)")
    text = page.locator("#cr-step").text_content()
    assert "∂tanh(x)/∂x = 1 − tanh²(x)" in text
    assert "∂o/∂n += ∂o/∂n · ∂o/∂o = 0.5000 · 1.0000 = 0.5000" in text and "∂o/∂o = 1" in text
    highlighted = page.eval_on_selector_all(".cr-line.cr-hl", "spans => spans.map(s => s.textContent)")
    assert [line.split(None, 1)[0] for line in highlighted] == [
        str(n) for n in explorer.data()["nodes"][9]["lines"]
    ]
    assert any("tanh(v8)" in line for line in highlighted)
    page.click('[data-node="7"]')  # b: a leaf, with its lines in the code
    assert "b" in page.locator("#cr-node h3").text_content()
    assert "data 6.8814" in page.locator("#cr-node").text_content()
    assert page.locator(".cr-line.cr-sel").count() == 2
    page.problems.check()


def test_your_turn_accepts_the_right_amount_and_hints_at_a_wrong_one(page):
    o, _ = lecture_neuron()
    page.set_content(explore(o).to_html())
    page.check("#cr-turn")
    assert page.evaluate("chainrule.frame") == 0
    answer = page.locator('[data-answer="0"]')
    answer.fill("0.7")  # wrong: step 0 passes 1 − tanh²(n) = 0.5 to n
    answer.press("Enter")
    assert page.evaluate("chainrule.frame") == 0
    assert "∂tanh(x)/∂x = 1 − tanh²(x)" in page.locator(".cr-hint").first.text_content()
    answer = page.locator('[data-answer="0"]')
    answer.fill("0.6")
    answer.press("Enter")
    assert "upstream gradient" in page.locator("#cr-step").text_content()
    answer = page.locator('[data-answer="0"]')
    answer.fill("0.5")
    answer.press("Enter")
    assert page.evaluate("chainrule.frame") == 1  # right: revealed and applied
    assert page.evaluate("chainrule.score()") == {"right": 1, "wrong": 2}
    assert "score: 1 right, 2 wrong" in page.locator("#cr-score").text_content()
    # to the displayed precision: 0.49999 reads 0.5000; two amounts in one step
    assert page.evaluate("chainrule.answer([0.49999, '0.5'])") is True
    assert page.evaluate("chainrule.answer([1, 0.5])") is False  # a wrong first amount
    assert page.evaluate("chainrule.frame") == 2
    page.problems.check()


def test_without_scripts_the_graph_shows_every_grad_after_the_pass(browser):
    o, _ = lecture_neuron()
    context = browser.new_context(java_script_enabled=False)
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    opened = context.new_page()
    try:
        opened.set_content(explore(o).to_html())
        assert opened.locator(".cr-static").is_visible() and opened.locator(".cr-panels").is_hidden()
        assert "grad 0.5000" in opened.locator('[data-node="7"]').text_content()  # b
        assert "grad -1.5000" in opened.locator('[data-node="0"]').text_content()  # x1
        output = explore(o)._repr_html_()
        opened.set_content(output)
        assert opened.locator(".chainrule-fallback img").is_visible()
        assert opened.evaluate("document.querySelector('.chainrule-fallback img').naturalWidth") > 500
        picture = fallback_svg(output)
        assert "grad 1.0000" in picture and "grad &#45;1.5000" in picture  # w1 and x1 after the pass
    finally:
        context.close()
    assert requests == []


def test_the_inline_iframe_of_an_executed_notebook_works_in_chromium(page, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import autograd\nfrom autograd import Value\n"
            "x, w = Value(2.0, label='x'), Value(-3.0, label='w')\n"
            "y = (x * w).tanh()\ny.label = 'y'\nautograd.explore(y)"
        )
    ]
    client = nbclient.NotebookClient(
        notebook,
        timeout=60,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    output = notebook.cells[0].outputs[0]
    assert (
        output["output_type"] == "execute_result"
        and "<Explorer: 4 values, 2 steps>" in output["data"]["text/plain"]
    )
    markup = output["data"]["text/html"]
    page.set_content(markup)
    assert page.locator("iframe").is_visible() and page.locator(".chainrule-fallback").is_hidden()
    # the page's script has run (a large page is parsed in chunks: its buttons show before it runs)
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function("innerWidth > 0 && window.chainrule?.frames > 0")
    page.frame_locator("iframe").locator('[data-cr="next"]').click()
    assert frame.evaluate("chainrule.frame") == 1
    frame.evaluate("chainrule.go(chainrule.frames)")
    grads = frame.evaluate("chainrule.grads()")
    x, w = Value(2.0), Value(-3.0)
    (x * w).tanh().backward()
    assert grads["0"] == x.grad and grads["1"] == w.grad
    page.wait_for_function("document.querySelector('iframe').style.height !== '880px'")  # sized by the page
    page.problems.check()
    # an untrusted notebook in JupyterLab sanitises the output (no script, iframe or inline svg): the picture
    page.set_content(sanitise(markup))
    assert (
        page.locator("img").is_visible() and page.evaluate("document.querySelector('img').naturalWidth") > 200
    )
    assert "grad 1.0000" in fallback_svg(markup)  # y's: the picture is of the graph after the pass
    page.problems.check()


def explorers_saved_in(name: str) -> list:
    """The outputs of notebook ``name`` that show an explorer, as saved."""
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    return [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "<Explorer" in output.get("data", {}).get("text/plain", "")
    ]


def test_notebook_02_is_saved_with_a_working_explorer(page):
    outputs = explorers_saved_in("02_stepping_through_backprop")
    assert len(outputs) == 2  # the explorer, then the same graph with w1 changed by Explorer.set
    page.set_content(outputs[1]["data"]["text/html"])
    page.frames[1].wait_for_function("window.chainrule !== undefined")
    assert page.frames[1].evaluate("chainrule.data.nodes.find(n => n.name === 'w1').data") == -2.5
    page.set_content(outputs[0]["data"]["text/html"])
    frame = page.frames[1]
    frame.wait_for_function("window.chainrule !== undefined")
    frame.evaluate("chainrule.go(chainrule.frames)")
    names = frame.evaluate(
        "Object.fromEntries(chainrule.data.nodes.map(n => [n.name, chainrule.grads()[n.id]]))"
    )
    assert {k: round(names[k], 6) for k in ("x1", "x2", "w1", "w2", "b")} == {
        "x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0, "b": 0.5
    }  # fmt: skip
    page.problems.check()


def test_notebook_03_is_saved_with_an_explorer_whose_neuron_card_follows_the_bias(page):
    outputs = explorers_saved_in("03_bias_gradient")
    assert len(outputs) == 1
    page.set_content(outputs[0]["data"]["text/html"])
    frame = page.frames[1]
    frame.wait_for_function("window.chainrule !== undefined && chainrule.view.scale > 0")
    neuron = frame.evaluate("chainrule.data.neurons.find(n => n.key === 'layers.2.neurons.0')")
    frame.focus(f'[data-node="{neuron["z"]}"]')  # a value inside the output neuron
    frame.press(f'[data-node="{neuron["z"]}"]', "Enter")
    for bias in (-1.0, 2.0):
        frame.evaluate(f"chainrule.set({neuron['b']}, {bias})")
        delta = frame.evaluate(f"chainrule.data.nodes[{neuron['z']}].grad")
        card = frame.locator(".cr-neuron").text_content()
        assert f"∂C/∂b = δ = {delta:.4f}" in card and f"δ = ∂C/∂z = {delta:.4f}" in card
    page.problems.check()


def test_a_hostile_label_and_non_finite_numbers_stay_text(page):
    x = Value(math.inf, label="</script><img src=x onerror=alert(1)>")
    y = x * Value(0.0, label="zero")  # inf · 0 = nan
    y.label = "<b>y</b>"
    page.set_content(explore(y).to_html())
    assert page.evaluate("chainrule.data.nodes[0].data") == math.inf
    assert math.isnan(page.evaluate("chainrule.data.nodes[2].data"))
    page.evaluate("chainrule.go(1)")
    assert "</script><img src=x onerror=alert(1)>" in page.locator("#cr-step").text_content()
    assert page.locator("#cr-step img, #cr-step b").count() == 0
    page.click('[data-node="2"]')
    assert "data nan" in page.locator("#cr-node").text_content()
    page.problems.check()


def test_a_collapsed_graph_still_steps_to_the_grads_of_backward(page):
    loss, _ = network_loss()
    page.set_content(explore(loss, max_nodes=10).to_html())
    assert "one box" in page.locator(".cr-note").text_content()
    frames = page.evaluate("chainrule.frames")
    for _ in range(frames):
        page.keyboard.press("ArrowRight")
    final = shown(page)
    expected = by_backward(loss)
    assert all(final[i] == expected[i] for i, v in enumerate(topological_order(loss)) if v.requires_grad)
    page.problems.check()


def test_a_step_inside_a_collapsed_neuron_highlights_its_box(page):
    loss, _ = network_loss()
    explorer = explore(loss, max_nodes=10)
    nodes, steps = explorer.data()["nodes"], explorer.data()["steps"]
    k = next(i for i, step in enumerate(steps) if nodes[step["node"]]["op"] == "linear")
    key = nodes[steps[k]["node"]]["group"]
    assert key and key.startswith("layers.")
    page.set_content(explorer.to_html())
    page.evaluate(f"chainrule.go({k + 1})")
    box = page.locator(f'[id="group-{key}"]')
    assert box.count() == 1 and "cr-current" in box.get_attribute("class")
    assert page.locator(".cr-current").count() == 1
    page.evaluate("chainrule.go(0)")
    assert page.locator(".cr-current").count() == 0
    page.problems.check()


def test_the_wheel_zooms_and_a_drag_pans(page):
    page.set_content(explore(lecture_neuron()[0]).to_html())
    box = page.locator(".cr-canvas").bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = page.evaluate("({...chainrule.view})")
    page.mouse.move(*middle)
    page.mouse.wheel(0, -200)  # up: zoom in around the pointer
    page.wait_for_function(f"chainrule.view.scale > {before['scale']}")
    zoomed = page.evaluate("({...chainrule.view})")
    page.mouse.down()
    page.mouse.move(middle[0] + 60, middle[1] + 30, steps=3)
    page.mouse.up()
    panned = page.evaluate("({...chainrule.view})")
    assert panned["x"] == pytest.approx(zoomed["x"] + 60) and panned["y"] == pytest.approx(zoomed["y"] + 30)
    page.click('[data-zoom="fit"]')
    assert page.evaluate("chainrule.view.scale") == pytest.approx(before["scale"])
    page.problems.check()


def test_zoom_keeps_the_current_node_in_view(page):
    loss, _ = network_loss()
    page.set_content(explore(loss).to_html())
    page.click('[data-zoom="in"]')
    page.click('[data-zoom="in"]')
    page.click('[data-zoom="in"]')
    canvas = page.locator(".cr-canvas").bounding_box()
    frames = page.evaluate("chainrule.frames")
    for k in range(1, frames + 1):
        page.evaluate(f"chainrule.go({k})")
        node = page.evaluate(f"chainrule.data.steps[{k - 1}].node")
        box = page.locator(f'[data-node="{node}"]').bounding_box()
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"] + 1
    assert not math.isnan(page.evaluate("chainrule.view.scale"))
    page.problems.check()


def test_the_benchmark_exports_both_graphs_and_times_every_step(page):
    from benchmarks import explorer as benchmark

    seconds, size, document, values = benchmark.export(benchmark.lecture_neuron, repeats=2)
    assert values == 10 and len(seconds) == 2 and min(seconds) > 0 and size == len(document.encode("utf-8"))
    line, _, _ = benchmark.export_line("lecture neuron", "neuron", benchmark.lecture_neuron, repeats=3)
    assert re.search(
        r"\(10 values\): median .* \(budget 0\.2 s: met, 3 of 3 samples\), \d+ KB, [+-]\d+%", line
    )
    seconds, size, document, values = benchmark.export(benchmark.mlp_loss, repeats=1)
    assert 380 <= values <= 420  # "about 400 values"
    times = benchmark.step_times(document, page)
    assert len(times) == read_data(document)["frames"] and all(t >= 0 for t in times)
    page.problems.check()


def test_the_demo_writes_both_explorers(tmp_path):
    demo = pytest.importorskip("nn.demo")
    model = demo.sigmoid_network(seed=0)
    neuron, xor = demo.write_explorers(model, tmp_path)
    assert (neuron.name, xor.name) == ("explorer.html", "explorer_xor.html")
    lecture = read_data(neuron.read_text(encoding="utf-8"))
    assert lecture["frames"] == 5 and lecture["nodes"][lecture["root"]]["data"] == pytest.approx(
        0.7071, abs=1e-4
    )
    loss = read_data(xor.read_text(encoding="utf-8"))
    names = {node["name"] for node in loss["nodes"]}
    assert "C" in names and "layers.1.neurons.0.b" in names


def test_a_page_laid_out_later_fits_its_graph_once_it_has_a_size(page):
    document = explore(lecture_neuron()[0]).to_html()
    page.set_content(document.replace("<body>", '<body style="display:none">', 1))  # no size yet
    assert page.evaluate("document.querySelector('.cr-canvas').clientWidth") == 0
    page.evaluate("document.body.style.display = ''")
    page.wait_for_function("chainrule.view.scale > 0")
    height = page.evaluate("document.querySelector('.cr-canvas').clientHeight")
    graph = page.evaluate("document.querySelector('.cr-canvas svg').getAttribute('height')")
    assert height <= float(graph.rstrip("pt")) * page.evaluate("chainrule.view.scale") + 48 + 1  # no band
    page.problems.check()
