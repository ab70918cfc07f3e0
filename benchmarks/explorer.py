"""Benchmark: the backward-pass explorer's export (time, size), a step and an edit in Chromium.

``python -m benchmarks.explorer`` prints the lines; ``--screenshot docs/explorer.png`` also photographs
the lecture neuron's page in Chromium, a weight being changed, for the README. Budgets: the lecture
neuron exports in under 0.2 s and 100 KB; ``MLP(2, [16, 16, 1])`` on one input plus a loss (about 400
values) in under 3 s and 3 MB, and a step in Chromium takes under 50 ms. An edit of a leaf (a key
press, to the next painted frame) takes a median of 16 ms or less and a 95th percentile of 50 ms or
less on that network's loss over 3 samples (551 values), a median of 50 ms or less over 23 samples
(1,971 values, 15,594 edges), whose export takes at most 5 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

import autograd
import nn
from autograd import Value
from nn.demo import lecture_neuron

from .browser import chromium_page, frame_times, main, timing_line

BUDGETS = {
    "neuron": (0.2, 100_000),
    "mlp": (3.0, 3_000_000),
    "mlp3": (5.0, 3_000_000),
    "mlp23": (5.0, 15_000_000),
}
"""Export budgets: seconds and bytes."""
STEP_BUDGET_MS = 50.0
EDIT_BUDGETS_MS = {3: (16.0, 50.0), 23: (50.0, float("inf"))}
"""Edit to repainted frame, by samples in the loss: median and 95th percentile."""

EDIT_TIMES = """async (count) => {
  const leaves = [...document.querySelectorAll(".cr-leaf")], times = [], work = [];
  const kind = (g) => chainrule.data.nodes[Number(g.getAttribute("data-node"))].kind;
  const leaf = leaves.find((g) => kind(g) === "weight") || leaves[0];  // a weight, where one is drawn
  leaf.focus();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    leaf.dispatchEvent(new KeyboardEvent("keydown", {key: i % 2 ? "ArrowDown" : "ArrowUp", bubbles: true}));
    document.body.offsetHeight;  // the style and layout the change causes
    work.push(performance.now() - started);
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));  // painted
    times.push(performance.now() - started);
  }
  return [times, work];
}"""
"""Milliseconds from an ↑/↓ key on a weight to the next painted frame, and of the page's own work."""


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


def mlp_samples(samples: int) -> Value:
    """``MLP(2, [16, 16, 1])``'s squared error summed over ``samples`` inputs: 409 values for one, 71
    more for each further one (the parameters are shared)."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    errors = [(cast(Value, model([0.5 * i, -1.0 + 0.3 * i])) - 1.0) ** 2 for i in range(samples)]
    loss = autograd.value_sum(errors)
    loss.label = "loss"
    return loss


def edit_times(document: str, page: Any, count: int = 60) -> tuple[list[float], list[float]]:
    """Milliseconds from each of ``count`` key presses on a leaf to the painted frame, and the page's work."""
    page.set_content(document)
    times, work = page.evaluate(EDIT_TIMES, count)
    return times, work


def spread(times: list[float]) -> str:
    """``median 4.1 ms (IQR 3.9–4.4), p95 6.0 ms``."""
    ordered = sorted(times)
    quartiles = statistics.quantiles(ordered, n=4)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"median {statistics.median(ordered):.1f} ms (IQR {quartiles[0]:.1f}–{quartiles[2]:.1f}), "
        f"p95 {p95:.1f} ms"
    )


def step_times(document: str, page: Any = None) -> list[float]:
    """Milliseconds each step takes in Chromium, stepping from the first frame to the last."""
    return frame_times(document, page)


def screenshot(path: Path) -> None:
    """The lecture neuron's page three steps in, a weight being changed, as a PNG."""
    with chromium_page(width=1200, height=720) as page:
        page.set_content(autograd.explore(lecture_neuron()).to_html())
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.evaluate("chainrule.set('w2', 0.5)")
        page.click('[data-node="4"]')  # w2: its data, grad and lines of code, and the editor open
        page.keyboard.type("0.75")
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
    lines += edit_lines(repeats)
    return lines


def edit_lines(repeats: int) -> list[str]:
    """Export and edits in Chromium of the network's loss over 3 and 23 samples."""
    lines = []
    for samples in EDIT_BUDGETS_MS:
        seconds, size, document, values = export(partial(mlp_samples, samples), repeats)
        budget_seconds, budget_bytes = BUDGETS[f"mlp{samples}"]
        lines.append(
            f"explorer export, MLP(2, [16, 16, 1]) loss over {samples} samples ({values} values): "
            f"{seconds:.3f} s, {size / 1000:.0f} KB "
            f"(budget {budget_seconds:g} s, {budget_bytes / 1000:.0f} KB)"
        )
        try:
            with chromium_page() as page:
                times, work = edit_times(document, page, 30 if repeats == 1 else 100)
        except RuntimeError as missing:
            lines.append(f"explorer edit in Chromium: skipped, {missing}")
            continue
        median, p95 = EDIT_BUDGETS_MS[samples]
        lines.append(
            f"explorer edit to painted frame, {values} values ({len(times)} key presses): {spread(times)} "
            f"(budget median {median:g} ms" + (f", p95 {p95:g} ms)" if p95 != float("inf") else ")")
        )
        lines.append(f"explorer edit, the page's own work, {values} values: {spread(work)}")
    return lines


if __name__ == "__main__":
    sys.exit(main("python -m benchmarks.explorer", __doc__.splitlines()[0], run, screenshot))
