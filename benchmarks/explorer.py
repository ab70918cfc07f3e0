"""Benchmark: the backward-pass explorer's export (time, size) and a step in Chromium (median, worst).

``python -m benchmarks.explorer`` prints the lines; ``--screenshot docs/explorer.png`` also photographs
the lecture neuron's page in Chromium for the README. Budgets: the lecture neuron exports in under
0.2 s and 100 KB; ``MLP(2, [16, 16, 1])`` on one input plus a loss (about 400 values) in under 3 s
and 3 MB, and a step in Chromium takes under 50 ms.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import autograd
import nn
from autograd import Value
from nn.demo import lecture_neuron

from .browser import chromium_page, frame_times, main, timing_line

BUDGETS = {"neuron": (0.2, 100_000), "mlp": (3.0, 3_000_000)}
"""Export budgets: seconds and bytes."""
STEP_BUDGET_MS = 50.0


def mlp_loss() -> Value:
    """micrograd's demo network, ``MLP(2, [16, 16, 1])``, on one input, with a squared error."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    prediction = model([0.5, -1.0])
    assert isinstance(prediction, Value)
    loss = (prediction - 1.0) ** 2
    loss.label = "loss"
    return loss


def export(make: Callable[[], Value], repeats: int = 3) -> tuple[float, int, str, int]:
    """Best time (s) over ``repeats`` to build the explorer and write its HTML; the size, page, values."""
    best, document, values = float("inf"), "", 0
    for _ in range(repeats):
        root = make()
        started = time.perf_counter()
        explorer = autograd.explore(root)
        document = explorer.to_html()
        best = min(best, time.perf_counter() - started)
        values = explorer.values
    return best, len(document.encode("utf-8")), document, values


def step_times(document: str, page: Any = None) -> list[float]:
    """Milliseconds each step takes in Chromium, stepping from the first frame to the last."""
    return frame_times(document, page)


def screenshot(path: Path) -> None:
    """The lecture neuron's page three steps in, with a value clicked, as a PNG."""
    with chromium_page(width=1200, height=720) as page:
        page.set_content(autograd.explore(lecture_neuron()).to_html())
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.click('[data-node="4"]')  # w2: its data, grad and lines of code
        page.screenshot(path=str(path))


def run(quick: bool = False) -> list[str]:
    """The benchmark's lines: export of both graphs, then a step in Chromium for the larger one."""
    lines = []
    repeats = 1 if quick else 3
    document = ""
    for key, name, make in (
        ("neuron", "lecture neuron", lecture_neuron),
        ("mlp", "MLP(2, [16, 16, 1]) + loss", mlp_loss),
    ):
        seconds, size, document, values = export(make, repeats)
        budget_seconds, budget_bytes = BUDGETS[key]
        lines.append(
            f"explorer export, {name} ({values} values): {seconds:.3f} s, {size / 1000:.0f} KB "
            f"(budget {budget_seconds:g} s, {budget_bytes / 1000:.0f} KB)"
        )
    lines.append(
        timing_line("explorer step in Chromium, MLP(2, [16, 16, 1]) + loss", document, STEP_BUDGET_MS)
    )
    return lines


if __name__ == "__main__":
    sys.exit(main("python -m benchmarks.explorer", __doc__.splitlines()[0], run, screenshot))
