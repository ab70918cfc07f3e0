"""From chainrule to PyTorch: the same network as a ``torch.nn.Sequential``, for learners who move on."""

from __future__ import annotations

from typing import Any

from .activations import activation_op


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch() needs PyTorch: pip install torch (chainrule itself does not)") from None
    return torch


def to_torch(mlp: Any) -> Any:
    """``torch.nn.Sequential`` of ``Linear`` + activation modules with ``mlp``'s weights, in float64.

    ``Linear.weight[j, i]`` is ``layers[k].neurons[j].w[i]`` and ``Linear.bias[j]`` its ``b``;
    "linear" activations add no module; each other is ``torch.nn``'s module of its name.
    """
    torch = _torch()
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
        module = _module(torch, name)
        if module is None:
            raise ValueError(
                f"to_torch: layer {index} uses the activation {name!r}, which has no PyTorch module here"
            )
        modules.append(module)
    return torch.nn.Sequential(*modules)


def _module(torch: Any, name: str) -> Any:
    """PyTorch's module for the activation ``name``: the engine's op of that name (``autograd.OPS``)
    is ``torch.nn``'s class of the same name, capitals and underscores aside (relu → ReLU,
    leaky_relu → LeakyReLU), made with the op's settings (the slope); None if there is none."""
    found = activation_op(name)
    if found is None:
        return None
    key = name.replace("_", "")
    classes = [
        c for attribute, c in vars(torch.nn).items() if attribute.lower() == key and isinstance(c, type)
    ]
    if len(classes) != 1 or not issubclass(classes[0], torch.nn.Module):
        return None
    return classes[0](*found[1])
