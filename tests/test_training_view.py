"""The training view: its JSON agrees with the recording, and in a real browser it shows each frame as
recorded, steps several runs together, draws boundary lines, and falls back to a static picture."""

import base64
import html
import math
import re
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_shell import sanitise

import autograd
import nn
from autograd.pages import read_data
from nn import optim
from nn.instruments.training_view import decode, encode

ROOT = Path(__file__).resolve().parent.parent


def moons_run(epochs=6, every=1, hidden=(6, 4), bias=True, test=True, grid=12):
    X, y = nn.data.make_moons(n_samples=40, noise=0.1, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [*hidden, 1], bias=bias, seed=1)
    options = {"X_test": X[30:], "y_test": y[30:]} if test else {}
    recorder = nn.Recorder(model, X[:30], y[:30], every=every, grid=grid, **options)
    history = nn.fit(
        model, X[:30], y[:30], nn.hinge_loss, optim.SGD(model.parameters(), lr=0.2), epochs,
        progress=False, recorder=recorder,
    )  # fmt: skip
    return model, recorder, history


def experiment(epochs=20):
    """The w / b experiment: one 2-3-1 network trained three ways, from the same start."""
    from nn.demo import EXAMPLE_INPUT, EXAMPLE_TARGET, VARIANTS, classic_start, sigmoid_network

    recorders = []
    for chosen in VARIANTS.values():
        model = sigmoid_network()
        model.load_state_dict(classic_start())
        recorder = nn.Recorder(model, [EXAMPLE_INPUT], [EXAMPLE_TARGET], grid=6, extent=(-1, 1, -1, 1))
        optimizer = optim.SGD(chosen(model), lr=0.5)
        nn.fit(
            model,
            [EXAMPLE_INPUT],
            [EXAMPLE_TARGET],
            nn.sse_loss,
            optimizer,
            epochs,
            progress=False,
            recorder=recorder,
        )
        recorders.append(recorder)
    return recorders


# --- the JSON ---------------------------------------------------------------------------------------


def test_the_json_holds_every_recorded_frame():
    model, recorder, history = moons_run(epochs=7, every=3)
    data = read_data(nn.training_view(recorder).to_html())
    assert data["epochs"] == recorder.epochs == [0, 3, 6, 7] and data["frames"] == 3
    (run,) = data["runs"]
    assert run["names"] == [name for name, _ in model.named_parameters()]
    for frame, recorded in zip(run["frames"], recorder.frames):
        assert frame["epoch"] == recorded.epoch
        assert frame["losses"] == {"train": recorded.loss, "test": recorded.test_loss}
        assert frame["parameters"] == list(recorded.parameters.values())
        assert frame["gradients"] == list(recorded.gradients.values())
    assert [f["losses"]["train"] for f in run["frames"][1:]] == [history[e - 1] for e in (3, 6, 7)]
    assert run["frames"][-1]["parameters"] == list(model.state_dict().values())


def test_the_maps_decode_to_the_recorded_activations():
    _, recorder, _ = moons_run(grid=40)
    run = read_data(nn.training_view(recorder).to_html())["runs"][0]
    assert run["grid"]["size"] == 40 and run["grid"]["stride"] == 2 and run["grid"]["tile"] == 20
    last, frame = recorder.frames[-1], run["frames"][-1]
    output = decode(frame["maps"]["output"], run["threshold"])
    scale = frame["maps"]["output"][0]
    for shown, value in zip(output, last.output):
        assert shown == pytest.approx(value, abs=scale / 127)  # 8 bits, a small value kept off 0
        assert (shown > 0) == (value > 0) or value == 0
    tile = decode(frame["maps"]["neurons"]["layers.0.neurons.2"])
    expected = [last.maps["layers.0.neurons.2"][j * 40 + i] for j in range(0, 40, 2) for i in range(0, 40, 2)]
    assert tile == pytest.approx(
        expected, abs=frame["maps"]["neurons"]["layers.0.neurons.2"][0] / 254 + 1e-12
    )


@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50),
    offset=st.sampled_from([0.0, 0.5]),
)
def test_a_map_is_kept_to_8_bits_with_its_sign(values, offset):
    encoded = encode(values, offset)
    shown = decode(encoded, offset)
    scale = encoded[0]
    for value, back in zip(values, shown):
        assert abs(back - value) <= scale / 127 * (1 + 1e-9)
        assert (back > offset) == (value > offset) and (back < offset) == (value < offset)


def test_bad_arguments_are_named():
    _, recorder, _ = moons_run(epochs=1)
    with pytest.raises(ValueError, match=r"training_view: give at least one Recorder"):
        nn.training_view()
    with pytest.raises(TypeError, match=r"training_view: argument 1 must be an nn.Recorder, got list"):
        nn.training_view(recorder, [])
    with pytest.raises(ValueError, match=r"training_view: titles must list one title per recorder \(1\)"):
        nn.training_view(recorder, titles=["a", "b"])
    empty = nn.Recorder(nn.MLP(2, [1]), [[0.0, 0.0]], [1.0])
    with pytest.raises(ValueError, match=r"training_view: recorder 0 has recorded nothing yet"):
        nn.training_view(empty)


def test_the_view_reads_a_recording_by_what_it_has():
    _, recorder, _ = moons_run(epochs=2)
    names = ("model", "X", "y", "X_test", "y_test", "frames", "network", "inputs", "threshold", "extent")
    alike = types.SimpleNamespace(**{name: getattr(recorder, name) for name in names})
    alike.grid, alike.epochs, alike.names = recorder.grid, recorder.epochs, recorder.names
    assert (
        nn.training_view(alike).to_html().split("<script type=")[1]
        == recorder.view().to_html().split("<script type=")[1]
    )  # the same data
    del alike.frames
    with pytest.raises(
        TypeError, match=r"training_view: argument 0 must be an nn.Recorder, got SimpleNamespace"
    ):
        nn.training_view(alike)


def test_the_page_is_self_contained_and_saved_atomically(tmp_path):
    _, recorder, _ = moons_run(epochs=2)
    view = nn.training_view(recorder, titles=["moons"])
    document = view.to_html()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", document)
    assert "<h2" not in document.split('id="training"')[1].split("</main>")[0]  # built by the script
    view.save(tmp_path / "view.html")
    assert (tmp_path / "view.html").read_text(encoding="utf-8") == document
    assert repr(view) == "<TrainingView: 1 run, epochs 0–2>"
    assert "<iframe srcdoc=" in view._repr_html_() and "<svg" not in view.fallback()
    assert view.fallback().count('<img src="data:image/svg+xml;base64,') == 3  # network, regions, loss


def test_nn_training_view_is_the_function_not_its_module():
    module = sys.modules["nn.instruments.training_view"]
    assert nn.training_view is module.training_view and nn.TrainingView is module.TrainingView
    assert isinstance(nn.training_view(moons_run(epochs=1)[1]), nn.TrainingView)


# --- in a real browser ------------------------------------------------------------------------------


def test_each_frame_shows_the_recorded_epoch_losses_and_parameters(page):
    model, recorder, history = moons_run(epochs=8, every=2)
    page.set_content(nn.training_view(recorder).to_html())
    frames = page.evaluate("chainrule.frames")
    assert (
        frames + 1 == len(recorder.epochs) and page.evaluate("chainrule.frame") == frames
    )  # opens at the end
    assert page.evaluate("chainrule.epochs") == recorder.epochs == [0, 2, 4, 6, 8]
    for k, recorded in enumerate(recorder.frames):
        page.evaluate(f"chainrule.go({k})")
        state = page.evaluate("chainrule.state()")
        assert state["epoch"] == recorded.epoch
        assert state["losses"] == {"train": recorded.loss, "test": recorded.test_loss}
        assert state["parameters"] == recorded.parameters
        if k:
            assert state["losses"]["train"] == history[recorded.epoch - 1]
    assert state["parameters"] == model.state_dict()
    assert "epoch 8" in page.locator('.cr-timeline [data-cr="label"]').text_content()
    page.problems.check()


def test_the_output_map_agrees_with_the_models_predictions(page):
    model, recorder, _ = moons_run(epochs=10, grid=16)
    page.set_content(nn.training_view(recorder).to_html())
    pixels = page.evaluate(
        """() => { const c = document.querySelector('.tv-main canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }"""
    )
    points = recorder.grid_points()
    with autograd.no_grad():
        scores = [model([u, v]).data for u, v in points]
    visible = max(abs(s) for s in scores) / 20  # a score this far from 0 is coloured clearly
    agree = 0
    for k, score in enumerate(scores):
        row, column = divmod(k, 16)
        p = 4 * ((15 - row) * 16 + column)  # the canvas is drawn from the top
        bluer = pixels[p + 2] - pixels[p] > 235 - 232  # bluer than the white of 0: a positive score
        if abs(score) > visible:
            assert bluer == (score > 0), (points[k], score)
            agree += 1
    assert agree > 200
    page.problems.check()


def test_three_runs_side_by_side_step_together(page):
    recorders = experiment(epochs=12)
    titles = ["only weights", "only biases", "weights and biases"]
    page.set_content(nn.training_view(*recorders, titles=titles).to_html())
    assert page.locator(".tv-run h2").all_text_contents() == titles
    assert page.evaluate("chainrule.frames") == 12
    page.evaluate("chainrule.go(0)")
    for k in range(13):
        state = page.evaluate("chainrule.state()")
        assert state["epoch"] == k and [run["epoch"] for run in state["runs"]] == [k, k, k]
        for run, recorder in zip(state["runs"], recorders):
            assert run["parameters"] == recorder.frames[k].parameters
            assert run["losses"]["train"] == recorder.frames[k].loss
        page.keyboard.press("ArrowRight")
    final = page.evaluate("chainrule.state()")["runs"]
    start = recorders[0].frames[0].parameters
    only_weights, only_biases = final[0]["parameters"], final[1]["parameters"]
    assert all(only_weights[n] == start[n] for n in start if n.endswith(".b"))  # biases never moved
    assert all(only_biases[n] == start[n] for n in start if ".w." in n)  # nor did these weights
    page.keyboard.press("Home")
    assert page.evaluate("chainrule.state()")["epoch"] == 0
    page.locator('[data-cr="speed"]').select_option("30")
    page.keyboard.press(" ")  # play: all three to the last epoch together
    page.wait_for_function("chainrule.frame === chainrule.frames && !chainrule.playing()")
    assert [run["epoch"] for run in page.evaluate("chainrule.state()")["runs"]] == [12, 12, 12]
    page.problems.check()


def test_several_runs_with_different_epochs_share_one_timeline(page):
    _, short, _ = moons_run(epochs=2)
    _, long, _ = moons_run(epochs=5, every=2)
    page.set_content(nn.training_view(short, long).to_html())
    assert page.evaluate("chainrule.epochs") == [0, 1, 2, 4, 5]
    page.evaluate("chainrule.go(3)")  # epoch 4: the short run stays on its last frame, 2
    assert [run["epoch"] for run in page.evaluate("chainrule.state()")["runs"]] == [2, 4]
    page.problems.check()


def test_hovering_a_first_layer_neuron_draws_its_boundary_line(page):
    _, recorder, _ = moons_run(epochs=3)
    page.set_content(nn.training_view(recorder).to_html())
    page.evaluate("chainrule.go(1)")
    page.hover('[data-neuron="layers.0.neurons.1"]')
    line = page.locator(".tv-boundary")
    assert line.get_attribute("visibility") == "visible"
    info = page.locator(".tv-info").text_content()
    state = page.evaluate("chainrule.state()")["parameters"]
    w0, w1, b = (state[f"layers.0.neurons.1.{p}"] for p in ("w.0", "w.1", "b"))
    gradients = recorder.frames[1].gradients
    assert f"{w0:.4f}" in info and f"{b:.4f}" in info and f"{gradients['layers.0.neurons.1.b']:.4f}" in info
    x0, x1, y0, y1 = recorder.extent
    for end in ("1", "2"):  # each end of the drawn line lies on w·x + b = 0
        px, py = float(line.get_attribute("x" + end)), float(line.get_attribute("y" + end))
        x, y = x0 + px / 300 * (x1 - x0), y1 - py / 300 * (y1 - y0)
        assert abs(w0 * x + w1 * y + b) < 1e-9 * (1 + abs(w0) + abs(w1) + abs(b)) * 300
    page.mouse.move(0, 0)
    assert line.get_attribute("visibility") == "hidden"
    page.click('[data-neuron="layers.1.neurons.0"]')  # not a first-layer neuron: numbers, no line
    page.mouse.move(0, 0)
    assert "layers.1.neurons.0" in page.locator(".tv-info").text_content()
    assert line.get_attribute("visibility") == "hidden"
    page.focus('[data-neuron="layers.0.neurons.2"]')  # from the keyboard: Tab to a tile, Enter keeps it
    page.keyboard.press("Enter")
    assert "tv-selected" in page.locator('[data-neuron="layers.0.neurons.2"]').get_attribute("class")
    assert "tv-selected" not in page.locator('[data-neuron="layers.1.neurons.0"]').get_attribute("class")
    page.locator('[data-neuron="layers.0.neurons.2"]').blur()
    assert line.get_attribute("visibility") == "visible"  # the kept neuron's line
    page.problems.check()


def test_without_biases_every_boundary_line_passes_through_the_origin(page):
    _, recorder, _ = moons_run(epochs=2, bias=False)
    page.set_content(nn.training_view(recorder).to_html())
    origin = page.locator(".tv-origin").bounding_box()
    for j in range(6):
        assert page.evaluate(f"chainrule.select(0, 'layers.0.neurons.{j}')")
        line = page.locator(".tv-boundary")
        if line.get_attribute("visibility") != "visible":
            continue
        ax, ay, bx, by = (float(line.get_attribute(a)) for a in ("x1", "y1", "x2", "y2"))
        main = page.locator(".tv-main").bounding_box()
        ox, oy = (
            origin["x"] + origin["width"] / 2 - main["x"] - 1,
            origin["y"] + origin["height"] / 2 - main["y"] - 1,
        )
        distance = (
            abs((bx - ax) * (ay - oy) - (ax - ox) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        )
        assert distance < 1.0  # in pixels
    assert "no bias" in page.locator(".tv-info").text_content()
    page.problems.check()


def test_a_diverged_run_shows_without_errors(page):
    model, recorder, _ = moons_run(epochs=1)
    model.layers[0].neurons[0].w[0].data = float("nan")  # as after a step that overflowed
    model.layers[0].neurons[1].b.data = float("inf")
    recorder.record(2, float("inf"), gradients=[float("nan")] * len(recorder.names))
    page.set_content(nn.training_view(recorder).to_html())
    state = page.evaluate("chainrule.state()")
    assert state["epoch"] == 2 and state["losses"]["train"] == float("inf")
    assert math.isnan(state["parameters"]["layers.0.neurons.0.w.0"])
    page.hover('[data-neuron="layers.0.neurons.0"]')
    assert "NaN" in page.locator(".tv-info").text_content()
    page.keyboard.press("Home")
    page.problems.check()


def test_inputs_that_are_not_2d_get_a_note_and_everything_else(page):
    X, y = nn.data.make_blobs(n_samples=12, centers=2, n_features=3, seed=0)
    model = nn.MLP(3, [2], seed=0)
    recorder = nn.Recorder(model, X, y)
    nn.fit(
        model,
        X,
        y,
        nn.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        3,
        progress=False,
        recorder=recorder,
    )
    page.set_content(nn.training_view(recorder).to_html())
    assert (
        "maps of the input plane and the boundary lines need exactly 2"
        in page.locator(".tv-note").text_content()
    )
    assert page.locator(".tv-main").count() == 0 and page.locator(".tv-tile canvas").count() == 0
    assert page.locator(".tv-tile").count() == 3 + 2
    assert page.evaluate("chainrule.state()")["parameters"] == model.state_dict()
    page.problems.check()


def test_without_scripts_the_last_frame_is_a_static_picture(browser):
    _, recorder, _ = moons_run(epochs=3)
    view = nn.training_view(recorder)
    context = browser.new_context(java_script_enabled=False)
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    opened = context.new_page()
    try:
        opened.set_content(view.to_html())
        assert opened.locator(".cr-static svg").first.is_visible() and opened.locator("#training").is_hidden()
        assert "epoch 3" in opened.locator(".cr-static figcaption").text_content()
        assert opened.locator(".cr-static circle").count() == 30  # the training points
        # an untrusted notebook in JupyterLab sanitises the output (no script, iframe or inline svg)
        opened.set_content(sanitise(view._repr_html_()))
        pictures = opened.locator(".chainrule-fallback img")
        assert pictures.count() == 3 and "epoch 3" in opened.locator(".chainrule-fallback").text_content()
        for k in range(3):
            assert pictures.nth(k).is_visible() and pictures.nth(k).evaluate("img => img.naturalWidth") > 100
        regions = base64.b64decode(pictures.nth(1).get_attribute("src").split("base64,")[1]).decode("utf-8")
        assert regions.count("<circle") == 30 and "decision regions at epoch 3" in regions
    finally:
        context.close()
    assert requests == []


def test_the_live_view_in_an_executed_notebook_ends_on_the_last_epoch(page):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import nn\n"
            "X, y = nn.data.make_moons(n_samples=30, noise=0.1, seed=0, labels=(-1, 1))\n"
            "model = nn.MLP(2, [8, 1], seed=0)\n"
            "recorder = nn.Recorder(model, X, y, grid=10)\n"
            "handle = recorder.show()"
        ),
        nbformat.v4.new_code_cell(
            "history = nn.fit(model, X, y, nn.hinge_loss, nn.optim.SGD(model.parameters(), lr=0.1), 150,\n"
            "                 progress=False, recorder=recorder)\n"
            "print(len(history))"
        ),
    ]
    updates = []

    class Client(nbclient.NotebookClient):
        def process_message(self, msg, cell, cell_index):
            if msg["header"]["msg_type"] == "update_display_data":
                updates.append(read_data(html.unescape(msg["content"]["data"]["text/html"]))["epochs"][-1])
            return super().process_message(msg, cell, cell_index)

    client = Client(
        notebook,
        timeout=120,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    assert updates and updates[-1] == 150 and len(updates) < 150  # refreshed, throttled, ending on the last
    output = notebook.cells[0].outputs[0]  # the output show() made, as the last update left it
    markup = output["data"]["text/html"]
    assert read_data(html.unescape(markup))["epochs"][-1] == 150
    page.set_content(markup)
    assert page.locator("iframe").is_visible()
    frame = page.frames[1]
    frame.wait_for_function("window.chainrule !== undefined")
    assert frame.evaluate("chainrule.state()")["epoch"] == 150
    page.problems.check()


def test_the_benchmark_trains_the_demo_and_times_every_frame(page):
    from benchmarks.browser import frame_times
    from benchmarks.training_view import timed_moons_demo

    seconds, recorder = timed_moons_demo(epochs=3, record=True)
    assert seconds > 0 and recorder.epochs == [0, 1, 2, 3] and recorder.grid == 40
    times = frame_times(nn.training_view(recorder).to_html(), page)
    assert len(times) == 3 and all(t >= 0 for t in times)
    page.problems.check()


def test_the_demo_writes_the_moons_training_view(tmp_path):
    from nn.demo import write_training_view

    path = write_training_view(tmp_path, epochs=2)
    data = read_data(path.read_text(encoding="utf-8"))
    assert path.name == "training.html" and data["epochs"] == [0, 1, 2]
    (run,) = data["runs"]
    assert len(run["points"]["train"]) == 100 and len(run["points"]["test"]) == 50
    assert all(frame["losses"]["test"] is not None for frame in run["frames"])


# --- hostile titles and data, and the one palette -------------------------------------------------

XOR = nn.data.xor(labels=(-1, 1))


def test_titles_that_are_not_text_are_refused_naming_them():
    recorder = nn.Recorder(nn.MLP(2, [3, 1], activation="tanh", seed=0), XOR[0], XOR[1], grid=3)
    recorder.start()
    with pytest.raises(TypeError, match=r"titles\[0\] must be a string, got int: 123"):
        nn.training_view(recorder, titles=[123])
    with pytest.raises(TypeError, match=r"title must be a string"):
        recorder.view(title=123)
    assert nn.training_view(recorder, titles=(t for t in ["a run"])).titles == ["a run"]


def test_a_huge_sample_gives_a_finite_extent_and_a_page_without_errors(page):
    X = [list(x) for x in XOR[0]]
    X[1][0] = 1e308
    recorders = [
        nn.Recorder(nn.MLP(2, [3, 1], activation="tanh", seed=0), X, XOR[1], grid=4),
        nn.Recorder(
            nn.MLP(2, [3, 1], activation="tanh", seed=0), X, XOR[1], grid=4, extent=(-1, 2, -1, 2)
        ),  # the point lies outside
    ]
    for recorder in recorders:
        recorder.start()
        assert all(map(math.isfinite, recorder.extent))
        html = nn.training_view(recorder).to_html()
        assert not any(
            f'{axis}="{word}' in html for axis in ("cx", "cy", "x", "y") for word in ("inf", "nan")
        )
        page.set_content(html)
        assert page.evaluate("chainrule.frames") == 0
    page.problems.check()


def test_the_page_paints_with_the_palette_its_data_gives(page, monkeypatch):
    from nn.instruments import training_view

    monkeypatch.setitem(training_view.PALETTE, "positive", (0, 255, 0))
    recorder = nn.Recorder(nn.MLP(2, [3, 1], activation="tanh", seed=0), *XOR, grid=4)
    recorder.start()
    page.set_content(nn.training_view(recorder).to_html())
    fills = page.evaluate("[...document.querySelectorAll('.tv-point')].map(p => p.getAttribute('fill'))")
    assert sorted(set(fills)) == ["rgb(0,255,0)", "rgb(245,147,34)"]  # y = +1 in the new blue
    page.problems.check()
    assert nn.plot.CLASS_COLOURS == ("#f59322", "#0877bd")  # the same orange and blue, as hex


def test_numpy_arrays_are_data_for_the_recorder_and_the_view(page):
    np = pytest.importorskip("numpy")
    X, y = (np.array(part) for part in XOR)
    one_hot = np.array([[1.0, 0.0] if t < 0 else [0.0, 1.0] for t in y])
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    recorder = nn.Recorder(model, X, y, grid=4, X_test=X, y_test=one_hot)
    recorder.start()
    data = read_data(nn.training_view(recorder).to_html())
    points = data["runs"][0]["points"]
    assert points["train"] == [[*map(float, x), float(t)] for x, t in zip(X, y)]
    assert [p[2] for p in points["test"]] == [0.0 if t < 0 else 1.0 for t in y]  # the class a row names
    page.set_content(nn.training_view(recorder).to_html())
    page.problems.check()
