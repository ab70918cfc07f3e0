"""Benchmark: the training view on micrograd's moons demo: recording cost, page size, a frame change.

micrograd's demo: ``MLP(2, [16, 16, 1])`` on 100 moons, hinge loss + 1e-4·Σw², 100 full-batch
steps with the learning rate falling from 1.0 to 0.1. Recording every epoch with a 40×40 grid must
add at most the training time itself (at most 2× in total), the page must stay under 5 MB, and a
change of frame in Chromium must take under 50 ms (median and worst over every frame).

``python -m benchmarks.training_view`` prints the lines; ``--screenshot docs/training.png`` also
photographs the page in Chromium for the README.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import nn
from nn.demo import moons_demo

from .browser import chromium_page, main, timing_line
from .report import verdict

RATIO_BUDGET = 2.0
"""Training with recording ÷ training without, at most."""
SIZE_BUDGET = 5_000_000
FRAME_BUDGET_MS = 50.0


def timed_moons_demo(epochs: int = 100, record: bool = False) -> tuple[float, nn.Recorder | None]:
    """Seconds to train micrograd's moons demo (``nn.demo.moons_demo``), and its recorder if ``record``."""
    started = time.perf_counter()
    _, _, recorder = moons_demo(epochs, record=record)
    return time.perf_counter() - started, recorder


def recording_ratios(epochs: int, repeats: int) -> tuple[list[float], list[float], nn.Recorder]:
    """Seconds of each run without and with recording, taking turns; and the last recorder."""
    plain, recorded, last = [], [], None
    for _ in range(repeats):
        plain.append(timed_moons_demo(epochs)[0])
        seconds, last = timed_moons_demo(epochs, record=True)
        recorded.append(seconds)
    assert last is not None
    return plain, recorded, last


def run(quick: bool = False) -> list[str]:
    """The benchmark's lines: recording overhead, export time and page size, frame change in Chromium."""
    epochs = 20 if quick else 100
    plain, recorded, recorder = recording_ratios(epochs, repeats=1 if quick else 5)
    ratios = [with_ / without for with_, without in zip(recorded, plain)]
    lines = [
        f"training view, moons demo ({epochs} epochs, 40×40 grid): fit {statistics.median(plain):.2f} s, "
        f"recording every epoch {statistics.median(recorded):.2f} s, {statistics.median(ratios):.2f}× "
        f"[{min(ratios):.2f}–{max(ratios):.2f}] (budget {RATIO_BUDGET:g}×: {verdict(ratios, RATIO_BUDGET)})"
    ]
    started = time.perf_counter()
    document = nn.training_view(recorder).to_html()
    seconds = time.perf_counter() - started
    size = len(document.encode("utf-8"))
    fits = "met" if size <= SIZE_BUDGET else "NOT met"
    lines.append(
        f"training view page, moons demo ({len(recorder.frames)} frames): export {seconds:.2f} s, "
        f"{size / 1e6:.2f} MB (budget {SIZE_BUDGET / 1e6:g} MB: {fits})"
    )
    what = "training view frame change in Chromium, moons demo"
    lines.append(timing_line(what, document, FRAME_BUDGET_MS, unit="changes"))
    return lines


def screenshot(path: Path) -> None:
    """The moons demo's page at its last epoch with a first-layer neuron selected, as a PNG."""
    _, _, recorder = moons_demo(record=True, test=True)
    assert recorder is not None
    with chromium_page(width=700, height=1000) as page:
        page.set_content(
            nn.training_view(recorder, titles=["moons: MLP(2, [16, 16, 1]), 100 epochs"]).to_html()
        )
        page.click('[data-neuron="layers.0.neurons.6"]')
        page.mouse.move(0, 0)
        page.screenshot(path=str(path), full_page=True)


if __name__ == "__main__":
    sys.exit(main("python -m benchmarks.training_view", __doc__.splitlines()[0], run, screenshot))
