"""Benchmark 5: time per node (build + backward) from a thousand to a million nodes.

Two shapes: the wide, shallow expression graph of benchmark 2, which every library can run, and
a deep chain ``x = x·w + b``, which micrograd's recursive topological sort cannot: Python's default
recursion limit (1000) stops it near a thousand nodes deep. We leave the limit alone, as a user
would, and report the failure. (On Python 3.11+ raising it with ``sys.setrecursionlimit`` lets
micrograd through a million-node chain, at a few µs per node.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import expression
from .libraries import Library
from .timing import time_repeated

FLATNESS_TARGET = 2.0
"""Largest time per node over smallest, across the sizes, that still counts as flat."""


@dataclass
class Curve:
    """Time per node (µs) at each size for one library and one graph shape; None where it failed."""

    label: str
    sizes: list[int] = field(default_factory=list)
    per_node: list[float | None] = field(default_factory=list)
    failure: str = ""

    def spread(self) -> float:
        """Largest over smallest time per node among the sizes that ran."""
        times = [t for t in self.per_node if t is not None]
        return max(times) / min(times)


def _repeats(size: int) -> int:
    return max(1, min(5, 200_000 // size))


def _measure_once(library: Library, build: Callable[[Any, list[Any]], Any], recipe: Any) -> float:
    """Seconds for one ``build(recipe, pool)`` and its backward pass (RecursionError passes through)."""

    def work(pool: list[Any]) -> None:
        build(recipe, pool).backward()

    return time_repeated(work, 1, setup=lambda: expression.make_pool(library)).best


SHAPES: dict[str, tuple[Callable[[int], Any], Callable[[Any, list[Any]], Any]]] = {
    "wide graph": (expression.shape_with, expression.build),
    "deep chain": (lambda operations: operations, expression.build_chain),
}
"""Each graph shape: its recipe for a size (made before timing), and how a library builds it."""


def measure_curves(libraries: Sequence[Library], sizes: Sequence[int], micrograd_largest: int) -> list[Curve]:
    """chainrule on both shapes at every size; micrograd on both up to ``micrograd_largest`` nodes.

    The sizes of a curve take turns, round by round (small graphs get more rounds), so that the
    machine's drift over the minutes a curve takes does not tilt it. A size that fails stops the
    curve there.
    """
    curves = []
    for library in libraries:
        for shape, (recipe_for, build) in SHAPES.items():
            curve = Curve(f"{library.name}, {shape}")
            curve.sizes = [s for s in sizes if library.name != "micrograd" or s <= micrograd_largest]
            recipes = {size: recipe_for(size) for size in curve.sizes}
            best = {size: math.inf for size in curve.sizes}
            for round_number in range(max(map(_repeats, curve.sizes))):
                if curve.failure:
                    break
                for size in [s for s in curve.sizes if round_number < _repeats(s)]:
                    try:
                        best[size] = min(best[size], _measure_once(library, build, recipes[size]))
                    except RecursionError:
                        curve.failure = f"RecursionError at {size:,} nodes"
                        curve.sizes = [s for s in curve.sizes if s <= size]
                        break
            curve.per_node = [
                None if math.isinf(best[size]) else best[size] / size * 1e6 for size in curve.sizes
            ]
            curves.append(curve)
    return curves


def summary(curves: Sequence[Curve]) -> list[str]:
    """The scaling ratio lines: how flat chainrule's time per node is, and where micrograd stops."""
    lines = []
    for curve in curves:
        ran = [(s, t) for s, t in zip(curve.sizes, curve.per_node) if t is not None]
        if not ran:
            lines.append(f"scaling, {curve.label}: {curve.failure}")
            continue
        (first, t_first), (last, t_last) = ran[0], ran[-1]
        line = (
            f"scaling, {curve.label}: {t_first:.3g} µs/node at {first:,} nodes, {t_last:.3g} at {last:,}; "
            f"largest/smallest {curve.spread():.2f}x"
        )
        if curve.label.startswith("chainrule"):
            verdict = "met" if curve.spread() <= FLATNESS_TARGET else "NOT met"
            line += f" (#6's goal: target within {FLATNESS_TARGET:g}x: {verdict})"
        if curve.failure:
            line += f"; {curve.failure}"
        lines.append(line)
    return lines


def plot(curves: Sequence[Curve], path: Path) -> None:
    """Save time per node against graph size, log–log, to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    for curve in curves:
        ran = [(s, t) for s, t in zip(curve.sizes, curve.per_node) if t is not None]
        style = "-" if curve.label.startswith("chainrule") else "--"
        marker = "o" if "wide" in curve.label else "s"
        if ran:
            axes.plot(*zip(*ran), style, marker=marker, label=curve.label)
        if curve.failure:
            failed_at = curve.sizes[-1]
            axes.axvline(failed_at, color="grey", linestyle=":", linewidth=1)
            axes.annotate(
                f"{curve.label}:\n{curve.failure.split(' at ')[0]}",
                (failed_at, 0.97),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                va="top",
                ha="left",
                color="grey",
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
    axes.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axes.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.set_xlabel("operation nodes in the graph")
    axes.set_ylabel("build + backward, µs per node")
    axes.set_title("Time per node as the graph grows (lower is better)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
