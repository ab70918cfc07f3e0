"""MLP.to_torch(): the same network in PyTorch, with the same outputs and the same gradients."""

import pytest

import nn
from autograd import Value

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "model",
    [
        nn.MLP(3, [4, 4, 1], seed=0),
        nn.MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=1),
        nn.MLP(2, [3, 1], activation="leaky_relu", bias=False, seed=2),
    ],
    ids=["relu", "tanh-sigmoid", "leaky-no-bias"],
)
def test_same_outputs_and_gradients(model):
    sequential = model.to_torch()
    nin = model.layers[0].neurons[0].nin
    inputs = [[0.3 * (i + 1) * (-1) ** i + 0.1 * j for j in range(nin)] for i in range(4)]
    outputs = [model(x) for x in inputs]
    outputs = [[o] if not isinstance(o, list) else o for o in outputs]
    expected = sequential(torch.tensor(inputs, dtype=torch.float64))
    assert [v.data for row in outputs for v in row] == pytest.approx(expected.flatten().tolist(), abs=1e-12)
    nn.mse_loss([v for row in outputs for v in row], [0.5] * expected.numel()).backward()
    torch.nn.functional.mse_loss(
        expected.flatten(), torch.full((expected.numel(),), 0.5, dtype=torch.float64)
    ).backward()
    ours = model.parameters()
    theirs = {p.label: p.grad for p in ours}
    linears = [m for m in sequential if isinstance(m, torch.nn.Linear)]
    for k, (layer, linear) in enumerate(zip(model.layers, linears)):
        assert linear.weight.dtype == torch.float64
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                assert linear.weight.grad[j, i].item() == pytest.approx(theirs[w.label], abs=1e-12), (
                    f"layer {k}"
                )
            if neuron.b is not None:
                assert linear.bias.grad[j].item() == pytest.approx(neuron.b.grad, abs=1e-12)
        assert (linear.bias is None) == (layer.neurons[0].b is None)


def test_structure_uses_torch_modules():
    sequential = nn.MLP(2, [3, 1], activation="tanh", seed=0).to_torch()
    assert [type(m).__name__ for m in sequential] == ["Linear", "Tanh", "Linear"]


def test_a_custom_activation_cannot_be_converted():
    with pytest.raises(ValueError, match="activation"):
        nn.MLP(2, [3, 1], activation=lambda z: z * z, seed=0).to_torch()


def _my_relu(z):
    return z.tanh()


_my_relu.__name__ = "relu"  # a function of the learner's that shares a name with the table's


def test_to_torch_does_not_take_a_function_of_ones_own_for_the_one_of_the_same_name():
    pytest.importorskip("torch")
    with pytest.raises(
        ValueError, match=r"to_torch: layer 0 uses a function of its own as activation \('relu'\)"
    ):
        nn.MLP(2, [3, 1], activation=_my_relu).to_torch()
    with pytest.raises(ValueError, match="to_torch: layer 1 uses a function of its own"):
        nn.MLP(2, [3, 1], output_activation=lambda z: z).to_torch()
    assert len(nn.MLP(2, [3, 1], activation=Value.tanh).to_torch()) == 3


def test_each_activation_is_torch_s_module_of_its_name_with_the_op_s_settings():
    for name in ("relu", "tanh", "sigmoid", "leaky_relu"):
        sequential = nn.MLP(2, [3, 1], activation=name, seed=0).to_torch()
        assert type(sequential[1]).__name__.lower() == name.replace("_", "")
    leaky = nn.MLP(2, [3, 1], activation="leaky_relu", seed=0).to_torch()[1]
    assert leaky.negative_slope == Value.leaky_relu.__defaults__[0] == 0.01
