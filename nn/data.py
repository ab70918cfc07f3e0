"""Toy data sets (XOR, moons, circles, blobs, a spiral), 8×8 digits, mini-batches, one-hot rows: pure Python.

Every generator returns ``(X, y)``: ``X`` a list of points (each a list of floats), ``y`` a
list of labels. Two-class sets label the classes ``labels[0]`` and ``labels[1]``, by default
0 and 1 (for the cross-entropy losses); pass ``labels=(-1, 1)`` for ``hinge_loss``. They are
seeded (``seed=0`` by default), so the same call always gives the same points; ``seed=None``
draws from Python's global ``random``, as models do. The geometry
follows scikit-learn's ``make_moons``, ``make_circles`` and ``make_blobs``, without needing it.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import numbers
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from autograd import whole_number

from .seeding import make_rng

Points = list[list[float]]


def _check_labels(labels: Sequence[Any]) -> None:
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels must be two different values (the two classes), got {labels!r}")


def _real(owner: str, name: str, value: Any) -> float:
    """``value`` as a Python float if it is a finite real number ≥ 0 (so points stay plain floats)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) < math.inf:
        raise ValueError(f"{owner}: {name} must be a finite number ≥ 0, got {value!r}")
    return float(value)


def _shuffled(X: Points, y: list[Any], rng: random.Random) -> tuple[Points, list[Any]]:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _linspace(start: float, stop: float, count: int, endpoint: bool = True) -> list[float]:
    """``count`` evenly spaced numbers from ``start`` to ``stop`` (``stop`` included if ``endpoint``)."""
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1 if endpoint else count)
    return [start + i * step for i in range(count)]


def xor(labels: Sequence[Any] = (0, 1)) -> tuple[Points, list[Any]]:
    """The corners of the unit square labelled by exclusive or: no straight line separates the classes."""
    _check_labels(labels)
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    return X, [labels[0], labels[1], labels[1], labels[0]]


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = 0, labels: Sequence[Any] = (0, 1)
) -> tuple[Points, list[Any]]:
    """Two interleaving half circles: the upper one is class ``labels[0]``, the lower one ``labels[1]``.

    Each point gets Gaussian noise of standard deviation ``noise``; the order is shuffled.
    """
    _check_labels(labels)
    n_samples, noise = (
        whole_number(n_samples, "make_moons: n_samples", 1),
        _real("make_moons", "noise", noise),
    )
    rng = make_rng(seed)
    outer, inner = n_samples // 2, n_samples - n_samples // 2
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, outer)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, inner)]
    y = [labels[0]] * outer + [labels[1]] * inner
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X] if noise else X
    return _shuffled(X, y, rng)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.05,
    factor: float = 0.8,
    seed: int | None = 0,
    labels: Sequence[Any] = (0, 1),
) -> tuple[Points, list[Any]]:
    """A circle of radius 1 (class ``labels[0]``) around one of radius ``factor`` (class ``labels[1]``)."""
    _check_labels(labels)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must lie strictly between 0 and 1, got {factor!r}")
    factor = float(factor)
    n_samples, noise = (
        whole_number(n_samples, "make_circles: n_samples", 1),
        _real("make_circles", "noise", noise),
    )
    rng = make_rng(seed)
    outer, inner = n_samples // 2, n_samples - n_samples // 2
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, 2 * math.pi, outer, endpoint=False)]
    angles = _linspace(0.0, 2 * math.pi, inner, endpoint=False)
    X += [[factor * math.cos(t), factor * math.sin(t)] for t in angles]
    y = [labels[0]] * outer + [labels[1]] * inner
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X] if noise else X
    return _shuffled(X, y, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    cluster_std: float = 1.0,
    n_features: int = 2,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = 0,
) -> tuple[Points, list[int]]:
    """Gaussian clusters, labelled 0, 1, 2, ... by cluster (class indices for ``cross_entropy``).

    ``centers`` is a number of clusters (centres drawn uniformly in ``center_box``) or the
    centres themselves. The samples are shared out as evenly as possible; the order is shuffled.
    """
    n_samples = whole_number(n_samples, "make_blobs: n_samples", 1)
    n_features = whole_number(n_features, "make_blobs: n_features", 1)
    cluster_std = _real("make_blobs", "cluster_std", cluster_std)
    low, high = (float(bound) for bound in center_box)
    rng = make_rng(seed)
    if isinstance(centers, (int, numbers.Number)):
        count = whole_number(centers, "make_blobs: centers", 1)
        points = [[rng.uniform(low, high) for _ in range(n_features)] for _ in range(count)]
    else:
        points = [[float(c) for c in center] for center in centers]
        if not points:
            raise ValueError("make_blobs: centers must list at least one centre")
    X: Points = []
    y: list[int] = []
    for label, center in enumerate(points):
        count = n_samples // len(points) + (label < n_samples % len(points))
        X += [[c + rng.gauss(0.0, cluster_std) for c in center] for _ in range(count)]
        y += [label] * count
    return _shuffled(X, y, rng)


def make_spiral(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = 0, labels: Sequence[Any] = (0, 1)
) -> tuple[Points, list[Any]]:
    """Two interleaved spiral arms, as TensorFlow Playground's spiral: arm ``labels[0]`` and, turned
    half a circle, arm ``labels[1]``. Along an arm the radius grows from 0 to 5 while the angle turns
    1.75 times round; each point gets Gaussian noise of standard deviation ``noise``. Shuffled.
    """
    _check_labels(labels)
    n_samples, noise = (
        whole_number(n_samples, "make_spiral: n_samples", 1),
        _real("make_spiral", "noise", noise),
    )
    rng = make_rng(seed)
    X: Points = []
    y: list[Any] = []
    for arm, count in enumerate((n_samples // 2, n_samples - n_samples // 2)):
        for i in range(count):
            radius = 5.0 * i / count
            angle = 1.75 * 2 * math.pi * i / count + math.pi * arm
            X.append([radius * math.sin(angle), radius * math.cos(angle)])
            y.append(labels[arm])
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X] if noise else X
    return _shuffled(X, y, rng)


def batches(
    X: Sequence[Any],
    y: Sequence[Any],
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Iterator[tuple[list[Any], list[Any]]]:
    """Yield ``(X_batch, y_batch)`` pairs of at most ``batch_size`` samples that together cover the data once.

    With ``shuffle`` the order is new each call, drawn from ``rng``, from a generator seeded with
    ``seed``, or from Python's global ``random`` (as models are); the last batch may be smaller.
    """
    if len(X) != len(y):
        raise ValueError(f"batches: {len(X)} inputs but {len(y)} labels")
    batch_size = whole_number(batch_size, "batches: batch_size", 1)
    order = list(range(len(X)))
    if shuffle:
        make_rng(seed, rng).shuffle(order)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        yield [X[i] for i in chosen], [y[i] for i in chosen]


def split(
    X: Sequence[Any], y: Sequence[Any], test_fraction: float = 0.2, seed: int | None = 0
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """``(X_train, y_train, X_test, y_test)``: a shuffled ``test_fraction`` of the samples held out.

    A model is judged on the held-out samples, which it never trained on.
    """
    if len(X) != len(y):
        raise ValueError(f"split: {len(X)} inputs but {len(y)} labels")
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, numbers.Real)
        or not 0 < test_fraction < 1
    ):
        raise ValueError(f"split: test_fraction must lie strictly between 0 and 1, got {test_fraction!r}")
    order = list(range(len(X)))
    make_rng(seed).shuffle(order)
    held = round(len(order) * float(test_fraction))
    train, test = order[held:], order[:held]
    return [X[i] for i in train], [y[i] for i in train], [X[i] for i in test], [y[i] for i in test]


def one_hot(labels: Sequence[Any], classes: int) -> Points:
    """Each class index as a row of ``classes`` numbers, 1.0 at the index and 0.0 elsewhere.

    The targets of ``cross_entropy`` as class probabilities: a form that picks no score by a number
    from the data, so a loss written with it replays over a batch (``autograd.compile(..., batch=True)``).
    """
    classes = whole_number(classes, "one_hot: classes", 1)
    rows = []
    for label in labels:
        if (
            isinstance(label, bool)
            or not isinstance(label, numbers.Integral)
            or not 0 <= int(label) < classes
        ):
            raise ValueError(f"one_hot: labels must be class indices in [0, {classes}), got {label!r}")
        rows.append([1.0 if j == label else 0.0 for j in range(classes)])
    return rows


def digits() -> tuple[Points, list[int]]:
    """The 1,797 handwritten digits of 8×8 pixels (UCI's optical digits, as scikit-learn ships them).

    ``X`` holds 64 pixels per image, scaled from 0 … 16 to 0 … 1, row by row; ``y`` the digit,
    0 to 9. The file comes with scikit-learn, read here without importing it (which takes
    seconds) and without any download: install it with ``pip install 'chainrule[digits]'``.
    """
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if path is None or not path.is_file():
        raise ImportError(
            "nn.data.digits() reads the data set that scikit-learn ships: pip install 'chainrule[digits]'"
        )
    with gzip.open(path, "rt", encoding="ascii") as file:
        rows = [[int(number) for number in line.split(",")] for line in file if line.strip()]
    return [[pixel / 16.0 for pixel in row[:-1]] for row in rows], [row[-1] for row in rows]
