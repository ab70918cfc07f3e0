"""The training view: one page to watch every neuron, weight, bias and gradient while a network learns.

``nn.training_view(*recorders, titles=None)`` turns what ``nn.Recorder`` recorded into one
self-contained HTML page (``to_html()``, ``save(path)``, shown inline in a notebook), built on the
shared page shell ``autograd.pages``:

- the network, neurons as tiles by layer; for 2-D inputs each tile is a map of that neuron's
  activation over the input plane (blue positive, orange negative, as TensorFlow Playground's);
  links coloured by the sign of their weight and as thick as |w|; each neuron's bias on its tile.
  Hovering or clicking a neuron shows its w and b and their gradients, and for the first layer
  draws its boundary w·x + b = 0 on the main plot: the line a bias moves away from the origin;
- the decision regions of the output with the training points (test points as squares);
- the loss curves with the current epoch marked, and the gradient flow: per layer, the mean
  |∂C/∂w| and |∂C/∂b| on a log scale;
- one timeline for all the runs side by side (the shell's: slider, play, speed, keys → ← Home End).

The data is one JSON block (``autograd.pages.read_data`` reads it back): ``epochs`` (the timeline),
the ``palette`` (``PALETTE``), and for each run its parameter ``names``, ``layers`` and ``frames``,
each frame with its ``epoch``, ``losses``, ``parameters`` and ``gradients`` (in the order of
``names``), ``flow`` and ``maps``. A map is ``[scale, base64]``: bytes q (signed) with value =
offset + scale·q/127, the offset being the run's ``threshold`` for the output map and 0 for a
neuron's; tiles are sampled every ``stride``-th grid point. ``window.chainrule.state()`` gives the
frame as shown.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd.pages import Page, svg_image

from .recording import Frame, Recording, gradient_flow, label_number, to_float

TILE_POINTS = 20
"""Tiles show at most this many points a side (every other point of a 40×40 grid): a page stays small."""

PALETTE = {"negative": (245, 147, 34), "positive": (8, 119, 189), "zero": (232, 234, 235)}
"""Orange, blue and grey-white, as TensorFlow Playground colours them: the classes below and above the
threshold, and the signs of activations and weights. The page gets it in its data; ``nn.plot`` too."""
ORANGE, BLUE, WHITE = PALETTE["negative"], PALETTE["positive"], PALETTE["zero"]


class TrainingView(Page):
    """The training view of one or more recordings, sharing one timeline."""

    title = "chainrule · training"
    assets = ("training.css", "training.js")
    height = 760

    def __init__(self, recorders: Sequence[Recording], titles: Sequence[str] | None = None) -> None:
        self.recorders = list(recorders)
        self.titles = list(titles) if titles is not None else [_default_title(r) for r in self.recorders]
        for k, title in enumerate(self.titles):
            _check_title(title, f"titles[{k}]")

    def __repr__(self) -> str:
        epochs = self.epochs()
        runs = f"{len(self.recorders)} run{'s' if len(self.recorders) != 1 else ''}"
        return f"<TrainingView: {runs}, epochs {epochs[0]}–{epochs[-1]}>"

    # --- the data ---------------------------------------------------------------------------------

    def epochs(self) -> list[int]:
        """The timeline: every epoch recorded by any of the runs, in order."""
        return sorted({epoch for recorder in self.recorders for epoch in recorder.epochs})

    def data(self) -> dict[str, Any]:
        epochs = self.epochs()
        return {
            "frames": max(len(epochs) - 1, 0),
            "epochs": epochs,
            "palette": {name: list(rgb) for name, rgb in PALETTE.items()},
            "runs": [_run(recorder, title) for recorder, title in zip(self.recorders, self.titles)],
        }

    # --- the page ---------------------------------------------------------------------------------

    def body(self) -> str:
        static = _static_runs(self.recorders, self.titles, lambda svg, alt: svg)
        return f'<main id="training" class="cr-live"></main>\n<div class="cr-static">{static}</div>'

    def fallback(self) -> str:
        """Each run's last frame as pictures (``<img>``, which notebook sanitisers keep): the network,
        the decision regions with the points, the loss curve."""
        return _static_runs(self.recorders, self.titles, svg_image)


def training_view(*recorders: Recording, titles: Sequence[str] | None = None) -> TrainingView:
    """A page showing the recordings side by side on one timeline (one title per recorder, optional)."""
    if not recorders:
        raise ValueError("training_view: give at least one Recorder")
    for k, recorder in enumerate(recorders):
        if not isinstance(recorder, Recording):  # by what it has: an nn.Recorder, or one alike
            raise TypeError(
                f"training_view: argument {k} must be an nn.Recorder, got {type(recorder).__name__}"
            )
        if not recorder.frames:
            raise ValueError(
                f"training_view: recorder {k} has recorded nothing yet (train with fit(recorder=...))"
            )
    if titles is not None and not isinstance(titles, str) and isinstance(titles, Iterable):
        titles = list(titles)
    if titles is not None and (not isinstance(titles, list) or len(titles) != len(recorders)):
        raise ValueError(f"training_view: titles must list one title per recorder ({len(recorders)})")
    return TrainingView(recorders, titles)


def _check_title(title: object, where: str) -> None:
    """A title is text (a lone surrogate in it is saved as its escape by the page shell)."""
    if not isinstance(title, str):
        raise TypeError(f"training_view: {where} must be a string, got {type(title).__name__}: {title!r}")


# --- one run as JSON -------------------------------------------------------------------------------


def _default_title(recorder: Recording) -> str:
    return repr(recorder.model).splitlines()[0].rstrip(" (")


def _run(recorder: Recording, title: str) -> dict[str, Any]:
    return run_data(recorder, title)


def run_data(
    recorder: Recording, title: str, frames: Sequence[Frame] | None = None, *, light: int = 0
) -> dict[str, Any]:
    """One run of the page's data: its layout (names, layers, grid, points) and ``frames`` (by
    default all it recorded). The first ``light`` of them carry only their epoch, losses and
    gradient flow (``parameters``, ``gradients`` and ``maps`` empty): a live page that has drawn
    a frame needs only the losses of the frames before the one it shows."""
    names = recorder.names
    index = {name: k for k, name in enumerate(names)}
    layers = [
        [
            {
                "name": n.name,
                "weights": [index[w] for w in n.weights],
                "bias": None if n.bias is None else index[n.bias],
                "activation": n.activation,
            }
            for n in layer
        ]
        for layer in recorder.network
    ]
    run: dict[str, Any] = {
        "title": title,
        "names": names,
        "layers": layers,
        "inputs": recorder.inputs,
        "threshold": recorder.threshold,
        "grid": None,
        "points": None,
        "note": None,
    }
    stride = 1
    if recorder.extent is not None:
        stride = math.ceil(recorder.grid / TILE_POINTS)
        run["grid"] = {
            "size": recorder.grid,
            "extent": list(recorder.extent),
            "stride": stride,
            "tile": len(range(0, recorder.grid, stride)),
        }
        run["points"] = {
            "train": [[*_xy(x), label_number(t)] for x, t in zip(recorder.X, recorder.y)],
            "test": [
                [*_xy(x), label_number(t)] for x, t in zip(recorder.X_test or [], recorder.y_test or [])
            ],
        }
    else:
        run["note"] = (
            f"The inputs have {recorder.inputs} feature{'s' if recorder.inputs != 1 else ''}: "
            "the maps of the input plane and the boundary lines need exactly 2."
        )
    if not recorder.network:
        run["note"] = (run["note"] or "") + " Neurons are drawn for a Neuron, Layer or MLP only."
    tile = [(i, j) for j in range(0, recorder.grid, stride) for i in range(0, recorder.grid, stride)]
    tile_indices = [j * recorder.grid + i for i, j in tile]
    chosen = recorder.frames if frames is None else frames
    run["frames"] = [_frame(frame, recorder, tile_indices, k < light) for k, frame in enumerate(chosen)]
    return run


def _frame(frame: Frame, recorder: Recording, tile_indices: list[int], light: bool = False) -> dict[str, Any]:
    flow = [list(pair) for pair in gradient_flow(recorder.network, frame.gradients)]
    losses = {"train": frame.loss, "test": frame.test_loss}
    if light:
        return {
            "epoch": frame.epoch,
            "losses": losses,
            "parameters": [],
            "gradients": [],
            "flow": flow,
            "maps": {},
        }
    maps: dict[str, Any] = {}
    if frame.output is not None:
        maps["output"] = encode(frame.output, recorder.threshold)
    if frame.maps:
        maps["neurons"] = {name: encode([m[i] for i in tile_indices]) for name, m in frame.maps.items()}
    return {
        "epoch": frame.epoch,
        "losses": losses,
        "parameters": list(frame.parameters.values()),
        "gradients": list(frame.gradients.values()),
        "flow": flow,
        "maps": maps,
    }


def encode(values: Sequence[float], offset: float = 0.0) -> list[Any]:
    """``[scale, base64 of bytes q]``, value ≈ offset + scale·q/127; q keeps the sign of value − offset."""
    shifted = [v - offset for v in values]
    scale = max((abs(v) for v in shifted if math.isfinite(v)), default=0.0) or 1.0
    codes = []
    for v in shifted:
        q = max(-127, min(127, round(127 * v / scale))) if math.isfinite(v) else 0
        if q == 0 and v != 0 and math.isfinite(v):
            q = 1 if v > 0 else -1  # the sign is the class: never round it away
        codes.append(q & 0xFF)
    return [scale, base64.b64encode(bytes(codes)).decode("ascii")]


def decode(encoded: Sequence[Any], offset: float = 0.0) -> list[float]:
    """The values of a map as the page reads them: offset + scale·q/127 (the inverse of the encoding)."""
    scale, text = encoded
    return [offset + scale * (b - 256 if b > 127 else b) / 127 for b in base64.b64decode(text)]


def _xy(x: Any) -> list[float]:
    return [to_float(v) for v in x][:2]


# --- the static fallback ----------------------------------------------------------------------------


def _colour(fraction: float) -> str:
    """A colour between orange (−1), grey-white (0) and blue (+1)."""
    f = max(-1.0, min(1.0, fraction))
    end = BLUE if f > 0 else ORANGE
    rgb = [round(w + abs(f) * (e - w)) for w, e in zip(WHITE, end)]
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})"


Picture = Callable[[str, str], str]
"""How a static SVG drawing goes into HTML, given the drawing and its alt text: inline, or ``svg_image``."""


def _static_runs(recorders: Sequence[Recording], titles: Sequence[str], picture: Picture) -> str:
    """Each run's last frame, side by side: the network, decision regions and points, the loss curve."""
    parts = [_static_run(recorder, title, picture) for recorder, title in zip(recorders, titles)]
    return (
        '<div style="display:flex;flex-wrap:wrap;gap:16px;font-family:sans-serif">'
        + "".join(parts)
        + "</div>"
    )


def _static_run(recorder: Recording, title: str, picture: Picture) -> str:
    frame = recorder.frames[-1]
    losses = [f"train loss {frame.loss:.4g}" if frame.loss is not None else ""]
    if frame.test_loss is not None:
        losses.append(f"test loss {frame.test_loss:.4g}")
    caption = f"{html.escape(title)}: epoch {frame.epoch}" + "".join(f", {x}" for x in losses if x)
    parts = [f'<figure style="margin:0"><figcaption style="font-size:13px">{caption}</figcaption>']
    if recorder.network:
        parts.append(picture(_static_network(recorder, frame), f"the network at epoch {frame.epoch}"))
    if frame.output is not None and recorder.extent is not None:
        parts.append(picture(_static_regions(recorder, frame), f"decision regions at epoch {frame.epoch}"))
    curve = _static_losses(recorder)
    if curve:
        parts.append(picture(curve, "the loss by epoch"))
    parts.append("</figure>")
    return "".join(parts)


def _static_network(recorder: Recording, frame: Frame, tile: int = 16, step: int = 70) -> str:
    """The network at ``frame``: neurons as squares coloured by their bias, links by their weight."""
    columns = [recorder.inputs] + [len(layer) for layer in recorder.network]
    gap = tile + 6
    height, width = max(columns) * gap + 4, step * (len(columns) - 1) + tile + 4
    weights = [abs(frame.parameters[w]) for layer in recorder.network for n in layer for w in n.weights]
    largest = max((w for w in weights if math.isfinite(w)), default=0.0) or 1.0

    def at(column: int, row: int) -> tuple[float, float]:
        return 2 + column * step, 2 + (max(columns) - columns[column]) * gap / 2 + row * gap

    links, tiles = [], []
    for row in range(recorder.inputs):
        x, y = at(0, row)
        tiles.append(f'<rect x="{x}" y="{y:.1f}" width="{tile}" height="{tile}" fill="#ddd" stroke="#999"/>')
    for column, layer in enumerate(recorder.network, start=1):
        for row, neuron in enumerate(layer):
            x, y = at(column, row)
            for k, name in enumerate(neuron.weights):
                w = frame.parameters[name]
                x0, y0 = at(column - 1, k)
                thickness = 0.3 + 3 * abs(w) / largest if math.isfinite(w) else 0.3
                links.append(
                    f'<line x1="{x0 + tile}" y1="{y0 + tile / 2:.1f}" x2="{x}" y2="{y + tile / 2:.1f}" '
                    f'stroke="{_colour(0.9 if w > 0 else -0.9)}" stroke-width="{thickness:.2f}" '
                    'opacity="0.7"/>'
                )
            b = 0.0 if neuron.bias is None else frame.parameters[neuron.bias]
            fill = _colour(math.tanh(2 * b) if math.isfinite(b) else 0.0)
            tiles.append(
                f'<rect x="{x}" y="{y:.1f}" width="{tile}" height="{tile}" fill="{fill}" stroke="#999">'
                f"<title>{html.escape(neuron.name)}: b = {b:.4g}</title></rect>"
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="the network at epoch {frame.epoch}">{"".join(links)}{"".join(tiles)}</svg>'
    )


def _static_regions(recorder: Recording, frame: Frame, size: int = 240) -> str:
    assert frame.output is not None and recorder.extent is not None
    n, (x0, x1, y0, y1) = recorder.grid, recorder.extent
    cell = size / n
    rects = []
    for row in range(n):  # one rectangle per run of cells of one class, drawn from the bottom up
        values = frame.output[row * n : (row + 1) * n]
        start = 0
        for i in range(1, n + 1):
            if i == n or (values[i] > recorder.threshold) != (values[start] > recorder.threshold):
                colour = _colour(0.45 if values[start] > recorder.threshold else -0.45)
                top = size - (row + 1) * cell
                rects.append(
                    f'<rect x="{start * cell:.1f}" y="{top:.1f}" width="{(i - start) * cell + 0.3:.1f}" '
                    f'height="{cell + 0.3:.1f}" fill="{colour}"/>'
                )
                start = i
    dots = []
    for marker, points, labels in (
        ("circle", recorder.X, recorder.y),
        ("square", recorder.X_test or [], recorder.y_test or []),
    ):
        for x, t in zip(points, labels):
            u, v = _xy(x)
            if not (x0 <= u <= x1 and y0 <= v <= y1):
                continue  # outside the plane shown (an extent of the learner's choosing)
            px, py = (u - x0) / (x1 - x0) * size, size - (v - y0) / (y1 - y0) * size
            fill = _colour(1 if label_number(t) > recorder.threshold else -1)
            if marker == "circle":
                dots.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{fill}" stroke="#fff"/>')
            else:
                dots.append(
                    f'<rect x="{px - 3:.1f}" y="{py - 3:.1f}" width="6" height="6" '
                    f'fill="{fill}" stroke="#222"/>'
                )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="decision regions at epoch {frame.epoch}">'
        f"{''.join(rects)}{''.join(dots)}</svg>"
    )


def _static_losses(recorder: Recording, width: int = 240, height: int = 120) -> str:
    series = [
        ([(f.epoch, f.loss) for f in recorder.frames if f.loss is not None], "#333"),
        ([(f.epoch, f.test_loss) for f in recorder.frames if f.test_loss is not None], "#d62728"),
    ]
    series = [([(e, v) for e, v in points if math.isfinite(v)], colour) for points, colour in series]
    values = [v for points, _ in series for _, v in points]
    if not values:
        return ""
    last = max(recorder.epochs[-1], 1)
    low, high = min(values), max(values)
    high = high if high > low else low + 1
    lines = []
    for points, colour in series:
        if points:
            x = [8 + e / last * (width - 16) for e, _ in points]
            y = [height - 8 - (v - low) / (high - low) * (height - 16) for _, v in points]
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y))
            lines.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="loss curve"><rect width="{width}" height="{height}" fill="#fafafa"/>{"".join(lines)}'
        f'<text x="{width - 6}" y="14" text-anchor="end" font-size="11">loss by epoch</text></svg>'
    )
