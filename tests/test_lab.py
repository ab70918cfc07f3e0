"""The lab (``lab.html``, ``web/lab.py``): every knob changes the run it should, and the exported
Python reproduces the page's numbers.

The first half runs ``web/lab.py`` in CPython (fast); the second opens the lab in a real Chromium on
the built site (skipped, with the reason, where the site cannot be built; see ``test_site.py``).
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path
from typing import Any

import pytest
from test_site import LOAD_TIMEOUT, run_in_cpython

import autograd
import nn
from nn.instruments.recording import Frame
from web import lab as lab_module
from web.lab import DEFAULTS, Lab, SettingError

PRESETS = [
    {"data": "moons", "optimizer": "sgd"},
    {
        "data": "xor",
        "points": 40,
        "noise": 0.2,
        "optimizer": "adam",
        "lr": 0.02,
        "learn": ["both", "weights", "none"],
    },
    {
        "data": "spiral",
        "points": 60,
        "layers": [6, 4],
        "activation": "relu",
        "optimizer": "momentum",
        "lr": 0.01,
        "learn": ["biases", "both", "weights"],
    },
    {"data": "circles", "loss": "bce", "l2": 0.001, "batch_size": 7, "test_fraction": 0.3},
    {
        "data": "blobs",
        "loss": "mse",
        "layers": [],
        "learn": ["weights"],
        "added": [[0.5, 0.5, 0], [2, -1, 1]],
    },
]
"""Configurations that together turn every knob: data sets, optimizers, losses, frozen groups, L2."""


def exported(code: str) -> dict[str, Any]:
    """The namespace the lab's exported code leaves when ``exec`` runs it in a fresh one."""
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    return namespace


def assert_reproduces(state: dict[str, Any], namespace: dict[str, Any], rel: float = 0.0) -> None:
    """The recorder of the exported code has the state's losses (and test losses) and parameters."""
    frames = namespace["recorder"].frames
    assert namespace["epochs"] == state["epoch"] == frames[-1].epoch
    train = [frame.loss for frame in frames]
    test = [frame.test_loss for frame in frames] if state["losses"]["test"] else []
    for mine, theirs in ((train, state["losses"]["train"]), (test, state["losses"]["test"])):
        assert len(mine) == len(theirs) == state["epoch"] + 1
        assert mine == pytest.approx(theirs, rel=rel, abs=0)
    assert frames[-1].parameters.keys() == state["parameters"].keys()
    assert list(frames[-1].parameters.values()) == pytest.approx(list(state["parameters"].values()), rel=rel)


# --- CPython ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings", PRESETS, ids=lambda s: s["data"])
def test_the_exported_code_reproduces_the_losses_and_parameters(settings: dict[str, Any]) -> None:
    lab = Lab()
    lab.configure(settings)
    lab.advance(epochs=3)
    lab.advance(epochs=2)  # in two chunks, as the page trains
    state = lab.state()
    assert_reproduces(state, exported(lab.python()))
    assert len(set(state["losses"]["train"])) > 1  # it trained


def test_frozen_groups_stay_as_they_started_and_still_get_gradients() -> None:
    lab = Lab()
    lab.configure({"layers": [3], "learn": ["weights", "biases"]})
    start = lab.state()["parameters"]
    lab.advance(epochs=4)
    now, frame = lab.state()["parameters"], lab.run.recorder.frames[-1]
    for name in start:
        frozen = (name.startswith("layers.0") and name.endswith(".b")) or (
            name.startswith("layers.1") and ".w." in name
        )
        assert (now[name] == start[name]) == frozen, name
        assert frame.gradients[name] != 0 or not frozen


def test_reset_reproduces_the_same_run_and_one_seed_sets_data_weights_and_batches() -> None:
    lab = Lab()
    lab.advance(epochs=4)
    first = lab.state()
    lab.reset()
    assert lab.state()["epoch"] == 0
    lab.advance(epochs=4)
    assert lab.state() == first
    lab.configure({"seed": 1})
    lab.advance(epochs=4)
    other = lab.state()
    assert other["losses"]["train"][0] != first["losses"]["train"][0]
    assert other["parameters"] != first["parameters"]


def test_points_test_fraction_and_added_points() -> None:
    lab = Lab()
    lab.configure({"data": "xor", "points": 4, "noise": 0, "test_fraction": 0})
    namespace = lab.run.namespace
    assert namespace["X_train"] == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert namespace["y_train"] == [-1, 1, 1, -1]  # hinge's labels
    assert lab.state()["losses"]["test"] == []
    lab.configure(
        {"points": 40, "noise": 0.1, "test_fraction": 0.25, "added": [[3.0, 3.0, 1], [-3.0, 3.0, 0]]}
    )
    namespace = lab.run.namespace
    assert len(namespace["X_test"]) == 10 and len(namespace["X_train"]) == 32  # 42 points, a quarter apart
    assert namespace["X_train"][-2:] == [[3.0, 3.0], [-3.0, 3.0]] and namespace["y_train"][-2:] == [1, -1]
    assert len(lab.state()["losses"]["test"]) == 1
    lab.configure({"loss": "bce"})
    assert lab.run.namespace["y_train"][-2:] == [1, 0]  # labels 0 and 1 as the loss wants them


def test_removing_points_and_where_each_point_came_from() -> None:
    lab = Lab()
    lab.configure({"points": 20, "test_fraction": 0.5, "added": [[1.0, 1.0, 1]]})
    before = lab.run.namespace["X_train"] + lab.run.namespace["X_test"]
    origins = lab.run.points()
    assert origins[-10:] == [
        ["generated", k] for k in range(10)
    ]  # the first 10 of 21 points are the test set
    assert ["added", 0] in origins
    lab.configure({"removed": [3, 15]})
    after = lab.run.namespace["X_train"] + lab.run.namespace["X_test"]
    assert len(after) == 19 and all(x in before for x in after)
    assert lab.config["removed"] == [3, 15]
    lab.configure({"points": 30})  # other points: nothing clicked away
    assert lab.config["removed"] == []


def test_a_change_of_layers_without_learn_makes_every_layer_learn_both() -> None:
    lab = Lab()
    lab.configure({"layers": [2], "learn": ["weights", "none"]})
    lab.configure({"layers": [3, 3, 3]})
    assert lab.config["learn"] == ["both"] * 4
    assert lab.run.model.num_parameters() == 2 * 3 + 3 + 2 * (3 * 3 + 3) + 3 + 1


@pytest.mark.parametrize(
    ("settings", "setting", "message"),
    [
        ({"lr": 0}, "lr", "above 0"),
        ({"lr": "fast"}, "lr", "number"),
        ({"batch_size": 500}, "batch_size", "larger than the 80 training points"),
        ({"learn": ["none", "none", "none"]}, "learn", "every parameter is frozen"),
        ({"bias": False, "learn": ["biases", "biases", "none"]}, "learn", "every parameter is frozen"),
        ({"data": "rings"}, "data", "xor, moons"),
        ({"layers": [8, 8, 8, 8, 8]}, "layers", "0 to 4"),
        ({"layers": [9]}, "layers", "from 1 to 8"),
        ({"test_fraction": 1}, "test_fraction", "0 to 0.9"),
        ({"added": [[0, 0, 2]]}, "added", "label 0 or 1"),
        ({"speed": 3}, "speed", "unknown setting"),
    ],
)
def test_a_bad_setting_is_named_and_the_last_good_run_stays(
    settings: dict[str, Any], setting: str, message: str
) -> None:
    lab = Lab()
    lab.advance(epochs=2)
    before = lab.state()
    with pytest.raises(SettingError, match=message) as raised:
        lab.configure(settings)
    assert raised.value.setting == setting and str(raised.value).startswith(f"{setting}: ")
    assert lab.state() == before
    answer = json.loads(_handled(lab, {"call": "configure", "args": [settings]}))
    assert answer["setting"] == setting and message in answer["error"]


def _handled(lab: Lab, message: dict[str, Any]) -> str:
    saved, lab_module.lab = lab_module.lab, lab
    try:
        return lab_module.handle(json.dumps(message))
    finally:
        lab_module.lab = saved


def test_a_run_that_diverges_says_so_and_keeps_its_frames() -> None:
    lab = Lab()
    lab.configure({"lr": 10, "loss": "mse", "activation": "linear", "layers": [8, 8, 8, 8]})
    with pytest.raises(SettingError, match=r"lr: training diverged in epoch [0-9]+: .*smaller learning rate"):
        lab.advance(epochs=50)
    state = lab.state()
    assert len(state["losses"]["train"]) == state["epoch"] + 1 < 51


def test_frames_for_the_page_carry_maps_only_in_their_last_frame() -> None:
    lab = Lab()
    full = lab.frame(full=True)
    assert [f["epoch"] for f in full["run"]["frames"]] == [0] and full["run"]["frames"][0]["maps"]
    lab.run.train(3)
    update = lab.frame()
    frames = update["run"]["frames"]
    assert [f["epoch"] for f in frames] == [1, 2, 3] and update["epoch"] == 3
    assert [bool(f["maps"]) for f in frames] == [False, False, True]
    assert all(f["losses"]["train"] is not None for f in frames)
    assert lab.frame()["run"]["frames"] == []  # each frame is sent once
    assert update["python"] == lab.python() and "epochs = 3" in update["python"]
    assert all(not frame.maps for frame in lab.run.recorder.frames[:-1])  # drawn frames' maps let go


def test_advance_by_time_trains_one_epoch_at_least() -> None:
    lab = Lab()
    assert lab.advance(seconds=0)["epoch"] == 1
    assert lab.advance(seconds=0.05)["epoch"] > 1


def test_advance_by_time_leaves_the_epoch_that_would_run_over_for_the_next_chunk(monkeypatch: Any) -> None:
    clock = [0.0]
    monkeypatch.setattr(lab_module.time, "perf_counter", lambda: clock[0])
    lab = Lab()
    train = lab.run.train

    def epoch_of_15_ms(epochs: int, maps: bool = True) -> None:
        train(epochs, maps=maps)
        clock[0] += 0.015 * epochs

    monkeypatch.setattr(lab.run, "train", epoch_of_15_ms)
    assert lab.advance(seconds=0.04)["epoch"] == 2 and clock[0] == pytest.approx(0.03)  # a third: 45 ms
    assert lab.advance(seconds=0.01)["epoch"] == 3  # one at least


def test_the_plane_is_mapped_once_a_frame_drawn_and_undrawn_frames_wait(monkeypatch: Any) -> None:
    mapped: list[int] = []
    real = lab_module.plane_maps
    monkeypatch.setattr(lab_module, "plane_maps", lambda *args: mapped.append(1) or real(*args))
    lab = Lab()
    lab.frame(full=True)  # epoch 0, as the page opens
    assert lab.advance(epochs=3, draw=False) == {"epoch": 3}
    epoch = lab.advance(seconds=0.05, draw=False)["epoch"]
    assert epoch > 4 and mapped == []  # nothing drawn, nothing mapped
    frames = lab.frame()["run"]["frames"]
    assert [f["epoch"] for f in frames] == list(range(1, epoch + 1)) and mapped == [1]
    assert [bool(f["maps"]) for f in frames] == [False] * (epoch - 1) + [True]
    lab.advance(seconds=0.05)  # many epochs, one frame drawn: one map of the plane
    assert mapped == [1, 1]


def test_xor_with_more_points_scatters_them_around_the_four_corners() -> None:
    lab = Lab()
    lab.configure({"data": "xor", "points": 200, "noise": 0.1, "test_fraction": 0, "loss": "bce"})
    X, y = lab.run.namespace["X_train"], lab.run.namespace["y_train"]
    corners = {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    near = [min(corners, key=lambda c: math.dist(c, x)) for x in X]
    assert [corners[c] for c in near] == y  # each point has its corner's class
    assert {near.count(c) for c in corners} == {50}
    assert 0.05 < sum(math.dist(c, x) for c, x in zip(near, X)) / len(X) < 0.2  # scattered, not stacked


def test_keep_pins_up_to_three_runs() -> None:
    lab = Lab()
    for k in range(4):
        lab.configure({"seed": k})
        lab.advance(epochs=k + 1)
        views = lab.keep()
    assert [state["config"]["seed"] for state in lab.runs()] == [1, 2, 3]
    assert [state["epoch"] for state in lab.runs()] == [2, 3, 4]
    assert [view["title"].endswith(f"epoch {k}") for k, view in zip([2, 3, 4], views)] == [True] * 3
    assert lab.unpin() == [] and lab.runs() == []


def test_the_neuron_card_is_the_chain_rule_for_one_example() -> None:
    lab = Lab()
    lab.configure({"layers": [3], "bias": True})
    lab.advance(epochs=2)
    card = lab.card(5, "layers.0.neurons.1")
    model, x, t = lab.run.model, lab.run.namespace["X_train"][5], lab.run.namespace["y_train"][5]
    loss = nn.hinge_loss([model(x)], [t])
    neuron = model.layers[0].neurons[1]
    grads = autograd.grad(loss, [neuron.b, *neuron.w])
    assert card["loss"] == loss.data and card["point"] == [*x, t]
    assert card["dC_db"] == card["delta"] == pytest.approx(float(grads[0]), abs=1e-15)
    assert card["dC_dw"] == pytest.approx([float(g) for g in grads[1:]], abs=1e-15)
    assert card["a"] == math.tanh(card["z"])
    assert all(p.grad == 0 for p in model.parameters())  # the card leaves no gradient behind


def test_the_card_numbers_test_points_after_the_training_points() -> None:
    lab = Lab()
    lab.configure({"layers": [2], "test_fraction": 0.25})
    namespace = lab.run.namespace
    train, test = len(namespace["X_train"]), len(namespace["X_test"])
    assert lab.card(train + 1, "layers.0.neurons.0")["point"] == [
        *namespace["X_test"][1],
        namespace["y_test"][1],
    ]
    assert lab.card(train - 1, "layers.0.neurons.0")["point"] == [
        *namespace["X_train"][-1],
        namespace["y_train"][-1],
    ]
    with pytest.raises(SettingError, match=f"point: must be from 0 to {train + test - 1}"):
        lab.card(train + test, "layers.0.neurons.0")


def test_explore_opens_the_explorer_of_one_examples_loss() -> None:
    pytest.importorskip("graphviz")
    lab = Lab()
    lab.configure({"layers": [2]})
    try:
        page = lab.explore(0)
    except Exception as error:  # no Graphviz program here: the drawing cannot be made
        pytest.skip(f"the explorer needs Graphviz: {error}")
    assert page.startswith("<!DOCTYPE html>") and "chainrule" in page


def test_the_default_configuration_is_valid_and_complete() -> None:
    assert Lab().config == {**DEFAULTS, "lr": float(DEFAULTS["lr"])}


# --- Chromium -----------------------------------------------------------------------------------------


@pytest.fixture
def lab_page(page: Any, site_url: str) -> Any:
    """The lab in Chromium, Python loaded and the first frame drawn; no console error, no request
    outside the site while the test uses it."""
    page.set_default_timeout(LOAD_TIMEOUT)
    page.goto(site_url + "lab.html")
    page.evaluate("window.chainrule.ready")
    page.wait_for_function("window.chainrule.lab.drawn.frames > 0")
    yield page
    page.problems.check()


CONFIGURE_AND_STEP = """async ([settings, epochs]) => {
  const lab = window.chainrule.lab;
  await lab.configure(settings);
  await lab.step(epochs);
  return {state: await lab.state(), python: await lab.python()};
}"""


@pytest.mark.parametrize("settings", PRESETS[:3], ids=lambda s: s["data"])
def test_the_pages_python_run_by_cpython_reproduces_its_losses(
    lab_page: Any,
    settings: dict[str, Any],
    site: Path,
    tmp_path: Path,
) -> None:
    answer = lab_page.evaluate(CONFIGURE_AND_STEP, [settings, 6])
    state = answer["state"]
    assert state["epoch"] == 6 and all(state["config"][k] == v for k, v in settings.items() if k != "lr")
    script = (
        "import json, sys\nnamespace = {}\nexec(sys.stdin.read(), namespace)\n"
        "frames = namespace['recorder'].frames\n"
        "print(json.dumps({'epochs': namespace['epochs'], 'train': [f.loss for f in frames], "
        "'test': [f.test_loss for f in frames], 'parameters': frames[-1].parameters}))"
    )
    ran = json.loads(run_in_cpython(script, site, tmp_path, given=answer["python"]))
    namespace = {"epochs": ran["epochs"], "recorder": _Recorded(ran)}
    assert_reproduces(state, namespace, rel=1e-12)  # Pyodide's libm may round a last digit apart


class _Recorded:
    """The frames CPython recorded, as the recorder's frames read (losses; the last one's parameters)."""

    def __init__(self, ran: dict[str, Any]) -> None:
        last = len(ran["train"]) - 1
        self.frames = [
            Frame(k, loss, test, ran["parameters"] if k == last else {}, {})
            for k, (loss, test) in enumerate(zip(ran["train"], ran["test"]))
        ]


def test_every_control_changes_the_run_and_bad_settings_show_next_to_it(lab_page: Any) -> None:
    page = lab_page
    page.select_option('[data-setting="data"]', "spiral")
    page.wait_for_function("document.querySelector('#python').textContent.includes('make_spiral')")
    changes = [
        ('[data-setting="points"]', "60", "points", 60),
        ('[data-setting="noise"]', "0.3", "noise", 0.3),
        ('[data-setting="test_fraction"]', "0", "test_fraction", 0.0),
        ('[data-setting="seed"]', "7", "seed", 7),
        ('[data-setting="lr"]', "0.2", "lr", 0.2),
        ('[data-setting="batch_size"]', "5", "batch_size", 5),
        ('[data-setting="l2"]', "0.01", "l2", 0.01),
    ]
    for selector, text, key, expected in changes:
        page.fill(selector, text)
        page.dispatch_event(selector, "change")
        page.wait_for_function(f"window.chainrule.lab.drawn.config[{key!r}] === {json.dumps(expected)}")
    for key, choice in [("activation", "relu"), ("init", "he"), ("loss", "bce"), ("optimizer", "adam")]:
        page.select_option(f'[data-setting="{key}"]', choice)
        page.wait_for_function(f"window.chainrule.lab.drawn.config[{key!r}] === {choice!r}")
    page.uncheck('[data-setting="bias"]')
    page.wait_for_function("window.chainrule.lab.drawn.config.bias === false")
    page.click("#layers-plus")
    page.wait_for_function("window.chainrule.lab.drawn.config.layers.length === 3")
    page.click('[data-width="0:-1"]')
    page.wait_for_function("window.chainrule.lab.drawn.config.layers[0] === 7")
    page.select_option('[data-learn="0"]', "none")
    page.wait_for_function("window.chainrule.lab.drawn.config.learn[0] === 'none'")
    good = page.evaluate("window.chainrule.lab.state()")
    page.fill('[data-setting="lr"]', "0")
    page.dispatch_event('[data-setting="lr"]', "change")
    page.wait_for_selector('.lab-error[data-error-for="lr"]:not(:empty)')
    assert "lr: the learning rate must be a number above 0" in page.text_content(
        '.lab-error[data-error-for="lr"]'
    )
    assert page.evaluate("window.chainrule.lab.state()") == good
    rejected = page.evaluate(
        "window.chainrule.lab.configure({batch_size: 1000}).then(() => 'accepted', (error) => error.message)"
    )
    assert rejected.startswith("batch_size:")
    assert page.evaluate("window.chainrule.lab.state()") == good
    diverging = {"lr": 10, "optimizer": "sgd", "loss": "mse", "activation": "linear", "layers": [8, 8, 8, 8]}
    page.evaluate("(settings) => window.chainrule.lab.configure(settings)", diverging)
    stepped = "window.chainrule.lab.step(10).then(() => '', (error) => error.message)"
    assert any(page.evaluate(stepped).startswith("lr: training diverged") for _ in range(10))
    page.click("#step")  # the numbers overflow again: the message shows next to the learning rate
    page.wait_for_selector('.lab-error[data-error-for="lr"]:not(:empty)')
    assert "training diverged in epoch" in page.text_content('.lab-error[data-error-for="lr"]')


def test_play_pause_step_and_reset(lab_page: Any) -> None:
    page = lab_page
    page.click("#play")
    page.wait_for_function("window.chainrule.lab.drawn.epoch >= 5")
    page.click("#play")  # pause
    paused = page.evaluate("window.chainrule.lab.state()")
    page.wait_for_timeout(300)
    assert page.evaluate("window.chainrule.lab.state()")["epoch"] == paused["epoch"]
    assert page.text_content("#epoch") == f"epoch {paused['epoch']}"
    page.click("#step")
    page.wait_for_function(f"window.chainrule.lab.drawn.epoch === {paused['epoch'] + 1}")
    again = page.evaluate(
        "(async () => { await window.chainrule.lab.reset(); await window.chainrule.lab.step(5);"
        " return window.chainrule.lab.state(); })()"
    )
    assert again["losses"] == {k: v[:6] for k, v in paused["losses"].items()}


def test_adding_and_removing_points_by_clicking_the_plane(lab_page: Any) -> None:
    page = lab_page
    page.evaluate("window.chainrule.lab.configure({data: 'xor', points: 4, noise: 0, test_fraction: 0})")
    page.select_option("#click", "1")
    box = page.locator("#lab-view .tv-overlay").bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + 10)  # near the top left corner of the plane
    page.wait_for_function("window.chainrule.lab.drawn.config.added.length === 1")
    added = page.evaluate("window.chainrule.lab.state()")["config"]["added"][0]
    assert added[2] == 1 and added[0] < 0 and added[1] > 1
    assert page.locator("#lab-view .tv-point").count() == 5
    page.select_option("#click", "remove")
    page.locator('#lab-view [data-point="4"]').click()  # the added point: the last training point
    page.wait_for_function("window.chainrule.lab.drawn.config.added.length === 0")
    page.locator('#lab-view [data-point="0"]').click()
    page.wait_for_function("window.chainrule.lab.drawn.config.removed.length === 1")
    assert page.locator("#lab-view .tv-point").count() == 3
    page.select_option("#click", "0")
    page.mouse.click(box["x"] + box["width"] - 10, box["y"] + box["height"] - 10)  # bottom right
    page.wait_for_function("window.chainrule.lab.drawn.config.added.length === 1")
    added = page.evaluate("window.chainrule.lab.state()")["config"]["added"][0]
    assert added[2] == 0 and added[0] > 1 and added[1] < 0
    page.evaluate("window.chainrule.lab.configure({points: 20, noise: 0.2, test_fraction: 0.5, added: []})")
    before = page.evaluate("window.chainrule.lab.state()")["config"]
    page.select_option("#click", "remove")
    page.locator('#lab-view [data-test-point="3"]').click()  # test points are the first generated
    page.wait_for_function("window.chainrule.lab.drawn.config.removed.length === 1")
    assert page.evaluate("window.chainrule.lab.state()")["config"]["removed"] == [3]
    assert page.locator("#lab-view .tv-point").count() == 19 and before["removed"] == []


def test_pinned_runs_and_the_weights_biases_both_preset(lab_page: Any) -> None:
    page = lab_page
    page.evaluate("window.chainrule.lab.preset(10)")
    runs = page.evaluate("window.chainrule.lab.runs()")
    live = page.evaluate("window.chainrule.lab.state()")
    assert [set(run["config"]["learn"]) for run in runs] == [{"weights"}, {"biases"}]
    assert set(live["config"]["learn"]) == {"both"} and live["epoch"] == 10
    starts = {run["losses"]["train"][0] for run in [*runs, live]}
    assert len(starts) == 1  # one initialisation, three runs
    assert len({run["losses"]["train"][-1] for run in [*runs, live]}) == 3
    assert page.locator("#pinned .tv-run").count() == 2
    assert page.locator("#compare polyline").count() == 3
    page.evaluate("(async () => { for (let k = 0; k < 3; k++) await window.chainrule.lab.keep(); })()")
    assert len(page.evaluate("window.chainrule.lab.runs()")) == 3
    page.click("#unpin")
    page.wait_for_function("document.querySelectorAll('#compare polyline').length === 1")
    assert page.evaluate("window.chainrule.lab.runs()") == [] and page.locator("#pinned .tv-run").count() == 0


def test_the_url_hash_rebuilds_the_same_run(lab_page: Any, site_url: str) -> None:
    page = lab_page
    settings = {"data": "circles", "layers": [5], "learn": ["weights", "both"], "added": [[0.1, 0.2, 1]]}
    page.evaluate("(s) => window.chainrule.lab.configure(s)", settings)
    page.evaluate("window.chainrule.lab.step(3)")
    before = page.evaluate("window.chainrule.lab.state()")
    link = page.url
    other = page.context.new_page()
    other.set_default_timeout(LOAD_TIMEOUT)
    other.goto(link)
    other.evaluate("window.chainrule.ready")
    other.wait_for_function("window.chainrule.lab.drawn.config?.data === 'circles'")
    after = other.evaluate(
        "(async () => { await window.chainrule.lab.step(3); return window.chainrule.lab.state(); })()"
    )
    assert after == before


def test_a_link_with_a_bad_setting_or_no_json_opens_the_lab_as_it_would_and_says_why(
    page: Any, site_url: str
) -> None:
    page.set_default_timeout(LOAD_TIMEOUT)
    page.goto(site_url + "lab.html#" + json.dumps({"data": "spiral", "lr": 0}))
    page.wait_for_selector('.lab-error[data-error-for="lr"]:not(:empty)')
    assert "lr: the learning rate must be a number above 0" in page.text_content(
        '.lab-error[data-error-for="lr"]'
    )
    assert page.evaluate("window.chainrule.lab.state()")["config"] == {**DEFAULTS, "lr": 0.1}
    page.goto("about:blank")  # a new document: the same one would only change its hash
    page.goto(site_url + "lab.html#{not json")
    page.wait_for_function("document.querySelector('#status').textContent.includes('not JSON')")
    page.wait_for_function("window.chainrule.lab.drawn.frames > 0")
    assert page.evaluate("window.chainrule.lab.state()")["config"] == {**DEFAULTS, "lr": 0.1}
    page.problems.check()


def test_the_neuron_card_and_the_explorer_of_a_selected_point(lab_page: Any) -> None:
    page = lab_page
    page.evaluate("window.chainrule.lab.configure({layers: [3]})")
    page.select_option("#click", "select")
    page.locator('#lab-view [data-point="2"]').click()
    page.locator('#lab-view [data-neuron="layers.0.neurons.1"]').click()
    page.wait_for_function("document.querySelector('#card').textContent.includes('∂C/∂b = δ')")
    card = page.text_content("#card")
    assert card.startswith("layers.0.neurons.1 on training point 2")
    with page.context.expect_page() as opened:
        page.click("#explore")
    explorer = opened.value
    explorer.wait_for_load_state()
    explorer.wait_for_function("window.chainrule && window.chainrule.frames > 0")
    assert explorer.evaluate("window.chainrule.frames") > 10
    before = explorer.evaluate("window.chainrule.values()")
    leaf = explorer.evaluate(
        "Object.keys(window.chainrule.values()).map(Number).find((id) => {"
        " try { window.chainrule.set(id, window.chainrule.values()[id] + 0.5); return true; }"
        " catch (error) { return false; } })"
    )
    after = explorer.evaluate("window.chainrule.values()")  # editable: the forward pass reruns
    changed = [k for k in before if before[k] != after[k]]
    assert str(leaf) in changed and len(changed) > 1
    page.locator('#lab-view [data-test-point="0"]').click()  # a test point: selected too
    page.wait_for_function("document.querySelector('#card').textContent.includes('on test point 0')")
    assert page.text_content("#card").startswith("layers.0.neurons.1 on test point 0 (x = ")


SPY_ON_DRAWN_EPOCHS = """() => {
  const drawn = window.chainrule.lab.drawn;
  let epoch = drawn.epoch;
  window.drawnEpochs = [];
  const set = (v) => { epoch = v; window.drawnEpochs.push(v); };
  Object.defineProperty(drawn, "epoch", {get: () => epoch, set: set});
}"""
"""Records in ``window.drawnEpochs`` the epoch of every frame the lab draws from now on."""

SETTLED = "window.chainrule.lab.state().then((s) => s.epoch === window.chainrule.lab.drawn.epoch)"
"""Whether the view shows the epoch the run has reached."""


def wait_until_settled(page: Any, seconds: float = 10.0) -> None:
    """Ask ``SETTLED`` until it holds. (It is a Promise, which ``wait_for_function`` would take for
    true at once: a Promise is truthy.)"""
    deadline = time.monotonic() + seconds
    while not page.evaluate(SETTLED):
        assert time.monotonic() < deadline, "the view never came to show the epoch the run reached"
        page.wait_for_timeout(20)


def test_the_speed_draws_every_epoch_or_every_few_chunks(lab_page: Any) -> None:
    page = lab_page
    page.evaluate(SPY_ON_DRAWN_EPOCHS)
    page.select_option("#speed", "0")  # one epoch a frame
    page.click("#play")
    page.wait_for_function("window.drawnEpochs.length >= 6")
    page.click("#play")
    assert page.evaluate("window.drawnEpochs")[:6] == [1, 2, 3, 4, 5, 6]
    page.evaluate("window.chainrule.lab.reset()")
    page.evaluate("window.drawnEpochs = []")
    page.select_option("#speed", "3")  # fastest: three chunks of training a frame, each an epoch or more
    page.click("#play")
    page.wait_for_function("window.drawnEpochs.length >= 4")
    page.click("#play")
    wait_until_settled(page)  # what the last chunks trained is drawn once paused
    epochs = page.evaluate("window.drawnEpochs")
    steps = [b - a for a, b in zip([0, *epochs], epochs)]
    assert all(step >= 3 for step in steps[:-1]), epochs
    assert page.text_content("#epoch") == f"epoch {epochs[-1]}"


def test_a_change_while_playing_restarts_the_run_and_configure_leaves_it_paused(lab_page: Any) -> None:
    page = lab_page
    page.evaluate(SPY_ON_DRAWN_EPOCHS)
    page.click("#play")
    page.wait_for_function("window.chainrule.lab.drawn.epoch >= 3")
    page.fill('[data-setting="lr"]', "0.05")
    page.press('[data-setting="lr"]', "Enter")  # as typed: one change
    page.wait_for_function(
        "window.chainrule.lab.drawn.config.lr === 0.05 && window.chainrule.lab.drawn.epoch >= 3"
    )
    page.click("#play")  # pause
    epochs = page.evaluate("window.drawnEpochs")
    restart = epochs.index(0)  # the new run, drawn at epoch 0, then training on
    assert restart > 0 and epochs[restart + 1] > 0
    page.evaluate("window.chainrule.lab.reset()")
    page.click("#play")
    page.wait_for_function("window.chainrule.lab.drawn.epoch >= 2")
    page.evaluate("window.chainrule.lab.configure({lr: 0.06})")
    page.wait_for_timeout(300)
    state = page.evaluate("window.chainrule.lab.state()")
    assert state["epoch"] == 0 and state["config"]["lr"] == 0.06 and page.text_content("#play") == "Play"


def test_the_live_view_marks_test_points_apart_and_draws_both_loss_curves(lab_page: Any) -> None:
    page = lab_page
    page.evaluate(
        "window.chainrule.lab.configure({data: 'blobs', points: 40, noise: 0, test_fraction: 0.25})"
    )
    assert page.locator("#lab-view [data-point]").count() == 30
    assert page.locator("#lab-view [data-test-point]").count() == 10
    looks = """() => ({
      tile: document.querySelector('#lab-view [data-neuron="layers.0.neurons.0"] canvas').toDataURL(),
      links: [...document.querySelectorAll('#lab-view [data-weight]')]
        .map((p) => p.getAttribute('stroke-width')),
    })"""
    before = page.evaluate(looks)
    page.evaluate("window.chainrule.lab.step(4)")
    after = page.evaluate(looks)  # fed live: the neuron's map and the links' widths follow the weights
    assert after["tile"] != before["tile"] and after["links"] != before["links"]
    for kind in ("train", "test"):
        points = page.get_attribute(f"#lab-view .tv-curve.tv-{kind}", "points")
        assert len(points.split()) == 5, kind  # epochs 0 to 4
    assert page.get_attribute("#lab-view .tv-flow .tv-w", "points")  # the gradient flow, by layer
    page.locator('#lab-view [data-neuron="layers.0.neurons.0"]').click()
    assert page.get_attribute("#lab-view .tv-boundary", "visibility") == "visible"  # the first layer's line


def test_the_buttons_and_the_bad_settings_typed_into_controls(lab_page: Any, site_url: str) -> None:
    page = lab_page
    drawn = "window.chainrule.lab.drawn.config"
    page.click("#layers-minus")
    page.wait_for_function(f"{drawn}.layers.length === 1")
    page.click('[data-width="0:-1"]')
    page.wait_for_function(f"{drawn}.layers[0] === 7")
    page.click('[data-width="0:1"]')
    page.wait_for_function(f"{drawn}.layers[0] === 8")
    page.click('[data-width="0:1"]')  # nine neurons: too many
    page.wait_for_selector('.lab-error[data-error-for="layers"]:not(:empty)')
    assert "layers: must be from 1 to 8" in page.text_content('.lab-error[data-error-for="layers"]')
    page.click("#layers-minus")
    page.wait_for_function(f"{drawn}.layers.length === 0")
    good = page.evaluate("window.chainrule.lab.state()")
    for selector, text, setting, message in [
        ('[data-setting="batch_size"]', "500", "batch_size", "larger than the 80 training points"),
        ('[data-setting="lr"]', "fast", "lr", "must be a number"),
    ]:
        page.fill(selector, text)
        page.press(selector, "Enter")
        page.wait_for_selector(f'.lab-error[data-error-for="{setting}"]:not(:empty)')
        assert message in page.text_content(f'.lab-error[data-error-for="{setting}"]')
        assert page.evaluate("window.chainrule.lab.state()") == good
    page.select_option('[data-learn="0"]', "none")  # the output layer, the only one: nothing learns
    page.wait_for_selector('.lab-error[data-error-for="learn"]:not(:empty)')
    assert "every parameter is frozen" in page.text_content('.lab-error[data-error-for="learn"]')
    assert page.evaluate("window.chainrule.lab.state()") == good
    assert page.evaluate(drawn) == good["config"]  # the last good run stays on screen
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page.click("#copy")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.evaluate("window.chainrule.lab.python()") and "nn.fit(" in copied


def test_notebook_04s_link_opens_the_lab_on_its_preset(page: Any, site_url: str) -> None:
    notebook = json.loads((Path(__file__).parents[1] / "notebooks" / "04_update_w_vs_b.ipynb").read_text())
    markdown = "".join(
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    )
    (link,) = set(re.findall(r"\(http://localhost:8000/(lab\.html#[^)]+)\)", markdown))
    page.set_default_timeout(LOAD_TIMEOUT)
    page.goto(site_url + link)
    page.wait_for_function(
        "document.querySelectorAll('#pinned .tv-run').length === 2"
        " && window.chainrule.lab.drawn.epoch === 100"
        " && window.chainrule.lab.drawn.config.learn.every((what) => what === 'both')"
    )
    runs = page.evaluate("window.chainrule.lab.runs()")
    assert [(set(run["config"]["learn"]), run["epoch"]) for run in runs] == [
        ({"weights"}, 100),
        ({"biases"}, 100),
    ]
    assert page.locator("#compare polyline").count() == 3
    page.problems.check()


def test_the_front_page_links_the_lab(site: Path) -> None:
    assert 'href="lab.html"' in (site / "index.html").read_text(encoding="utf-8")
    lab = (site / "lab.html").read_text(encoding="utf-8")
    assert "window.chainruleTrainingView" in lab and 'id="lab-view"' in lab


def test_the_lab_benchmark_gives_medians_with_their_spread() -> None:
    from benchmarks.lab import spread

    assert spread([0.3, 0.1, 0.2], 1e3) == "median 200 (100–300)"
    assert spread([2.0, 4.5], digits=1) == "median 3.2 (2.0–4.5)"
