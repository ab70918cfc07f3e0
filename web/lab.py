"""The lab's Python side: TensorFlow Playground's knobs, each one a line of chainrule code.

A configuration (a dict of settings, the same object as the page's URL hash) becomes Python source
(``python_code``): the data, the model, what learns, the optimizer, the loss, an ``nn.Recorder``,
and ``nn.fit`` called once per epoch. The lab runs *that source*: ``Run`` executes its set-up
lines, then the loop's body once per epoch, so the code the page exports is the code that made
the page's numbers, and run again by CPython it gives the same losses and parameters.

In the site this module runs in Pyodide, in the page's worker; ``handle(request)`` answers the
page's messages (JSON in, JSON out). It imports in CPython too, for the tests.

>>> lab = Lab()
>>> lab.configure({"data": "xor", "points": 4, "noise": 0, "test_fraction": 0, "layers": [3]})["epoch"]
0
>>> lab.advance(epochs=5)["epoch"]
5
>>> namespace: dict = {}
>>> exec(lab.python(), namespace)
>>> [f.loss for f in namespace["recorder"].frames] == lab.state()["losses"]["train"]
True
"""

from __future__ import annotations

import json
import math
import numbers
import time
from array import array
from typing import Any

import autograd
import nn
from autograd.pages import encode_json
from nn.instruments.recording import plane_maps
from nn.instruments.training_view import PALETTE, run_data

DEFAULTS: dict[str, Any] = {
    "data": "moons",
    "points": 100,
    "noise": 0.1,
    "test_fraction": 0.2,
    "seed": 0,
    "layers": [8, 8],
    "activation": "tanh",
    "bias": True,
    "init": "xavier",
    "loss": "hinge",
    "optimizer": "momentum",
    "lr": 0.1,
    "batch_size": 10,
    "l2": 0.0,
    "learn": ["both", "both", "both"],
    "added": [],
    "removed": [],
}
"""The configuration a lab opens with; ``configure`` merges settings into the current one."""

CHOICES: dict[str, tuple[str, ...]] = {
    "data": ("xor", "moons", "circles", "blobs", "spiral"),
    "activation": ("tanh", "relu", "leaky_relu", "sigmoid", "linear"),
    "init": ("uniform", "xavier", "xavier_normal", "he", "he_normal"),
    "loss": ("hinge", "bce", "mse"),
    "optimizer": ("sgd", "momentum", "adam"),
    "learn": ("both", "weights", "biases", "none"),
}
"""The settings picked from a list, and their choices."""

LOSSES = {"hinge": "nn.hinge_loss", "bce": "nn.binary_cross_entropy_with_logits", "mse": "nn.mse_loss"}
LABELS = {"hinge": (-1, 1), "bce": (0, 1), "mse": (-1, 1)}
"""Each loss's function and the labels of its two classes (the output is a score, its sign the class)."""

OPTIMIZERS = {"sgd": "nn.optim.SGD({}, lr={})", "momentum": "nn.optim.SGD({}, lr={}, momentum=0.9)"}
OPTIMIZERS["adam"] = "nn.optim.Adam({}, lr={})"

GRID = 30
"""Points per side of the maps of the input plane the view draws."""

MAX_POINTS, MAX_LAYERS, MAX_WIDTH = 1000, 4, 8


class SettingError(ValueError):
    """A setting the lab cannot run, named: the page shows the message next to its control."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


# --- checking a configuration ----------------------------------------------------------------------


def checked(config: dict[str, Any], fit_batch: bool = False) -> dict[str, Any]:
    """``config`` with every setting checked (a ``SettingError`` names the first bad one) and tidied;
    ``fit_batch`` makes a batch larger than the training set that size instead of an error."""
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise SettingError(unknown[0], f"unknown setting; the lab's settings are {', '.join(DEFAULTS)}")
    c = dict(config)
    for key, choices in CHOICES.items():
        if key != "learn" and c[key] not in choices:
            raise SettingError(key, f"must be one of {', '.join(choices)}, got {c[key]!r}")
    c["points"] = _whole("points", c["points"], 4, MAX_POINTS)
    c["seed"] = _whole("seed", c["seed"], 0, 2**31)
    c["noise"] = _number("noise", c["noise"], 0.0, 5.0)
    c["test_fraction"] = _number("test_fraction", c["test_fraction"], 0.0, 0.9)
    c["l2"] = _number("l2", c["l2"], 0.0, 10.0)
    lr = c["lr"]
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr <= 10:
        raise SettingError("lr", f"the learning rate must be a number above 0 and at most 10, got {lr!r}")
    c["lr"] = float(lr)
    if not isinstance(c["bias"], bool):
        raise SettingError("bias", f"must be true or false, got {c['bias']!r}")
    layers = c["layers"]
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS:
        raise SettingError("layers", f"must list 0 to {MAX_LAYERS} hidden widths, got {layers!r}")
    c["layers"] = [_whole("layers", width, 1, MAX_WIDTH) for width in layers]
    learn = c["learn"]
    if not isinstance(learn, list) or len(learn) != len(layers) + 1:
        raise SettingError(
            "learn", f"must say what learns for each of the {len(layers) + 1} layers, got {learn!r}"
        )
    for what in learn:
        if what not in CHOICES["learn"]:
            raise SettingError(
                "learn", f"each layer's must be one of {', '.join(CHOICES['learn'])}, got {what!r}"
            )
    if all(what == "none" or (what == "biases" and not c["bias"]) for what in learn):
        raise SettingError(
            "learn", "every parameter is frozen: let at least one layer's weights or biases learn"
        )
    c["added"] = [_added(point) for point in c["added"]]
    removed = c["removed"]
    if not isinstance(removed, list):
        raise SettingError("removed", f"must list the indices of generated points, got {removed!r}")
    c["removed"] = sorted({_whole("removed", k, 0, c["points"] - 1) for k in removed})
    total = c["points"] - len(c["removed"]) + len(c["added"])
    train = total - test_count(c)
    if train < 1:
        raise SettingError("test_fraction", f"leaves no point to train on ({total} points)")
    c["batch_size"] = _whole("batch_size", c["batch_size"], 1, MAX_POINTS)
    if fit_batch:
        c["batch_size"] = min(c["batch_size"], train)
    if c["batch_size"] > train:
        raise SettingError("batch_size", f"{c['batch_size']} is larger than the {train} training points")
    return c


def test_count(config: dict[str, Any]) -> int:
    """How many points are kept apart for testing: the test fraction of every point, rounded."""
    total = config["points"] - len(config["removed"]) + len(config["added"])
    return round(config["test_fraction"] * total)


def _whole(setting: str, value: Any, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != int(value):
        raise SettingError(setting, f"must be a whole number, got {value!r}")
    if not least <= value <= most:
        raise SettingError(setting, f"must be from {least} to {most}, got {value!r}")
    return int(value)


def _number(setting: str, value: Any, least: float, most: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not least <= value <= most:
        raise SettingError(setting, f"must be a number from {least:g} to {most:g}, got {value!r}")
    return float(value)


def _added(point: Any) -> list[float]:
    ok = isinstance(point, (list, tuple)) and len(point) == 3 and point[2] in (0, 1)
    if not ok or not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in point[:2]):
        raise SettingError(
            "added", f"each added point must be [x, y, label] with label 0 or 1, got {point!r}"
        )
    return [float(point[0]), float(point[1]), int(point[2])]


# --- the configuration as code ---------------------------------------------------------------------


def python_code(config: dict[str, Any], epochs: int) -> str:
    """The chainrule code of a checked configuration, training ``epochs`` epochs: what the lab runs."""
    loop = "for epoch in range(epochs):  # one epoch per call, as the lab trains"
    return f"{setup_code(config, epochs)}\n{loop}\n    {epoch_code(config)}\n"


def setup_code(config: dict[str, Any], epochs: int = 0) -> str:
    """Everything before the training loop: the data, the model, the optimizer, the recorder."""
    c = config
    sizes = [*c["layers"], 1]
    lines = [
        f'"""chainrule lab: {c["data"]}, MLP(2, {sizes}), {c["loss"]} loss, {c["optimizer"]}."""',
        "import random" if _needs_random(c) else "",
        "import nn",
        "",
        f"epochs = {epochs}  # how many epochs the lab has trained",
        f"seed = {c['seed']}  # one seed: the data, the initial weights, the order of the batches",
        "",
        *data_lines(c),
        "",
        f'model = nn.MLP(2, {sizes}, activation="{c["activation"]}", bias={c["bias"]}, '
        f'init="{c["init"]}", seed=seed)',
        *learned_lines(c),
        f"optimizer = {OPTIMIZERS[c['optimizer']].format('learned', repr(c['lr']))}",
        *loss_lines(c),
        "",
        "# every epoch recorded: its loss (and test loss), parameters, gradients and maps of the plane",
        f"recorder = nn.Recorder(model, X_train, y_train, every=1, grid={GRID}"
        + (", X_test=X_test, y_test=y_test" if test_count(c) else "")
        + ", loss_fn=loss_fn)",
        "recorder.start()  # epoch 0: the untrained model",
    ]
    return "\n".join(line for k, line in enumerate(lines) if line or lines[k - 1]) + "\n"


def epoch_code(config: dict[str, Any]) -> str:
    """One epoch: ``nn.fit`` for one epoch, its batches shuffled from ``seed + epoch``."""
    return (
        f"nn.fit(model, X_train, y_train, loss_fn, optimizer, 1, batch_size={config['batch_size']},\n"
        "           seed=seed + epoch, progress=False, recorder=recorder)"
    )


def _needs_random(c: dict[str, Any]) -> bool:
    return c["data"] == "xor" and (c["points"] != 4 or c["noise"] != 0)


def data_lines(c: dict[str, Any]) -> list[str]:
    """The data set's lines: generated, points clicked away and added, then split into train and test."""
    n, noise, labels = c["points"], c["noise"], LABELS[c["loss"]]
    if c["data"] == "xor" and not _needs_random(c):
        lines = [f"X, y = nn.data.xor(labels={labels})  # the four corners"]
    elif c["data"] == "xor":
        lines = [
            f"corners, classes = nn.data.xor(labels={labels})",
            "rng = random.Random(seed)  # the points scatter around the four corners, in turn",
            f"X = [[a + rng.gauss(0.0, {noise!r}), b + rng.gauss(0.0, {noise!r})] "
            f"for a, b in (corners[k % 4] for k in range({n}))]",
            f"y = [classes[k % 4] for k in range({n})]",
        ]
    elif c["data"] == "blobs":
        lines = [
            f"X, y = nn.data.make_blobs({n}, centers=[[-1.5, -1.5], [1.5, 1.5]], "
            f"cluster_std={0.5 + noise!r}, seed=seed)",
            f"y = [{labels}[t] for t in y]  # classes 0 and 1 as the loss wants them",
        ]
    else:
        make = {"moons": "make_moons", "circles": "make_circles", "spiral": "make_spiral"}[c["data"]]
        factor = ", factor=0.5" if c["data"] == "circles" else ""
        lines = [f"X, y = nn.data.{make}({n}, noise={noise!r}{factor}, seed=seed, labels={labels})"]
    if c["removed"]:
        lines += [
            f"removed = {c['removed']}  # points clicked away",
            "X, y = [x for k, x in enumerate(X) if k not in removed], "
            "[t for k, t in enumerate(y) if k not in removed]",
        ]
    if c["added"]:
        lines += [
            f"X += {[[x, y] for x, y, _ in c['added']]}  # points added by clicking",
            f"y += {[labels[label] for _, _, label in c['added']]}",
        ]
    test = test_count(c)
    if test:
        lines += [
            f"test = {test}  # the first {test} points are kept apart to test on",
            "X_train, y_train, X_test, y_test = X[test:], y[test:], X[:test], y[:test]",
        ]
    else:
        lines.append("X_train, y_train = X, y  # no test set")
    return lines


def learned_lines(c: dict[str, Any]) -> list[str]:
    """What the optimizer updates: per layer its weights and biases, one of them, or nothing."""
    if all(what == "both" for what in c["learn"]):
        return ["learned = model.parameters()  # every weight and bias learns"]
    method = {"both": "parameters", "weights": "weights", "biases": "biases"}
    lines = ["learned = [  # what learns, layer by layer (the rest stays as it started)"]
    for k, what in enumerate(c["learn"]):
        if what == "none":
            lines.append(f"    # layers.{k}: frozen")
        else:
            lines.append(f"    *model.layers[{k}].{method[what]}(),")
    return [*lines, "]"]


def loss_lines(c: dict[str, Any]) -> list[str]:
    if not c["l2"]:
        return [f"loss_fn = {LOSSES[c['loss']]}"]
    return [
        "",
        "def loss_fn(scores, labels):",
        f"    return {LOSSES[c['loss']]}(scores, labels) + nn.l2_penalty(model.weights(), {c['l2']!r})",
    ]


def summary(config: dict[str, Any], epoch: int | None = None) -> str:
    """A run in one line (and the epoch it reached): the title of a run on the page."""
    c = config
    learn = c["learn"][0] if len(set(c["learn"])) == 1 else "/".join(c["learn"])
    return (
        f"{c['data']} · {[*c['layers'], 1]} {c['activation']} · {c['loss']} · {c['optimizer']} "
        f"lr {c['lr']:g} · learns {learn}" + ("" if epoch is None else f" · epoch {epoch}")
    )


# --- a run -----------------------------------------------------------------------------------------


class Run:
    """One configuration, training: the namespace its code made, stepped one epoch at a time."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.namespace: dict[str, Any] = {"__name__": "lab"}
        exec(compile(setup_code(config), "<lab>", "exec"), self.namespace)
        self.epoch_step = compile(epoch_code(config), "<lab epoch>", "exec")
        self.recorder: nn.Recorder = self.namespace["recorder"]
        self.model: nn.MLP = self.namespace["model"]
        self.sent = 0  # frames the page has been sent

    @property
    def epoch(self) -> int:
        return self.recorder.frames[-1].epoch

    def train(self, epochs: int, maps: bool = True) -> None:
        """Train ``epochs`` more epochs, each with the code's own line; then, with ``maps``, map the
        plane for the last frame (``map_plane``).

        Only the last frame's maps are ever drawn, so the recorder maps no plane meanwhile (its
        ``extent`` set aside: losses, parameters and gradients are recorded as ever).
        """
        if epochs == 0:
            return
        recorder, extent = self.recorder, self.recorder.extent
        for frame in recorder.frames:
            frame.maps, frame.output = {}, None  # drawn already
        recorder.extent = None
        try:
            for _ in range(epochs):
                self.namespace["epoch"] = self.epoch
                try:
                    exec(self.epoch_step, self.namespace)
                except ArithmeticError as error:  # a float overflowed
                    raise FloatingPointError(f"in epoch {self.epoch + 1}: {error}") from error
                loss = recorder.frames[-1].loss
                if loss is not None and not math.isfinite(loss):
                    raise FloatingPointError(f"in epoch {self.epoch}: the loss is {loss}")
        finally:
            recorder.extent = extent
        if maps:
            self.map_plane()

    def map_plane(self) -> None:
        """The last frame's maps of the plane, as ``Recorder.record`` makes them (once)."""
        recorder, last = self.recorder, self.recorder.frames[-1]
        if recorder.extent is None or last.maps:
            return
        maps, output = plane_maps(self.model, recorder.grid_points(), recorder.network)
        last.maps = {name: array("d", values) for name, values in maps.items()}
        last.output = None if output is None else array("d", output)

    def state(self) -> dict[str, Any]:
        frames = self.recorder.frames
        return {
            "config": self.config,
            "epoch": self.epoch,
            "losses": {
                "train": [frame.loss for frame in frames],
                "test": [frame.test_loss for frame in frames] if self.recorder.X_test is not None else [],
            },
            "parameters": {name: p.data for name, p in self.model.named_parameters()},
        }

    def points(self) -> list[list[Any]]:
        """Where each point of the data came from, train points then test points: ``["generated", k]``
        (its index before any was removed) or ``["added", k]``."""
        c = self.config
        kept = [["generated", k] for k in range(c["points"]) if k not in c["removed"]]
        every = kept + [["added", k] for k in range(len(c["added"]))]
        test = test_count(c)
        return every[test:] + every[:test]


# --- the lab ---------------------------------------------------------------------------------------


class Lab:
    """The page's lab: the current configuration and its run, and up to three pinned runs."""

    def __init__(self) -> None:
        self.config = checked(DEFAULTS)
        self.run = Run(self.config)
        self.kept: list[dict[str, Any]] = []  # pinned runs: their state and their view's data

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Merge ``settings`` in and set up the new run at epoch 0; a bad setting leaves the old run."""
        if not isinstance(settings, dict):
            raise SettingError("settings", f"must be an object of settings, got {settings!r}")
        merged = {**self.config, **settings}
        if "layers" in settings and "learn" not in settings:
            layers = merged["layers"]
            merged["learn"] = ["both"] * (len(layers) + 1) if isinstance(layers, list) else []
        if "points" in settings and "removed" not in settings:
            merged["removed"] = []  # other points: the indices clicked away mean nothing now
        config = checked(merged, fit_batch="batch_size" not in settings)  # fewer points: smaller batches
        self.run = Run(config)
        self.config = config
        return self.frame(full=True)

    def reset(self) -> dict[str, Any]:
        """Back to epoch 0: the same configuration, so the same data, initial weights and batches."""
        self.run = Run(self.config)
        return self.frame(full=True)

    def advance(self, epochs: int | None = None, seconds: float = 0.04, draw: bool = True) -> dict[str, Any]:
        """Train ``epochs`` epochs, or (``None``) as many as fit in ``seconds`` (one at least: the next
        is left for later if, as long as the last, it would run over); the frames to draw, or (not
        ``draw``) only the epoch: the frames wait for the next ``frame``."""
        try:
            if epochs is not None:
                self.run.train(_whole("epochs", epochs, 0, 100_000), maps=False)
            else:
                started = last = time.perf_counter()
                while True:
                    self.run.train(1, maps=False)
                    now = time.perf_counter()
                    if 2 * now - last - started > seconds:  # now + (now - last) past started + seconds
                        break
                    last = now
        except FloatingPointError as error:  # the run diverged
            raise SettingError("lr", f"training diverged {error}; try a smaller learning rate") from error
        return self.frame() if draw else {"epoch": self.run.epoch}

    def frame(self, full: bool = False) -> dict[str, Any]:
        """What the page draws: the run's layout (when ``full``), the frames it has not had yet (only
        the last with its parameters and maps), and the epoch."""
        run = self.run
        run.map_plane()
        start = 0 if full else run.sent
        frames = run.recorder.frames[start:]
        data = run_data(run.recorder, "live: " + summary(run.config), frames, light=len(frames) - 1)
        run.sent = len(run.recorder.frames)
        data["origins"] = run.points()
        palette = {name: list(rgb) for name, rgb in PALETTE.items()}
        return {
            "epoch": run.epoch,
            "full": full,
            "run": data,
            "config": run.config,
            "python": self.python(),
            "palette": palette,
        }

    def state(self) -> dict[str, Any]:
        return self.run.state()

    def python(self) -> str:
        return python_code(self.config, self.run.epoch)

    def keep(self) -> list[dict[str, Any]]:
        """Pin the current run as it is now (three at most: the oldest goes); the pinned runs' views."""
        run = self.run
        run.map_plane()
        frames = run.recorder.frames
        view = run_data(run.recorder, summary(run.config, run.epoch), frames, light=len(frames) - 1)
        self.kept = [*self.kept, {"state": run.state(), "view": view}][-3:]
        return [pinned["view"] for pinned in self.kept]

    def runs(self) -> list[dict[str, Any]]:
        """The pinned runs' ``state()``s, oldest first."""
        return [pinned["state"] for pinned in self.kept]

    def unpin(self) -> list[dict[str, Any]]:
        """Forget the pinned runs."""
        self.kept = []
        return []

    def card(self, point: int, neuron: str) -> dict[str, Any]:
        """A neuron's card for one point (``_example``): z, a, δ, ∂C/∂b = δ and ∂C/∂w = δ·a_prev (numbers)."""
        x, t = self._example(point)
        with nn.inspect(self.run.model) as probe:
            loss = self.run.namespace["loss_fn"]([self.run.model(x)], [t])
        self.run.model.zero_grad()
        loss.backward()
        record = probe[neuron]
        delta = record.delta[0]
        card = {
            "neuron": neuron,
            "point": [*x, t],
            "z": record.z[0].data,
            "a": record.a[0].data,
            "delta": delta,
            "dC_db": delta if record.neuron.b is not None else None,
            "inputs": list(record.a_prev[0]),
            "dC_dw": [delta * a for a in record.a_prev[0]],
            "loss": loss.data,
        }
        self.run.model.zero_grad()
        return card

    def explore(self, point: int) -> str:
        """The backward-pass explorer page of one point's loss (``_example``) at the current parameters."""
        x, t = self._example(point)
        loss = self.run.namespace["loss_fn"]([self.run.model(x)], [t])
        return str(autograd.explore(loss).to_html())

    def _example(self, point: int) -> tuple[list[float], Any]:
        """Point ``point`` of the data and its label, numbered as the page numbers them (``Run.points``):
        the training points, then the test points."""
        namespace = self.run.namespace
        X = namespace["X_train"] + namespace.get("X_test", [])
        y = namespace["y_train"] + namespace.get("y_test", [])
        k = _whole("point", point, 0, len(X) - 1)
        return list(X[k]), y[k]


def handle(request: str) -> str:
    """Answer one message of the page, ``{"call": name, "args": [...]}``, with JSON: ``{"result": ...}``,
    or ``{"error": message, "setting": name}`` for a bad setting."""
    message = json.loads(request)
    try:
        result = getattr(lab, message["call"])(*message.get("args", []))
    except SettingError as error:
        return json.dumps({"error": str(error), "setting": error.setting})
    return encode_json({"result": result})


lab = Lab()
