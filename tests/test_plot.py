"""nn.plot: each picture shows the numbers of the model it is given."""

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from nn import optim  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def trained_moons_model():
    X, y = nn.data.make_moons(n_samples=30, noise=0.1, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [8, 1], seed=0)
    nn.fit(model, X, y, nn.hinge_loss, optim.SGD(model.parameters(), lr=0.2), 15, progress=False)
    return model, X, y


def test_decision_boundary_colours_each_cell_by_the_models_class():
    model, X, y = trained_moons_model()
    ax = nn.plot.decision_boundary(model, X, y, grid=12)
    image = ax.get_images()[0].get_array()
    x0, x1, y0, y1 = ax.get_images()[0].get_extent()
    assert image.shape == (12, 12)
    with autograd.no_grad():
        for row in range(12):
            for column in range(12):
                u = x0 + (column + 0.5) * (x1 - x0) / 12
                v = y0 + (row + 0.5) * (y1 - y0) / 12
                assert image[row, column] == (1.0 if model([u, v]).data > 0 else 0.0)
    plotted = sum(len(collection.get_offsets()) for collection in ax.collections[-3:-1])
    assert plotted == len(X)  # both classes scattered (the last collection is the origin's +)


def test_decision_boundary_needs_two_inputs_and_one_output():
    with pytest.raises(ValueError, match=r"decision_boundary: the model must take 2 inputs, X has 3"):
        nn.plot.decision_boundary(nn.MLP(3, [1]), [[0.0, 1.0, 2.0]], [1])
    with pytest.raises(ValueError, match=r"decision_boundary: the model must have one output"):
        nn.plot.decision_boundary(nn.MLP(2, [2]), [[0.0, 1.0]], [1])


def test_loss_curves_draw_each_history():
    histories = {"a": [3.0, 2.0, 1.0], "b": [4.0, 1.0]}
    ax = nn.plot.loss_curves(histories, log=True)
    lines = ax.get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[3.0, 2.0, 1.0], [4.0, 1.0]]
    assert list(lines[0].get_xdata()) == [1, 2, 3] and ax.get_yscale() == "log"
    with pytest.raises(TypeError, match=r"loss_curves: histories must be a dict"):
        nn.plot.loss_curves([1.0, 2.0])


def test_gradient_flow_plots_the_mean_absolute_gradient_of_each_layer():
    model = nn.MLP(2, [4, 3, 1], activation="sigmoid", seed=0)
    (model([0.3, -0.7]) ** 2).backward()
    _, ax = plt.subplots()
    assert nn.plot.gradient_flow(model, ax) is ax
    weights, biases = ax.get_lines()
    for k, layer in enumerate(model.layers):
        w = [abs(wi.grad) for neuron in layer.neurons for wi in neuron.w]
        b = [abs(neuron.b.grad) for neuron in layer.neurons]
        assert weights.get_ydata()[k] == pytest.approx(sum(w) / len(w))
        assert biases.get_ydata()[k] == pytest.approx(sum(b) / len(b))
    assert ax.get_yscale() == "log"


def test_weight_histograms_count_every_parameter_of_each_layer():
    model = nn.MLP(2, [5, 3, 1], seed=0)
    figure = nn.plot.weight_histograms(model, bins=4)
    assert len(figure.axes) == 3
    for ax, layer in zip(figure.axes, model.layers):
        weights, biases = ax.containers
        assert sum(bar.get_height() for bar in weights) == sum(len(n.w) for n in layer.neurons)
        assert sum(bar.get_height() for bar in biases) == len(layer.neurons)
    with pytest.raises(ValueError, match=r"weight_histograms: the model must be a Neuron, Layer or MLP"):
        nn.plot.weight_histograms(nn.Module())
