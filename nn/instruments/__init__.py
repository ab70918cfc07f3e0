"""Instruments for looking inside a network, and their views.

- ``probe.py``: ``inspect``, each neuron's z, a and δ = ∂C/∂z while it is open; what a neuron's z is
  (``check.py`` finds them with ``pre_activations``).
- ``check.py``: ``check_gradients``, gradients derived by hand against the engine's, naming the slip.
- ``recording.py``: what the training view shows, as data (frames, the network, maps, gradient flow).
- ``recorder.py``: ``Recorder``, which records a model while ``nn.fit`` trains it.
- ``training_view.py`` (with ``training.js`` and ``training.css``): the training view's page.
- ``plot.py``: the same instruments as matplotlib pictures (matplotlib loads when one is drawn).
"""
