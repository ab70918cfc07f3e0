"""chainrule's neural-network layer, built on ``autograd``'s public API.

- ``Neuron``, ``Layer``, ``MLP`` (``nn.layers``) on the ``Module`` base (``nn.module``), which finds
  and names every parameter. ``Parameter`` (from ``autograd``) is a Value with a role: weight or
  bias. A ``Layer`` returns a list; an ``MLP`` returns a Value when its
  last layer has one neuron, a list otherwise.
- Losses (``nn.losses``): ``mse_loss``, ``sse_loss``, ``binary_cross_entropy``,
  ``binary_cross_entropy_with_logits``, ``cross_entropy``, ``hinge_loss``, ``l2_penalty``.
- Classification (``nn.classify``): ``softmax``, ``log_softmax``, ``argmax``, ``accuracy``.
- Instruments: ``nn.inspect(model)`` records each neuron's z, a and δ (``nn/instruments/probe.py``);
  ``nn.check_gradients(model, mine)`` checks hand-derived gradients and names the slip (``check.py``).
- ``nn.optim``: SGD, Adam, AdamW, RMSprop, Adagrad, schedules and gradient clipping, as ``torch.optim``.
- ``nn.data``: XOR, moons, circles, blobs, a spiral and ``batches``; ``nn.fit`` trains with a progress bar.
- Watching it learn: ``nn.Recorder`` records a model as ``fit`` trains it, ``nn.training_view``
  shows recordings as a page, ``nn.plot`` draws with matplotlib (loaded when a picture is drawn).
- Files: ``model.save(path)`` writes JSON; ``model.load(path)`` reads it back into ``model``;
  ``nn.load(path)`` rebuilds a new model of the saved class and architecture.

>>> import nn
>>> model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
>>> [name for name, _ in model.named_parameters()][:3]
['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b']
>>> model.num_parameters()
13
"""

from autograd import Parameter

from . import data, losses, optim
from .activations import ACTIVATIONS
from .classify import accuracy, argmax, log_softmax, softmax
from .instruments import plot
from .instruments.check import GradientReport, check_gradients
from .instruments.probe import inspect
from .instruments.recorder import Recorder
from .instruments.training_view import TrainingView, training_view
from .layers import INITIALISERS, MLP, Layer, Neuron
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
    sse_loss,
)
from .module import Module, load
from .persistence import ModelFileError
from .train import fit

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "MLP",
    "GradientReport",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "Parameter",
    "Recorder",
    "TrainingView",
    "accuracy",
    "argmax",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "check_gradients",
    "cross_entropy",
    "data",
    "fit",
    "hinge_loss",
    "inspect",
    "l2_penalty",
    "load",
    "log_softmax",
    "losses",
    "mse_loss",
    "optim",
    "plot",
    "softmax",
    "sse_loss",
    "training_view",
]
