"""nn.Recorder and fit(recorder=): what each frame holds, agreeing with fit, backward() and the model."""

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from nn import optim
from nn.instruments.recording import gradient_flow, network, plane_maps


def moons(n=20):
    return nn.data.make_moons(n_samples=n, noise=0.1, seed=0, labels=(-1, 1))


def train(model, X, y, epochs, recorder=None, **options):
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    return nn.fit(model, X, y, nn.hinge_loss, optimizer, epochs, progress=False, recorder=recorder, **options)


def test_frames_are_the_start_every_nth_epoch_and_the_last():
    X, y = moons()
    model = nn.MLP(2, [4, 1], seed=0)
    recorder = nn.Recorder(model, X, y, every=3, grid=5)
    history = train(model, X, y, 10, recorder)
    assert recorder.epochs == [0, 3, 6, 9, 10]
    for frame in recorder.frames[1:]:
        assert frame.loss == history[frame.epoch - 1]  # the epoch's loss, as fit returns it
    last = recorder.frames[-1]
    assert last.parameters == model.state_dict()
    assert last.gradients == {name: p.grad for name, p in model.named_parameters()}
    assert list(last.parameters) == recorder.names == [name for name, _ in model.named_parameters()]


def test_recording_does_not_change_training():
    X, y = moons()
    plain, watched = nn.MLP(2, [4, 1], seed=3), nn.MLP(2, [4, 1], seed=3)
    history = train(plain, X, y, 6, batch_size=7)
    recorder = nn.Recorder(watched, X, y, X_test=X[:5], y_test=y[:5])
    assert train(watched, X, y, 6, recorder, batch_size=7) == history
    assert watched.state_dict() == plain.state_dict()


def test_each_frame_holds_the_parameters_of_its_epoch():
    X, y = moons()
    model = nn.MLP(2, [3, 1], seed=1)
    recorder = nn.Recorder(model, X, y, grid=4)
    states = [model.state_dict()]
    for _ in range(4):  # the same training, one epoch at a time
        copy = nn.MLP(2, [3, 1], seed=1)
        copy.load_state_dict(states[-1])
        train(copy, X, y, 1)
        states.append(copy.state_dict())
    train(model, X, y, 4, recorder)
    assert [frame.parameters for frame in recorder.frames] == states


def test_the_first_frame_is_the_untrained_model_with_its_loss_and_gradient():
    X, y = moons()
    model = nn.MLP(2, [3, 1], seed=2)
    recorder = nn.Recorder(model, X, y, grid=4)
    expected = nn.MLP(2, [3, 1], seed=2)
    loss = nn.hinge_loss([expected(x) for x in X], y)
    loss.backward()
    history = train(model, X, y, 2, recorder)
    first = recorder.frames[0]
    assert first.epoch == 0
    assert first.loss == loss.data == history[0]  # full batch: the first step sees this loss
    assert first.parameters == expected.state_dict()
    assert first.gradients == {name: p.grad for name, p in expected.named_parameters()}


def test_parameters_left_out_of_the_optimizer_record_this_steps_gradient():
    X, y = moons()
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = nn.Recorder(model, X, y, grid=3)
    nn.fit(
        model, X, y, nn.hinge_loss, optim.SGD(model.weights(), lr=0.1), 3, progress=False, recorder=recorder
    )
    before = nn.MLP(2, [3, 1])
    before.load_state_dict(recorder.frames[-2].parameters)
    nn.hinge_loss([before(x) for x in X], y).backward()  # the last step's gradient, not a sum of three
    assert recorder.frames[-1].gradients == {name: p.grad for name, p in before.named_parameters()}
    assert all(value == 0.0 for name, value in recorder.frames[-1].parameters.items() if name.endswith(".b"))


def test_test_loss_is_the_loss_on_the_test_set_at_that_frame():
    X, y = moons(30)
    X_train, y_train, X_test, y_test = X[:20], y[:20], X[20:], y[20:]
    model = nn.MLP(2, [4, 1], seed=0)
    recorder = nn.Recorder(model, X_train, y_train, X_test=X_test, y_test=y_test, grid=4)
    train(model, X_train, y_train, 3, recorder)
    for frame in recorder.frames:
        copy = nn.MLP(2, [4, 1], seed=0)
        copy.load_state_dict(frame.parameters)
        assert frame.test_loss == nn.hinge_loss([copy(x) for x in X_test], y_test).data


def test_the_maps_are_the_model_at_every_grid_point():
    X, y = moons()
    model = nn.MLP(2, [5, 3, 1], seed=0)
    recorder = nn.Recorder(model, X, y, grid=6)
    train(model, X, y, 2, recorder)
    points = recorder.grid_points()
    assert len(points) == 36 and points[0][1] == points[5][1] < points[6][1]  # row by row, bottom up
    x0, x1, y0, y1 = recorder.extent
    assert all(x0 < u < x1 and y0 < v < y1 for u, v in points)
    assert all(x0 < p[0] < x1 and y0 < p[1] < y1 for p in X)  # the data lies inside, with a margin
    frame = recorder.frames[-1]
    with autograd.no_grad():
        for k, point in enumerate(points):
            hidden = model.layers[0](list(point))
            second = model.layers[1](hidden)
            assert frame.output[k] == pytest.approx(model(list(point)).data, abs=1e-12)
            for j, value in enumerate(hidden):
                assert frame.maps[f"layers.0.neurons.{j}"][k] == pytest.approx(value.data, abs=1e-12)
            for j, value in enumerate(second):
                assert frame.maps[f"layers.1.neurons.{j}"][k] == pytest.approx(value.data, abs=1e-12)
    assert sorted(frame.maps) == sorted(info.name for layer in recorder.network for info in layer)


@given(
    activation=st.sampled_from(sorted(nn.ACTIVATIONS)),
    seed=st.integers(0, 10**6),
    bias=st.booleans(),
    points=st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=1, max_size=5),
)
def test_maps_in_floats_equal_the_network_on_values(activation, seed, bias, points):
    model = nn.MLP(2, [3, 2, 1], activation=activation, output_activation=activation, bias=bias, seed=seed)
    maps, output = plane_maps(model, points)
    rule = nn.ACTIVATIONS[activation]
    twin = nn.MLP(2, [3, 2, 1], activation=lambda z: rule(z), output_activation=lambda z: rule(z), bias=bias)
    twin.load_state_dict(model.state_dict())  # the same network, its activation a function of ours
    twin_maps, twin_output = plane_maps(twin, points)
    assert network(twin)[0][0].activation.startswith("custom:")
    with autograd.no_grad():
        expected = [model(list(p)).data for p in points]
    assert output == pytest.approx(expected, abs=1e-12) and twin_output == pytest.approx(expected, abs=1e-12)
    assert maps.keys() == twin_maps.keys()
    for name in maps:
        assert maps[name] == pytest.approx(twin_maps[name], abs=1e-12)


def test_a_neuron_and_a_layer_are_recorded_too():
    X, y = moons()
    neuron = nn.Neuron(2, activation="tanh", seed=0)
    recorder = nn.Recorder(neuron, X, y, grid=3)
    train(neuron, X, y, 2, recorder)
    assert [[info.name for info in layer] for layer in recorder.network] == [["neuron"]]
    assert recorder.network[0][0].weights == ["w.0", "w.1"] and recorder.network[0][0].bias == "b"
    assert recorder.frames[-1].output == recorder.frames[-1].maps["neuron"]
    layer = nn.Layer(2, 2, seed=0)
    recorder = nn.Recorder(layer, X, [[1.0, 0.0]] * len(X), grid=3)
    recorder.start()
    assert recorder.frames[0].output is None and len(recorder.frames[0].maps) == 2  # two outputs


def test_inputs_that_are_not_2d_have_no_maps():
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
    assert recorder.inputs == 3 and recorder.extent is None and recorder.grid_points() == []
    assert recorder.epochs == [0, 1, 2, 3]
    assert all(frame.maps == {} and frame.output is None for frame in recorder.frames)


def test_training_again_continues_the_timeline():
    X, y = moons()
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = nn.Recorder(model, X, y, every=2, grid=3)
    train(model, X, y, 3, recorder)
    train(model, X, y, 4, recorder)
    assert recorder.epochs == [0, 2, 3, 4, 6, 7]


def test_a_hand_written_loop_records_itself():
    X, y = moons()
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = nn.Recorder(model, X, y, every=2, grid=3)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    kept = []
    for epoch in range(1, 6):
        loss = nn.hinge_loss([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        kept.append(recorder.record(epoch, loss.data, last=epoch == 5))
    assert kept == [False, True, False, True, True]
    assert recorder.epochs == [2, 4, 5] and recorder.frames[-1].loss == loss.data
    with pytest.raises(ValueError, match=r"Recorder.record: epoch 5 must come after 5, the last recorded"):
        recorder.record(5, 0.0)


def test_gradient_flow_is_the_mean_absolute_gradient_per_layer():
    model = nn.MLP(2, [3, 2, 1], seed=0)
    loss = model([0.5, -1.0]) ** 2
    loss.backward()
    flow = gradient_flow(network(model), {name: p.grad for name, p in model.named_parameters()})
    for layer, (w, b) in zip(model.layers, flow):
        weights = [abs(wi.grad) for neuron in layer.neurons for wi in neuron.w]
        assert w == pytest.approx(sum(weights) / len(weights))
        assert b == pytest.approx(sum(abs(n.b.grad) for n in layer.neurons) / len(layer.neurons))
    no_bias = nn.MLP(2, [2, 1], bias=False, seed=0)
    assert all(
        b is None for _, b in gradient_flow(network(no_bias), dict.fromkeys(no_bias.state_dict(), 1.0))
    )


def test_the_live_view_is_refreshed_and_ends_on_the_last_epoch():
    X, y = nn.data.xor(labels=(-1, 1))
    model = nn.MLP(2, [2, 1], activation="tanh", seed=0)
    recorder = nn.Recorder(model, X, y, grid=3)
    shown = []

    class Handle:  # what IPython's display(..., display_id=True) returns
        def update(self, view):
            shown.append(view.recorders[0].epochs[-1])

    recorder._display = Handle()
    train(model, X, y, 200, recorder)
    assert shown[-1] == 200
    assert len(shown) < 100  # a few a second, not one per epoch


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"every": 0}, r"Recorder: every must be a positive whole number, got 0"),
        ({"grid": 1}, r"Recorder: grid must be a whole number from 2 to 200, got 1"),
        ({"grid": 10_000}, r"Recorder: grid must be a whole number from 2 to 200, got 10000"),
        ({"X_test": [[0.0, 0.0]]}, r"Recorder: give X_test and y_test together"),
        ({"extent": (1, 0, 0, 1)}, r"Recorder: extent must be \(x_min, x_max, y_min, y_max\)"),
        ({"extent": (-1e308, 1e308, 0, 1)}, r"Recorder: extent must be .* width below the largest float"),
        ({"extent": ("a", 1, 0, 1)}, r"Recorder: extent must be \(x_min, x_max, y_min, y_max\)"),
        ({"extent": 5}, r"Recorder: extent must be \(x_min, x_max, y_min, y_max\)"),
        ({"threshold": float("nan")}, r"Recorder: threshold: nan is not finite"),
    ],
)
def test_bad_arguments_are_named(arguments, message):
    X, y = moons()
    with pytest.raises(ValueError, match=message):
        nn.Recorder(nn.MLP(2, [1]), X, y, **arguments)


def test_bad_model_and_data_are_named():
    with pytest.raises(TypeError, match=r"Recorder: model must be an nn.Module, got function"):
        nn.Recorder(lambda x: x, [[0.0, 0.0]], [1.0])
    with pytest.raises(
        ValueError, match=r"Recorder: X and y must be non-empty and of one length, got 2 and 1"
    ):
        nn.Recorder(nn.MLP(2, [1]), [[0.0, 0.0], [1.0, 1.0]], [1.0])
    recorder = nn.Recorder(nn.MLP(2, [1]), [[0.0, 0.0]], [1.0])
    with pytest.raises(ValueError, match=r"Recorder.record: 1 gradients for 3 parameters"):
        recorder.record(0, gradients=[0.0])


def test_progress_goes_to_stderr_as_text_outside_a_notebook(capsys):
    from tqdm.std import tqdm

    from nn.train import progress_bar

    assert progress_bar() is tqdm
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, nn.mse_loss, optim.SGD(model.parameters(), lr=0.1), 3)
    captured = capsys.readouterr()
    assert captured.out == "" and "3/3" in captured.err and "IProgress" not in captured.err


def test_in_a_notebook_the_bar_is_the_widget_only_where_ipywidgets_is_installed(monkeypatch):
    import types

    from tqdm.notebook import tqdm as widget
    from tqdm.std import tqdm as text

    from nn import train

    kernel = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    monkeypatch.setattr(train, "find_spec", lambda name: object() if name == "ipywidgets" else None)
    assert train.progress_bar() is widget
    monkeypatch.setattr(train, "find_spec", lambda name: None)  # no ipywidgets: no "IProgress not found"
    assert train.progress_bar() is text


def test_importing_nn_loads_neither_matplotlib_nor_ipython():
    code = (
        "import sys, nn; nn.plot; nn.Recorder; nn.training_view; "
        "print(sorted(m for m in ('matplotlib', 'numpy', 'IPython', 'tqdm') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- hostile data: refused when the recorder is made, or drawn right ---------------------------------

XOR_X, XOR_Y = nn.data.xor(labels=(-1, 1))
BIGGEST = sys.float_info.max


def xor_model():
    return nn.MLP(2, [3, 1], activation="tanh", seed=0)


def test_the_finest_grid_is_accepted_and_one_finer_refused_at_once():
    assert nn.Recorder(xor_model(), XOR_X, XOR_Y, grid=nn.Recorder.MAX_GRID).grid == 200
    with pytest.raises(ValueError, match=r"grid must be a whole number from 2 to 200, got 201"):
        nn.Recorder(xor_model(), XOR_X, XOR_Y, grid=201)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", [0, 3])
def test_a_sample_that_is_not_finite_is_refused_naming_it(bad, where):
    X = [list(x) for x in XOR_X]
    X[where][1] = bad
    with pytest.raises(ValueError, match=rf"Recorder: X\[{where}\]: {bad} is not finite"):
        nn.Recorder(xor_model(), X, XOR_Y)
    with pytest.raises(ValueError, match=rf"Recorder: X_test\[{where}\]: {bad} is not finite"):
        nn.Recorder(xor_model(), XOR_X, XOR_Y, X_test=X, y_test=XOR_Y)


coordinate = st.floats(-BIGGEST, BIGGEST, allow_nan=False, allow_infinity=False)


@settings(max_examples=200)
@given(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=6))
def test_the_extent_is_finite_holds_every_point_and_does_not_depend_on_their_order(points):
    y = [1.0] * len(points)
    spans = [max(p[k] for p in points) - min(p[k] for p in points) for k in (0, 1)]
    if not all(map(math.isfinite, spans)):  # wider than the largest float: refused, clearly
        with pytest.raises(ValueError, match=r"X's coordinates .* span more than the largest float"):
            nn.Recorder(xor_model(), points, y)
        return
    recorder = nn.Recorder(xor_model(), points, y, grid=3)
    x0, x1, y0, y1 = recorder.extent
    assert all(map(math.isfinite, (x0, x1, y0, y1, x1 - x0, y1 - y0)))
    assert x0 < x1 and y0 < y1
    assert all(x0 <= u <= x1 and y0 <= v <= y1 for u, v in points)
    assert nn.Recorder(xor_model(), points[::-1], y, grid=3).extent == recorder.extent
    assert all(x0 <= u <= x1 and y0 <= v <= y1 for u, v in recorder.grid_points())


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (XOR_X, ["a", "b", "a", "b"], r"Recorder: y\[0\]: 'a' \(str\) is not a number"),
        (XOR_X, [1.0, math.nan, 1.0, 1.0], r"Recorder: y\[1\]: nan is not finite"),
        ([[0.0, 0.0], [1.0], [0.0, 1.0], [1.0, 1.0]], XOR_Y, r"X\[1\] has 1 number.* X\[0\] has 2"),
        (
            [[0.0, 0.0], ["1", 0.0], [0.0, 1.0], [1.0, 1.0]],
            XOR_Y,
            r"Recorder: X\[1\]: '1' \(str\) is not a number",
        ),
    ],
)
def test_labels_and_samples_of_the_wrong_kind_are_refused_when_the_recorder_is_made(X, y, message):
    with pytest.raises((TypeError, ValueError), match=message):
        nn.Recorder(xor_model(), X, y)


def _custom_tanh(z):
    return z.tanh()


@pytest.mark.parametrize("activation", ["tanh", _custom_tanh])
def test_a_recorder_made_inside_inspect_records_none_of_its_own_passes_into_the_probe(activation):
    model = nn.MLP(2, [3, 1], activation=activation, seed=0)
    plain = nn.Recorder(model, XOR_X, XOR_Y, grid=4, X_test=XOR_X, y_test=XOR_Y, loss_fn=nn.mse_loss)
    plain.start()
    with nn.inspect(model) as probe:
        recorder = nn.Recorder(model, XOR_X, XOR_Y, grid=4, X_test=XOR_X, y_test=XOR_Y, loss_fn=nn.mse_loss)
        recorder.start()
        recorder.record(1, 0.5, last=True)
        assert all(len(probe[name].z) == 0 for name in probe)
        model(XOR_X[0])  # the learner's own passes are recorded as before
        assert all(len(probe[name].z) == 1 for name in probe)
    assert recorder.frames[0].maps == plain.frames[0].maps
    assert recorder.frames[0].loss == plain.frames[0].loss


@pytest.mark.parametrize(
    ("output_activation", "threshold"),
    [("sigmoid", 0.5), ("tanh", 0.0), ("linear", 0.0), ("relu", 0.0), ("leaky_relu", 0.0)],
)
def test_the_classes_part_where_the_output_activation_is_at_a_score_of_zero(
    output_activation: str, threshold: float
) -> None:
    X, y = nn.data.xor(labels=(0, 1))
    model = nn.MLP(2, [3, 1], activation="tanh", output_activation=output_activation, seed=0)
    assert nn.Recorder(model, X, y).threshold == threshold
    assert nn.Recorder(model, X, y, threshold=0.25).threshold == 0.25  # unless given
