"""From chainrule to PyTorch: the same network as a ``torch.nn.Sequential``, for learners who move on."""

from __future__ import annotations

from typing import Any


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch() needs PyTorch: pip install torch (chainrule itself does not)") from None
    return torch


def to_torch(mlp: Any) -> Any:
    """``torch.nn.Sequential`` of ``Linear`` + activation modules with ``mlp``'s weights, in float64.

    ``Linear.weight[j, i]`` is ``layers[k].neurons[j].w[i]`` and ``Linear.bias[j]`` its ``b``;
    "linear" activations add no module.
    """
    torch = _torch()
    activations = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
    }
    modules = []
    for index, layer in enumerate(mlp.layers):
        config = layer.config()
        linear = torch.nn.Linear(config["nin"], config["nout"], bias=config["bias"], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            if config["bias"]:
                linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        name = config["activation"]
        if any(neuron._save_problem() is not None for neuron in layer.neurons):
            raise ValueError(
                f"to_torch: layer {index} uses a function of its own as activation ({name!r}), "
                "which has no PyTorch module here"
            )
        if name == "linear":
            continue
        if name not in activations:
            raise ValueError(
                f"to_torch: layer {index} uses the activation {name!r}, which has no PyTorch module here"
            )
        modules.append(activations[name]())
    return torch.nn.Sequential(*modules)
